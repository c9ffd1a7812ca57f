#include "scalers/etcd/etcd_metadata.h"

#include <fmt/format.h>

#include "scalers/http/tls_material.h"
#include "scalers/http/url.h"

namespace tidal::scalers::etcd {
namespace {

constexpr ParamSource kAuth = ParamSource::kAuthParams;
constexpr ParamSource kEnv = ParamSource::kResolvedEnv;
using M = EtcdMetadata;

Status validate(const M& md) {
  if (md.watchProgressNotifyInterval <= 0) {
    return invalidArgument("watchProgressNotifyInterval must be greater than 0");
  }
  if (md.tls == "enable") {
    if (!md.key.empty() && md.cert.empty())
      return invalidArgument("cert must be provided with key");
    if (!md.cert.empty() && md.key.empty())
      return invalidArgument("key must be provided with cert");
  }
  if (!md.username.empty() && md.password.empty()) {
    return invalidArgument("password must be provided with username");
  }
  if (!md.password.empty() && md.username.empty()) {
    return invalidArgument("username must be provided with password");
  }
  return Status::ok();
}

}  // namespace

const ParamSet<EtcdMetadata>& etcdParams() {
  static const ParamSet<M> params =
      ParamSet<M>()
          .add(param("endpoints", &M::endpoints)
                   .example("etcd-0.etcd:2379,etcd-1.etcd:2379")
                   .describe("comma-separated etcd client endpoints (host:port or an http(s) "
                             "URL), tried in order"))
          .add(param("watchKey", &M::watchKey)
                   .example("/jobs/pending")
                   .describe("the key whose value (a number) is the metric"))
          .add(param("value", &M::value).describe("the target value per replica"))
          .add(param("activationValue", &M::activationValue)
                   .defaultValue("0")
                   .describe("the trigger is active when the value is above this"))
          .add(param("watchProgressNotifyInterval", &M::watchProgressNotifyInterval)
                   .defaultValue("600")
                   .describe("seconds; the watch is restarted when the server sent nothing, "
                             "not even a progress notification, for twice this long"))
          .add(param("username", &M::username)
                   .order({kAuth, kEnv})
                   .optional()
                   .describe("etcd user (etcd authentication); needs password"))
          .add(param("password", &M::password)
                   .order({kAuth, kEnv})
                   .optional()
                   .secret()
                   .describe("password of the etcd user"))
          .add(param("tls", &M::tls)
                   .order({kAuth})
                   .defaultValue("disable")
                   .enumValues({"enable", "disable"})
                   .describe("enable: talk to the endpoints over https"))
          .add(param("cert", &M::cert)
                   .order({kAuth})
                   .optional()
                   .secret()
                   .describe("PEM client certificate (tls enable); needs key"))
          .add(param("key", &M::key)
                   .order({kAuth})
                   .optional()
                   .secret()
                   .describe("PEM private key of the client certificate"))
          .add(param("keyPassword", &M::keyPassword)
                   .order({kAuth})
                   .optional()
                   .secret()
                   .describe("password of an encrypted key"))
          .add(param("ca", &M::ca)
                   .order({kAuth})
                   .optional()
                   .describe("PEM CA certificate(s) to verify the servers with (tls enable)"))
          .validate(validate);
  return params;
}

std::vector<std::string> EtcdConfig::secrets() const {
  std::vector<std::string> out;
  for (const std::string* s : {&metadata.password, &metadata.key, &metadata.keyPassword}) {
    if (!s->empty()) out.push_back(*s);
  }
  return out;
}

StatusOr<std::string> endpointUrl(std::string_view endpoint, bool tlsEnabled) {
  const std::string text = endpoint.find("://") == std::string_view::npos
                               ? fmt::format("{}://{}", tlsEnabled ? "https" : "http", endpoint)
                               : std::string(endpoint);
  TIDAL_ASSIGN_OR_RETURN(http::Url url, http::parseUrl(text));
  if (url.scheme != "http" && url.scheme != "https") {
    return invalidArgument(fmt::format("endpoint {}: the scheme must be http or https, not {}",
                                       http::redactUrl(text), url.scheme));
  }
  if (url.hasUserInfo) {
    return invalidArgument(
        fmt::format("endpoint {}: credentials belong in username and password, not in the endpoint",
                    http::redactUrl(text)));
  }
  if (!url.rawPath.empty() && url.rawPath != "/") {
    return invalidArgument(
        fmt::format("endpoint {}: expected host:port without a path", http::redactUrl(text)));
  }
  if (url.host.empty()) return invalidArgument("an endpoint has no host");
  return fmt::format("{}://{}", url.scheme, http::endpointOf(url));
}

StatusOr<EtcdConfig> parseEtcdConfig(const ScalerConfig& config) {
  constexpr std::string_view kPrefix = "error parsing etcd metadata";
  StatusOr<M> md = etcdParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix(kPrefix);
  EtcdConfig out;
  out.metadata = *std::move(md);
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  out.targetType = *targetType;
  out.tlsEnabled = out.metadata.tls == "enable";
  for (const std::string& e : out.metadata.endpoints) {
    StatusOr<std::string> url = endpointUrl(e, out.tlsEnabled);
    if (!url.isOk()) return url.status().withPrefix(fmt::format("{}: endpoints", kPrefix));
    out.urls.push_back(*std::move(url));
  }
  if (out.urls.empty()) return invalidArgument(fmt::format("{}: endpoints is empty", kPrefix));
  if (out.tlsEnabled) {
    const http::TlsMaterial material{out.metadata.ca, out.metadata.cert, out.metadata.key,
                                     out.metadata.keyPassword};
    Status tls = http::checkTlsMaterial(material);
    if (!tls.isOk()) return tls.withPrefix(kPrefix);
  }
  out.timeout = config.globalHttpTimeout;
  out.metricName = metricNameWithIndex(config.triggerIndex,
                                       normalizeMetricName("etcd-" + out.metadata.watchKey));
  return out;
}

}  // namespace tidal::scalers::etcd
