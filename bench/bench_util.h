// What the bench tools share: the test Deployment they scale, a nearest-rank percentile and the
// machine's load average (recorded next to every timing).
#pragma once

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tidal::bench {

// A Deployment at 0 replicas whose pods nothing runs (a scale target only).
inline nlohmann::json deployment(const std::string& ns, const std::string& name) {
  using Json = nlohmann::json;
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"replicas", 0},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", "app:1"}}})}}}}}}}};
}

// Nearest-rank percentile (p in [0, 1]); 0 for no values.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// The 1, 5 and 15 minute load averages from /proc/loadavg, space-separated.
inline std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace tidal::bench
