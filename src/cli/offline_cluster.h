// The cluster as far as a set of manifest files describes it, for `tidal trigger probe`: the
// Secrets, ConfigMaps, ServiceAccounts, (Cluster)TriggerAuthentications and workloads found in the
// files, served to the operator's own resolver (scaling/resolver.h) through its ResolverSource
// seam, so that a trigger's auth params and env are resolved offline exactly as in the cluster.
//
// What the files do not hold is reported, never guessed: a lookup of a missing object is kNotFound
// (the resolver turns that into a diagnostic and the parameter into "", as KEDA does), and a bound
// ServiceAccount token, which only the API server can issue, is kFailedPrecondition. No message
// carries a value read from a Secret or ConfigMap.
//
// Example:
//   OfflineCluster cluster;
//   for (const auto& doc : docs) cluster.add(doc.json);
//   auto target = cluster.podTemplate("Deployment", "shop", "worker");  // nullopt: not in files
//   auto resolved = scaling::resolveTriggers(input, cluster, options);
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "scaling/resolver.h"

namespace tidal::cli {

class OfflineCluster : public scaling::ResolverSource {
 public:
  // Indexes one manifest document. Documents of other kinds, and objects that do not decode, are
  // ignored (`tidal check` is the tool that reports malformed manifests).
  void add(const nlohmann::json& doc);

  // The pod template of the workload `kind` ns/name (any kind with spec.template, e.g.
  // Deployment, StatefulSet), or nullopt when the files do not hold it.
  std::optional<scaling::TargetPodTemplate> podTemplate(std::string_view kind, std::string_view ns,
                                                        std::string_view name) const;

  // Marks every env/envFrom source of `target` that refers to a Secret or ConfigMap missing from
  // the files as optional, so that resolution skips it instead of failing, and returns one line per
  // source skipped ("Secret shop/creds (envFrom of container \"app\")").
  std::vector<std::string> skipMissingEnvSources(scaling::TargetPodTemplate& target,
                                                 std::string_view ns) const;

  // ResolverSource.
  StatusOr<k8s::Secret> secret(std::string_view ns, std::string_view name) override;
  StatusOr<k8s::ConfigMap> configMap(std::string_view ns, std::string_view name) override;
  StatusOr<api::TriggerAuthentication> triggerAuthentication(std::string_view ns,
                                                             std::string_view name) override;
  StatusOr<api::TriggerAuthentication> clusterTriggerAuthentication(std::string_view name) override;
  StatusOr<api::StringMap> serviceAccountAnnotations(std::string_view ns,
                                                     std::string_view name) override;
  StatusOr<std::string> serviceAccountToken(std::string_view ns, std::string_view serviceAccount,
                                            std::chrono::seconds expiry) override;

 private:
  std::map<std::string, k8s::Secret, std::less<>> secrets_;                      // "ns/name"
  std::map<std::string, k8s::ConfigMap, std::less<>> configMaps_;                // "ns/name"
  std::map<std::string, api::TriggerAuthentication, std::less<>> triggerAuths_;  // "ns/name"
  std::map<std::string, api::TriggerAuthentication, std::less<>> clusterAuths_;  // "name"
  std::map<std::string, api::StringMap, std::less<>> serviceAccounts_;           // "ns/name"
  std::map<std::string, nlohmann::json, std::less<>> workloads_;  // "Kind/ns/name" -> template
};

// metadata.namespace of a manifest, "default" when unset (as kubectl applies it).
std::string namespaceOrDefault(std::string_view ns);

}  // namespace tidal::cli
