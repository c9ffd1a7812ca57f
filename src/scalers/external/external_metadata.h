// The `external` / `external-push` trigger's configuration (spec/keda-scalers.md §2.14,
// spec/keda-spec.md §f), validated, plus what is sent to the server with every call. Pure: no I/O.
//
// Example:
//   ScalerConfig c; c.triggerType = "external"; c.scalableObjectName = "worker";
//   c.triggerMetadata = {{"scalerAddress", "scaler.svc:6000"}, {"queue", "jobs"}};
//   StatusOr<ExternalConfig> cfg = parseExternalConfig(c);
//   cfg->scalerMetadata == {{"queue", "jobs"}, {"scalerAddress", "scaler.svc:6000"}}
//   cfg->useTls() == false
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::external {

struct ExternalMetadata {
  std::string scalerAddress;
  bool enableTLS = false;
  bool unsafeSsl = false;
  std::string caCert;
  std::string tlsClientCert;
  std::string tlsClientKey;
};

const ParamSet<ExternalMetadata>& externalParams();

struct ExternalConfig {
  ExternalMetadata metadata;
  std::string name;        // ScaledObjectRef.name: the ScaledObject's (or ScaledJob's) name
  std::string namespace_;  // ScaledObjectRef.namespace
  // ScaledObjectRef.scalerMetadata: every trigger metadata entry; an entry whose key ends in
  // "FromEnv" carries the resolved environment value instead (omitted when unresolved or empty).
  StringMap scalerMetadata;
  int triggerIndex = 0;
  std::string targetType;  // AverageValue | Value
  std::chrono::milliseconds timeout{3000};

  // TLS when enableTLS, a CA or a client certificate is given (KEDA's rule); plaintext otherwise.
  bool useTls() const;
  // The channel pool key: every parameter that makes two channels interchangeable (address and
  // TLS settings, KEDA's hash inputs). Holds key material: never print it.
  std::string poolKey() const;
};

// Parses and validates one trigger: kInvalidArgument with messages prefixed
// "error parsing external scaler metadata: ".
StatusOr<ExternalConfig> parseExternalConfig(const ScalerConfig& config);

// The metadata sent to the server (ExternalConfig::scalerMetadata).
StringMap scalerMetadataOf(const ScalerConfig& config);

}  // namespace tidal::scalers::external
