// The ScaledObject reconciler (spec/keda-spec.md §b.1, §b.2, §b.6): makes the cluster match one
// ScaledObject. Given a key it reads the object from the informer cache and
//   - on deletion: stops the scale loop, restores the target's original replica count when asked,
//     and removes tidal's finalizer;
//   - otherwise: adds the finalizer and the scaledobject.keda.sh/name label, handles the pause
//     annotations, resolves the scale target and checks its /scale subresource, checks replica
//     bounds and triggers, builds the scalers (through ScalableObjects) to get the metric specs,
//     creates or updates the HPA keda-hpa-<name> (only when it differs), and (re)starts the scale
//     loop when the HPA is new or the object's generation changed;
//   - writes the status (conditions, target kind, metric names, HPA name, ...) with one merge
//     patch of what changed, and nothing when nothing did;
//   - records KEDA's events (ScaledObjectReady, ScaledObjectCheckFailed, ScaledObjectPaused, ...).
//
// Errors are reported on the object (Ready=False/ScaledObjectCheckFailed with KEDA's message and a
// Warning event) and returned, so the work queue retries with backoff; a bad ScaledObject never
// affects another one.
//
// Threading: reconcile() may run concurrently for different keys (the work queue never hands the
// same key to two workers).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "api/types.h"
#include "k8s/cache/store.h"
#include "k8s/client/client.h"
#include "k8s/client/discovery.h"
#include "k8s/log.h"
#include "k8s/types/autoscaling.h"
#include "k8s/types/object.h"
#include "k8s/workqueue/worker_pool.h"
#include "scaling/scalable.h"

namespace tidal::controller {

// Records an Event about an object ("Normal"/"Warning", reason, action, note).
using EventFn =
    std::function<void(const k8s::ObjectReference& regarding, std::string_view type,
                       std::string_view reason, std::string_view action, std::string_view note)>;

// Hooks for the registration gauges (keda_resource_registered_total, keda_trigger_registered_total,
// keda_scaled_object_paused). Optional.
struct ScaledObjectMetricsHooks {
  std::function<void(const api::ScaledObject&)> registered;  // after a successful reconcile
  std::function<void(std::string_view ns, std::string_view name)> unregistered;
  std::function<void(std::string_view ns, std::string_view name, bool paused)> paused;
};

struct ScaledObjectControllerDeps {
  k8s::Client* client = nullptr;
  k8s::RestMapper* mapper = nullptr;
  scaling::ScalableObjects* scalables = nullptr;
  // The current ScaledObject for a key (the informer cache), or null when it does not exist.
  std::function<std::shared_ptr<const api::ScaledObject>(const k8s::ObjectKey&)> lookup;
  // Optional caches that save requests to the API server. `hpaLookup` gives the HPA informer's
  // copy (null when the cache has none: the HPA is then created, and read live only if that
  // says it exists). `cachedReplicas` gives spec.replicas of a Deployment or StatefulSet from
  // the informer cache, or nullopt for other kinds or a cache miss (then /scale is read live).
  std::function<std::shared_ptr<const k8s::HorizontalPodAutoscaler>(const k8s::ObjectKey&)>
      hpaLookup;
  std::function<std::optional<int32_t>(const api::ScaledObject&)> cachedReplicas;
  EventFn events;
  ScaledObjectMetricsHooks metrics;
  k8s::Logger* logger = &k8s::stderrLogger();
  std::string version = "0.1.0";  // app.kubernetes.io/version of generated HPAs
};

class ScaledObjectController {
 public:
  explicit ScaledObjectController(ScaledObjectControllerDeps deps);

  // `key` is "namespace/name".
  k8s::ReconcileResult reconcile(const std::string& key, const std::stop_token& stop);

  // Whether an informer update from `before` to `after` needs a reconcile (KEDA's predicates:
  // generation changed, a pause annotation changed, labels changed, or the object is being
  // deleted). Status-only updates (tidal's own writes) do not.
  static bool needsReconcile(const api::ScaledObject& before, const api::ScaledObject& after);

 private:
  k8s::ReconcileResult finalize(const api::ScaledObject& so, const std::stop_token& stop);
  // Adds the finalizer, and with it the scaledobject.keda.sh/name label when reconcileSpec would
  // add it, in one patch; returns the object as the server now has it (or `so` unchanged).
  StatusOr<std::shared_ptr<const api::ScaledObject>> ensureFinalizer(
      std::shared_ptr<const api::ScaledObject> so, const std::stop_token& stop);
  // The live HPA `name`: from the cache when there is one, else nullopt when the cache does not
  // have it (or NotFound without a cache).
  StatusOr<std::optional<nlohmann::json>> liveHpa(std::string_view ns, std::string_view name,
                                                  const std::stop_token& stop);
  Status ensureLabel(const api::ScaledObject& so, const std::stop_token& stop);
  // Steps a.-j. of §b.1; fills `status`; returns the Ready message or the error.
  // Sets `restartLoop` when the scale loop must be (re)started.
  StatusOr<std::string> reconcileSpec(const api::ScaledObject& so, api::ScaledObjectStatus& status,
                                      bool& restartLoop, const std::stop_token& stop);
  StatusOr<std::string> handlePause(const api::ScaledObject& so, std::optional<int32_t> replicas,
                                    api::ScaledObjectStatus& status, const std::stop_token& stop);
  Status resolveTarget(const api::ScaledObject& so, api::ScaledObjectStatus& status,
                       const std::stop_token& stop);
  // Creates or updates the HPA; true when it was created.
  StatusOr<bool> ensureHpa(const api::ScaledObject& so, api::ScaledObjectStatus& status,
                           const std::stop_token& stop);
  Status deleteHpa(const api::ScaledObject& so, const api::ScaledObjectStatus& status,
                   const std::stop_token& stop);
  // Patches the status when it differs; returns the object as written, or null when nothing
  // needed writing.
  StatusOr<std::shared_ptr<const api::ScaledObject>> writeStatus(
      const api::ScaledObject& so, const api::ScaledObjectStatus& status,
      const std::stop_token& stop);
  void event(const api::ScaledObject& so, std::string_view type, std::string_view reason,
             std::string_view note);
  void forgetGeneration(const std::string& key);

  ScaledObjectControllerDeps deps_;
  std::mutex mu_;
  std::map<std::string, int64_t, std::less<>> generations_;  // of the running loops
};

// Whether `desired` is a "semantic derivative" of `live`: every field set in `desired` has the same
// value in `live` (Quantity strings compared by value), so an update would change nothing the
// controller owns. Fields only `live` has (server defaults) are ignored.
bool isDerivative(const nlohmann::json& desired, const nlohmann::json& live);

}  // namespace tidal::controller
