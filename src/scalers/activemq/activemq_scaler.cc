#include "scalers/activemq/activemq_scaler.h"

#include <fmt/format.h>

#include "scalers/builtin.h"
#include "scalers/http/url.h"

namespace tidal::scalers::activemq {
namespace {

class ActiveMqScaler : public Scaler {
 public:
  ActiveMqScaler(ActiveMqConfig config, std::shared_ptr<http::HttpGetter> getter)
      : config_(std::move(config)), getter_(std::move(getter)) {}

  std::vector<MetricSpec> metricSpecs() const override {
    return {externalMetricSpecInt(config_.metricName, config_.targetType,
                                  config_.metadata.targetQueueSize)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    StatusOr<int64_t> size = queueSize();
    if (!size.isOk()) {
      return masked(size.status())
          .withPrefix(fmt::format("activemq trigger {} at {}", config_.metricName,
                                  config_.metadata.managementEndpoint));
    }
    MetricsAndActivity out;
    out.metrics.push_back(metricValueMilli(std::string(metricName), static_cast<double>(*size)));
    out.active = *size > config_.metadata.activationTargetQueueSize;
    return out;
  }

  std::optional<double> activationTarget() const override {
    return static_cast<double>(config_.metadata.activationTargetQueueSize);
  }

  void close() override { getter_.reset(); }

  Json describe() const override {
    const ActiveMqMetadata& m = config_.metadata;
    Json out{{"managementEndpoint", m.managementEndpoint},
             {"destinationName", m.destinationName},
             {"brokerName", m.brokerName},
             {"restAPITemplate", http::withoutUserInfo(config_.url)},
             {"username", m.username},
             {"corsHeader", config_.origin},
             {"targetQueueSize", m.targetQueueSize},
             {"activationTargetQueueSize", m.activationTargetQueueSize}};
    return out;
  }

 private:
  StatusOr<int64_t> queueSize() {
    if (!getter_) return failedPrecondition("the scaler is closed");
    http::HttpRequest r;
    r.url = config_.url;
    r.username = config_.metadata.username;
    r.password = config_.metadata.password;
    r.timeout = config_.timeout;
    r.headers = {{"Content-Type", "application/json"}, {"Origin", config_.origin}};
    TIDAL_ASSIGN_OR_RETURN(http::HttpResponse answer, getter_->get(r));
    if (answer.status != 200) {
      return Status(http::codeForHttpStatus(answer.status),
                    fmt::format("the management endpoint answered HTTP {}",
                                http::httpStatusLine(answer.status)));
    }
    return parseJolokiaAnswer(answer.body);
  }

  Status masked(const Status& s) const {
    const std::string& secret = config_.metadata.password;
    std::string message = s.message();
    if (secret.size() < 3) return s;
    bool changed = false;
    for (size_t at = message.find(secret); at != std::string::npos;
         at = message.find(secret, at + 3)) {
      message.replace(at, secret.size(), "***");
      changed = true;
    }
    return changed ? Status(s.code(), std::move(message)) : s;
  }

  ActiveMqConfig config_;
  std::shared_ptr<http::HttpGetter> getter_;
};

}  // namespace

std::unique_ptr<Scaler> makeActiveMqScaler(ActiveMqConfig config,
                                           std::shared_ptr<http::HttpGetter> getter) {
  return std::make_unique<ActiveMqScaler>(std::move(config), std::move(getter));
}

StatusOr<std::unique_ptr<Scaler>> newActiveMqScaler(const ScalerConfig& config,
                                                    const ScalerContext& /*context*/) {
  TIDAL_ASSIGN_OR_RETURN(ActiveMqConfig parsed, parseActiveMqConfig(config));
  std::shared_ptr<http::HttpGetter> getter = http::sharedGetter(parsed.url, http::HttpTlsOptions{});
  return makeActiveMqScaler(std::move(parsed), std::move(getter));
}

}  // namespace tidal::scalers::activemq

namespace tidal::scalers {

void registerActiveMqScaler(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "activemq",
                        .description = "the size of an ActiveMQ Classic queue (Jolokia REST API)",
                        .params = activemq::activeMqParams().infos(),
                        .create = activemq::newActiveMqScaler,
                        .metricsLabel = "activeMQScaler",
                    });
}

}  // namespace tidal::scalers
