// The operator's view of the cluster for the scaling layer: ScaleTargetReader and ResolverSource
// implemented on informer caches (ScaledObjects, Deployments, StatefulSets, HPAs) with API reads
// for what is not cached (Secrets, ConfigMaps, TriggerAuthentications, /scale of other kinds, pods
// for fallback). A poll of a Deployment-backed ScaledObject therefore costs no API request.
#pragma once

#include <memory>
#include <string>

#include "api/types.h"
#include "k8s/cache/informer.h"
#include "k8s/client/client.h"
#include "k8s/types/apps.h"
#include "k8s/types/autoscaling.h"
#include "scaling/resolver.h"
#include "scaling/scale_handler.h"

namespace tidal::op {

struct ClusterCaches {
  k8s::Informer<api::ScaledObject>* scaledObjects = nullptr;
  k8s::Informer<k8s::PodTemplateWorkload>* deployments = nullptr;
  k8s::Informer<k8s::PodTemplateWorkload>* statefulSets = nullptr;
  k8s::Informer<k8s::HorizontalPodAutoscaler>* hpas = nullptr;
};

class ClusterReader : public scaling::ScaleTargetReader, public scaling::ResolverSource {
 public:
  ClusterReader(k8s::Client& client, ClusterCaches caches) : client_(client), caches_(caches) {}

  // ScaleTargetReader
  std::shared_ptr<const api::ScaledObject> scaledObject(std::string_view ns,
                                                        std::string_view name) override;
  StatusOr<int32_t> currentReplicas(const api::ScaledObject& so,
                                    const std::stop_token& stop) override;
  StatusOr<scaling::TargetPodTemplate> podTemplate(const api::ScaledObject& so,
                                                   const std::stop_token& stop) override;
  StatusOr<int32_t> readyPods(const api::ScaledObject& so, const std::stop_token& stop) override;
  std::optional<std::vector<k8s::ApiCondition>> hpaConditions(std::string_view ns,
                                                              std::string_view name) override;

  // ResolverSource
  StatusOr<k8s::Secret> secret(std::string_view ns, std::string_view name) override;
  StatusOr<k8s::ConfigMap> configMap(std::string_view ns, std::string_view name) override;
  StatusOr<api::TriggerAuthentication> triggerAuthentication(std::string_view ns,
                                                             std::string_view name) override;
  StatusOr<api::TriggerAuthentication> clusterTriggerAuthentication(std::string_view name) override;
  StatusOr<api::StringMap> serviceAccountAnnotations(std::string_view ns,
                                                     std::string_view name) override;
  StatusOr<std::string> serviceAccountToken(std::string_view ns, std::string_view serviceAccount,
                                            std::chrono::seconds expiry) override;

  // spec.replicas of the Deployment or StatefulSet the ScaledObject targets, from the informer
  // cache; nullopt for other kinds or when the cache does not have it.
  std::optional<int32_t> cachedReplicas(const api::ScaledObject& so);

 private:
  // The cached Deployment or StatefulSet the ScaledObject targets, or null for other kinds.
  std::shared_ptr<const k8s::PodTemplateWorkload> cachedWorkload(const api::ScaledObject& so,
                                                                 bool& cachedKind);
  k8s::GroupVersionResource targetResource(const api::ScaledObject& so) const;

  k8s::Client& client_;
  ClusterCaches caches_;
};

}  // namespace tidal::op
