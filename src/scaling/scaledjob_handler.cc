#include "scaling/scaledjob_handler.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "api/codec.h"
#include "api/defaults.h"
#include "k8s/client/resource.h"
#include "k8s/types/merge_patch.h"
#include "scaling/scaled_object_conditions.h"
#include "scaling/scaledjob_jobs.h"

namespace tidal::scaling {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// Pod names of at most this many Jobs go into one `job-name in (...)` selector.
constexpr size_t kJobsPerPodList = 50;

// The status fields the loop writes; everything else belongs to the controller.
constexpr const char* kLoopFields[] = {"conditions", "lastActiveTime", "externalMetricNames"};

k8s::ObjectReference referenceTo(const api::ScaledJob& sj) {
  return {.apiVersion = api::kApiVersion,
          .kind = "ScaledJob",
          .namespace_ = sj.metadata.namespace_,
          .name = sj.metadata.name,
          .uid = sj.metadata.uid,
          .resourceVersion = sj.metadata.resourceVersion};
}

Json loopFields(const api::ScaledJobStatus& status) {
  Json full = api::encode(status);
  Json out = Json::object();
  for (const char* key : kLoopFields) {
    if (auto it = full.find(key); it != full.end()) out[key] = *it;
  }
  return out;
}

std::string jobNameOf(const k8s::Pod& pod) {
  for (const char* key : {"batch.kubernetes.io/job-name", "job-name"}) {
    auto it = pod.metadata.labels.find(key);
    if (it != pod.metadata.labels.end()) return it->second;
  }
  return "";
}

class SjEventSink : public EventSink {
 public:
  SjEventSink(const ObjectEventFn& fn, const api::ScaledJob& sj) : fn_(fn), sj_(sj) {}
  void event(std::string_view type, std::string_view reason, std::string message) override {
    if (fn_) fn_(referenceTo(sj_), type, reason, "Scale", message);
  }

 private:
  const ObjectEventFn& fn_;
  const api::ScaledJob& sj_;
};

}  // namespace

struct ScaledJobHandler::Built {
  struct Trigger {
    std::string type;
    std::string metricsLabel;  // `scaler` label: trigger name, else the scaler's KEDA type name
    std::shared_ptr<scalers::Scaler> scaler;
    std::vector<scalers::MetricSpec> specs;
    Status error;  // why this trigger has no scaler
  };
  int64_t generation = -1;
  std::vector<Trigger> triggers;
};

struct ScaledJobHandler::Object {
  std::string ns;
  std::string name;
  std::string key;
  std::mutex mu;  // serialises polls and builds
  std::unique_ptr<Built> built;
  bool looping = false;
};

ScaledJobHandler::ScaledJobHandler(ScaledJobHandlerDeps deps) : deps_(std::move(deps)) {
  scalerContext_.clock = deps_.clock;
}

ScaledJobHandler::~ScaledJobHandler() {
  stopAll();
}

std::shared_ptr<ScaledJobHandler::Object> ScaledJobHandler::object(std::string_view ns,
                                                                   std::string_view name,
                                                                   bool create) {
  std::string key = loopKey("ScaledJob", ns, name);
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it != objects_.end()) return it->second;
  if (!create) return nullptr;
  auto made = std::make_shared<Object>();
  made->ns = ns;
  made->name = name;
  made->key = key;
  objects_.emplace(key, made);
  return made;
}

void ScaledJobHandler::event(const api::ScaledJob& sj, std::string_view type,
                             std::string_view reason, std::string_view note) {
  if (deps_.events) deps_.events(referenceTo(sj), type, reason, "Scale", note);
}

void ScaledJobHandler::log(k8s::LogLevel level, const api::ScaledJob& sj, std::string_view message,
                           std::vector<std::pair<std::string, std::string>> fields) {
  fields.emplace(fields.begin(), "scaledJob", sj.metadata.namespace_ + "/" + sj.metadata.name);
  deps_.logger->log(level, "scaledjob-handler", std::string(message), std::move(fields));
}

void ScaledJobHandler::dropScalers(Object& object) {
  if (!object.built) return;
  for (Built::Trigger& trigger : object.built->triggers) {
    if (trigger.scaler) trigger.scaler->close();
  }
  object.built.reset();
}

Status ScaledJobHandler::ensureBuilt(Object& object, const api::ScaledJob& sj,
                                     const std::stop_token& stop) {
  (void)stop;  // resolution reads through the ResolverSource, which bounds its own calls
  int64_t generation = sj.metadata.generation.value_or(0);
  if (object.built && object.built->generation == generation) {
    for (const Built::Trigger& t : object.built->triggers) {
      if (!t.error.isOk()) return t.error;
    }
    return Status::ok();
  }
  dropScalers(object);
  ++scalerBuilds_;
  auto built = std::make_unique<Built>();
  built->generation = generation;
  StatusOr<ResolverInput> input = resolverInputFor(sj);
  Status firstError;
  for (size_t i = 0; i < sj.spec.triggers.size(); ++i) {
    const api::ScaleTrigger& spec = sj.spec.triggers[i];
    Built::Trigger trigger;
    trigger.type = spec.type;
    const scalers::ScalerType* type = deps_.registry->find(spec.type);
    trigger.metricsLabel =
        !spec.name.empty() ? spec.name : (type != nullptr ? type->metricsLabel : spec.type);
    StatusOr<ResolvedTrigger> resolved =
        input.isOk() ? resolveTrigger(*input, i, *deps_.resolverSource, deps_.resolverOptions)
                     : StatusOr<ResolvedTrigger>(input.status());
    if (!resolved.isOk()) {
      trigger.error = resolved.status();
    } else {
      resolved->config.globalHttpTimeout = deps_.httpTimeout;
      StatusOr<std::unique_ptr<scalers::Scaler>> scaler =
          deps_.registry->create(resolved->config, scalerContext_);
      if (scaler.isOk()) {
        trigger.scaler = std::shared_ptr<scalers::Scaler>(std::move(scaler).value());
        trigger.specs = trigger.scaler->metricSpecs();
        if (std::dynamic_pointer_cast<scalers::PushScaler>(trigger.scaler)) {
          log(k8s::LogLevel::kWarning, sj,
              "push scalers are polled for ScaledJobs; activity pushes are ignored",
              {{"trigger", std::to_string(i)}, {"type", spec.type}});
        }
        event(sj, kEventNormal, "KEDAScalersStarted", fmt::format("Scaler {} is built", spec.type));
      } else {
        trigger.error =
            withDiagnostics(scaler.status().withPrefix(fmt::format(
                                "error building scaler for trigger {} ({})", i, spec.type)),
                            resolved->diagnostics);
      }
      if (trigger.scaler) {
        // It built without them (an optional parameter left empty, as KEDA does), but a
        // reference that points nowhere is worth a warning the user can see.
        for (const Status& problem : resolved->diagnostics) {
          event(sj, kEventWarning, "TriggerAuthenticationFailed", problem.message());
        }
      }
    }
    if (!trigger.error.isOk()) {
      event(sj, kEventWarning, "KEDAScalerFailed", trigger.error.message());
      if (firstError.isOk()) firstError = trigger.error;
    }
    built->triggers.push_back(std::move(trigger));
  }
  object.built = std::move(built);
  if (!firstError.isOk()) {
    log(k8s::LogLevel::kWarning, sj, "building scalers failed", {{"error", firstError.message()}});
  }
  return firstError;
}

Status ScaledJobHandler::ensureScalers(const api::ScaledJob& sj, const std::stop_token& stop) {
  std::shared_ptr<Object> obj = object(sj.metadata.namespace_, sj.metadata.name, true);
  std::lock_guard lock(obj->mu);
  Status built = ensureBuilt(*obj, sj, stop);
  if (!built.isOk()) dropScalers(*obj);
  return built;
}

void ScaledJobHandler::startLoop(const api::ScaledJob& sj) {
  std::shared_ptr<Object> obj = object(sj.metadata.namespace_, sj.metadata.name, true);
  bool existed;
  {
    std::lock_guard lock(obj->mu);
    existed = obj->looping;
    obj->looping = true;
    if (obj->built && obj->built->generation != sj.metadata.generation.value_or(0)) {
      dropScalers(*obj);
    }
  }
  if (!existed) event(sj, kEventNormal, "KEDAScalersStarted", "Started scalers watch");
  auto interval = std::chrono::seconds(std::max(api::pollingIntervalSeconds(sj.spec), 1));
  std::weak_ptr<Object> weak = obj;
  deps_.scheduler->schedule(obj->key, interval, [this, weak](const RunInfo& run) {
    if (auto o = weak.lock()) poll(o, run);
  });
}

void ScaledJobHandler::stopLoop(std::string_view ns, std::string_view name) {
  std::shared_ptr<Object> obj;
  {
    std::lock_guard lock(mu_);
    auto it = objects_.find(loopKey("ScaledJob", ns, name));
    if (it == objects_.end()) return;
    obj = it->second;
    objects_.erase(it);
  }
  deps_.scheduler->cancel(obj->key);
  std::lock_guard lock(obj->mu);
  dropScalers(*obj);
  obj->looping = false;
  if (deps_.metrics)
    deps_.metrics->deleteScaledObjectSeries(ns, name, obs::ResourceKind::kScaledJob);
}

bool ScaledJobHandler::hasLoop(std::string_view ns, std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(loopKey("ScaledJob", ns, name));
  return it != objects_.end() && it->second->looping;
}

void ScaledJobHandler::invalidate(std::string_view ns, std::string_view name) {
  std::shared_ptr<Object> obj = object(ns, name, false);
  if (!obj) return;
  std::lock_guard lock(obj->mu);
  dropScalers(*obj);
}

void ScaledJobHandler::stopAll() {
  std::vector<std::shared_ptr<Object>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, obj] : objects_) all.push_back(obj);
    objects_.clear();
  }
  stopAll_.request_stop();
  for (auto& obj : all) {
    if (deps_.scheduler) deps_.scheduler->cancel(obj->key);
    std::lock_guard lock(obj->mu);
    dropScalers(*obj);
  }
}

StatusOr<std::vector<k8s::Job>> ScaledJobHandler::listJobs(const api::ScaledJob& sj,
                                                           const std::stop_token& stop) {
  StatusOr<k8s::ObjectList> list =
      deps_.client->listAll(k8s::kJobs, sj.metadata.namespace_,
                            {.labelSelector = jobLabelSelector(sj.metadata.name)}, stop);
  if (!list.isOk()) return list.status();
  std::vector<k8s::Job> jobs;
  jobs.reserve(list->items.size());
  for (const Json& item : list->items) {
    StatusOr<k8s::Job> job = k8s::Job::decode(item);
    if (!job.isOk()) return job.status();
    jobs.push_back(std::move(job).value());
  }
  return jobs;
}

StatusOr<PodsByJob> ScaledJobHandler::listPods(const api::ScaledJob& sj,
                                               const std::vector<k8s::Job>& jobs,
                                               const std::stop_token& stop) {
  std::vector<std::string> running;
  for (const k8s::Job& job : jobs) {
    if (!job.isFinished()) running.push_back(job.metadata.name);
  }
  PodsByJob pods;
  for (size_t from = 0; from < running.size(); from += kJobsPerPodList) {
    std::string names;
    for (size_t i = from; i < std::min(running.size(), from + kJobsPerPodList); ++i) {
      if (!names.empty()) names += ',';
      names += running[i];
    }
    StatusOr<k8s::ObjectList> list = deps_.client->listAll(
        k8s::kPods, sj.metadata.namespace_, {.labelSelector = "job-name in (" + names + ")"}, stop);
    if (!list.isOk()) return list.status();
    for (const Json& item : list->items) {
      StatusOr<k8s::Pod> pod = k8s::Pod::decode(item);
      if (!pod.isOk()) return pod.status();
      std::string job = jobNameOf(*pod);
      if (!job.empty()) pods[job].push_back(std::move(pod).value());
    }
  }
  return pods;
}

int64_t ScaledJobHandler::createJobs(const api::ScaledJob& sj, int64_t count,
                                     const std::stop_token& stop) {
  StatusOr<Json> job = buildJob(sj, deps_.version);
  if (!job.isOk()) {
    event(sj, kEventWarning, "KEDAJobCreateFailed",
          fmt::format("Failed to create job {}-: {}", sj.metadata.name, job.status().message()));
    return 0;
  }
  int64_t created = 0;
  for (int64_t i = 0; i < count && !stop.stop_requested(); ++i) {
    StatusOr<Json> made = deps_.client->create(k8s::kJobs, sj.metadata.namespace_, *job, {}, stop);
    if (made.isOk()) {
      ++created;
      continue;
    }
    ++jobCreateFailures_;
    event(sj, kEventWarning, "KEDAJobCreateFailed",
          fmt::format("Failed to create job {}-: {}", sj.metadata.name, made.status().message()));
    log(k8s::LogLevel::kError, sj, "failed to create a job", {{"error", made.status().message()}});
  }
  jobsCreated_ += static_cast<uint64_t>(created);
  if (created > 0) {
    event(sj, kEventNormal, "KEDAJobsCreated", fmt::format("Created {} jobs", created));
    log(k8s::LogLevel::kInfo, sj, "created jobs", {{"count", std::to_string(created)}});
  }
  return created;
}

void ScaledJobHandler::cleanUpHistory(const api::ScaledJob& sj, const std::vector<k8s::Job>& jobs,
                                      const std::stop_token& stop) {
  for (const std::string& name : historyJobsToDelete(sj.spec, jobs)) {
    Status removed = deps_.client->remove(k8s::kJobs, sj.metadata.namespace_, name,
                                          {.propagationPolicy = "Background"}, stop);
    if (!removed.isOk() && removed.code() != StatusCode::kNotFound) {
      log(k8s::LogLevel::kError, sj, "failed to delete a finished job",
          {{"job", name}, {"error", removed.message()}});
      return;  // as KEDA: stop at the first failure, the next poll tries again
    }
    ++jobsDeleted_;
    log(k8s::LogLevel::kInfo, sj, "removed a job beyond the history limit", {{"job", name}});
  }
}

void ScaledJobHandler::writeStatus(const api::ScaledJob& sj, const api::ScaledJobStatus& before,
                                   const api::ScaledJobStatus& after, const std::stop_token& stop) {
  Json diff = k8s::mergePatchDiff(loopFields(before), loopFields(after));
  if (diff.empty()) return;
  ++statusPatches_;
  StatusOr<Json> result = deps_.client->patch(
      k8s::kScaledJobs, sj.metadata.namespace_, sj.metadata.name, k8s::PatchType::kMerge,
      Json{{"status", std::move(diff)}}, {.subresource = "status"}, stop);
  if (!result.isOk() && result.status().code() != StatusCode::kNotFound) {
    log(k8s::LogLevel::kWarning, sj, "status update failed",
        {{"error", result.status().message()}});
  }
}

void ScaledJobHandler::poll(const std::shared_ptr<Object>& object, const RunInfo& run) {
  std::stop_token stop = stopAll_.get_token();
  std::shared_ptr<const api::ScaledJob> found = deps_.lookup(object->ns, object->name);
  if (!found) return;  // deleted; the controller stops the loop
  const api::ScaledJob& sj = *found;
  if (deps_.metrics && !run.requested) {
    deps_.metrics->recordScaleLoopLatency(sj.metadata.namespace_, obs::ResourceKind::kScaledJob,
                                          sj.metadata.name,
                                          std::chrono::duration<double>(run.lateness).count());
  }
  ++polls_;
  std::lock_guard lock(object->mu);
  const api::ScaledJobStatus before = sj.status.value_or(api::ScaledJobStatus{});
  api::ScaledJobStatus status = before;
  ensureInitialized(status.conditions);
  SjEventSink events(deps_.events, sj);

  // 1. The metrics.
  (void)ensureBuilt(*object, sj, stop);  // per-trigger errors are handled below
  const int64_t maxReplicas = api::maxReplicaCount(sj.spec);
  bool isError = false;
  std::vector<JobScalerMetrics> collected;
  std::vector<std::string> metricNames;
  for (size_t i = 0; i < object->built->triggers.size(); ++i) {
    Built::Trigger& trigger = object->built->triggers[i];
    if (!trigger.error.isOk()) {
      isError = true;
      event(sj, kEventWarning, "KEDAScalerFailed", trigger.error.message());
      continue;
    }
    for (const scalers::MetricSpec& spec : trigger.specs) {
      if (spec.source != scalers::MetricSpec::Source::kExternal) continue;
      metricNames.push_back(spec.metricName);
      obs::ScalerLabels labels{.ns = sj.metadata.namespace_,
                               .scaledResource = sj.metadata.name,
                               .scaler = trigger.metricsLabel,
                               .triggerIndex = static_cast<int>(i),
                               .metric = spec.metricName,
                               .kind = obs::ResourceKind::kScaledJob};
      auto started = SteadyClock::now();
      StatusOr<scalers::MetricsAndActivity> result =
          trigger.scaler->metricsAndActivity(spec.metricName);
      if (deps_.metrics) deps_.metrics->recordScalerLatency(labels, SteadyClock::now() - started);
      if (!result.isOk()) {
        isError = true;
        event(sj, kEventWarning, "KEDAScalerFailed", result.status().message());
        if (deps_.metrics) deps_.metrics->recordScalerError(labels);
        continue;
      }
      if (deps_.metrics) {
        deps_.metrics->initScalerErrors(labels);
        if (!result->metrics.empty()) {
          deps_.metrics->recordScalerMetric(labels, result->metrics.front().value.asDouble());
        }
        deps_.metrics->recordScalerActive(labels, result->active);
      }
      collected.push_back(
          jobScalerMetrics(trigger.specs, result->metrics, result->active, maxReplicas));
    }
  }
  if (!isError) status.externalMetricNames = metricNames;
  JobDemand demand = combineJobMetrics(sj.spec, collected);

  // 2. - 3. Count the Jobs, create what the strategy asks for.
  StatusOr<std::vector<k8s::Job>> jobs = listJobs(sj, stop);
  if (!jobs.isOk()) {
    log(k8s::LogLevel::kError, sj, "cannot list the jobs; nothing is created in this poll",
        {{"error", jobs.status().message()}});
  } else {
    JobCounts counts;
    const std::vector<std::string>& podConditions = pendingPodConditions(sj.spec);
    StatusOr<PodsByJob> pods = PodsByJob{};
    bool anyRunning =
        std::any_of(jobs->begin(), jobs->end(), [](const k8s::Job& j) { return !j.isFinished(); });
    if (anyRunning) pods = listPods(sj, *jobs, stop);
    if (!pods.isOk()) {
      log(k8s::LogLevel::kError, sj, "cannot list the pods of the jobs; nothing is created",
          {{"error", pods.status().message()}});
    } else {
      counts = countJobs(*jobs, *pods, podConditions);
      JobScaleDecision decision = decideJobScale(sj.spec, demand, counts);
      deps_.logger->log(k8s::LogLevel::kDebug, "scaledjob-handler", "scaling jobs",
                        {{"scaledJob", sj.metadata.namespace_ + "/" + sj.metadata.name},
                         {"strategy", decision.strategy},
                         {"running", std::to_string(counts.running)},
                         {"pending", std::to_string(counts.pending)},
                         {"scaleTo", std::to_string(decision.scaleTo)},
                         {"effectiveMaxScale", std::to_string(decision.effectiveMaxScale)}});
      if (decision.jobsToCreate > 0) createJobs(sj, decision.jobsToCreate, stop);
    }
  }
  if (demand.isActive) status.lastActiveTime = k8s::formatTime(deps_.clock->now());

  // 4. Conditions and status.
  applyJobPollConditions(status.conditions, demand.isActive, isError, events);
  writeStatus(sj, before, status, stop);

  // 5. History. The list predates the new Jobs, which are not finished anyway.
  if (jobs.isOk()) cleanUpHistory(sj, *jobs, stop);

  if (isError) {
    ++pollErrors_;
    dropScalers(*object);  // rebuilt, with secrets re-read, at the next poll
  }
}

void ScaledJobHandler::pollNow(std::string_view ns, std::string_view name) {
  poll(object(ns, name, true), RunInfo{});
}

ScaledJobHandlerStats ScaledJobHandler::stats() const {
  return {.polls = polls_,
          .pollErrors = pollErrors_,
          .scalerBuilds = scalerBuilds_,
          .jobsCreated = jobsCreated_,
          .jobCreateFailures = jobCreateFailures_,
          .jobsDeleted = jobsDeleted_,
          .statusPatches = statusPatches_};
}

}  // namespace tidal::scaling
