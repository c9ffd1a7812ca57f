// The TriggerAuthentication and ClusterTriggerAuthentication reconciler (spec/keda-spec.md §b.9).
//
// For each (Cluster)TriggerAuthentication it keeps tidal's finalizer, the registration gauge, and
// status.scaledobjects / status.scaledjobs (the comma-separated names of the ScaledObjects and
// ScaledJobs that reference it, so `kubectl get ta -o yaml` shows who uses a secret); it records
// KEDA's events (TriggerAuthenticationAdded, ...Updated, ...Deleted and the cluster variants).
//
// Beyond KEDA: when a (Cluster)TriggerAuthentication's spec changes, `onChanged` is called so the
// scalers built with the old parameters are rebuilt at their next poll instead of at their next
// failure (a rotated password is picked up at once).
//
// Keys: "namespace/name" for TriggerAuthentications, "/name" for ClusterTriggerAuthentications.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "api/types.h"
#include "controller/scaledobject_controller.h"
#include "k8s/client/client.h"
#include "k8s/log.h"
#include "k8s/workqueue/worker_pool.h"

namespace tidal::controller {

struct AuthControllerDeps {
  k8s::Client* client = nullptr;
  // The current object for a key, or null when it does not exist.
  std::function<std::shared_ptr<const api::TriggerAuthentication>(
      std::string_view ns, std::string_view name, bool cluster)>
      lookup;
  // The ScaledObjects and ScaledJobs in the cache (for status.scaledobjects / scaledjobs).
  std::function<std::vector<std::shared_ptr<const api::ScaledObject>>()> scaledObjects;
  std::function<std::vector<std::shared_ptr<const api::ScaledJob>>()> scaledJobs;
  EventFn events;
  // Registration gauge: +1 when first seen, -1 when gone. `type` is "trigger_authentication" or
  // "cluster_trigger_authentication".
  std::function<void(std::string_view type, std::string_view ns, int delta)> registered;
  // The spec of a (Cluster)TriggerAuthentication changed (not called for the first sighting).
  std::function<void(const api::TriggerAuthentication&)> onChanged;
  k8s::Logger* logger = &k8s::stderrLogger();
};

class AuthController {
 public:
  explicit AuthController(AuthControllerDeps deps);

  k8s::ReconcileResult reconcile(const std::string& key, const std::stop_token& stop);

  // The key of the (Cluster)TriggerAuthentication a trigger references, or "" when none.
  static std::string keyForTrigger(const api::ScaleTrigger& trigger, std::string_view ns);
  static std::string keyOf(const api::TriggerAuthentication& auth);

 private:
  k8s::ReconcileResult finalize(const api::TriggerAuthentication& auth,
                                const std::stop_token& stop);
  void event(const api::TriggerAuthentication& auth, std::string_view type, std::string_view reason,
             std::string_view note);

  AuthControllerDeps deps_;
  std::mutex mu_;
  std::map<std::string, int64_t, std::less<>> generations_;  // last generation seen per key
};

}  // namespace tidal::controller
