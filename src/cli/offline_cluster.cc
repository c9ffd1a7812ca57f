#include "cli/offline_cluster.h"

#include <fmt/format.h>

#include "api/codec.h"
#include "api/manifest.h"
#include "k8s/types/object.h"

namespace tidal::cli {
namespace {

std::string key(std::string_view ns, std::string_view name) {
  return fmt::format("{}/{}", namespaceOrDefault(ns), name);
}

std::string workloadKey(std::string_view kind, std::string_view ns, std::string_view name) {
  return fmt::format("{}/{}", kind, key(ns, name));
}

}  // namespace

std::string namespaceOrDefault(std::string_view ns) {
  return ns.empty() ? std::string("default") : std::string(ns);
}

void OfflineCluster::add(const nlohmann::json& doc) {
  if (!doc.is_object()) return;
  const std::string apiVersion = api::stringField(doc, "apiVersion");
  const std::string kind = api::stringField(doc, "kind");
  if (apiVersion.rfind("keda.sh/", 0) == 0) {
    api::Issues ignored;
    auto decoded = api::decodeKedaObject(doc, ignored);
    if (!decoded.isOk()) return;
    if (auto* ta = std::get_if<api::TriggerAuthentication>(&*decoded)) {
      if (ta->clusterScoped) {
        clusterAuths_[ta->metadata.name] = *ta;
      } else {
        triggerAuths_[key(ta->metadata.namespace_, ta->metadata.name)] = *ta;
      }
    }
    return;
  }
  const k8s::ObjectMeta meta = k8s::metaOf(doc);
  if (apiVersion == "v1" && kind == "Secret") {
    auto secret = k8s::Secret::decode(doc);
    if (secret.isOk()) secrets_[key(meta.namespace_, meta.name)] = std::move(secret).value();
  } else if (apiVersion == "v1" && kind == "ConfigMap") {
    auto cm = k8s::ConfigMap::decode(doc);
    if (cm.isOk()) configMaps_[key(meta.namespace_, meta.name)] = std::move(cm).value();
  } else if (apiVersion == "v1" && kind == "ServiceAccount") {
    serviceAccounts_[key(meta.namespace_, meta.name)] = meta.annotations;
  } else if (doc.contains("spec") && doc["spec"].is_object() && doc["spec"].contains("template")) {
    workloads_[workloadKey(kind, meta.namespace_, meta.name)] = doc["spec"]["template"];
  }
}

std::optional<scaling::TargetPodTemplate> OfflineCluster::podTemplate(std::string_view kind,
                                                                      std::string_view ns,
                                                                      std::string_view name) const {
  auto it = workloads_.find(workloadKey(kind.empty() ? "Deployment" : kind, ns, name));
  if (it == workloads_.end()) return std::nullopt;
  auto parsed = scaling::podTemplateFromJson(it->second);
  if (!parsed.isOk()) return std::nullopt;
  return std::move(parsed).value();
}

std::vector<std::string> OfflineCluster::skipMissingEnvSources(scaling::TargetPodTemplate& target,
                                                               std::string_view ns) const {
  std::vector<std::string> skipped;
  for (k8s::Container& c : target.containers) {
    for (k8s::EnvFromSource& from : c.envFrom) {
      if (from.optional) continue;
      if (!from.secretName.empty() && !secrets_.contains(key(ns, from.secretName))) {
        from.optional = true;
        skipped.push_back(fmt::format("Secret {} (envFrom of container \"{}\")",
                                      key(ns, from.secretName), c.name));
      } else if (!from.configMapName.empty() &&
                 !configMaps_.contains(key(ns, from.configMapName))) {
        from.optional = true;
        skipped.push_back(fmt::format("ConfigMap {} (envFrom of container \"{}\")",
                                      key(ns, from.configMapName), c.name));
      }
    }
    for (k8s::EnvVar& var : c.env) {
      if (var.secretKeyRef && !var.secretKeyRef->optional &&
          !secrets_.contains(key(ns, var.secretKeyRef->name))) {
        var.secretKeyRef->optional = true;
        skipped.push_back(fmt::format("Secret {} (env {} of container \"{}\")",
                                      key(ns, var.secretKeyRef->name), var.name, c.name));
      } else if (var.configMapKeyRef && !var.configMapKeyRef->optional &&
                 !configMaps_.contains(key(ns, var.configMapKeyRef->name))) {
        var.configMapKeyRef->optional = true;
        skipped.push_back(fmt::format("ConfigMap {} (env {} of container \"{}\")",
                                      key(ns, var.configMapKeyRef->name), var.name, c.name));
      }
    }
  }
  return skipped;
}

StatusOr<k8s::Secret> OfflineCluster::secret(std::string_view ns, std::string_view name) {
  auto it = secrets_.find(key(ns, name));
  if (it == secrets_.end()) {
    return notFound(fmt::format("Secret {} is not in the given files", key(ns, name)));
  }
  return it->second;
}

StatusOr<k8s::ConfigMap> OfflineCluster::configMap(std::string_view ns, std::string_view name) {
  auto it = configMaps_.find(key(ns, name));
  if (it == configMaps_.end()) {
    return notFound(fmt::format("ConfigMap {} is not in the given files", key(ns, name)));
  }
  return it->second;
}

StatusOr<api::TriggerAuthentication> OfflineCluster::triggerAuthentication(std::string_view ns,
                                                                           std::string_view name) {
  auto it = triggerAuths_.find(key(ns, name));
  if (it == triggerAuths_.end()) {
    return notFound(
        fmt::format("TriggerAuthentication {} is not in the given files", key(ns, name)));
  }
  return it->second;
}

StatusOr<api::TriggerAuthentication> OfflineCluster::clusterTriggerAuthentication(
    std::string_view name) {
  auto it = clusterAuths_.find(name);
  if (it == clusterAuths_.end()) {
    return notFound(fmt::format("ClusterTriggerAuthentication {} is not in the given files", name));
  }
  return it->second;
}

StatusOr<api::StringMap> OfflineCluster::serviceAccountAnnotations(std::string_view ns,
                                                                   std::string_view name) {
  auto it = serviceAccounts_.find(key(ns, name));
  if (it == serviceAccounts_.end()) {
    return notFound(fmt::format("ServiceAccount {} is not in the given files", key(ns, name)));
  }
  return it->second;
}

StatusOr<std::string> OfflineCluster::serviceAccountToken(std::string_view ns,
                                                          std::string_view serviceAccount,
                                                          std::chrono::seconds /*expiry*/) {
  return failedPrecondition(
      fmt::format("a token for ServiceAccount {} can only be issued by the cluster's API server",
                  key(ns, serviceAccount)));
}

}  // namespace tidal::cli
