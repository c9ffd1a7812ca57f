#include "scalers/beanstalkd/beanstalkd_scaler.h"

#include <fmt/format.h>

#include "common/strings.h"
#include "scalers/builtin.h"

namespace tidal::scalers {
namespace {

using beanstalkd::BeanstalkdConfig;

class BeanstalkdScaler : public Scaler {
 public:
  BeanstalkdScaler(BeanstalkdConfig config, std::shared_ptr<beanstalkd::TubeStatsReader> reader)
      : config_(std::move(config)), reader_(std::move(reader)) {}

  std::vector<MetricSpec> metricSpecs() const override {
    return {
        externalMetricSpecMilli(config_.metricName, config_.targetType, config_.metadata.value)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    if (!reader_) return failedPrecondition("the beanstalkd scaler is closed");
    const auto& md = config_.metadata;
    StatusOr<std::optional<beanstalkd::TubeStats>> stats =
        reader_->statsTube(md.tube, md.timeout, config_.ioTimeout);
    if (!stats.isOk()) {
      return Status(stats.status().code(),
                    fmt::format("error interacting with beanstalkd: trigger {} at {}: {}",
                                config_.metricName, md.server, stats.status().message()));
    }
    const int64_t jobs = stats->has_value() ? beanstalkd::jobCount(**stats, md.includeDelayed) : 0;
    MetricsAndActivity out;
    out.metrics.push_back(metricValueMilli(std::string(metricName), static_cast<double>(jobs)));
    out.active = static_cast<double>(jobs) > md.activationValue;
    return out;
  }

  std::optional<double> activationTarget() const override {
    return config_.metadata.activationValue;
  }

  void close() override { reader_.reset(); }

  Json describe() const override {
    const auto& md = config_.metadata;
    return Json{{"server", md.server},
                {"tube", md.tube},
                {"value", md.value},
                {"activationValue", md.activationValue},
                {"includeDelayed", md.includeDelayed},
                {"timeout", md.timeout.count()},
                {"ioTimeout", config_.ioTimeout.count()}};
  }

 private:
  BeanstalkdConfig config_;
  std::shared_ptr<beanstalkd::TubeStatsReader> reader_;
};

}  // namespace

StatusOr<std::unique_ptr<Scaler>> newBeanstalkdScalerWithReader(
    const ScalerConfig& config, std::shared_ptr<beanstalkd::TubeStatsReader> reader) {
  TIDAL_ASSIGN_OR_RETURN(BeanstalkdConfig cfg, beanstalkd::parseBeanstalkdConfig(config));
  if (!reader) {
    const std::string key = toLower(cfg.host) + "\n" + cfg.port;
    reader = beanstalkd::BeanstalkdConnection::pool().acquire(key, [&] {
      return std::make_shared<beanstalkd::BeanstalkdConnection>(cfg.host, cfg.port);
    });
  }
  return std::unique_ptr<Scaler>(
      std::make_unique<BeanstalkdScaler>(std::move(cfg), std::move(reader)));
}

StatusOr<std::unique_ptr<Scaler>> newBeanstalkdScaler(const ScalerConfig& config,
                                                      const ScalerContext& /*context*/) {
  return newBeanstalkdScalerWithReader(config, nullptr);
}

void registerBeanstalkdScaler(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "beanstalkd",
                        .description = "the jobs waiting in a beanstalkd tube",
                        .params = beanstalkd::beanstalkdParams().infos(),
                        .create = newBeanstalkdScaler,
                        .metricsLabel = "BeanstalkdScaler",
                    });
}

}  // namespace tidal::scalers
