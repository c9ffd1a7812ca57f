#include "cli/trigger_config.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tidal::cli {

scalers::ScalerConfig triggerConfig(const api::ScaleTrigger& trigger, int index,
                                    const api::ObjectMeta& owner, const std::string& ownerKind) {
  scalers::ScalerConfig c;
  c.scalableObjectName = owner.name;
  c.scalableObjectNamespace = owner.namespace_.empty() ? "default" : owner.namespace_;
  c.scalableObjectType = ownerKind;
  c.triggerType = trigger.type;
  c.triggerName = trigger.name;
  c.triggerIndex = index;
  c.triggerMetadata = trigger.metadata;
  c.metricType = trigger.metricType;
  c.useCachedMetrics = trigger.useCachedMetrics;
  return c;
}

StatusOr<api::StringMap> parseStringMapJson(const std::string& text, const std::string& flag) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return invalidArgument(fmt::format("{}: not valid JSON: {}", flag, e.what()));
  }
  if (!j.is_object()) {
    return invalidArgument(
        fmt::format("{}: expected a JSON object of strings, e.g. "
                    "'{{\"queueName\":\"hello\"}}'",
                    flag));
  }
  api::StringMap out;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) {
      return invalidArgument(
          fmt::format("{}: value of \"{}\" must be a string (KEDA trigger "
                      "metadata is a map of strings); write \"{}\"",
                      flag, k, v.is_string() ? "" : v.dump()));
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

}  // namespace tidal::cli
