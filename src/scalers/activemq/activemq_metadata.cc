#include "scalers/activemq/activemq_metadata.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "scalers/http/url.h"

namespace tidal::scalers::activemq {
namespace {

constexpr ParamSource kMetadata = ParamSource::kTriggerMetadata;
constexpr ParamSource kAuth = ParamSource::kAuthParams;
constexpr ParamSource kEnv = ParamSource::kResolvedEnv;
using M = ActiveMqMetadata;

// KEDA's reading of a custom template: the endpoint is the URL's host, and the MBean name (after
// the first ':' of the path, up to the next '/') carries brokerName= and destinationName=.
Status fromTemplate(M& md) {
  StatusOr<http::Url> url = http::parseUrl(md.restApiTemplate);
  if (!url.isOk()) {
    return url.status().withPrefix("unable to parse ActiveMQ restAPITemplate");
  }
  md.managementEndpoint = url->port ? fmt::format("{}:{}", url->host, *url->port) : url->host;
  const std::string& path = url->rawPath;
  const size_t colon = path.find(':');
  std::string mbean = colon == std::string::npos ? "" : path.substr(colon + 1);
  mbean = mbean.substr(0, mbean.find('/'));
  std::string broker;
  std::string destination;
  for (const std::string& part : split(mbean, ',', false)) {
    const size_t eq = part.find('=');
    if (eq == std::string::npos) continue;
    StatusOr<std::string> value = http::percentDecode(part.substr(eq + 1), true);
    if (!value.isOk()) return value.status().withPrefix("unable to parse ActiveMQ restAPITemplate");
    const std::string key = part.substr(0, eq);
    if (key == "brokerName" && broker.empty()) broker = *value;
    if (key == "destinationName" && destination.empty()) destination = *value;
  }
  if (destination.empty()) return invalidArgument("no destinationName is given");
  if (broker.empty()) {
    return invalidArgument(
        fmt::format("no brokerName given: {}", http::withoutUserInfo(md.restApiTemplate)));
  }
  md.destinationName = destination;
  md.brokerName = broker;
  return Status::ok();
}

}  // namespace

const ParamSet<ActiveMqMetadata>& activeMqParams() {
  static const ParamSet<M> params =
      ParamSet<M>()
          .add(param("managementEndpoint", &M::managementEndpoint)
                   .optional()
                   .example("activemq.default:8161")
                   .describe("host:port of the broker's web console (Jolokia); required unless "
                             "restAPITemplate is set"))
          .add(param("destinationName", &M::destinationName)
                   .optional()
                   .example("jobs")
                   .describe("the queue; required unless restAPITemplate is set"))
          .add(param("brokerName", &M::brokerName)
                   .optional()
                   .example("localhost")
                   .describe("the broker's name; required unless restAPITemplate is set"))
          .add(param("restAPITemplate", &M::restApiTemplate)
                   .optional()
                   .describe("full Jolokia URL of the QueueSize attribute; must name brokerName= "
                             "and destinationName= (the endpoint and names are read from it)"))
          .add(param("username", &M::username)
                   .order({kAuth, kEnv, kMetadata})
                   .example("admin")
                   .describe("user for basic authentication"))
          .add(param("password", &M::password)
                   .order({kAuth, kEnv, kMetadata})
                   .secret()
                   .example("admin")
                   .describe("password for basic authentication"))
          .add(param("corsHeader", &M::corsHeader)
                   .optional()
                   .describe("the Origin header sent; default http://<managementEndpoint>"))
          .add(param("targetQueueSize", &M::targetQueueSize)
                   .defaultValue("10")
                   .describe("the target queue size per replica"))
          .add(param("activationTargetQueueSize", &M::activationTargetQueueSize)
                   .defaultValue("0")
                   .describe("the trigger is active when the queue size is above this"));
  return params;
}

StatusOr<std::string> renderRestApiTemplate(std::string_view tmpl, const ActiveMqMetadata& md) {
  std::string out;
  size_t at = 0;
  while (at < tmpl.size()) {
    const size_t open = tmpl.find("{{", at);
    if (open == std::string_view::npos) {
      out.append(tmpl.substr(at));
      break;
    }
    out.append(tmpl.substr(at, open - at));
    const size_t close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return invalidArgument("restAPITemplate: unclosed {{ action");
    }
    const std::string_view field = trim(tmpl.substr(open + 2, close - open - 2));
    if (field == ".ManagementEndpoint") {
      out += md.managementEndpoint;
    } else if (field == ".BrokerName") {
      out += md.brokerName;
    } else if (field == ".DestinationName") {
      out += md.destinationName;
    } else {
      return invalidArgument(fmt::format(
          "restAPITemplate: unknown field {{{{{}}}}}; expected .ManagementEndpoint, .BrokerName "
          "or .DestinationName",
          field));
    }
    at = close + 2;
  }
  return out;
}

StatusOr<ActiveMqConfig> parseActiveMqConfig(const ScalerConfig& config) {
  constexpr std::string_view kPrefix = "error parsing activemq metadata";
  StatusOr<M> md = activeMqParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix(kPrefix);
  ActiveMqConfig out;
  out.metadata = *std::move(md);
  M& m = out.metadata;
  if (!m.restApiTemplate.empty()) {
    Status s = fromTemplate(m);
    if (!s.isOk()) return s.withPrefix(kPrefix);
  } else {
    if (m.managementEndpoint.empty()) {
      return invalidArgument(fmt::format("{}: no management endpoint given", kPrefix));
    }
    if (m.destinationName.empty()) {
      return invalidArgument(fmt::format("{}: no destination name given", kPrefix));
    }
    if (m.brokerName.empty()) {
      return invalidArgument(fmt::format("{}: no broker name given", kPrefix));
    }
  }
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  out.targetType = *targetType;
  StatusOr<std::string> url = renderRestApiTemplate(
      m.restApiTemplate.empty() ? kDefaultRestApiTemplate : std::string_view(m.restApiTemplate), m);
  if (!url.isOk()) return url.status().withPrefix(kPrefix);
  StatusOr<http::Url> parsed = http::parseUrl(*url);
  if (!parsed.isOk()) {
    return parsed.status().withPrefix(fmt::format("{}: the Jolokia URL", kPrefix));
  }
  if (parsed->scheme != "http" && parsed->scheme != "https") {
    return invalidArgument(fmt::format("{}: the Jolokia URL must be http:// or https://, not {}://",
                                       kPrefix, parsed->scheme));
  }
  out.url = *std::move(url);
  out.origin = m.corsHeader.empty() ? "http://" + m.managementEndpoint : m.corsHeader;
  out.timeout = config.globalHttpTimeout;
  out.metricName = metricNameWithIndex(config.triggerIndex,
                                       normalizeMetricName("activemq-" + m.destinationName));
  return out;
}

StatusOr<int64_t> parseJolokiaAnswer(std::string_view body) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("status") || !doc["status"].is_number_integer()) {
    return invalidArgument("the answer is not a Jolokia response (no status)");
  }
  const int64_t status = doc["status"].get<int64_t>();
  if (status != 200) {
    std::string error = doc.value("error", std::string());
    if (error.size() > 300) error = error.substr(0, 300) + "...";
    const StatusCode code = status == 404 ? StatusCode::kNotFound
                                          : (status >= 500 ? StatusCode::kUnavailable
                                                           : StatusCode::kFailedPrecondition);
    return Status(code, fmt::format("Jolokia answered status {}: {}", status, error));
  }
  const nlohmann::json& value = doc.contains("value") ? doc["value"] : nlohmann::json();
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float() && std::isfinite(value.get<double>())) {
    return static_cast<int64_t>(value.get<double>());
  }
  return invalidArgument(fmt::format("the Jolokia value is not a number: {}", value.dump()));
}

}  // namespace tidal::scalers::activemq
