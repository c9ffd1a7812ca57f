// Typed views of the API-extension kinds tidal installs or checks: CustomResourceDefinition (the
// four keda.sh CRDs; "is it Established yet?") and apiregistration.k8s.io/v1 APIService (the
// external-metrics registration; "is it Available?").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "k8s/types/object.h"

namespace tidal::k8s {

struct CrdVersion {
  std::string name;
  bool served = false;
  bool storage = false;
  bool hasStatus = false;  // subresources.status
  bool hasScale = false;   // subresources.scale
};

struct CustomResourceDefinition {
  ObjectMeta metadata;
  std::string group;
  std::string scope;  // "Namespaced" or "Cluster"
  std::string plural;
  std::string singular;
  std::string kind;
  std::string listKind;
  std::vector<CrdVersion> versions;
  std::vector<ApiCondition> conditions;

  // Established=True and NamesAccepted=True: the API server serves the resource.
  bool isEstablished() const;
  static StatusOr<CustomResourceDefinition> decode(const Json& json);
};

struct ApiService {
  ObjectMeta metadata;
  std::string group;
  std::string version;
  std::string serviceNamespace;  // empty: served locally by kube-apiserver
  std::string serviceName;
  std::optional<int32_t> servicePort;
  bool insecureSkipTlsVerify = false;
  std::vector<ApiCondition> conditions;

  bool isAvailable() const;  // Available=True
  static StatusOr<ApiService> decode(const Json& json);
};

}  // namespace tidal::k8s
