#include "scalers/prometheus/prometheus_metadata.h"

#include <cmath>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "scalers/http/url.h"

namespace tidal::scalers::prometheus {
namespace {

constexpr ParamSource kMetadata = ParamSource::kTriggerMetadata;
constexpr ParamSource kAuth = ParamSource::kAuthParams;
using M = PrometheusMetadata;

Status validate(const M& md) {
  return http::validateAuth(md.auth);
}

}  // namespace

const ParamSet<PrometheusMetadata>& prometheusParams() {
  static const ParamSet<M> params =
      http::withAuthParams(
          ParamSet<M>()
              .add(param("serverAddress", &M::serverAddress)
                       .example("http://prometheus.monitoring.svc:9090")
                       .describe("base URL of the Prometheus (or Thanos, Cortex, Mimir) HTTP API"))
              .add(param("query", &M::query)
                       .example("sum(rate(http_requests_total{app=\"web\"}[2m]))")
                       .describe("PromQL instant query; must return a single element"))
              .add(param("queryParameters", &M::queryParameters)
                       .optional()
                       .describe("extra query parameters, key=value,key2=value2"))
              .add(param("threshold", &M::threshold).describe("the target value per replica"))
              .add(param("activationThreshold", &M::activationThreshold)
                       .defaultValue("0")
                       .describe("the trigger is active when the value is above this"))
              .add(param("namespace", &M::namespaceName)
                       .optional()
                       .describe("tenant namespace, sent as the namespace query parameter "
                                 "(multi-tenant Thanos/Cortex proxies)"))
              .add(param("customHeaders", &M::customHeaders)
                       .optional()
                       .describe("extra request headers, key=value,key2=value2"))
              .add(param("ignoreNullValues", &M::ignoreNullValues)
                       .defaultValue("true")
                       .describe("an empty result, or NaN/Inf, counts as 0 (true) or is an error "
                                 "(false)"))
              .add(param("unsafeSsl", &M::unsafeSsl)
                       .defaultValue("false")
                       .describe("skip verification of the server's certificate"))
              .add(param("timeout", &M::timeout)
                       .optional()
                       .describe("HTTP timeout of this trigger (milliseconds or a Go duration); "
                                 "default KEDA_HTTP_DEFAULT_TIMEOUT"))
              .add(param("awsRegion", &M::awsRegion)
                       .order({kMetadata, kAuth})
                       .optional()
                       .describe("AWS region for Amazon Managed Prometheus (SigV4; not "
                                 "implemented in tidal yet)"))
              .add(param("identityOwner", &M::identityOwner)
                       .optional()
                       .describe("AWS identity owner (pod or operator)")),
          &M::auth)
          .validate(validate);
  return params;
}

StatusOr<PrometheusConfig> parsePrometheusConfig(const ScalerConfig& config) {
  constexpr std::string_view kPrefix = "error parsing prometheus metadata";
  StatusOr<M> md = prometheusParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix(kPrefix);
  PrometheusConfig out;
  out.metadata = *std::move(md);
  const M& m = out.metadata;
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  out.targetType = *targetType;
  StatusOr<http::Url> url = http::parseUrl(m.serverAddress);
  if (!url.isOk()) return url.status().withPrefix(fmt::format("{}: serverAddress", kPrefix));
  if (url->scheme != "http" && url->scheme != "https") {
    return invalidArgument(fmt::format(
        "{}: serverAddress must be an http:// or https:// URL, not {}://", kPrefix, url->scheme));
  }
  if (!m.awsRegion.empty() && m.auth.modes.empty()) {
    return Status(StatusCode::kUnimplemented,
                  fmt::format("{}: AWS SigV4 authentication (awsRegion) is not implemented in "
                              "tidal yet",
                              kPrefix));
  }
  out.endpoint = http::endpointOf(*url);
  out.displayServer = http::redactUrl(m.serverAddress);
  out.timeout = m.timeout.count() > 0 ? m.timeout : config.globalHttpTimeout;
  out.metricName = metricNameWithIndex(config.triggerIndex, "prometheus");
  return out;
}

std::string rfc3339Utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string queryUrl(const PrometheusConfig& config, std::chrono::system_clock::time_point now) {
  const M& m = config.metadata;
  std::string base = m.serverAddress;
  if (endsWith(base, "/")) base.pop_back();
  std::string url = fmt::format("{}/api/v1/query?query={}&time={}", base,
                                http::queryEscape(m.query), http::queryEscape(rfc3339Utc(now)));
  if (!m.namespaceName.empty()) url += "&namespace=" + http::queryEscape(m.namespaceName);
  for (const auto& [key, value] : m.queryParameters) {
    url += fmt::format("&{}={}", http::queryEscape(key), http::queryEscape(value));
  }
  return url;
}

StatusOr<double> parseQueryResponse(std::string_view body, std::string_view query,
                                    bool ignoreNullValues, bool& empty) {
  empty = false;
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  const auto* data = doc.is_object() && doc.contains("data") ? &doc["data"] : nullptr;
  if (data == nullptr || !data->is_object() || !data->contains("result")) {
    return invalidArgument("the answer is not a Prometheus query response (no data.result)");
  }
  const nlohmann::json& result = (*data)["result"];
  const nlohmann::json* value = nullptr;
  if (data->value("resultType", "") == "scalar" && result.is_array() && result.size() == 2 &&
      !result[0].is_object()) {
    value = &result;  // a scalar answer is [<time>, "<value>"] itself
  } else {
    if (!result.is_array()) {
      return invalidArgument("the answer is not a Prometheus query response (data.result)");
    }
    if (result.empty()) {
      empty = true;
      if (ignoreNullValues) return 0.0;
      return failedPrecondition(
          "prometheus metrics 'prometheus' target may be lost, the result is empty");
    }
    if (result.size() > 1) {
      return failedPrecondition(
          fmt::format("prometheus query {} returned multiple elements", query));
    }
    const nlohmann::json& sample = result[0];
    if (!sample.is_object() || !sample.contains("value") || !sample["value"].is_array()) {
      if (ignoreNullValues) return 0.0;
      return failedPrecondition(
          "prometheus metrics 'prometheus' target may be lost, the value list is empty");
    }
    value = &sample["value"];
  }
  if (value->empty()) {
    if (ignoreNullValues) return 0.0;
    return failedPrecondition(
        "prometheus metrics 'prometheus' target may be lost, the value list is empty");
  }
  if (value->size() < 2) {
    return failedPrecondition(
        fmt::format("prometheus query {} didn't return enough values", query));
  }
  const nlohmann::json& text = (*value)[1];
  std::optional<double> v;
  if (text.is_string()) {
    const std::string s = text.get<std::string>();
    if (s == "NaN") {
      v = std::nan("");
    } else if (s == "+Inf" || s == "Inf") {
      v = HUGE_VAL;
    } else if (s == "-Inf") {
      v = -HUGE_VAL;
    } else {
      v = parseGoFloat(s);
    }
  } else if (text.is_number()) {
    v = text.get<double>();
  }
  if (!v) {
    return invalidArgument(
        fmt::format("prometheus query {}: the value {} is not a number", query, text.dump()));
  }
  if (!std::isfinite(*v)) {
    if (ignoreNullValues) return 0.0;
    // KEDA's text, Go's spelling of the value.
    const char* spelled = std::isnan(*v) ? "NaN" : (*v > 0 ? "+Inf" : "-Inf");
    return failedPrecondition(fmt::format("promtheus query returns {}", spelled));
  }
  return *v;
}

}  // namespace tidal::scalers::prometheus
