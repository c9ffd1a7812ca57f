#include "scalers/etcd/etcd_scaler.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "common/strings.h"
#include "scalers/builtin.h"

namespace tidal::scalers::etcd {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

constexpr milliseconds kFirstBackoff = 2s;
constexpr milliseconds kMaxBackoff = 60s;

// `s` with every secret replaced by "***" (a server's text is not under our control).
Status masked(const Status& s, const std::vector<std::string>& secrets) {
  std::string message = s.message();
  for (const std::string& secret : secrets) {
    if (secret.size() < 3) continue;
    for (size_t at = message.find(secret); at != std::string::npos;
         at = message.find(secret, at + 3)) {
      message.replace(at, secret.size(), "***");
    }
  }
  return message == s.message() ? s : Status(s.code(), std::move(message));
}

class EtcdScaler : public PushScaler {
 public:
  EtcdScaler(EtcdConfig config, std::shared_ptr<EtcdClient> client, const Clock& clock)
      : config_(std::move(config)), client_(std::move(client)), clock_(clock) {}

  std::vector<MetricSpec> metricSpecs() const override {
    return {
        externalMetricSpecMilli(config_.metricName, config_.targetType, config_.metadata.value)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    StatusOr<double> v = read(*client_);
    if (!v.isOk()) return v.status();
    MetricsAndActivity out;
    out.metrics.push_back(metricValueMilli(std::string(metricName), *v));
    out.active = *v > config_.metadata.activationValue;
    return out;
  }

  std::optional<double> activationTarget() const override {
    return config_.metadata.activationValue;
  }

  void close() override { client_.reset(); }

  Json describe() const override {
    const EtcdMetadata& m = config_.metadata;
    Json out{{"endpoints", config_.urls},
             {"watchKey", m.watchKey},
             {"value", m.value},
             {"activationValue", m.activationValue},
             {"watchProgressNotifyInterval", m.watchProgressNotifyInterval},
             {"tls", m.tls}};
    if (!m.username.empty()) out["username"] = m.username;
    return out;
  }

  void run(const std::function<void(bool active)>& onActivity,
           const std::function<bool()>& stop) override {
    std::shared_ptr<EtcdClient> client = client_;  // close() may drop the member
    if (!client) return;
    const milliseconds idle =
        std::chrono::seconds(2 * config_.metadata.watchProgressNotifyInterval);
    auto activeOf = [&](const KeyEvent& value) {
      if (!value) return false;
      std::optional<double> v = parseGoFloat(trim(*value));
      return v.has_value() && *v > config_.metadata.activationValue;
    };
    milliseconds backoff = kFirstBackoff;
    while (!stop()) {
      StatusOr<KeyValue> kv = client->get(config_.metadata.watchKey, config_.timeout);
      if (kv.isOk()) {
        onActivity(kv->found && activeOf(kv->value));
        Status s = client->watch(
            config_.metadata.watchKey, kv->revision + 1, [&] { backoff = kFirstBackoff; },
            [&](const KeyEvent& e) { onActivity(activeOf(e)); }, stop, idle, config_.timeout);
        if (s.isOk() || stop()) return;
      }
      const auto until = clock_.monotonicNow() + backoff;
      while (!stop() && clock_.monotonicNow() < until) std::this_thread::sleep_for(50ms);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

 private:
  StatusOr<double> read(EtcdClient& client) {
    const std::string& key = config_.metadata.watchKey;
    StatusOr<KeyValue> kv = client.get(key, config_.timeout);
    Status failure = Status::ok();
    if (!kv.isOk()) {
      failure = kv.status();
    } else if (!kv->found) {
      failure = notFound(fmt::format("key {} not found", key));
    } else {
      StatusOr<double> v = parseEtcdValue(key, kv->value);
      if (v.isOk()) return v;
      failure = v.status();
    }
    return masked(failure, config_.secrets())
        .withPrefix(fmt::format("etcd trigger {}", config_.metricName));
  }

  EtcdConfig config_;
  std::shared_ptr<EtcdClient> client_;
  const Clock& clock_;
};

}  // namespace

StatusOr<double> parseEtcdValue(const std::string& key, const std::string& value) {
  std::optional<double> v = parseGoFloat(trim(value));
  if (!v) {
    const std::string shown = value.size() > 64 ? value.substr(0, 64) + "..." : value;
    return invalidArgument(fmt::format("the value of key {} is not a number: \"{}\"", key, shown));
  }
  return *v;
}

std::unique_ptr<PushScaler> makeEtcdScaler(EtcdConfig config, std::shared_ptr<EtcdClient> client,
                                           const Clock& clock) {
  return std::make_unique<EtcdScaler>(std::move(config), std::move(client), clock);
}

StatusOr<std::unique_ptr<Scaler>> newEtcdScaler(const ScalerConfig& config,
                                                const ScalerContext& context) {
  TIDAL_ASSIGN_OR_RETURN(EtcdConfig parsed, parseEtcdConfig(config));
  http::HttpTlsOptions tls;
  if (parsed.tlsEnabled) {
    tls.useTlsMaterial = true;
    tls.material = {parsed.metadata.ca, parsed.metadata.cert, parsed.metadata.key,
                    parsed.metadata.keyPassword};
  }
  std::string poolKey;
  for (const std::string& u : parsed.urls) poolKey += u + ",";
  std::optional<EtcdCredentials> credentials;
  if (!parsed.metadata.username.empty()) {
    credentials = EtcdCredentials{parsed.metadata.username, parsed.metadata.password};
  }
  auto client = std::make_shared<EtcdClient>(parsed.urls, std::move(credentials),
                                             sharedEtcdTransport(poolKey, tls));
  return std::unique_ptr<Scaler>(
      makeEtcdScaler(std::move(parsed), std::move(client), *context.clock));
}

}  // namespace tidal::scalers::etcd

namespace tidal::scalers {

void registerEtcdScaler(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "etcd",
                        .description = "the numeric value of an etcd key (polled, and pushed "
                                       "through a watch)",
                        .params = etcd::etcdParams().infos(),
                        .create = etcd::newEtcdScaler,
                        .metricsLabel = "etcdScaler",
                    });
}

}  // namespace tidal::scalers
