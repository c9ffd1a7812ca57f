#include "operator/cluster_reader.h"

#include <fmt/format.h>

#include "api/defaults.h"
#include "k8s/cache/label_selector.h"
#include "k8s/types/core.h"
#include "k8s/types/keda.h"

namespace tidal::op {
namespace {

using Json = nlohmann::json;

const k8s::GroupVersionResource kServiceAccounts{"", "v1", "serviceaccounts", true};

}  // namespace

std::shared_ptr<const api::ScaledObject> ClusterReader::scaledObject(std::string_view ns,
                                                                     std::string_view name) {
  return caches_.scaledObjects->get({std::string(ns), std::string(name)});
}

k8s::GroupVersionResource ClusterReader::targetResource(const api::ScaledObject& so) const {
  if (so.status && so.status->scaleTargetGVKR) {
    const api::GroupVersionKindResource& g = *so.status->scaleTargetGVKR;
    return {g.group, g.version, g.resource, true};
  }
  api::ResolvedTargetRef ref = api::resolveTargetRef(so.spec.scaleTargetRef);
  if (ref.group == "apps" && ref.kind == "StatefulSet") return k8s::kStatefulSets;
  return {ref.group, ref.version, "deployments", true};
}

std::shared_ptr<const k8s::PodTemplateWorkload> ClusterReader::cachedWorkload(
    const api::ScaledObject& so, bool& cachedKind) {
  api::ResolvedTargetRef ref = api::resolveTargetRef(so.spec.scaleTargetRef);
  cachedKind = false;
  if (ref.group != "apps") return nullptr;
  k8s::Informer<k8s::PodTemplateWorkload>* informer = nullptr;
  if (ref.kind == "Deployment") informer = caches_.deployments;
  if (ref.kind == "StatefulSet") informer = caches_.statefulSets;
  if (informer == nullptr) return nullptr;
  cachedKind = true;
  return informer->get({so.metadata.namespace_, ref.name});
}

std::optional<int32_t> ClusterReader::cachedReplicas(const api::ScaledObject& so) {
  bool cachedKind = false;
  std::shared_ptr<const k8s::PodTemplateWorkload> workload = cachedWorkload(so, cachedKind);
  if (!workload) return std::nullopt;
  return workload->replicas.value_or(1);  // Kubernetes defaults an unset spec.replicas to 1
}

StatusOr<int32_t> ClusterReader::currentReplicas(const api::ScaledObject& so,
                                                 const std::stop_token& stop) {
  bool cachedKind = false;
  std::shared_ptr<const k8s::PodTemplateWorkload> workload = cachedWorkload(so, cachedKind);
  if (cachedKind) {
    if (!workload) {
      return notFound(fmt::format(
          "{} {}/{} not found",
          so.spec.scaleTargetRef.kind.empty() ? "Deployment" : so.spec.scaleTargetRef.kind,
          so.metadata.namespace_, so.spec.scaleTargetRef.name));
    }
    return workload->replicas.value_or(1);  // Kubernetes defaults an unset spec.replicas to 1
  }
  StatusOr<Json> scale = client_.getScale(targetResource(so), so.metadata.namespace_,
                                          so.spec.scaleTargetRef.name, stop);
  if (!scale.isOk()) return scale.status();
  return scale->value("/spec/replicas"_json_pointer, 0);
}

StatusOr<scaling::TargetPodTemplate> ClusterReader::podTemplate(const api::ScaledObject& so,
                                                                const std::stop_token& stop) {
  bool cachedKind = false;
  std::shared_ptr<const k8s::PodTemplateWorkload> workload = cachedWorkload(so, cachedKind);
  if (cachedKind) {
    if (!workload) return notFound("scale target not found");
    return scaling::TargetPodTemplate{.containers = workload->containers};
  }
  StatusOr<Json> object =
      client_.get(targetResource(so), so.metadata.namespace_, so.spec.scaleTargetRef.name, stop);
  if (!object.isOk()) return object.status();
  auto it = object->find("spec");
  if (it == object->end() || !it->contains("template")) return scaling::TargetPodTemplate{};
  return scaling::podTemplateFromJson((*it)["template"]);
}

StatusOr<int32_t> ClusterReader::readyPods(const api::ScaledObject& so,
                                           const std::stop_token& stop) {
  StatusOr<Json> scale = client_.getScale(targetResource(so), so.metadata.namespace_,
                                          so.spec.scaleTargetRef.name, stop);
  if (!scale.isOk()) return scale.status();
  std::string selector = scale->value("/status/selector"_json_pointer, std::string());
  if (selector.empty()) return 0;
  StatusOr<k8s::ObjectList> pods =
      client_.listAll(k8s::kPods, so.metadata.namespace_, {.labelSelector = selector}, stop);
  if (!pods.isOk()) return pods.status();
  int32_t ready = 0;
  for (const Json& item : pods->items) {
    StatusOr<k8s::Pod> pod = k8s::Pod::decode(item);
    if (pod.isOk() && pod->phase == "Running" && pod->isReady()) ++ready;
  }
  return ready;
}

std::optional<std::vector<k8s::ApiCondition>> ClusterReader::hpaConditions(std::string_view ns,
                                                                           std::string_view name) {
  if (caches_.hpas == nullptr) return std::nullopt;
  std::shared_ptr<const k8s::HorizontalPodAutoscaler> hpa =
      caches_.hpas->get({std::string(ns), std::string(name)});
  if (!hpa) return std::nullopt;
  return hpa->conditions;
}

StatusOr<k8s::Secret> ClusterReader::secret(std::string_view ns, std::string_view name) {
  StatusOr<Json> json = client_.get(k8s::kSecrets, ns, name);
  if (!json.isOk()) return json.status();
  return k8s::Secret::decode(*json);
}

StatusOr<k8s::ConfigMap> ClusterReader::configMap(std::string_view ns, std::string_view name) {
  StatusOr<Json> json = client_.get(k8s::kConfigMaps, ns, name);
  if (!json.isOk()) return json.status();
  return k8s::ConfigMap::decode(*json);
}

StatusOr<api::TriggerAuthentication> ClusterReader::triggerAuthentication(std::string_view ns,
                                                                          std::string_view name) {
  StatusOr<Json> json = client_.get(k8s::kTriggerAuthentications, ns, name);
  if (!json.isOk()) return json.status();
  return k8s::decodeTriggerAuthentication(*json);
}

StatusOr<api::TriggerAuthentication> ClusterReader::clusterTriggerAuthentication(
    std::string_view name) {
  StatusOr<Json> json = client_.get(k8s::kClusterTriggerAuthentications, "", name);
  if (!json.isOk()) return json.status();
  return k8s::decodeTriggerAuthentication(*json);
}

StatusOr<api::StringMap> ClusterReader::serviceAccountAnnotations(std::string_view ns,
                                                                  std::string_view name) {
  StatusOr<Json> json = client_.get(kServiceAccounts, ns, name);
  if (!json.isOk()) return json.status();
  api::StringMap out;
  const Json annotations = json->value("/metadata/annotations"_json_pointer, Json::object());
  for (const auto& [k, v] : annotations.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

StatusOr<std::string> ClusterReader::serviceAccountToken(std::string_view ns,
                                                         std::string_view serviceAccount,
                                                         std::chrono::seconds expiry) {
  Json request{{"apiVersion", "authentication.k8s.io/v1"},
               {"kind", "TokenRequest"},
               {"spec", {{"expirationSeconds", expiry.count()}}}};
  std::string path =
      fmt::format("/api/v1/namespaces/{}/serviceaccounts/{}/token", ns, serviceAccount);
  StatusOr<Json> answer =
      client_.rest().call({.method = "POST", .path = path, .body = request.dump()});
  if (!answer.isOk()) return answer.status();
  std::string token = answer->value("/status/token"_json_pointer, std::string());
  if (token.empty()) {
    return internalError(fmt::format("TokenRequest for service account {}/{} returned no token", ns,
                                     serviceAccount));
  }
  return token;
}

}  // namespace tidal::op
