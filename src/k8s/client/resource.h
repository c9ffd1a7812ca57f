// Naming Kubernetes resources and building their REST paths.
//
// A GroupVersionResource (GVR) says which collection a request is about: ("apps", "v1",
// "deployments"), or ("", "v1", "pods") for the core group. resourcePath() turns a GVR plus a
// namespace, name and subresource into the URL path the API server serves:
//   resourcePath(kDeployments, "web", "api", "scale") ==
//   "/apis/apps/v1/namespaces/web/deployments/api/scale" resourcePath(kPods, "", "") ==
//   "/api/v1/pods"  (all namespaces)
// The well-known GVRs tidal uses are declared here; others come from the RestMapper.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tidal::k8s {

struct GroupVersionResource {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // the plural, lower-case: "deployments"
  bool namespaced = true;

  // "v1" or "apps/v1".
  std::string apiVersion() const;
  // "deployments.apps", or "pods" for the core group: the form kubectl and error messages use.
  std::string toString() const;

  friend bool operator==(const GroupVersionResource&, const GroupVersionResource&) = default;
};

// namespace/name, or name alone for cluster-scoped objects. The work-queue and cache key.
struct ObjectKey {
  std::string namespace_;
  std::string name;

  // "ns/name", or "name" when there is no namespace.
  std::string toString() const;
  // The inverse of toString().
  static ObjectKey parse(std::string_view key);

  friend bool operator==(const ObjectKey&, const ObjectKey&) = default;
  friend auto operator<=>(const ObjectKey&, const ObjectKey&) = default;
};

// The path of a collection (empty name) or object, optionally a subresource ("status", "scale").
// A cluster-scoped resource ignores `ns`; a namespaced one with an empty `ns` addresses all
// namespaces (valid for list and watch only).
std::string resourcePath(const GroupVersionResource& gvr, std::string_view ns,
                         std::string_view name = "", std::string_view subresource = "");

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string urlEncode(std::string_view text);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// "?a=1&b=x%2Cy", or "" for no parameters.
std::string encodeQuery(const QueryParams& params);

// The resources tidal itself reads and writes.
inline const GroupVersionResource kScaledObjects{"keda.sh", "v1alpha1", "scaledobjects", true};
inline const GroupVersionResource kScaledJobs{"keda.sh", "v1alpha1", "scaledjobs", true};
inline const GroupVersionResource kTriggerAuthentications{"keda.sh", "v1alpha1",
                                                          "triggerauthentications", true};
inline const GroupVersionResource kClusterTriggerAuthentications{
    "keda.sh", "v1alpha1", "clustertriggerauthentications", false};
inline const GroupVersionResource kCustomResourceDefinitions{"apiextensions.k8s.io", "v1",
                                                             "customresourcedefinitions", false};
inline const GroupVersionResource kHorizontalPodAutoscalers{"autoscaling", "v2",
                                                            "horizontalpodautoscalers", true};
inline const GroupVersionResource kDeployments{"apps", "v1", "deployments", true};
inline const GroupVersionResource kStatefulSets{"apps", "v1", "statefulsets", true};
inline const GroupVersionResource kReplicaSets{"apps", "v1", "replicasets", true};
inline const GroupVersionResource kJobs{"batch", "v1", "jobs", true};
inline const GroupVersionResource kPods{"", "v1", "pods", true};
inline const GroupVersionResource kSecrets{"", "v1", "secrets", true};
inline const GroupVersionResource kConfigMaps{"", "v1", "configmaps", true};
inline const GroupVersionResource kNamespaces{"", "v1", "namespaces", false};
inline const GroupVersionResource kEvents{"events.k8s.io", "v1", "events", true};
inline const GroupVersionResource kLeases{"coordination.k8s.io", "v1", "leases", true};
inline const GroupVersionResource kApiServices{"apiregistration.k8s.io", "v1", "apiservices",
                                               false};
inline const GroupVersionResource kValidatingWebhookConfigurations{
    "admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", false};

}  // namespace tidal::k8s
