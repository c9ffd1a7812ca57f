// `tidal trigger parse`: one trigger, parsed exactly as the operator would, printed as JSON.
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/trigger_config.h"
#include "scalers/registry.h"

namespace tidal::cli {

int runTriggerParse(const TriggerParseOptions& options, std::ostream& out, std::ostream& err) {
  if (options.type.empty()) {
    err << "tidal trigger parse: --type is required (e.g. --type cron)\n";
    return 2;
  }
  if (options.index < 0) {
    err << "tidal trigger parse: --index must be 0 or greater\n";
    return 2;
  }
  scalers::ScalerConfig config;
  config.triggerType = options.type;
  config.triggerIndex = options.index;
  config.metricType = options.metricType;
  config.scalableObjectName = "trigger-parse";
  config.scalableObjectNamespace = "default";
  for (auto [flag, text, target] :
       {std::tuple{"--metadata", &options.metadataJson, &config.triggerMetadata},
        std::tuple{"--auth", &options.authJson, &config.authParams},
        std::tuple{"--env", &options.envJson, &config.resolvedEnv}}) {
    auto parsed = parseStringMapJson(*text, flag);
    if (!parsed.isOk()) {
      err << "tidal trigger parse: " << parsed.status().message() << "\n";
      return 2;
    }
    *target = std::move(*parsed);
  }
  scalers::ScalerContext context;
  auto scaler = scalers::builtinRegistry().create(config, context);
  if (!scaler.isOk()) {
    nlohmann::json j{{"type", options.type}, {"error", scaler.status().message()}};
    out << j.dump(2) << "\n";
    err << fmt::format("tidal trigger parse: {}\n", scaler.status().message());
    return 1;
  }
  nlohmann::json j = (*scaler)->describe();
  j["type"] = options.type;
  const auto specs = (*scaler)->metricSpecs();
  nlohmann::json metrics = nlohmann::json::array();
  for (const auto& spec : specs) metrics.push_back(spec.toJson());
  if (!specs.empty()) {
    j["metricName"] = specs.front().metricName;
    j["targetType"] = specs.front().targetType;
    j["target"] = specs.front().targetString();
  }
  const auto activation = (*scaler)->activationTarget();
  j["activationTarget"] = activation ? nlohmann::json(*activation) : nlohmann::json(nullptr);
  j["metricSpecs"] = std::move(metrics);
  (*scaler)->close();
  out << j.dump(2) << "\n";
  return 0;
}

}  // namespace tidal::cli
