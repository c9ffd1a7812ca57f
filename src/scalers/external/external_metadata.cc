#include "scalers/external/external_metadata.h"

#include <fmt/format.h>

#include "scalers/http/tls_material.h"

namespace tidal::scalers::external {
namespace {

constexpr ParamSource kAuth = ParamSource::kAuthParams;
using M = ExternalMetadata;

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Status validate(const M& md) {
  if (!md.tlsClientCert.empty() && md.tlsClientKey.empty()) {
    return invalidArgument("tlsClientKey must be provided with tlsClientCert");
  }
  if (!md.tlsClientKey.empty() && md.tlsClientCert.empty()) {
    return invalidArgument("tlsClientCert must be provided with tlsClientKey");
  }
  return Status::ok();
}

// checkTlsMaterial's messages name the generic fields (ca, cert, key); name this trigger's.
Status renameTlsFields(const Status& s) {
  std::string m = s.message();
  static const std::pair<std::string_view, std::string_view> kNames[] = {
      {"cert/key:", "tlsClientCert/tlsClientKey:"},
      {"ca:", "caCert:"},
      {"cert:", "tlsClientCert:"},
      {"key:", "tlsClientKey:"},
  };
  for (const auto& [from, to] : kNames) {
    if (m.rfind(from, 0) == 0) {
      m = std::string(to) + m.substr(from.size());
      break;
    }
  }
  return Status(s.code(), std::move(m));
}

}  // namespace

const ParamSet<ExternalMetadata>& externalParams() {
  static const ParamSet<M> params =
      ParamSet<M>()
          .add(param("scalerAddress", &M::scalerAddress)
                   .example("my-scaler.default.svc:6000")
                   .describe("gRPC target of the external scaler (host:port or a gRPC name such "
                             "as dns:///host:port)"))
          .add(param("enableTLS", &M::enableTLS)
                   .defaultValue("false")
                   .describe("talk TLS to the scaler (also implied by caCert or tlsClientCert)"))
          .add(param("unsafeSsl", &M::unsafeSsl)
                   .defaultValue("false")
                   .describe("skip verifying the scaler's certificate"))
          .add(param("caCert", &M::caCert)
                   .order({kAuth})
                   .optional()
                   .describe("PEM CA certificate(s) to verify the scaler with; implies TLS"))
          .add(param("tlsClientCert", &M::tlsClientCert)
                   .order({kAuth})
                   .optional()
                   .describe("PEM client certificate (mutual TLS); needs tlsClientKey"))
          .add(param("tlsClientKey", &M::tlsClientKey)
                   .order({kAuth})
                   .optional()
                   .secret()
                   .describe("PEM private key of the client certificate"))
          .validate(validate);
  return params;
}

bool ExternalConfig::useTls() const {
  return metadata.enableTLS || !metadata.caCert.empty() || !metadata.tlsClientCert.empty();
}

std::string ExternalConfig::poolKey() const {
  // Every part is length-prefixed, so no two different parameter sets give the same key.
  std::string key;
  auto add = [&key](std::string_view part) {
    key += std::to_string(part.size());
    key += ':';
    key += part;
  };
  add(metadata.scalerAddress);
  add(useTls() ? "tls" : "plain");
  add(metadata.enableTLS ? "1" : "0");
  add(metadata.unsafeSsl ? "1" : "0");
  add(metadata.caCert);
  add(metadata.tlsClientCert);
  add(metadata.tlsClientKey);
  return key;
}

StringMap scalerMetadataOf(const ScalerConfig& config) {
  StringMap out;
  for (const auto& [key, value] : config.triggerMetadata) {
    if (endsWith(key, "FromEnv")) {
      auto env = config.resolvedEnv.find(value);
      if (env != config.resolvedEnv.end() && !env->second.empty()) out[key] = env->second;
    } else {
      out[key] = value;
    }
  }
  return out;
}

StatusOr<ExternalConfig> parseExternalConfig(const ScalerConfig& config) {
  constexpr std::string_view kPrefix = "error parsing external scaler metadata";
  StatusOr<M> md = externalParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix(kPrefix);
  ExternalConfig out;
  out.metadata = *std::move(md);
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  out.targetType = *targetType;
  if (out.useTls()) {
    const http::TlsMaterial material{out.metadata.caCert, out.metadata.tlsClientCert,
                                     out.metadata.tlsClientKey, ""};
    Status tls = http::checkTlsMaterial(material);
    if (!tls.isOk()) return renameTlsFields(tls).withPrefix(kPrefix);
  }
  out.name = config.scalableObjectName;
  out.namespace_ = config.scalableObjectNamespace;
  out.scalerMetadata = scalerMetadataOf(config);
  out.triggerIndex = config.triggerIndex;
  out.timeout = config.globalHttpTimeout;
  return out;
}

}  // namespace tidal::scalers::external
