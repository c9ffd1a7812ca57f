#include "scalers/redis/redis_scaler.h"

#include <array>

#include <fmt/format.h>

#include "scalers/builtin.h"
#include "scalers/redis/keyspace_watch.h"
#include "scalers/redis/redis_queries.h"
#include "scalers/redis/redis_streams_scaler.h"

namespace tidal::scalers::redis {
namespace {

// The polling scaler; `Base` is Scaler, or PushScaler for the pushing form below.
template <typename Base>
class RedisListScalerT : public Base {
 public:
  RedisListScalerT(RedisListConfig config, std::shared_ptr<RedisClient> client,
                   std::chrono::milliseconds timeout)
      : config_(std::move(config)), client_(std::move(client)), timeout_(timeout) {}

  std::vector<MetricSpec> metricSpecs() const override {
    return {externalMetricSpecInt(config_.metricName, config_.targetType, config_.target)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    const Deadline deadline = std::chrono::steady_clock::now() + timeout_;
    StatusOr<int64_t> length = queryListLength(*client_, config_.listName, deadline);
    if (!length.isOk()) return maskSecrets(length.status(), config_.connection.secrets());
    MetricsAndActivity out;
    out.metrics.push_back(metricValueMilli(std::string(metricName), static_cast<double>(*length)));
    out.active = *length > config_.activationTarget;
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
             {"listName", config_.listName},
             {"listLength", config_.target},
             {"activationListLength", config_.activationTarget},
             {"enableTLS", c.tls.enabled}};
    if (c.mode != RedisMode::kCluster) out["databaseIndex"] = c.databaseIndex;
    if (!c.username.empty()) out["username"] = c.username;
    if (c.tls.enabled) out["unsafeSsl"] = c.tls.unsafeSsl;
    if (c.mode == RedisMode::kSentinel) {
      out["sentinelMaster"] = c.sentinelMaster;
      if (!c.sentinelUsername.empty()) out["sentinelUsername"] = c.sentinelUsername;
    }
    return out;
  }

 protected:
  RedisListConfig config_;
  std::shared_ptr<RedisClient> client_;
  std::chrono::milliseconds timeout_;
};

using RedisListScaler = RedisListScalerT<Scaler>;

// A standalone list trigger that also pushes: it watches the key's keyspace notifications and,
// on every event, looks at the length at once (keyspace_watch.h).
class RedisListPushScaler : public RedisListScalerT<PushScaler> {
 public:
  RedisListPushScaler(RedisListConfig config, std::shared_ptr<RedisClient> client,
                      std::chrono::milliseconds timeout, RedisTransportFactory makeTransport,
                      const Clock* clock)
      : RedisListScalerT(std::move(config), std::move(client), timeout),
        makeTransport_(std::move(makeTransport)),
        clock_(clock) {}

  void run(const std::function<void(bool active)>& onActivity,
           const std::function<bool()>& stop) override {
    KeyspaceWatch watch;
    const RedisConnectionConfig& c = config_.connection;
    watch.endpoint.address = c.addresses.front();
    watch.endpoint.username = c.username;
    watch.endpoint.password = c.password;
    watch.endpoint.database = c.databaseIndex;
    watch.key = config_.listName;
    watch.makeTransport = makeTransport_;
    watch.timeout = timeout_;
    std::shared_ptr<RedisClient> client = client_;  // close() may drop the member
    auto check = [&] {
      const Deadline deadline = std::chrono::steady_clock::now() + timeout_;
      StatusOr<int64_t> length = queryListLength(*client, config_.listName, deadline);
      if (length.isOk() && *length > config_.activationTarget) onActivity(true);
    };
    watchKeyspace(watch, check, stop, *clock_);
  }

 private:
  RedisTransportFactory makeTransport_;
  const Clock* clock_;
};

}  // namespace

Status maskSecrets(const Status& s, const std::vector<std::string>& secrets) {
  std::string message = s.message();
  bool changed = false;
  for (const std::string& secret : secrets) {
    if (secret.size() < 3) continue;  // masking "a" would mangle every message
    for (size_t at = message.find(secret); at != std::string::npos;
         at = message.find(secret, at + 3)) {
      message.replace(at, secret.size(), "***");
      changed = true;
    }
  }
  return changed ? Status(s.code(), std::move(message)) : s;
}

std::unique_ptr<Scaler> makeRedisListScaler(RedisListConfig config,
                                            std::shared_ptr<RedisClient> client,
                                            std::chrono::milliseconds timeout,
                                            RedisTransportFactory pushTransport,
                                            const Clock* clock) {
  if (pushTransport && config.connection.mode == RedisMode::kStandalone) {
    return std::make_unique<RedisListPushScaler>(
        std::move(config), std::move(client), timeout, std::move(pushTransport),
        clock != nullptr ? clock : &SystemClock::instance());
  }
  return std::make_unique<RedisListScaler>(std::move(config), std::move(client), timeout);
}

StatusOr<std::unique_ptr<Scaler>> newRedisListScaler(const ScalerConfig& config,
                                                     const ScalerContext& context) {
  TIDAL_ASSIGN_OR_RETURN(RedisListConfig parsed, parseRedisListConfig(config));
  StatusOr<std::shared_ptr<RedisClient>> client = newRedisClient(parsed.connection, context.clock);
  if (!client.isOk()) return client.status().withPrefix("connection to redis failed");
  StatusOr<RedisTransportChoice> transport = transportFor(parsed.connection.tls);
  if (!transport.isOk()) return transport.status().withPrefix("connection to redis failed");
  return makeRedisListScaler(std::move(parsed), *std::move(client), config.globalHttpTimeout,
                             transport->factory, context.clock);
}

}  // namespace tidal::scalers::redis

namespace tidal::scalers {

void registerRedisScalers(ScalerRegistry& registry) {
  using redis::newRedisListScaler;
  using redis::newRedisStreamsScaler;
  using redis::redisListParams;
  using redis::redisStreamsParams;
  struct Kind {
    const char* name;
    const char* what;
  };
  static constexpr std::array<Kind, 3> kLists = {{
      {"redis", "the length of a Redis list (or set, sorted set, hash)"},
      {"redis-cluster", "the length of a list (or set, sorted set, hash) in a Redis Cluster"},
      {"redis-sentinel",
       "the length of a list (or set, sorted set, hash) on the master a Redis Sentinel names"},
  }};
  for (const Kind& k : kLists) {
    mustAdd(registry, ScalerType{
                          .name = k.name,
                          .description = k.what,
                          .params = redisListParams().infos(),
                          .create = newRedisListScaler,
                          .metricsLabel = "redisScaler",
                      });
  }
  static constexpr std::array<Kind, 3> kStreams = {{
      {"redis-streams",
       "a Redis stream: a consumer group's pending entries or lag, or the stream's length"},
      {"redis-cluster-streams", "a stream in a Redis Cluster: pending entries, lag or length"},
      {"redis-sentinel-streams",
       "a stream on the master a Redis Sentinel names: pending entries, lag or length"},
  }};
  for (const Kind& k : kStreams) {
    mustAdd(registry, ScalerType{
                          .name = k.name,
                          .description = k.what,
                          .params = redisStreamsParams().infos(),
                          .create = newRedisStreamsScaler,
                          .metricsLabel = "redisStreamsScaler",
                      });
  }
}

}  // namespace tidal::scalers
