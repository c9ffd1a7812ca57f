#include "scalers/scaler.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace tidal::scalers {

std::string normalizeMetricName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '/' || c == '.' || c == ':' || c == '%' || c == '(' || c == ')') c = '-';
  }
  return out;
}

std::string metricNameWithIndex(int triggerIndex, std::string_view suffix) {
  return fmt::format("s{}-{}", triggerIndex, suffix);
}

StatusOr<std::string> externalMetricTargetType(const ScalerConfig& config) {
  if (config.metricType.empty() || config.metricType == "AverageValue") return "AverageValue";
  if (config.metricType == "Value") return "Value";
  return invalidArgument(
      "'Utilization' metric type is unsupported for external metrics, allowed values are 'Value' "
      "or 'AverageValue'");
}

namespace {

// A milli-precision quantity printed the way Kubernetes prints NewMilliQuantity ("2500m", "5");
// the value is rounded to three decimals as KEDA's "%.3f" formatting does.
api::Quantity milliQuantity(double value) {
  if (!std::isfinite(value) || value < 0) value = 0;
  constexpr double kMaxMilli = 9.2e18;
  const double milli = std::min(std::round(value * 1000), kMaxMilli);
  return api::Quantity::fromMilli(static_cast<int64_t>(milli));
}

MetricSpec externalSpec(std::string name, const std::string& targetType, api::Quantity target) {
  MetricSpec spec;
  spec.source = MetricSpec::Source::kExternal;
  spec.metricName = std::move(name);
  spec.targetType = targetType;
  if (targetType == "Value") {
    spec.value = target;
  } else {
    spec.averageValue = target;
  }
  return spec;
}

}  // namespace

MetricSpec externalMetricSpecMilli(std::string name, const std::string& targetType, double target) {
  return externalSpec(std::move(name), targetType, milliQuantity(target));
}

MetricSpec externalMetricSpecInt(std::string name, const std::string& targetType, int64_t target) {
  return externalSpec(std::move(name), targetType, api::Quantity::fromInt(target));
}

MetricValue metricValueMilli(std::string name, double value) {
  return MetricValue{std::move(name), milliQuantity(value)};
}

std::string MetricSpec::targetString() const {
  if (averageUtilization) return fmt::format("{}%", *averageUtilization);
  if (averageValue) return averageValue->toString();
  if (value) return value->toString();
  return "";
}

Json MetricSpec::toJson(std::string_view scaledObjectName) const {
  Json target;
  target["type"] = targetType;
  if (averageValue) target["averageValue"] = averageValue->toString();
  if (value) target["value"] = value->toString();
  if (averageUtilization) target["averageUtilization"] = *averageUtilization;
  Json j;
  switch (source) {
    case Source::kExternal: {
      Json metric{{"name", metricName}};
      if (!scaledObjectName.empty()) {
        metric["selector"] = {
            {"matchLabels", {{"scaledobject.keda.sh/name", std::string(scaledObjectName)}}}};
      }
      j["type"] = "External";
      j["external"] = {{"metric", std::move(metric)}, {"target", std::move(target)}};
      break;
    }
    case Source::kResource:
      j["type"] = "Resource";
      j["resource"] = {{"name", metricName}, {"target", std::move(target)}};
      break;
    case Source::kContainerResource:
      j["type"] = "ContainerResource";
      j["containerResource"] = {
          {"name", metricName}, {"container", containerName}, {"target", std::move(target)}};
      break;
  }
  return j;
}

}  // namespace tidal::scalers
