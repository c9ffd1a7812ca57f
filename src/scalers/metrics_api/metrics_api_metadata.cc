#include "scalers/metrics_api/metrics_api_metadata.h"

#include <fmt/format.h>

#include "scalers/http/url.h"

namespace tidal::scalers::metrics_api {
namespace {

using M = MetricsApiMetadata;

Status validate(const M& md) {
  if (md.targetValue == 0) return invalidArgument("no targetValue given in metadata");
  TIDAL_RETURN_IF_ERROR(http::validateAuth(md.auth));
  return Status::ok();
}

}  // namespace

const ParamSet<MetricsApiMetadata>& metricsApiParams() {
  static const ParamSet<M> params =
      http::withAuthParams(
          ParamSet<M>()
              .add(param("targetValue", &M::targetValue)
                       .optional()
                       .describe("the target value per replica; required and not 0"))
              .add(param("activationTargetValue", &M::activationTargetValue)
                       .defaultValue("0")
                       .describe("the trigger is active when the value is above this"))
              .add(param("url", &M::url)
                       .example("http://api.default.svc:8080/stats")
                       .describe("the http:// or https:// URL to GET"))
              .add(param("format", &M::format)
                       .defaultValue("json")
                       .enumValues({"prometheus", "json", "xml", "yaml"})
                       .describe("how the response is read: json, yaml, xml or prometheus (text "
                                 "exposition format)"))
              .add(param("aggregationType", &M::aggregationType)
                       .defaultValue("average")
                       .enumValues({"average", "sum", "max", "min"})
                       .describe("how the values of several endpoints combine with "
                                 "aggregateFromKubeServiceEndpoints"))
              .add(param("valueLocation", &M::valueLocation)
                       .example("components.worker.tasks")
                       .describe("where the value is: a GJSON path (json), a dot path with list "
                                 "indices (yaml, xml), or a selector name{label=\"value\"} "
                                 "(prometheus)"))
              .add(param("unsafeSsl", &M::unsafeSsl)
                       .defaultValue("false")
                       .describe("skip verification of the server's certificate"))
              .add(param("timeout", &M::timeout)
                       .optional()
                       .describe("HTTP timeout of this trigger (milliseconds or a Go duration); "
                                 "default KEDA_HTTP_DEFAULT_TIMEOUT"))
              .add(param("aggregateFromKubeServiceEndpoints", &M::aggregateFromKubeServiceEndpoints)
                       .defaultValue("false")
                       .describe("query every ready endpoint of the Service named in url's host "
                                 "(not implemented in tidal yet)")),
          &M::auth)
          .validate(validate);
  return params;
}

StatusOr<MetricsApiConfig> parseMetricsApiConfig(const ScalerConfig& config) {
  constexpr std::string_view kPrefix = "error parsing metrics-api metadata";
  StatusOr<M> md = metricsApiParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix(kPrefix);
  MetricsApiConfig out;
  out.metadata = *std::move(md);
  const M& m = out.metadata;
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  out.targetType = *targetType;
  StatusOr<http::Url> url = http::parseUrl(m.url);
  if (!url.isOk()) return url.status().withPrefix(fmt::format("{}: url", kPrefix));
  if (url->scheme != "http" && url->scheme != "https") {
    return invalidArgument(
        fmt::format("{}: url must be an http:// or https:// URL, not {}://", kPrefix, url->scheme));
  }
  out.endpoint = http::endpointOf(*url);
  out.displayUrl = http::redactUrl(m.url);
  StatusOr<ValueFormat> format = valueFormatFromName(m.format);
  if (!format.isOk()) return format.status().withPrefix(kPrefix);
  StatusOr<ValueLocation> location = ValueLocation::parse(*format, m.valueLocation);
  if (!location.isOk()) return location.status().withPrefix(kPrefix);
  out.location = *std::move(location);
  if (m.aggregateFromKubeServiceEndpoints) {
    return Status(StatusCode::kUnimplemented,
                  fmt::format("{}: aggregateFromKubeServiceEndpoints is not implemented in tidal "
                              "yet",
                              kPrefix));
  }
  out.timeout = m.timeout.count() > 0 ? m.timeout : config.globalHttpTimeout;
  out.metricName = metricNameWithIndex(config.triggerIndex,
                                       normalizeMetricName("metric-api-" + m.valueLocation));
  return out;
}

}  // namespace tidal::scalers::metrics_api
