#include "scalers/prometheus/prometheus_scaler.h"

#include <atomic>

#include <fmt/format.h>

#include "scalers/builtin.h"
#include "scalers/http/http_auth.h"
#include "scalers/http/url.h"
#include "scalers/upstream_signals.h"

namespace tidal::scalers {
namespace {

using prometheus::PrometheusConfig;

constexpr size_t kMaxBodyInMessage = 256;

class PrometheusScaler : public Scaler, public EmptyUpstreamReporter {
 public:
  PrometheusScaler(PrometheusConfig config, http::HttpAuth auth,
                   std::shared_ptr<http::HttpGetter> getter, const Clock* clock)
      : config_(std::move(config)),
        auth_(std::move(auth)),
        getter_(std::move(getter)),
        clock_(clock),
        secrets_(config_.metadata.auth.secrets()) {
    if (StatusOr<http::Url> u = http::parseUrl(config_.metadata.serverAddress);
        u.isOk() && u->password) {
      secrets_.push_back(*u->password);
    }
    // Custom headers often carry tenant tokens; their values are masked too.
    for (const auto& [name, value] : config_.metadata.customHeaders) secrets_.push_back(value);
  }

  std::vector<MetricSpec> metricSpecs() const override {
    return {externalMetricSpecMilli(config_.metricName, config_.targetType,
                                    config_.metadata.threshold)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    if (!getter_) return failedPrecondition("the prometheus scaler is closed");
    StatusOr<double> value = fetch();
    if (!value.isOk()) {
      const std::string what = fmt::format("prometheus trigger {} at {}: {}", config_.metricName,
                                           config_.endpoint, value.status().message());
      return Status(value.status().code(), http::maskSecrets(what, secrets_));
    }
    MetricsAndActivity out;
    out.metrics.push_back(metricValueMilli(std::string(metricName), *value));
    out.active = *value > config_.metadata.activationThreshold;
    return out;
  }

  std::optional<double> activationTarget() const override {
    return config_.metadata.activationThreshold;
  }

  void close() override { getter_.reset(); }

  Json describe() const override {
    const auto& md = config_.metadata;
    Json headers = Json::array();
    for (const auto& [name, value] : md.customHeaders) headers.push_back(name);
    return Json{{"serverAddress", config_.displayServer},
                {"query", md.query},
                {"threshold", md.threshold},
                {"activationThreshold", md.activationThreshold},
                {"namespace", md.namespaceName},
                {"queryParameters", md.queryParameters},
                {"customHeaders", headers},  // names only: values may be secrets
                {"ignoreNullValues", md.ignoreNullValues},
                {"unsafeSsl", md.unsafeSsl},
                {"timeout", config_.timeout.count()},
                {"authModes", md.auth.modes}};
  }

  uint64_t emptyUpstreamResponses() const override { return empty_.load(); }
  bool ignoresNullValues() const override { return config_.metadata.ignoreNullValues; }

 private:
  StatusOr<double> fetch() {
    http::HttpRequest request;
    request.url = auth_.withQuery(prometheus::queryUrl(config_, clock_->now()));
    request.timeout = config_.timeout;
    if (StatusOr<http::Url> u = http::parseUrl(config_.metadata.serverAddress);
        u.isOk() && u->hasUserInfo) {
      request.username = u->username;
      request.password = u->password.value_or("");
    }
    for (const auto& [name, value] : config_.metadata.customHeaders) {
      request.headers.emplace_back(name, value);
    }
    auth_.apply(request);
    TIDAL_ASSIGN_OR_RETURN(http::HttpResponse response, getter_->get(request));
    if (response.status < 200 || response.status > 299) {
      std::string body = std::move(response.body);
      if (body.size() > kMaxBodyInMessage) body = body.substr(0, kMaxBodyInMessage) + "...";
      return Status(http::codeForHttpStatus(response.status),
                    fmt::format("prometheus query api returned error. status: {} response: {}",
                                response.status, body));
    }
    bool empty = false;
    StatusOr<double> v = prometheus::parseQueryResponse(response.body, config_.metadata.query,
                                                        config_.metadata.ignoreNullValues, empty);
    if (empty) empty_.fetch_add(1);
    return v;
  }

  PrometheusConfig config_;
  http::HttpAuth auth_;
  std::shared_ptr<http::HttpGetter> getter_;
  const Clock* clock_;
  std::vector<std::string> secrets_;
  std::atomic<uint64_t> empty_{0};
};

}  // namespace

StatusOr<std::unique_ptr<Scaler>> newPrometheusScalerWithGetter(
    const ScalerConfig& config, const ScalerContext& context,
    std::shared_ptr<http::HttpGetter> getter) {
  TIDAL_ASSIGN_OR_RETURN(PrometheusConfig cfg, prometheus::parsePrometheusConfig(config));
  StatusOr<http::HttpAuth> auth = http::newHttpAuth(cfg.metadata.auth);
  if (!auth.isOk()) return auth.status().withPrefix("error parsing prometheus metadata");
  if (!getter) {
    getter =
        http::sharedGetter(cfg.metadata.serverAddress, auth->tlsOptions(cfg.metadata.unsafeSsl));
  }
  const Clock* clock = context.clock != nullptr ? context.clock : &SystemClock::instance();
  return std::unique_ptr<Scaler>(std::make_unique<PrometheusScaler>(
      std::move(cfg), *std::move(auth), std::move(getter), clock));
}

StatusOr<std::unique_ptr<Scaler>> newPrometheusScaler(const ScalerConfig& config,
                                                      const ScalerContext& context) {
  return newPrometheusScalerWithGetter(config, context, nullptr);
}

void registerPrometheusScaler(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "prometheus",
                        .description = "the value of a PromQL instant query",
                        .params = prometheus::prometheusParams().infos(),
                        .create = newPrometheusScaler,
                        .metricsLabel = "prometheusScaler",
                    });
}

}  // namespace tidal::scalers
