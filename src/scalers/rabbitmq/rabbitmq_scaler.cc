#include "scalers/rabbitmq/rabbitmq_scaler.h"

#include <fmt/format.h>

#include "scalers/builtin.h"
#include "scalers/http/tls_material.h"
#include "scalers/http/url.h"
#include "scalers/rabbitmq/rabbitmq_stats.h"

namespace tidal::scalers {
namespace {

using namespace rabbitmq;  // NOLINT(google-build-using-namespace): this file is its user
using namespace http;      // NOLINT(google-build-using-namespace): the shared HTTP helpers

constexpr size_t kMinMaskedSecret = 3;

// Every secret of the trigger, as written and percent-encoded, for masking messages.
std::vector<std::string> secretsOf(const RabbitMqConfig& cfg) {
  std::vector<std::string> raw = {cfg.metadata.password, cfg.metadata.keyPassword,
                                  cfg.metadata.clientSecret, cfg.amqp.password, cfg.http.password};
  if (StatusOr<Url> url = parseUrl(cfg.metadata.host); url.isOk() && url->password) {
    raw.push_back(*url->password);
  }
  std::vector<std::string> out;
  for (const auto& s : raw) {
    if (s.size() < kMinMaskedSecret) continue;
    out.push_back(s);
    if (std::string escaped = queryEscape(s); escaped != s) out.push_back(std::move(escaped));
  }
  return out;
}

std::string maskSecrets(std::string text, const std::vector<std::string>& secrets) {
  text = withoutUserInfo(text);
  for (const auto& secret : secrets) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

class RabbitMqScaler : public Scaler {
 public:
  RabbitMqScaler(RabbitMqConfig config, std::unique_ptr<QueueStatsSource> source)
      : config_(std::move(config)), source_(std::move(source)), secrets_(secretsOf(config_)) {
    endpoint_ = config_.protocol == RabbitMqProtocol::kAmqp ? config_.amqp.endpoint()
                                                            : config_.http.endpoint;
  }

  std::vector<MetricSpec> metricSpecs() const override {
    return {externalMetricSpecMilli(config_.metricName, config_.targetType, config_.value)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    if (!source_) return failedPrecondition("the rabbitmq scaler is closed");
    StatusOr<QueueStats> stats = source_->fetch();
    if (!stats.isOk()) {
      const std::string what =
          fmt::format("error inspecting RabbitMQ: queue \"{}\" at {}: {}",
                      config_.metadata.queueName, endpoint_, stats.status().message());
      return Status(stats.status().code(), maskSecrets(what, secrets_));
    }
    const MetricOutcome outcome =
        evaluateMode(config_.mode, *stats, config_.metadata.activationValue,
                     config_.metadata.excludeUnacknowledged);
    MetricsAndActivity out;
    out.metrics.push_back(metricValueMilli(std::string(metricName), outcome.value));
    out.active = outcome.active;
    return out;
  }

  std::optional<double> activationTarget() const override {
    return config_.metadata.activationValue;
  }

  void close() override { source_.reset(); }

  Json describe() const override {
    const auto& md = config_.metadata;
    Json j{{"queueName", md.queueName},
           {"mode", modeName(config_.mode)},
           {"value", config_.value},
           {"activationValue", md.activationValue},
           {"host", config_.displayHost},
           {"protocol", protocolName(config_.protocol)},
           {"endpoint", endpoint_},
           {"timeout", config_.timeout.count()},
           {"tls", md.tls},
           {"unsafeSsl", md.unsafeSsl}};
    if (config_.protocol == RabbitMqProtocol::kAmqp) {
      j["vhostName"] = config_.amqp.vhost;
      j["username"] = config_.amqp.saslExternal ? "" : config_.amqp.username;
      j["saslExternal"] = config_.amqp.saslExternal;
    } else {
      StatusOr<std::string> vhost = percentDecode(config_.http.vhostSegment.substr(1));
      j["vhostName"] = vhost.isOk() ? *vhost : config_.http.vhostSegment.substr(1);
      j["username"] = config_.http.username.value_or("");
      j["useRegex"] = md.useRegex;
      j["excludeUnacknowledged"] = md.excludeUnacknowledged;
      if (md.useRegex) {
        j["operation"] = operationName(config_.operation);
        j["pageSize"] = md.pageSize;
      }
    }
    return j;
  }

 private:
  RabbitMqConfig config_;
  std::unique_ptr<QueueStatsSource> source_;
  std::vector<std::string> secrets_;
  std::string endpoint_;
};

}  // namespace

std::unique_ptr<Scaler> newRabbitMqScalerWithSource(RabbitMqConfig config,
                                                    std::unique_ptr<QueueStatsSource> source) {
  return std::make_unique<RabbitMqScaler>(std::move(config), std::move(source));
}

StatusOr<std::unique_ptr<Scaler>> newRabbitMqScaler(const ScalerConfig& config,
                                                    const ScalerContext& context) {
  TIDAL_ASSIGN_OR_RETURN(RabbitMqConfig cfg, parseRabbitMqConfig(config));
  const Clock* clock = context.clock != nullptr ? context.clock : &SystemClock::instance();
  std::unique_ptr<QueueStatsSource> source;
  if (cfg.protocol == RabbitMqProtocol::kAmqp) {
    if (cfg.amqp.tls && cfg.amqp.useTlsMaterial) {
      Status s = checkTlsMaterial(cfg.amqp.tlsMaterial);
      if (!s.isOk()) return s.withPrefix("error parsing RabbitMQ TLS configuration");
    }
    const AmqpEndpoint& ep = cfg.amqp;
    std::shared_ptr<AmqpConnection> connection = AmqpConnection::pool().acquire(
        ep.poolKey(), [&] { return std::make_shared<AmqpConnection>(ep, clock); });
    source = std::make_unique<AmqpQueueSource>(std::move(connection), cfg.metadata.queueName,
                                               cfg.timeout);
  } else {
    HttpTlsOptions tls{cfg.http.useTlsMaterial, cfg.http.tlsMaterial, cfg.http.verifyPeer};
    if (tls.useTlsMaterial) {
      Status s = checkTlsMaterial(tls.material);
      if (!s.isOk()) return s.withPrefix("error parsing RabbitMQ TLS configuration");
    }
    std::shared_ptr<CurlHttpGetter> http =
        CurlHttpGetter::pool().acquire(cfg.http.baseUrl + "\x1f" + tls.poolKey(),
                                       [&] { return std::make_shared<CurlHttpGetter>(tls); });
    source = std::make_unique<ManagementApiSource>(
        std::move(http), cfg.http, cfg.metadata.queueName, cfg.metadata.useRegex,
        cfg.metadata.pageSize, cfg.operation, cfg.timeout);
  }
  return newRabbitMqScalerWithSource(std::move(cfg), std::move(source));
}

void registerRabbitMqScaler(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "rabbitmq",
                        .description = "RabbitMQ queue length or message rates, over AMQP or "
                                       "the management HTTP API",
                        .params = rabbitmq::rabbitMqParams().infos(),
                        .create = newRabbitMqScaler,
                        .metricsLabel = "rabbitMQScaler",
                    });
}

}  // namespace tidal::scalers
