#include "scalers/metrics_api/metrics_api_scaler.h"

#include <fmt/format.h>

#include "scalers/builtin.h"
#include "scalers/http/http_auth.h"
#include "scalers/http/url.h"

namespace tidal::scalers {
namespace {

using metrics_api::MetricsApiConfig;

constexpr size_t kMaxBodyInMessage = 256;

class MetricsApiScaler : public Scaler {
 public:
  MetricsApiScaler(MetricsApiConfig config, http::HttpAuth auth,
                   std::shared_ptr<http::HttpGetter> getter)
      : config_(std::move(config)),
        auth_(std::move(auth)),
        getter_(std::move(getter)),
        secrets_(config_.metadata.auth.secrets()) {
    if (StatusOr<http::Url> u = http::parseUrl(config_.metadata.url); u.isOk() && u->password) {
      secrets_.push_back(*u->password);
    }
  }

  std::vector<MetricSpec> metricSpecs() const override {
    return {externalMetricSpecMilli(config_.metricName, config_.targetType,
                                    config_.metadata.targetValue)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    if (!getter_) return failedPrecondition("the metrics-api scaler is closed");
    StatusOr<double> value = fetch();
    if (!value.isOk()) {
      const std::string what = fmt::format("metrics-api trigger {} at {}: {}", config_.metricName,
                                           config_.endpoint, value.status().message());
      return Status(value.status().code(), http::maskSecrets(what, secrets_));
    }
    MetricsAndActivity out;
    out.metrics.push_back(metricValueMilli(std::string(metricName), *value));
    out.active = *value > config_.metadata.activationTargetValue;
    return out;
  }

  std::optional<double> activationTarget() const override {
    return config_.metadata.activationTargetValue;
  }

  void close() override { getter_.reset(); }

  Json describe() const override {
    const auto& md = config_.metadata;
    return Json{{"url", config_.displayUrl},
                {"valueLocation", md.valueLocation},
                {"format", md.format},
                {"targetValue", md.targetValue},
                {"activationTargetValue", md.activationTargetValue},
                {"unsafeSsl", md.unsafeSsl},
                {"timeout", config_.timeout.count()},
                {"authModes", md.auth.modes}};
  }

 private:
  StatusOr<double> fetch() {
    http::HttpRequest request;
    request.url = auth_.withQuery(config_.metadata.url);
    request.timeout = config_.timeout;
    // libcurl would send the URL's userinfo as basic credentials; so does Go's client.
    if (StatusOr<http::Url> u = http::parseUrl(config_.metadata.url); u.isOk() && u->hasUserInfo) {
      request.username = u->username;
      request.password = u->password.value_or("");
    }
    auth_.apply(request);
    request.headers.emplace_back("Accept", acceptFor(config_.location.format()));
    TIDAL_ASSIGN_OR_RETURN(http::HttpResponse response, getter_->get(request));
    if (response.status != 200) {
      std::string body = std::move(response.body);
      if (body.size() > kMaxBodyInMessage) body = body.substr(0, kMaxBodyInMessage) + "...";
      return Status(http::codeForHttpStatus(response.status),
                    fmt::format("{}: api returned {}{}", config_.displayUrl, response.status,
                                body.empty() ? "" : ": " + body));
    }
    return config_.location.find(response.body);
  }

  static std::string acceptFor(metrics_api::ValueFormat format) {
    switch (format) {
      case metrics_api::ValueFormat::kJson:
        return "application/json";
      case metrics_api::ValueFormat::kYaml:
        return "application/x-yaml";
      case metrics_api::ValueFormat::kXml:
        return "application/xml";
      case metrics_api::ValueFormat::kPrometheus:
        return "text/plain";
    }
    return "*/*";
  }

  MetricsApiConfig config_;
  http::HttpAuth auth_;
  std::shared_ptr<http::HttpGetter> getter_;
  std::vector<std::string> secrets_;
};

StatusOr<std::unique_ptr<Scaler>> build(const ScalerConfig& config,
                                        std::shared_ptr<http::HttpGetter> getter) {
  TIDAL_ASSIGN_OR_RETURN(MetricsApiConfig cfg, metrics_api::parseMetricsApiConfig(config));
  StatusOr<http::HttpAuth> auth = http::newHttpAuth(cfg.metadata.auth);
  if (!auth.isOk()) return auth.status().withPrefix("error parsing metrics-api metadata");
  if (!getter)
    getter = http::sharedGetter(cfg.metadata.url, auth->tlsOptions(cfg.metadata.unsafeSsl));
  return std::unique_ptr<Scaler>(
      std::make_unique<MetricsApiScaler>(std::move(cfg), *std::move(auth), std::move(getter)));
}

}  // namespace

StatusOr<std::unique_ptr<Scaler>> newMetricsApiScaler(const ScalerConfig& config,
                                                      const ScalerContext& /*context*/) {
  return build(config, nullptr);
}

StatusOr<std::unique_ptr<Scaler>> newMetricsApiScalerWithGetter(
    const ScalerConfig& config, std::shared_ptr<http::HttpGetter> getter) {
  return build(config, std::move(getter));
}

void registerMetricsApiScaler(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "metrics-api",
                        .description = "a number from any HTTP API (JSON, YAML, XML or "
                                       "Prometheus text)",
                        .params = metrics_api::metricsApiParams().infos(),
                        .create = newMetricsApiScaler,
                        .metricsLabel = "metricsAPIScaler",
                    });
}

}  // namespace tidal::scalers
