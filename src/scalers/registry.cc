#include "scalers/registry.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace tidal::scalers {

Status ScalerRegistry::add(ScalerType type) {
  if (type.name.empty() || !type.create) {
    return invalidArgument("a scaler type needs a name and a factory");
  }
  if (types_.count(type.name)) {
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("scaler type \"{}\" is registered twice", type.name));
  }
  std::string name = type.name;
  types_.emplace(std::move(name), std::move(type));
  return Status::ok();
}

const ScalerType* ScalerRegistry::find(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

StatusOr<std::unique_ptr<Scaler>> ScalerRegistry::create(const ScalerConfig& config,
                                                         const ScalerContext& context) const {
  const ScalerType* type = find(config.triggerType);
  if (type == nullptr) {
    std::string message = fmt::format("no scaler found for type: {}", config.triggerType);
    std::string best;
    size_t bestDistance = 3;  // suggest only close names
    for (const auto& [name, _] : types_) {
      size_t d = editDistance(toLower(config.triggerType), name);
      if (d < bestDistance) {
        bestDistance = d;
        best = name;
      }
    }
    if (!best.empty()) message += fmt::format("; did you mean \"{}\"?", best);
    return invalidArgument(std::move(message));
  }
  return type->create(config, context);
}

std::vector<const ScalerType*> ScalerRegistry::list() const {
  std::vector<const ScalerType*> out;
  for (const auto& [_, type] : types_) out.push_back(&type);
  return out;
}

const ScalerRegistry& builtinRegistry() {
  static const ScalerRegistry registry = [] {
    ScalerRegistry r;
    registerBuiltinScalers(r);
    return r;
  }();
  return registry;
}

}  // namespace tidal::scalers
