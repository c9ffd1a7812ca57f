#include "scalers/cpu_memory/cpu_memory_scaler.h"

#include <fmt/format.h>

#include "scalers/builtin.h"

namespace tidal::scalers {
namespace {

const ParamSet<CpuMemoryMetadata>& cpuMemoryParams() {
  static const ParamSet<CpuMemoryMetadata> params =
      ParamSet<CpuMemoryMetadata>()
          .add(param("value", &CpuMemoryMetadata::value)
                   .describe("target: a percentage of the request (metricType Utilization) or a "
                             "quantity per pod such as 500m or 256Mi (metricType AverageValue)"))
          .add(param("containerName", &CpuMemoryMetadata::containerName)
                   .optional()
                   .describe("measure only this container (a ContainerResource metric)"))
          .add(param("type", &CpuMemoryMetadata::removedType)
                   .optional()
                   .describe("removed in KEDA v2.18; use the trigger's metricType"));
  return params;
}

class CpuMemoryScaler : public Scaler {
 public:
  CpuMemoryScaler(std::string resource, MetricSpec spec, CpuMemoryMetadata metadata)
      : resource_(std::move(resource)), spec_(std::move(spec)), metadata_(std::move(metadata)) {}

  std::vector<MetricSpec> metricSpecs() const override { return {spec_}; }

  // The HPA reads resource metrics from the metrics API; there is nothing to poll.
  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view) override {
    return MetricsAndActivity{};
  }

  std::optional<double> activationTarget() const override { return std::nullopt; }

  Json describe() const override {
    Json j{{"type", resource_}, {"metricType", spec_.targetType}, {"value", metadata_.value}};
    if (!metadata_.containerName.empty()) j["containerName"] = metadata_.containerName;
    return j;
  }

 private:
  std::string resource_;
  MetricSpec spec_;
  CpuMemoryMetadata metadata_;
};

}  // namespace

StatusOr<std::unique_ptr<Scaler>> newCpuMemoryScaler(const ScalerConfig& config) {
  TIDAL_ASSIGN_OR_RETURN(CpuMemoryMetadata md, cpuMemoryParams().parse(config));
  if (!md.removedType.empty()) {
    return invalidArgument(
        "The 'type' setting is DEPRECATED and is removed in v2.18 - Use 'metricType' instead.");
  }
  MetricSpec spec;
  spec.source = md.containerName.empty() ? MetricSpec::Source::kResource
                                         : MetricSpec::Source::kContainerResource;
  spec.metricName = config.triggerType;
  spec.containerName = md.containerName;
  spec.targetType = config.metricType;
  if (config.metricType == "Utilization") {
    auto percent = parseParamInt(md.value);
    if (!percent.isOk() || *percent < 0 || *percent > INT32_MAX) {
      return invalidArgument(fmt::format(
          "value \"{}\" is not a valid utilization; expected a whole percentage such as \"60\"",
          md.value));
    }
    spec.averageUtilization = static_cast<int32_t>(*percent);
  } else if (config.metricType == "AverageValue") {
    auto quantity = api::Quantity::parse(md.value);
    if (!quantity.isOk()) {
      return invalidArgument(fmt::format(
          "value \"{}\" is not a valid quantity ({}); expected e.g. \"500m\" or \"256Mi\"",
          md.value, quantity.status().message()));
    }
    spec.averageValue = *quantity;
  } else {
    return invalidArgument(
        fmt::format("unknown metric type \"{}\" for a {} trigger; set the trigger's metricType to "
                    "Utilization or AverageValue",
                    config.metricType, config.triggerType));
  }
  return std::unique_ptr<Scaler>(
      std::make_unique<CpuMemoryScaler>(config.triggerType, std::move(spec), std::move(md)));
}

void registerCpuMemoryScalers(ScalerRegistry& registry) {
  for (const char* resource : {"cpu", "memory"}) {
    mustAdd(registry,
            ScalerType{
                .name = resource,
                .description = fmt::format(
                    "{} use of the target's pods, read by the HPA from the metrics API", resource),
                .params = cpuMemoryParams().infos(),
                .create = [](const ScalerConfig& config,
                             const ScalerContext&) { return newCpuMemoryScaler(config); },
                .metricsLabel = "cpuMemoryScaler",
            });
  }
}

}  // namespace tidal::scalers
