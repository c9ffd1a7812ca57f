// The scaler registry: trigger type name -> factory, filled by explicit registration.
//
// Every built-in scaler registers itself through one function (`registerCronScaler(registry)`),
// and all of those are called from registerBuiltinScalers() in builtin.cc, in sorted order: no
// static-initialisation tricks and no switch over type names. The registry refuses a second
// registration of a name, and answers an unknown type with KEDA's error text plus a suggestion
// for a near name ("did you mean ...").
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers {

// Services a factory may use. Owned by the caller and outliving every scaler built with it.
struct ScalerContext {
  const Clock* clock = &SystemClock::instance();
};

using ScalerFactory =
    std::function<StatusOr<std::unique_ptr<Scaler>>(const ScalerConfig&, const ScalerContext&)>;

struct ScalerType {
  std::string name;         // the trigger `type`, KEDA's kebab-case name
  std::string description;  // one line, for `tidal scalers`
  std::vector<ParamInfo> params;
  ScalerFactory create;
  // Names in KEDA's metrics `scaler` label (e.g. "cronScaler") when a trigger has no name.
  std::string metricsLabel;
};

class ScalerRegistry {
 public:
  // Fails with kAlreadyExists when `type.name` is registered already.
  Status add(ScalerType type);

  // nullptr when unknown.
  const ScalerType* find(std::string_view name) const;

  // Builds the scaler for config.triggerType. An unknown type fails with
  // "no scaler found for type: <type>" (and "; did you mean \"<near>\"?" when one is close).
  StatusOr<std::unique_ptr<Scaler>> create(const ScalerConfig& config,
                                           const ScalerContext& context) const;

  // Every registered type, sorted by name.
  std::vector<const ScalerType*> list() const;

 private:
  std::map<std::string, ScalerType, std::less<>> types_;
};

// Adds a built-in type; a duplicate name aborts (it can only be a programming error, caught by
// every test run).
void mustAdd(ScalerRegistry& registry, ScalerType type);

// Whether `name` is one of KEDA's scaler types (spec/keda-scalers.md §1), built into tidal or not.
bool isKedaScalerType(std::string_view name);

// Registers every built-in scaler (builtin.cc).
void registerBuiltinScalers(ScalerRegistry& registry);

// A registry holding the built-in scalers, built on first use (builtin.cc).
const ScalerRegistry& builtinRegistry();

}  // namespace tidal::scalers
