// The ScaledJob reconciler (spec/keda-spec.md §b.8, §b.6): makes the cluster match one ScaledJob.
// Given a key it reads the object from the informer cache and
//   - on deletion: stops the scale loop, removes tidal's finalizer and records a Warning
//     ScaledJobDeleted "ScaledJob was deleted";
//   - otherwise: adds the finalizer, initialises the conditions, and then, in KEDA's order:
//       jobTargetRef missing      -> Warning ScaledJobCheckFailed, error (retried);
//       autoscaling.keda.sh/paused truthy -> Paused=True/ScaledJobPaused (event on transition),
//                                    loop stopped, Ready=True "ScaledJob is paused, skipping
//                                    reconcile loop"; unpausing sets
//                                    Paused=False/ScaledJobUnpaused;
//       triggers invalid           -> "ScaledJob doesn't have correct triggers specification";
//       status.triggersTypes / authenticationsTypes;
//       rollout cleanup            -> unless gradual, Jobs of an older generation are deleted
//                                    (ScaledJobRolloutCleanup{Started,Completed,Failed} events);
//       scalers built              -> else "Failed to ensure ScaledJob is correctly created";
//       a trigger with metricType  -> "Cannot set metricType in ScaledJob triggers";
//       (re)start the scale loop when the generation changed or none runs;
//   - Ready=True/ScaledJobReady (Normal ScaledJobReady "ScaledJob is ready for scaling" when it was
//     not True) or Ready=False/ScaledJobCheckFailed with Active=Unknown/UnknownState and a Warning
//     event; the status is written with one merge patch of what changed.
// On a reconcile error the scale loop is stopped, so an invalid ScaledJob never creates Jobs; the
// error is returned and the work queue retries with backoff.
//
// Threading: reconcile() may run concurrently for different keys.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>

#include "api/types.h"
#include "controller/scaledobject_controller.h"
#include "k8s/client/client.h"
#include "k8s/log.h"
#include "k8s/workqueue/worker_pool.h"
#include "scaling/scalable_jobs.h"

namespace tidal::controller {

// Hooks for keda_resource_registered_total{type="scaled_job"} and keda_trigger_registered_total.
// Optional.
struct ScaledJobMetricsHooks {
  std::function<void(const api::ScaledJob&)> registered;  // after each reconcile of a live object
  std::function<void(std::string_view ns, std::string_view name)> unregistered;
};

struct ScaledJobControllerDeps {
  k8s::Client* client = nullptr;
  scaling::ScalableJobs* scalables = nullptr;
  // The current ScaledJob for a key (the informer cache), or null when it does not exist.
  std::function<std::shared_ptr<const api::ScaledJob>(const k8s::ObjectKey&)> lookup;
  EventFn events;
  ScaledJobMetricsHooks metrics;
  k8s::Logger* logger = &k8s::stderrLogger();
};

class ScaledJobController {
 public:
  explicit ScaledJobController(ScaledJobControllerDeps deps);

  // `key` is "namespace/name".
  k8s::ReconcileResult reconcile(const std::string& key, const std::stop_token& stop);

  // KEDA's predicates for ScaledJobs: the generation changed, the paused annotation changed, or
  // the object is being deleted. Status-only updates (the loop's own writes) do not reconcile.
  static bool needsReconcile(const api::ScaledJob& before, const api::ScaledJob& after);

 private:
  k8s::ReconcileResult finalize(const api::ScaledJob& sj, const std::stop_token& stop);
  Status ensureFinalizer(const api::ScaledJob& sj, const std::stop_token& stop);
  // Everything after the jobTargetRef check; returns the Ready message or the error.
  StatusOr<std::string> reconcileSpec(const api::ScaledJob& sj, api::ScaledJobStatus& status,
                                      const std::stop_token& stop);
  Status rolloutCleanup(const api::ScaledJob& sj, const std::stop_token& stop);
  Status writeStatus(const api::ScaledJob& sj, const api::ScaledJobStatus& status,
                     const std::stop_token& stop);
  void stopLoop(const api::ScaledJob& sj);
  void event(const api::ScaledJob& sj, std::string_view type, std::string_view reason,
             std::string_view note);

  ScaledJobControllerDeps deps_;
  std::mutex mu_;
  std::map<std::string, int64_t, std::less<>> generations_;  // of the running loops
};

}  // namespace tidal::controller
