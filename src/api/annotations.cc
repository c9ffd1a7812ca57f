#include "api/annotations.h"

#include <charconv>

#include <fmt/format.h>

namespace tidal::api {

std::optional<bool> parseGoBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return std::nullopt;
}

StatusOr<PauseAnnotations> parsePauseAnnotations(const StringMap& annotations) {
  PauseAnnotations out;
  auto flag = [&](const char* key, bool& target) {
    auto it = annotations.find(key);
    if (it == annotations.end()) return;
    auto v = parseGoBool(it->second);
    if (!v) out.unparsable.emplace_back(key);
    target = v.value_or(true);
  };
  flag(kPausedAnnotation, out.paused);
  flag(kPausedScaleInAnnotation, out.pausedScaleIn);
  flag(kPausedScaleOutAnnotation, out.pausedScaleOut);
  flag(kForceActivationAnnotation, out.forceActivation);
  if (auto it = annotations.find(kPausedReplicasAnnotation); it != annotations.end()) {
    out.paused = true;
    const std::string& s = it->second;
    int32_t value = 0;
    const char* begin = s.data();
    const char* end = s.data() + s.size();
    if (begin != end && *begin == '+') ++begin;  // strconv.ParseInt accepts a leading '+'
    auto [ptr, ec] = std::from_chars(begin, end, value, 10);
    if (s.empty() || ec != std::errc() || ptr != end) {
      return invalidArgument(fmt::format(
          "annotation {} has value \"{}\"; expected a base-10 32-bit integer replica count",
          kPausedReplicasAnnotation, s));
    }
    out.pausedReplicas = value;
  }
  return out;
}

std::vector<std::string> parseExcludedLabels(const StringMap& annotations, std::string_view key) {
  std::vector<std::string> out;
  auto it = annotations.find(key);
  if (it == annotations.end()) return out;
  std::string_view rest = it->second;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) {
      item.remove_prefix(1);
    }
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) {
      item.remove_suffix(1);
    }
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace tidal::api
