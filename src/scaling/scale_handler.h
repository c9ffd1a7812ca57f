// The ScaleHandler: the runtime of every ScaledObject's scale loop, and the metrics the HPA reads.
//
// For each ScaledObject it keeps (keyed "scaledobject.<ns>.<name>"):
//   - the scalers of its triggers, built lazily with authentication resolved (resolver.h), reused
//     until the object's generation changes, and dropped after a poll with an error so the next
//     use rebuilds them and re-reads secrets (KEDA's scalers cache);
//   - the compiled scaling-modifiers formula;
//   - the values of the last poll for triggers with useCachedMetrics (the metric cache);
//   - its loop in the Scheduler (pollingInterval), plus one thread per push scaler.
//
// One poll (checkScalers, spec/keda-spec.md §b.3): re-read the object, query every External metric
// of every trigger (fallback applied, §b.5), decide activity (activity.h, modifiers.h), let the
// executor write /scale for 0<->1, idle, min and pause cases (executor.h), and write the status
// with one merge patch of what changed. The HPA's requests (getMetrics, §b.4) query the scalers
// (or the cache) and apply fallback and modifiers the same way.
//
// Calls for one object are serialised (a mutex per object: polls, push activations and metric
// requests), so a scaler never sees two calls at once; different objects never wait for each
// other. Every scaler call is bounded by the scaler's own timeout.
//
// Threading: all public methods are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api/types.h"
#include "common/clock.h"
#include "k8s/client/client.h"
#include "k8s/log.h"
#include "k8s/types/object.h"
#include "observability/keda_metrics.h"
#include "scalers/registry.h"
#include "scaling/modifiers.h"
#include "scaling/resolver.h"
#include "scaling/scalable.h"
#include "scaling/scale_types.h"
#include "scaling/scheduler.h"

namespace tidal::scaling {

using ObjectEventFn =
    std::function<void(const k8s::ObjectReference& regarding, std::string_view type,
                       std::string_view reason, std::string_view action, std::string_view note)>;

// What the handler reads about the world, implemented by the operator on informer caches (tests
// implement it with fixed answers).
class ScaleTargetReader {
 public:
  virtual ~ScaleTargetReader() = default;
  // The ScaledObject as currently known (informer cache), or null if it is gone.
  virtual std::shared_ptr<const api::ScaledObject> scaledObject(std::string_view ns,
                                                                std::string_view name) = 0;
  // The scale target's spec.replicas.
  virtual StatusOr<int32_t> currentReplicas(const api::ScaledObject& so,
                                            const std::stop_token& stop) = 0;
  // The scale target's pod template (for triggers that read the container environment).
  virtual StatusOr<TargetPodTemplate> podTemplate(const api::ScaledObject& so,
                                                  const std::stop_token& stop) = 0;
  // Pods of the target that are Running and Ready (fallback with Value targets).
  virtual StatusOr<int32_t> readyPods(const api::ScaledObject& so, const std::stop_token& stop) = 0;
  // The HPA's status.conditions, nullopt when the HPA is missing.
  virtual std::optional<std::vector<k8s::ApiCondition>> hpaConditions(std::string_view ns,
                                                                      std::string_view name) = 0;
};

struct ScaleHandlerDeps {
  k8s::Client* client = nullptr;  // /scale and /status writes
  const scalers::ScalerRegistry* registry = nullptr;
  ResolverSource* resolverSource = nullptr;
  ResolverOptions resolverOptions;
  ScaleTargetReader* targets = nullptr;
  Scheduler* scheduler = nullptr;
  ObjectEventFn events;
  obs::KedaMetrics* metrics = nullptr;  // optional
  const Clock* clock = &SystemClock::instance();
  k8s::Logger* logger = &k8s::stderrLogger();
  std::chrono::milliseconds httpTimeout{3000};
  // Writes of status.lastActiveTime that only refresh it are sent at most this often (KEDA writes
  // one on every active poll). Decisions use the exact time kept in memory, every other status
  // write (the Active transition among them) carries it, and after a restart an object stored as
  // Active cools down from the restart, so the lag costs nothing but freshness of the stored
  // value. Zero writes every refresh, as KEDA.
  std::chrono::seconds lastActiveRefresh{0};
  // Whether this process may write now: it leads, or runs without leader election (empty: it
  // may). A standby still answers the HPA from its own scalers (getMetrics) but leaves events and
  // status writes to the leader, which polls the same triggers.
  std::function<bool()> mayWrite;
};

struct ScaleHandlerStats {
  uint64_t polls = 0;
  uint64_t pollErrors = 0;
  uint64_t scalerBuilds = 0;
  uint64_t statusPatches = 0;
  uint64_t scaleWrites = 0;
  uint64_t metricRequests = 0;
  size_t objects = 0;
};

class ScaleHandler : public ScalableObjects {
 public:
  explicit ScaleHandler(ScaleHandlerDeps deps);
  ~ScaleHandler() override;  // stopAll()
  ScaleHandler(const ScaleHandler&) = delete;
  ScaleHandler& operator=(const ScaleHandler&) = delete;

  // ScalableObjects
  StatusOr<TriggerMetricSpecs> metricSpecs(const api::ScaledObject& so,
                                           const std::stop_token& stop) override;
  void startLoop(const api::ScaledObject& so) override;
  void stopLoop(std::string_view ns, std::string_view name) override;
  bool hasLoop(std::string_view ns, std::string_view name) const override;

  // The values of `metricName` of ScaledObject ns/name for the HPA (§b.4): kNotFound when the
  // object or metric is unknown; the scaler's error (retryable) when it fails without fallback.
  StatusOr<std::vector<scalers::MetricValue>> getMetrics(std::string_view ns,
                                                         std::string_view scaledObject,
                                                         std::string_view metricName,
                                                         const std::stop_token& stop);

  // getMetrics' answer when it can be given without blocking, or nullopt: the value of a
  // useCachedMetrics trigger already polled successfully, for a ScaledObject without scaling
  // modifiers, whose scalers are built for its generation, whose lock is free at once, and whose
  // status the answer would not change (no health or condition update to write). Everything
  // else (a first request, errors and fallback, live queries) is left to getMetrics. For the
  // metrics server's io thread.
  std::optional<StatusOr<std::vector<scalers::MetricValue>>> getMetricsNow(
      std::string_view ns, std::string_view scaledObject, std::string_view metricName);

  // The informer's copy of `so` changed. A copy this handler kept of its own (or the
  // controller's) status write that is not newer than `so` goes now rather than at the next poll:
  // after a burst of new ScaledObjects, a thousand such copies would otherwise live a whole
  // polling interval. Never blocks: when a poll or request holds the object, that one does it.
  void cacheUpdated(const api::ScaledObject& so);

  // Drops the scalers of ns/name so the next poll or metric request rebuilds them with freshly
  // resolved authentication (a TriggerAuthentication changed). No-op when there are none.
  void invalidate(std::string_view ns, std::string_view name);

  // Runs one poll now, on the calling thread (tests, `tidal trigger probe`).
  void pollNow(std::string_view ns, std::string_view name);

  // Stops every loop and push thread and closes every scaler.
  void stopAll();

  ScaleHandlerStats stats() const;

 private:
  struct Built;
  struct Object;

  std::shared_ptr<Object> object(std::string_view ns, std::string_view name, bool create);
  // Builds the scalers if needed. Caller holds object.mu.
  Status ensureBuilt(Object& object, const api::ScaledObject& so, const std::stop_token& stop);
  void dropScalers(Object& object);
  void startPushScalers(const std::shared_ptr<Object>& object);
  void poll(const std::shared_ptr<Object>& object, const RunInfo& run);
  void pushActivate(const std::shared_ptr<Object>& object, const std::string& metricName);
  // Caller holds object.mu.
  Status writeStatus(Object& object, const api::ScaledObject& so,
                     const api::ScaledObjectStatus& before, const api::ScaledObjectStatus& after,
                     const std::stop_token& stop);
  std::vector<TriggerOutcome> queryTriggers(Object& object, const api::ScaledObject& so,
                                            api::ScaledObjectStatus& status,
                                            const std::vector<std::string>* onlyMetrics,
                                            bool fromCache, const std::stop_token& stop);
  void event(const api::ScaledObject& so, std::string_view type, std::string_view reason,
             std::string_view note);
  bool mayWrite() const { return !deps_.mayWrite || deps_.mayWrite(); }

  ScaleHandlerDeps deps_;
  scalers::ScalerContext scalerContext_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Object>, std::less<>> objects_;
  std::stop_source stopAll_;

  std::atomic<uint64_t> polls_{0};
  std::atomic<uint64_t> pollErrors_{0};
  std::atomic<uint64_t> scalerBuilds_{0};
  std::atomic<uint64_t> statusPatches_{0};
  std::atomic<uint64_t> scaleWrites_{0};
  std::atomic<uint64_t> metricRequests_{0};
};

}  // namespace tidal::scaling
