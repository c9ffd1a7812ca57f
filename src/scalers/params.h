// Declarative trigger parameters: each scaler declares its parameters once, and that declaration
// drives parsing, validation, `tidal trigger parse` and the `tidal scalers` tables.
//
// A declaration names the field (with aliases), where its value may come from and in which order
// (trigger metadata, authentication parameters, or the scale target's environment through a
// `<name>FromEnv` metadata key), whether it is optional, its default, its allowed values, and the
// C++ member it fills. Parsing follows KEDA's typed configuration rules (spec/keda-spec.md §g):
// values are trimmed, an empty value counts as missing, the first source that has the value wins,
// integers and floats use JSON number syntax, booleans Go's ParseBool, durations a Go duration or
// integer milliseconds, lists split on commas, maps are `k=v` pairs. Every problem is reported,
// joined in declaration order, with KEDA's message texts.
//
// Example:
//   struct CronMetadata { std::string timezone; int64_t desiredReplicas = 0; };
//   const ParamSet<CronMetadata>& cronParams() {
//     static const ParamSet<CronMetadata> params = ParamSet<CronMetadata>()
//         .add(param("timezone", &CronMetadata::timezone).describe("IANA time zone"))
//         .add(param("desiredReplicas", &CronMetadata::desiredReplicas));
//     return params;
//   }
//   StatusOr<CronMetadata> md = cronParams().parse(config);
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "scalers/scaler.h"

namespace tidal::scalers {

enum class ParamSource { kTriggerMetadata, kResolvedEnv, kAuthParams };
std::string_view paramSourceName(ParamSource source);  // "triggerMetadata", ...

// The value kind of a parameter, for documentation and schemas.
enum class ParamKind { kString, kBool, kInt, kFloat, kDuration, kStringList, kIntList, kStringMap };
std::string_view paramKindName(ParamKind kind);

// The type-independent part of a declaration, as documentation and schemas see it.
struct ParamInfo {
  std::vector<std::string> names;  // the first is the canonical name; the rest are aliases
  std::vector<ParamSource> order = {ParamSource::kTriggerMetadata};
  ParamKind kind = ParamKind::kString;
  bool optional = false;
  std::optional<std::string> defaultValue;
  std::vector<std::string> enumValues;
  std::vector<std::string> exclusiveSet;
  std::optional<std::string> deprecated;  // message shown when the parameter is used
  bool secret = false;                    // never printed (passwords, tokens)
  std::string description;
  // A valid value, for documentation and for `tidal check`, which substitutes it when the real
  // value only exists in the cluster (a Secret behind a TriggerAuthentication, an env var).
  std::optional<std::string> example;
  std::optional<std::pair<double, double>> range;  // inclusive numeric bounds
  char separator = ',';                            // for lists, maps and enum checks
  bool expandRanges = false;                       // int lists accept "1-5"

  Json toJson() const;
};

// Parses one value of a kind; the error text is what follows "unable to set param ...: ".
StatusOr<bool> parseParamBool(std::string_view s);
StatusOr<int64_t> parseParamInt(std::string_view s);
StatusOr<double> parseParamFloat(std::string_view s);
StatusOr<std::chrono::milliseconds> parseParamDuration(std::string_view s);

// The raw lookup of §g: for each source in order, for each name in order. Returns the trimmed,
// non-empty value, or nullopt.
std::optional<std::string> lookupParam(const ScalerConfig& config, const ParamInfo& info);

// A declaration bound to a member of T.
template <typename T>
class Param {
 public:
  using Setter = std::function<Status(T&, std::string_view)>;

  Param(ParamInfo info, Setter setter) : info_(std::move(info)), setter_(std::move(setter)) {}

  Param& aliases(std::initializer_list<const char*> names) {
    for (const char* n : names) info_.names.emplace_back(n);
    return *this;
  }
  Param& order(std::initializer_list<ParamSource> sources) {
    info_.order.assign(sources);
    return *this;
  }
  Param& optional() {
    info_.optional = true;
    return *this;
  }
  Param& defaultValue(std::string v) {
    info_.defaultValue = std::move(v);
    return *this;
  }
  Param& enumValues(std::initializer_list<const char*> values) {
    for (const char* v : values) info_.enumValues.emplace_back(v);
    return *this;
  }
  Param& exclusiveSet(std::initializer_list<const char*> values) {
    for (const char* v : values) info_.exclusiveSet.emplace_back(v);
    return *this;
  }
  Param& deprecated(std::string message) {
    info_.deprecated = std::move(message);
    return *this;
  }
  Param& secret() {
    info_.secret = true;
    return *this;
  }
  Param& describe(std::string text) {
    info_.description = std::move(text);
    return *this;
  }
  Param& example(std::string value) {
    info_.example = std::move(value);
    return *this;
  }
  Param& range(double low, double high) {
    info_.range = std::make_pair(low, high);
    return *this;
  }
  Param& separator(char c) {
    info_.separator = c;
    return *this;
  }
  Param& expandRanges() {
    info_.expandRanges = true;
    return *this;
  }

  const ParamInfo& info() const { return info_; }
  Status set(T& out, std::string_view value) const { return setter_(out, value); }

 private:
  ParamInfo info_;
  Setter setter_;
};

namespace internal {
StatusOr<std::vector<std::string>> parseStringList(std::string_view s, char sep);
StatusOr<std::vector<int64_t>> parseIntList(std::string_view s, char sep, bool expandRanges);
StatusOr<StringMap> parseStringMap(std::string_view s, char sep);
Status checkRange(const ParamInfo& info, double value);
}  // namespace internal

// Converts one raw value into a member of the given type.
Status assignParam(std::string& out, std::string_view s);
Status assignParam(bool& out, std::string_view s);
Status assignParam(int64_t& out, std::string_view s);
Status assignParam(int32_t& out, std::string_view s);
Status assignParam(double& out, std::string_view s);
Status assignParam(std::chrono::milliseconds& out, std::string_view s);
Status assignParam(std::vector<std::string>& out, std::string_view s);
Status assignParam(std::vector<int64_t>& out, std::string_view s);
Status assignParam(StringMap& out, std::string_view s);
template <typename V>
Status assignParam(std::optional<V>& out, std::string_view s) {
  V value{};
  TIDAL_RETURN_IF_ERROR(assignParam(value, s));
  out = std::move(value);
  return Status::ok();
}

template <typename V>
constexpr ParamKind kindOf() {
  if constexpr (std::is_same_v<V, bool>) {
    return ParamKind::kBool;
  } else if constexpr (std::is_same_v<V, int64_t> || std::is_same_v<V, int32_t>) {
    return ParamKind::kInt;
  } else if constexpr (std::is_same_v<V, double>) {
    return ParamKind::kFloat;
  } else if constexpr (std::is_same_v<V, std::chrono::milliseconds>) {
    return ParamKind::kDuration;
  } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
    return ParamKind::kStringList;
  } else if constexpr (std::is_same_v<V, std::vector<int64_t>>) {
    return ParamKind::kIntList;
  } else if constexpr (std::is_same_v<V, StringMap>) {
    return ParamKind::kStringMap;
  } else if constexpr (requires { typename V::value_type; } &&
                       std::is_same_v<V, std::optional<typename V::value_type>>) {
    return kindOf<typename V::value_type>();
  } else {
    return ParamKind::kString;
  }
}

// Declares a parameter named `name` that fills `member`. The member's type picks the conversion:
// std::string, bool, int64_t/int32_t, double, std::chrono::milliseconds, std::vector<std::string>,
// std::vector<int64_t>, StringMap, or std::optional of any of these (set only when present).
template <typename T, typename M>
Param<T> param(const char* name, M T::*member) {
  ParamInfo info;
  info.names.emplace_back(name);
  info.kind = kindOf<std::remove_cvref_t<M>>();
  return Param<T>(std::move(info),
                  [member](T& out, std::string_view s) { return assignParam(out.*member, s); });
}

// The declarations of one scaler, parsed as a whole.
template <typename T>
class ParamSet {
 public:
  using Validator = std::function<Status(const T&)>;

  ParamSet&& add(Param<T> p) && {
    params_.push_back(std::move(p));
    return std::move(*this);
  }
  ParamSet& add(Param<T> p) & {
    params_.push_back(std::move(p));
    return *this;
  }
  // Runs after every parameter was set (KEDA's Validate()); its error joins the others.
  ParamSet&& validate(Validator v) && {
    validator_ = std::move(v);
    return std::move(*this);
  }
  ParamSet& validate(Validator v) & {
    validator_ = std::move(v);
    return *this;
  }

  // Parses `config` into a T. `triggerType` names the scaler in deprecation messages.
  StatusOr<T> parse(const ScalerConfig& config) const {
    T out{};
    std::vector<std::string> errors;
    for (const auto& p : params_) {
      Status s = parseOne(config, p, out);
      if (!s.isOk()) errors.push_back(s.message());
    }
    if (errors.empty() && validator_) {
      Status s = validator_(out);
      if (!s.isOk()) errors.push_back(s.message());
    }
    if (!errors.empty()) return joinErrors(errors);
    return out;
  }

  std::vector<ParamInfo> infos() const {
    std::vector<ParamInfo> out;
    for (const auto& p : params_) out.push_back(p.info());
    return out;
  }

  // The names of every parameter and alias (for "unknown metadata key" warnings), including
  // the `<name>FromEnv` forms of parameters that read the environment.
  std::vector<std::string> knownKeys() const;

 private:
  Status parseOne(const ScalerConfig& config, const Param<T>& p, T& out) const;
  static Status joinErrors(const std::vector<std::string>& errors);

  std::vector<Param<T>> params_;
  Validator validator_;
};

namespace internal {
// The type-independent steps of parsing one parameter: lookup, deprecation, default, missing,
// enum and exclusive-set checks. Returns the value to convert, or nullopt when there is nothing to
// set (optional and absent).
StatusOr<std::optional<std::string>> resolveParam(const ScalerConfig& config,
                                                  const ParamInfo& info);
Status conversionError(const ParamInfo& info, std::string_view value, const Status& cause);
Status joinParamErrors(const std::vector<std::string>& errors);
std::vector<std::string> knownKeys(const std::vector<ParamInfo>& infos);
}  // namespace internal

template <typename T>
Status ParamSet<T>::parseOne(const ScalerConfig& config, const Param<T>& p, T& out) const {
  TIDAL_ASSIGN_OR_RETURN(std::optional<std::string> value,
                         internal::resolveParam(config, p.info()));
  if (!value) return Status::ok();
  Status s = p.set(out, *value);
  if (!s.isOk()) return internal::conversionError(p.info(), *value, s);
  const ParamKind kind = p.info().kind;
  if (p.info().range && (kind == ParamKind::kInt || kind == ParamKind::kFloat)) {
    TIDAL_ASSIGN_OR_RETURN(double number, parseParamFloat(*value));
    TIDAL_RETURN_IF_ERROR(internal::checkRange(p.info(), number));
  }
  return Status::ok();
}

template <typename T>
Status ParamSet<T>::joinErrors(const std::vector<std::string>& errors) {
  return internal::joinParamErrors(errors);
}

template <typename T>
std::vector<std::string> ParamSet<T>::knownKeys() const {
  return internal::knownKeys(infos());
}

}  // namespace tidal::scalers
