#include "scalers/external/external_scaler.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "scalers/builtin.h"

namespace tidal::scalers::external {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr milliseconds kFirstBackoff = 2s;
constexpr milliseconds kMaxBackoff = 60s;

// What both trigger types do; the push type adds the stream.
class ExternalCalls {
 public:
  ExternalCalls(ExternalConfig config, std::shared_ptr<ExternalTransport> channel)
      : config_(std::move(config)),
        ref_(scaledObjectRefOf(config_)),
        channel_(std::move(channel)) {}

  std::vector<MetricSpec> metricSpecs() const {
    std::shared_ptr<ExternalTransport> channel = this->channel();
    std::lock_guard lock(mu_);
    // The answer the build just fetched serves the first request (the handler's, right after).
    if (!channel || std::exchange(fresh_, false)) return lastSpecs_;
    StatusOr<std::vector<ExternalMetricSpec>> response =
        channel->getMetricSpec(ref_, config_.timeout);
    if (response.isOk()) {
      lastSpecs_ = metricSpecsOf(*response, config_.triggerIndex, config_.targetType);
    }
    return lastSpecs_;
  }

  // Asks GetMetricSpec once and keeps the answer; the error when the call fails.
  Status fetchSpecs() {
    std::shared_ptr<ExternalTransport> channel = this->channel();
    if (!channel) return failedPrecondition("the external scaler was closed");
    std::lock_guard lock(mu_);
    TIDAL_ASSIGN_OR_RETURN(std::vector<ExternalMetricSpec> response,
                           channel->getMetricSpec(ref_, config_.timeout));
    lastSpecs_ = metricSpecsOf(response, config_.triggerIndex, config_.targetType);
    fresh_ = true;
    return Status::ok();
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) {
    std::shared_ptr<ExternalTransport> channel = this->channel();
    if (!channel) return failedPrecondition("the external scaler was closed");
    TIDAL_ASSIGN_OR_RETURN(std::string bare,
                           metricNameWithoutIndex(config_.triggerIndex, metricName));
    TIDAL_ASSIGN_OR_RETURN(std::vector<ExternalMetricValue> values,
                           channel->getMetrics(ref_, bare, config_.timeout));
    TIDAL_ASSIGN_OR_RETURN(bool active, channel->isActive(ref_, config_.timeout));
    MetricsAndActivity out;
    out.metrics = metricValuesOf(values, std::string(metricName));
    out.active = active;
    return out;
  }

  void close() {
    std::lock_guard lock(channelMu_);
    channel_.reset();
  }

  Json describe() const {
    const ExternalMetadata& m = config_.metadata;
    return Json{{"scalerAddress", m.scalerAddress},
                {"enableTLS", m.enableTLS},
                {"unsafeSsl", m.unsafeSsl},
                {"tls", config_.useTls()},
                {"clientCertificate", !m.tlsClientCert.empty()},
                {"scalerMetadata", config_.scalerMetadata},
                {"targetType", config_.targetType}};
  }

  void run(const std::function<void(bool active)>& onActivity, const std::function<bool()>& stop,
           const Clock& clock) {
    milliseconds backoff = kFirstBackoff;
    while (!stop()) {
      std::shared_ptr<ExternalTransport> channel = this->channel();
      if (!channel) return;
      bool delivered = false;
      Status s = channel->streamIsActive(
          ref_,
          [&](bool result) {
            delivered = true;
            onActivity(result);
          },
          stop);
      if (stop()) return;
      // A clean end, or a stream that worked for a while, starts the backoff over.
      if (s.isOk() || delivered) backoff = kFirstBackoff;
      const auto until = clock.monotonicNow() + backoff;
      while (!stop() && clock.monotonicNow() < until) std::this_thread::sleep_for(50ms);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

 private:
  std::shared_ptr<ExternalTransport> channel() const {
    std::lock_guard lock(channelMu_);
    return channel_;
  }

  const ExternalConfig config_;
  const ExternalRef ref_;
  mutable std::mutex channelMu_;
  std::shared_ptr<ExternalTransport> channel_;
  mutable std::mutex mu_;  // serialises GetMetricSpec and guards lastSpecs_
  mutable std::vector<MetricSpec> lastSpecs_;
  mutable bool fresh_ = false;
};

class ExternalScaler : public Scaler {
 public:
  explicit ExternalScaler(std::unique_ptr<ExternalCalls> calls) : calls_(std::move(calls)) {}
  std::vector<MetricSpec> metricSpecs() const override { return calls_->metricSpecs(); }
  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    return calls_->metricsAndActivity(metricName);
  }
  void close() override { calls_->close(); }
  std::optional<double> activationTarget() const override { return std::nullopt; }
  Json describe() const override { return calls_->describe(); }
  ExternalCalls& calls() { return *calls_; }

 private:
  std::unique_ptr<ExternalCalls> calls_;
};

class ExternalPushScaler : public PushScaler {
 public:
  ExternalPushScaler(std::unique_ptr<ExternalCalls> calls, const Clock& clock)
      : calls_(std::move(calls)), clock_(clock) {}
  std::vector<MetricSpec> metricSpecs() const override { return calls_->metricSpecs(); }
  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    return calls_->metricsAndActivity(metricName);
  }
  void close() override { calls_->close(); }
  std::optional<double> activationTarget() const override { return std::nullopt; }
  Json describe() const override { return calls_->describe(); }
  void run(const std::function<void(bool active)>& onActivity,
           const std::function<bool()>& stop) override {
    calls_->run(onActivity, stop, clock_);
  }
  ExternalCalls& calls() { return *calls_; }

 private:
  std::unique_ptr<ExternalCalls> calls_;
  const Clock& clock_;
};

}  // namespace

ExternalRef scaledObjectRefOf(const ExternalConfig& config) {
  ExternalRef ref{.name = config.name, .namespace_ = config.namespace_, .scalerMetadata = {}};
  for (const auto& [key, value] : config.scalerMetadata) ref.scalerMetadata[key] = value;
  return ref;
}

std::vector<MetricSpec> metricSpecsOf(const std::vector<ExternalMetricSpec>& response,
                                      int triggerIndex, const std::string& targetType) {
  std::vector<MetricSpec> out;
  for (const ExternalMetricSpec& spec : response) {
    std::string name = metricNameWithIndex(triggerIndex, spec.metricName);
    if (spec.targetSizeFloat > 0) {
      out.push_back(externalMetricSpecMilli(std::move(name), targetType, spec.targetSizeFloat));
    } else {
      out.push_back(externalMetricSpecInt(std::move(name), targetType, spec.targetSize));
    }
  }
  return out;
}

std::vector<MetricValue> metricValuesOf(const std::vector<ExternalMetricValue>& response,
                                        const std::string& metricName) {
  std::vector<MetricValue> out;
  for (const ExternalMetricValue& v : response) {
    const double value =
        v.metricValueFloat > 0 ? v.metricValueFloat : static_cast<double>(v.metricValue);
    out.push_back(metricValueMilli(metricName, value));
  }
  return out;
}

StatusOr<std::string> metricNameWithoutIndex(int triggerIndex, std::string_view metricName) {
  const std::string prefix = fmt::format("s{}-", triggerIndex);
  if (metricName.substr(0, prefix.size()) != prefix) {
    return invalidArgument(fmt::format("metric name {} does not start with the trigger's prefix {}",
                                       metricName, prefix));
  }
  return std::string(metricName.substr(prefix.size()));
}

StatusOr<std::unique_ptr<Scaler>> makeExternalScaler(ExternalConfig config, bool push,
                                                     const Clock& clock) {
  StatusOr<std::shared_ptr<ExternalTransport>> channel = sharedExternalChannel(config);
  if (!channel.isOk()) {
    return channel.status().withPrefix("error parsing external scaler metadata");
  }
  auto calls = std::make_unique<ExternalCalls>(std::move(config), *std::move(channel));
  if (push) {
    return std::unique_ptr<Scaler>(std::make_unique<ExternalPushScaler>(std::move(calls), clock));
  }
  return std::unique_ptr<Scaler>(std::make_unique<ExternalScaler>(std::move(calls)));
}

namespace {

StatusOr<std::unique_ptr<Scaler>> newScaler(const ScalerConfig& config, bool push,
                                            const Clock& clock) {
  TIDAL_ASSIGN_OR_RETURN(ExternalConfig parsed, parseExternalConfig(config));
  TIDAL_ASSIGN_OR_RETURN(std::unique_ptr<Scaler> scaler,
                         makeExternalScaler(std::move(parsed), push, clock));
  // The metric specs come from the server. Failing here (rather than building a scaler with no
  // metrics) makes the scale handler drop the trigger and build it again on its next attempt,
  // so a server that starts after tidal is asked again, as KEDA asks on every reconcile.
  ExternalCalls& calls = push ? static_cast<ExternalPushScaler&>(*scaler).calls()
                              : static_cast<ExternalScaler&>(*scaler).calls();
  Status fetched = calls.fetchSpecs();
  if (!fetched.isOk()) {
    scaler->close();
    return fetched.withPrefix("error getting metric specs");
  }
  return scaler;
}

}  // namespace

StatusOr<std::unique_ptr<Scaler>> newExternalScaler(const ScalerConfig& config,
                                                    const ScalerContext& context) {
  return newScaler(config, false, *context.clock);
}

StatusOr<std::unique_ptr<Scaler>> newExternalPushScaler(const ScalerConfig& config,
                                                        const ScalerContext& context) {
  return newScaler(config, true, *context.clock);
}

}  // namespace tidal::scalers::external

namespace tidal::scalers {

void registerExternalScalers(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "external",
                        .description = "metrics and activity from a gRPC external scaler "
                                       "(externalscaler.proto)",
                        .params = external::externalParams().infos(),
                        .create = external::newExternalScaler,
                        .metricsLabel = "externalScaler",
                    });
  mustAdd(registry, ScalerType{
                        .name = "external-push",
                        .description = "a gRPC external scaler that also pushes activity "
                                       "(StreamIsActive)",
                        .params = external::externalParams().infos(),
                        .create = external::newExternalPushScaler,
                        .metricsLabel = "externalPushScaler",
                    });
}

}  // namespace tidal::scalers
