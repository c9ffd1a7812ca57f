#include "scalers/params.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "api/duration.h"
#include "common/strings.h"

namespace tidal::scalers {

std::string_view paramSourceName(ParamSource source) {
  switch (source) {
    case ParamSource::kTriggerMetadata:
      return "triggerMetadata";
    case ParamSource::kResolvedEnv:
      return "resolvedEnv";
    case ParamSource::kAuthParams:
      return "authParams";
  }
  return "unknown";
}

std::string_view paramKindName(ParamKind kind) {
  switch (kind) {
    case ParamKind::kString:
      return "string";
    case ParamKind::kBool:
      return "bool";
    case ParamKind::kInt:
      return "int";
    case ParamKind::kFloat:
      return "float";
    case ParamKind::kDuration:
      return "duration";
    case ParamKind::kStringList:
      return "list of strings";
    case ParamKind::kIntList:
      return "list of ints";
    case ParamKind::kStringMap:
      return "map (k=v,...)";
  }
  return "string";
}

Json ParamInfo::toJson() const {
  Json j;
  j["name"] = names.front();
  if (names.size() > 1) j["aliases"] = std::vector<std::string>(names.begin() + 1, names.end());
  Json sources = Json::array();
  for (auto s : order) sources.push_back(paramSourceName(s));
  j["sources"] = std::move(sources);
  j["type"] = paramKindName(kind);
  j["required"] = !optional && !defaultValue && !deprecated;
  if (defaultValue) j["default"] = *defaultValue;
  if (!enumValues.empty()) j["enum"] = enumValues;
  if (!exclusiveSet.empty()) j["exclusiveSet"] = exclusiveSet;
  if (deprecated) j["deprecated"] = *deprecated;
  if (secret) j["secret"] = true;
  if (range) j["range"] = {range->first, range->second};
  if (!description.empty()) j["description"] = description;
  if (example) j["example"] = *example;
  return j;
}

namespace {

// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// Returns the end of the integer part, or npos when `s` is not a JSON number.
bool isJsonNumber(std::string_view s, bool& hasFractionOrExponent) {
  size_t i = 0;
  hasFractionOrExponent = false;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size()) return false;
  if (s[i] == '0') {
    ++i;
  } else if (std::isdigit(static_cast<unsigned char>(s[i]))) {
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  } else {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    hasFractionOrExponent = true;
    ++i;
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    hasFractionOrExponent = true;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start) return false;
  }
  return i == s.size();
}

std::string quotedList(const std::vector<std::string>& values) {
  return "[" + join(values, " ") + "]";
}

std::string displayName(const ParamInfo& info) {
  return join(info.names, ";");
}

}  // namespace

StatusOr<bool> parseParamBool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return invalidArgument("expected a boolean (true, false, 1, 0, t or f)");
}

StatusOr<int64_t> parseParamInt(std::string_view s) {
  bool fractional = false;
  if (!isJsonNumber(s, fractional)) return invalidArgument("expected an integer");
  if (fractional) return invalidArgument("expected an integer, got a number with a fraction");
  auto v = parseGoInt(s);
  if (!v) return invalidArgument("integer out of range for a 64-bit value");
  return *v;
}

StatusOr<double> parseParamFloat(std::string_view s) {
  bool fractional = false;
  if (!isJsonNumber(s, fractional)) return invalidArgument("expected a number");
  auto v = parseGoFloat(s);
  if (!v) return invalidArgument("number out of range");
  return *v;
}

StatusOr<std::chrono::milliseconds> parseParamDuration(std::string_view s) {
  auto d = api::parseDurationOrMillis(s);
  if (!d.isOk()) return d.status();
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

std::optional<std::string> lookupParam(const ScalerConfig& config, const ParamInfo& info) {
  for (ParamSource source : info.order) {
    for (const auto& name : info.names) {
      const StringMap* map = nullptr;
      std::string key = name;
      switch (source) {
        case ParamSource::kTriggerMetadata:
          map = &config.triggerMetadata;
          break;
        case ParamSource::kAuthParams:
          map = &config.authParams;
          break;
        case ParamSource::kResolvedEnv: {
          auto ref = config.triggerMetadata.find(name + "FromEnv");
          if (ref == config.triggerMetadata.end()) continue;
          key = ref->second;
          map = &config.resolvedEnv;
          break;
        }
      }
      auto it = map->find(key);
      if (it == map->end()) continue;
      std::string_view v = trim(it->second);
      if (!v.empty()) return std::string(v);
    }
  }
  return std::nullopt;
}

Status assignParam(std::string& out, std::string_view s) {
  out = std::string(s);
  return Status::ok();
}

Status assignParam(bool& out, std::string_view s) {
  TIDAL_ASSIGN_OR_RETURN(out, parseParamBool(s));
  return Status::ok();
}

Status assignParam(int64_t& out, std::string_view s) {
  TIDAL_ASSIGN_OR_RETURN(out, parseParamInt(s));
  return Status::ok();
}

Status assignParam(int32_t& out, std::string_view s) {
  TIDAL_ASSIGN_OR_RETURN(int64_t v, parseParamInt(s));
  if (v < INT32_MIN || v > INT32_MAX) return invalidArgument("integer out of range for 32 bits");
  out = static_cast<int32_t>(v);
  return Status::ok();
}

Status assignParam(double& out, std::string_view s) {
  TIDAL_ASSIGN_OR_RETURN(out, parseParamFloat(s));
  return Status::ok();
}

Status assignParam(std::chrono::milliseconds& out, std::string_view s) {
  TIDAL_ASSIGN_OR_RETURN(out, parseParamDuration(s));
  return Status::ok();
}

Status assignParam(std::vector<std::string>& out, std::string_view s) {
  TIDAL_ASSIGN_OR_RETURN(out, internal::parseStringList(s, ','));
  return Status::ok();
}

Status assignParam(std::vector<int64_t>& out, std::string_view s) {
  TIDAL_ASSIGN_OR_RETURN(out, internal::parseIntList(s, ',', /*expandRanges=*/true));
  return Status::ok();
}

Status assignParam(StringMap& out, std::string_view s) {
  TIDAL_ASSIGN_OR_RETURN(out, internal::parseStringMap(s, ','));
  return Status::ok();
}

namespace internal {

StatusOr<std::vector<std::string>> parseStringList(std::string_view s, char sep) {
  return split(s, sep);
}

StatusOr<std::vector<int64_t>> parseIntList(std::string_view s, char sep, bool expandRanges) {
  std::vector<int64_t> out;
  const auto parts = split(s, sep);
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const size_t dash = part.find('-', 1);  // a leading '-' is a sign
    if (expandRanges && dash != std::string::npos) {
      auto start = parseParamInt(trim(std::string_view(part).substr(0, dash)));
      auto end = parseParamInt(trim(std::string_view(part).substr(dash + 1)));
      if (!start.isOk() || !end.isOk()) {
        return invalidArgument(
            fmt::format("slice element {}: expected format start-end, got \"{}\"", i, part));
      }
      if (*end - *start > 100000) {
        return invalidArgument(fmt::format("slice element {}: range \"{}\" is too large", i, part));
      }
      for (int64_t v = *start; v <= *end; ++v) out.push_back(v);
      continue;
    }
    auto v = parseParamInt(part);
    if (!v.isOk()) {
      return invalidArgument(fmt::format("slice element {}: {}", i, v.status().message()));
    }
    out.push_back(*v);
  }
  return out;
}

StatusOr<StringMap> parseStringMap(std::string_view s, char sep) {
  StringMap out;
  for (const auto& part : split(s, sep)) {
    const auto kv = split(part, '=');
    if (kv.size() != 2) {
      return invalidArgument(fmt::format("expected format key=value, got \"{}\"", part));
    }
    out[kv[0]] = kv[1];
  }
  return out;
}

Status checkRange(const ParamInfo& info, double value) {
  if (value < info.range->first || value > info.range->second) {
    return invalidArgument(fmt::format("parameter \"{}\" value {} must be between {} and {}",
                                       displayName(info), value, info.range->first,
                                       info.range->second));
  }
  return Status::ok();
}

StatusOr<std::optional<std::string>> resolveParam(const ScalerConfig& config,
                                                  const ParamInfo& info) {
  std::optional<std::string> value = lookupParam(config, info);
  if (value && info.deprecated) {
    return invalidArgument(fmt::format("scaler {} info: {}", config.triggerType, *info.deprecated));
  }
  if (!value && info.defaultValue) value = info.defaultValue;
  if (!value) {
    if (info.optional || info.deprecated) return std::optional<std::string>();
    std::vector<std::string> order;
    for (auto s : info.order) order.emplace_back(paramSourceName(s));
    return invalidArgument(fmt::format("missing required parameter \"{}\" in {}", displayName(info),
                                       quotedList(order)));
  }
  const char sep = info.separator;
  if (!info.enumValues.empty()) {
    for (const auto& element : split(*value, sep)) {
      if (std::find(info.enumValues.begin(), info.enumValues.end(), element) ==
          info.enumValues.end()) {
        return invalidArgument(fmt::format("parameter \"{}\" value \"{}\" must be one of {}",
                                           displayName(info), *value, quotedList(info.enumValues)));
      }
    }
  }
  if (!info.exclusiveSet.empty()) {
    int count = 0;
    for (const auto& element : split(*value, sep)) {
      if (std::find(info.exclusiveSet.begin(), info.exclusiveSet.end(), element) !=
          info.exclusiveSet.end()) {
        ++count;
      }
    }
    if (count > 1) {
      return invalidArgument(
          fmt::format("parameter \"{}\" value \"{}\" must contain only one of {}",
                      displayName(info), *value, quotedList(info.exclusiveSet)));
    }
  }
  return value;
}

Status conversionError(const ParamInfo& info, std::string_view value, const Status& cause) {
  if (info.secret) {
    return invalidArgument(
        fmt::format("unable to set param \"{}\": {}", displayName(info), cause.message()));
  }
  return invalidArgument(fmt::format("unable to set param \"{}\" value \"{}\": {}",
                                     displayName(info), value, cause.message()));
}

Status joinParamErrors(const std::vector<std::string>& errors) {
  return invalidArgument(join(errors, "\n"));
}

std::vector<std::string> knownKeys(const std::vector<ParamInfo>& infos) {
  std::vector<std::string> out;
  for (const auto& info : infos) {
    const bool env = std::find(info.order.begin(), info.order.end(), ParamSource::kResolvedEnv) !=
                     info.order.end();
    for (const auto& n : info.names) {
      out.push_back(n);
      if (env) out.push_back(n + "FromEnv");
    }
  }
  return out;
}

}  // namespace internal
}  // namespace tidal::scalers
