// The ScaledJobHandler: the runtime of every ScaledJob's scale loop (spec/keda-spec.md §b.8).
//
// For each ScaledJob it keeps (keyed "scaledjob.<ns>.<name>") the scalers of its triggers, built
// with authentication resolved from jobTargetRef's container environment (resolver.h), reused
// until the generation changes and dropped after a poll with an error, and its loop in the
// Scheduler (every pollingInterval).
//
// One poll:
//   1. query every External metric of every trigger; per metric the queue length and the number
//      of Jobs it asks for (scaledjob_executor.h); failures give a Warning KEDAScalerFailed event,
//      keda_scaler_detail_errors_total and keda_scaled_job_errors_total;
//   2. list the Jobs labelled scaledjob.keda.sh/name=<name> (and the pods of the running ones, by
//      their job-name label) to count running and pending Jobs;
//   3. decide with the scaling strategy and create the Jobs (Normal KEDAJobsCreated "Created N
//      jobs", Warning KEDAJobCreateFailed per failure); lastActiveTime = now when active;
//   4. write the Active/Ready conditions, lastActiveTime and externalMetricNames with one merge
//      patch of what changed (none when nothing did);
//   5. delete finished Jobs beyond the history limits, oldest first (Background propagation).
// When the Jobs cannot be listed, nothing is created or deleted in that poll: creating Jobs on a
// count of zero would overshoot (KEDA does; tidal waits for the next poll).
//
// Differences from ScaledObjects, as in KEDA: useCachedMetrics is ignored (the controller logs a
// warning) and push scalers are polled like any other (a warning is logged once per build).
//
// Threading: all public methods are thread-safe; polls of one ScaledJob are serialised.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "common/clock.h"
#include "k8s/client/client.h"
#include "k8s/log.h"
#include "k8s/types/apps.h"
#include "observability/keda_metrics.h"
#include "scalers/registry.h"
#include "scaling/resolver.h"
#include "scaling/scalable_jobs.h"
#include "scaling/scale_handler.h"
#include "scaling/scaledjob_executor.h"
#include "scaling/scheduler.h"

namespace tidal::scaling {

struct ScaledJobHandlerDeps {
  k8s::Client* client = nullptr;  // Job/pod lists, Job creation and deletion, /status patches
  const scalers::ScalerRegistry* registry = nullptr;
  ResolverSource* resolverSource = nullptr;
  ResolverOptions resolverOptions;
  // The ScaledJob as currently known (informer cache), or null when it is gone.
  std::function<std::shared_ptr<const api::ScaledJob>(std::string_view ns, std::string_view name)>
      lookup;
  Scheduler* scheduler = nullptr;
  ObjectEventFn events;
  obs::KedaMetrics* metrics = nullptr;  // optional
  const Clock* clock = &SystemClock::instance();
  k8s::Logger* logger = &k8s::stderrLogger();
  std::chrono::milliseconds httpTimeout{3000};
  std::string version = "0.1.0";  // app.kubernetes.io/version of created Jobs
};

struct ScaledJobHandlerStats {
  uint64_t polls = 0;
  uint64_t pollErrors = 0;
  uint64_t scalerBuilds = 0;
  uint64_t jobsCreated = 0;
  uint64_t jobCreateFailures = 0;
  uint64_t jobsDeleted = 0;
  uint64_t statusPatches = 0;
};

class ScaledJobHandler : public ScalableJobs {
 public:
  explicit ScaledJobHandler(ScaledJobHandlerDeps deps);
  ~ScaledJobHandler() override;  // stopAll()
  ScaledJobHandler(const ScaledJobHandler&) = delete;
  ScaledJobHandler& operator=(const ScaledJobHandler&) = delete;

  // ScalableJobs
  Status ensureScalers(const api::ScaledJob& sj, const std::stop_token& stop) override;
  void startLoop(const api::ScaledJob& sj) override;
  void stopLoop(std::string_view ns, std::string_view name) override;
  bool hasLoop(std::string_view ns, std::string_view name) const override;

  // Drops the scalers of ns/name so the next poll rebuilds them (an authentication changed).
  void invalidate(std::string_view ns, std::string_view name);
  // Runs one poll now, on the calling thread (tests).
  void pollNow(std::string_view ns, std::string_view name);
  // Stops every loop and closes every scaler.
  void stopAll();

  ScaledJobHandlerStats stats() const;

 private:
  struct Built;
  struct Object;

  std::shared_ptr<Object> object(std::string_view ns, std::string_view name, bool create);
  // Caller holds object.mu.
  Status ensureBuilt(Object& object, const api::ScaledJob& sj, const std::stop_token& stop);
  void dropScalers(Object& object);
  void poll(const std::shared_ptr<Object>& object, const RunInfo& run);
  StatusOr<std::vector<k8s::Job>> listJobs(const api::ScaledJob& sj, const std::stop_token& stop);
  StatusOr<PodsByJob> listPods(const api::ScaledJob& sj, const std::vector<k8s::Job>& jobs,
                               const std::stop_token& stop);
  int64_t createJobs(const api::ScaledJob& sj, int64_t count, const std::stop_token& stop);
  void cleanUpHistory(const api::ScaledJob& sj, const std::vector<k8s::Job>& jobs,
                      const std::stop_token& stop);
  void writeStatus(const api::ScaledJob& sj, const api::ScaledJobStatus& before,
                   const api::ScaledJobStatus& after, const std::stop_token& stop);
  void event(const api::ScaledJob& sj, std::string_view type, std::string_view reason,
             std::string_view note);
  void log(k8s::LogLevel level, const api::ScaledJob& sj, std::string_view message,
           std::vector<std::pair<std::string, std::string>> fields = {});

  ScaledJobHandlerDeps deps_;
  scalers::ScalerContext scalerContext_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Object>, std::less<>> objects_;
  std::stop_source stopAll_;

  std::atomic<uint64_t> polls_{0};
  std::atomic<uint64_t> pollErrors_{0};
  std::atomic<uint64_t> scalerBuilds_{0};
  std::atomic<uint64_t> jobsCreated_{0};
  std::atomic<uint64_t> jobCreateFailures_{0};
  std::atomic<uint64_t> jobsDeleted_{0};
  std::atomic<uint64_t> statusPatches_{0};
};

}  // namespace tidal::scaling
