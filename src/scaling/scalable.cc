#include "scaling/scalable.h"

#include <cctype>

namespace tidal::scaling {

std::string loopKey(std::string_view kind, std::string_view ns, std::string_view name) {
  std::string key;
  key.reserve(kind.size() + ns.size() + name.size() + 2);
  key.append(kind).append(".").append(ns).append(".").append(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace tidal::scaling
