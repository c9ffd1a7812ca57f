#include "scalers/redis/redis_streams_scaler.h"

#include "scalers/redis/redis_queries.h"
#include "scalers/redis/redis_scaler.h"

namespace tidal::scalers::redis {
namespace {

class RedisStreamsScaler : public Scaler {
 public:
  RedisStreamsScaler(RedisStreamsConfig config, std::shared_ptr<RedisClient> client,
                     std::chrono::milliseconds timeout)
      : config_(std::move(config)), client_(std::move(client)), timeout_(timeout) {}

  std::vector<MetricSpec> metricSpecs() const override {
    return {externalMetricSpecInt(config_.metricName, config_.targetType, config_.target)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    const Deadline deadline = std::chrono::steady_clock::now() + timeout_;
    StatusOr<int64_t> count = queryStreamCount(*client_, config_, deadline);
    if (!count.isOk()) return maskSecrets(count.status(), config_.connection.secrets());
    MetricsAndActivity out;
    // A lag Redis cannot tell comes as -1 and reports as 0, as in KEDA.
    out.metrics.push_back(metricValueMilli(std::string(metricName), static_cast<double>(*count)));
    out.active = *count > config_.activationTarget;
    return out;
  }

  std::optional<double> activationTarget() const override {
    return static_cast<double>(config_.activationTarget);
  }

  void close() override { client_.reset(); }

  Json describe() const override {
    const RedisConnectionConfig& c = config_.connection;
    Json out{{"connectionMode", redisModeName(c.mode)},
             {"addresses", c.addressList()},
             {"stream", config_.stream},
             {"streamsMode", streamsModeName(config_.mode)},
             {"pendingEntriesCount", config_.pendingEntriesCount},
             {"streamLength", config_.streamLength},
             {"lagCount", config_.lagCount},
             {"activationLagCount", config_.activationTarget},
             {"enableTLS", c.tls.enabled}};
    if (!config_.consumerGroup.empty()) out["consumerGroup"] = config_.consumerGroup;
    if (c.mode != RedisMode::kCluster) out["databaseIndex"] = c.databaseIndex;
    if (!c.username.empty()) out["username"] = c.username;
    if (c.tls.enabled) out["unsafeSsl"] = c.tls.unsafeSsl;
    if (c.mode == RedisMode::kSentinel) {
      out["sentinelMaster"] = c.sentinelMaster;
      if (!c.sentinelUsername.empty()) out["sentinelUsername"] = c.sentinelUsername;
    }
    return out;
  }

 private:
  RedisStreamsConfig config_;
  std::shared_ptr<RedisClient> client_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<Scaler> makeRedisStreamsScaler(RedisStreamsConfig config,
                                               std::shared_ptr<RedisClient> client,
                                               std::chrono::milliseconds timeout) {
  return std::make_unique<RedisStreamsScaler>(std::move(config), std::move(client), timeout);
}

StatusOr<std::unique_ptr<Scaler>> newRedisStreamsScaler(const ScalerConfig& config,
                                                        const ScalerContext& context) {
  TIDAL_ASSIGN_OR_RETURN(RedisStreamsConfig parsed, parseRedisStreamsConfig(config));
  StatusOr<std::shared_ptr<RedisClient>> client = newRedisClient(parsed.connection, context.clock);
  if (!client.isOk()) return client.status().withPrefix("connection to redis failed");
  return makeRedisStreamsScaler(std::move(parsed), *std::move(client), config.globalHttpTimeout);
}

}  // namespace tidal::scalers::redis
