// Whether a file whose path contains `part` is mapped into this process (read from
// /proc/self/maps): for the tests that check a library is loaded only once it is needed.
#pragma once

#include <fstream>
#include <string>
#include <string_view>

namespace tidal {

inline bool mappedInThisProcess(std::string_view part) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace tidal
