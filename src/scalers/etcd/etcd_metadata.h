// The `etcd` trigger's configuration: KEDA's parameters (spec/keda-scalers.md §2.13), validated,
// plus the base URLs tidal talks to (etcd's gRPC gateway: JSON over HTTP). Pure: no I/O.
//
// Example:
//   ScalerConfig c; c.triggerType = "etcd";
//   c.triggerMetadata = {{"endpoints", "etcd-0:2379,etcd-1:2379"}, {"watchKey", "/jobs/n"},
//                        {"value", "5"}};
//   StatusOr<EtcdConfig> cfg = parseEtcdConfig(c);
//   cfg->metricName == "s0-etcd--jobs-n"; cfg->urls == {"http://etcd-0:2379", "http://etcd-1:2379"}
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::etcd {

struct EtcdMetadata {
  std::vector<std::string> endpoints;
  std::string watchKey;
  double value = 0;
  double activationValue = 0;
  int64_t watchProgressNotifyInterval = 600;  // seconds
  std::string username;
  std::string password;
  std::string tls = "disable";  // enable | disable
  std::string cert;
  std::string key;
  std::string keyPassword;
  std::string ca;
};

const ParamSet<EtcdMetadata>& etcdParams();

struct EtcdConfig {
  EtcdMetadata metadata;
  std::vector<std::string> urls;  // one base URL per endpoint, in order: "http://host:port"
  std::string metricName;         // s<i>-etcd-<watchKey>, normalised
  std::string targetType;         // AverageValue | Value
  std::chrono::milliseconds timeout{3000};
  bool tlsEnabled = false;

  // Every non-empty secret (password, key, key password), for masking messages.
  std::vector<std::string> secrets() const;
};

// Parses and validates one trigger: kInvalidArgument with messages prefixed
// "error parsing etcd metadata: ".
StatusOr<EtcdConfig> parseEtcdConfig(const ScalerConfig& config);

// The base URL of one `endpoints` entry: "host:port" gets http:// (https:// with tls enable);
// an entry with a scheme must use http or https and keeps it. No path is allowed.
StatusOr<std::string> endpointUrl(std::string_view endpoint, bool tlsEnabled);

}  // namespace tidal::scalers::etcd
