#include "controller/scaledjob_controller.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "api/annotations.h"
#include "api/codec.h"
#include "api/decode.h"
#include "api/defaults.h"
#include "api/validation.h"
#include "k8s/types/apps.h"
#include "k8s/types/merge_patch.h"
#include "scaling/scaled_object_conditions.h"
#include "scaling/scaledjob_executor.h"
#include "scaling/scaledjob_jobs.h"

namespace tidal::controller {
namespace {

using Json = nlohmann::json;
using scaling::isTrue;
using scaling::kConditionPaused;
using scaling::kConditionReady;
using scaling::setCondition;

constexpr std::string_view kJobTargetMissing = "ScaledJob.spec.jobTargetRef not found";
constexpr std::string_view kTriggersMessage =
    "ScaledJob doesn't have correct triggers specification";
constexpr std::string_view kScalersMessage = "Failed to ensure ScaledJob is correctly created";
constexpr std::string_view kMetricTypeMessage = "Cannot set metricType in ScaledJob triggers";
constexpr std::string_view kPausedReadyMessage = "ScaledJob is paused, skipping reconcile loop";
constexpr std::string_view kRolloutMessage = "Failed to clean up jobs of the previous ScaledJob";

std::optional<k8s::ObjectKey> parseKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return k8s::ObjectKey{std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

k8s::ObjectReference referenceTo(const api::ScaledJob& sj) {
  return {.apiVersion = api::kApiVersion,
          .kind = "ScaledJob",
          .namespace_ = sj.metadata.namespace_,
          .name = sj.metadata.name,
          .uid = sj.metadata.uid,
          .resourceVersion = sj.metadata.resourceVersion};
}

// KEDA pauses a ScaledJob on autoscaling.keda.sh/paused only (paused-replicas is for
// ScaledObjects); an unparsable value pauses.
bool pausedByAnnotation(const api::ScaledJob& sj) {
  auto it = sj.metadata.annotations.find(api::kPausedAnnotation);
  if (it == sj.metadata.annotations.end()) return false;
  return api::parseGoBool(it->second).value_or(true);
}

Status withMessage(std::string_view message, const Status& cause) {
  return Status(cause.code() == StatusCode::kOk ? StatusCode::kInvalidArgument : cause.code(),
                fmt::format("{}: {}", message, cause.message()));
}

}  // namespace

ScaledJobController::ScaledJobController(ScaledJobControllerDeps deps) : deps_(std::move(deps)) {}

bool ScaledJobController::needsReconcile(const api::ScaledJob& before,
                                         const api::ScaledJob& after) {
  if (before.metadata.generation != after.metadata.generation) return true;
  if (before.metadata.deletionTimestamp != after.metadata.deletionTimestamp) return true;
  auto a = before.metadata.annotations.find(api::kPausedAnnotation);
  auto b = after.metadata.annotations.find(api::kPausedAnnotation);
  bool hasA = a != before.metadata.annotations.end();
  bool hasB = b != after.metadata.annotations.end();
  return hasA != hasB || (hasA && a->second != b->second);
}

void ScaledJobController::event(const api::ScaledJob& sj, std::string_view type,
                                std::string_view reason, std::string_view note) {
  if (deps_.events) deps_.events(referenceTo(sj), type, reason, "Reconcile", note);
}

void ScaledJobController::stopLoop(const api::ScaledJob& sj) {
  deps_.scalables->stopLoop(sj.metadata.namespace_, sj.metadata.name);
  std::lock_guard lock(mu_);
  generations_.erase(sj.metadata.namespace_ + "/" + sj.metadata.name);
}

k8s::ReconcileResult ScaledJobController::reconcile(const std::string& key,
                                                    const std::stop_token& stop) {
  std::optional<k8s::ObjectKey> objectKey = parseKey(key);
  if (!objectKey) return k8s::ReconcileResult::done();
  std::shared_ptr<const api::ScaledJob> found = deps_.lookup(*objectKey);
  if (!found) {
    deps_.scalables->stopLoop(objectKey->namespace_, objectKey->name);
    {
      std::lock_guard lock(mu_);
      generations_.erase(key);
    }
    if (deps_.metrics.unregistered)
      deps_.metrics.unregistered(objectKey->namespace_, objectKey->name);
    return k8s::ReconcileResult::done();
  }
  const api::ScaledJob& sj = *found;
  if (!sj.metadata.deletionTimestamp.empty()) return finalize(sj, stop);

  if (Status s = ensureFinalizer(sj, stop); !s.isOk()) return k8s::ReconcileResult::error(s);
  if (deps_.metrics.registered) deps_.metrics.registered(sj);

  api::ScaledJobStatus status = sj.status.value_or(api::ScaledJobStatus{});
  scaling::ensureInitialized(status.conditions);

  if (!sj.spec.jobTargetRef.is_object()) {
    event(sj, "Warning", "ScaledJobCheckFailed", kJobTargetMissing);
    stopLoop(sj);
    (void)writeStatus(sj, status, stop);  // the initialised conditions
    deps_.logger->log(k8s::LogLevel::kError, "scaledjob", std::string(kJobTargetMissing),
                      {{"key", key}});
    return k8s::ReconcileResult::error(invalidArgument(std::string(kJobTargetMissing)));
  }

  const bool wasReady = isTrue(status.conditions, kConditionReady);
  StatusOr<std::string> outcome = reconcileSpec(sj, status, stop);
  if (outcome.isOk()) {
    if (!wasReady) event(sj, "Normal", "ScaledJobReady", "ScaledJob is ready for scaling");
    setCondition(status.conditions, scaling::jobReadyCondition(*outcome));
  } else {
    stopLoop(sj);
    std::string message = outcome.status().message();
    setCondition(status.conditions, {.type = kConditionReady,
                                     .status = "False",
                                     .reason = "ScaledJobCheckFailed",
                                     .message = message});
    setCondition(status.conditions, scaling::jobCheckFailedActiveCondition());
    event(sj, "Warning", "ScaledJobCheckFailed", message);
    deps_.logger->log(k8s::LogLevel::kError, "scaledjob", "reconcile failed",
                      {{"key", key}, {"error", message}});
  }
  if (Status s = writeStatus(sj, status, stop); !s.isOk()) return k8s::ReconcileResult::error(s);
  if (!outcome.isOk()) return k8s::ReconcileResult::error(outcome.status());
  return k8s::ReconcileResult::done();
}

StatusOr<std::string> ScaledJobController::reconcileSpec(const api::ScaledJob& sj,
                                                         api::ScaledJobStatus& status,
                                                         const std::stop_token& stop) {
  const std::string key = sj.metadata.namespace_ + "/" + sj.metadata.name;
  // Pause (§b.6): the loop stops, so no Job is created or cleaned up.
  const bool wasPaused = isTrue(status.conditions, kConditionPaused);
  if (pausedByAnnotation(sj)) {
    stopLoop(sj);
    if (!wasPaused) {
      setCondition(status.conditions, scaling::jobPausedCondition());
      event(sj, "Normal", "ScaledJobPaused", scaling::jobPausedCondition().message);
    }
    return std::string(kPausedReadyMessage);
  }
  if (wasPaused) {
    setCondition(status.conditions, scaling::jobUnpausedCondition());
    event(sj, "Normal", "ScaledJobUnpaused", scaling::jobUnpausedCondition().message);
  }

  api::Issues issues;
  api::validateTriggers(sj.spec.triggers, "ScaledJob", issues);
  if (issues.hasErrors()) {
    return invalidArgument(
        fmt::format("{}: {}", kTriggersMessage, issues.errors().front().message));
  }
  status.triggersTypes = api::triggersTypes(sj.spec.triggers);
  status.authenticationsTypes = api::authenticationsTypes(sj.spec.triggers);

  if (Status s = rolloutCleanup(sj, stop); !s.isOk()) return withMessage(kRolloutMessage, s);

  if (Status s = deps_.scalables->ensureScalers(sj, stop); !s.isOk()) {
    return withMessage(kScalersMessage, s);
  }
  for (size_t i = 0; i < sj.spec.triggers.size(); ++i) {
    const api::ScaleTrigger& t = sj.spec.triggers[i];
    if (t.useCachedMetrics) {
      deps_.logger->log(k8s::LogLevel::kWarning, "scaledjob",
                        "property useCachedMetrics is not supported for ScaledJobs; ignored",
                        {{"key", key}, {"trigger", std::to_string(i)}});
    }
    if (!t.metricType.empty()) {
      return invalidArgument(fmt::format("{}: trigger {} ({}) sets metricType {:?}",
                                         kMetricTypeMessage, i, t.type, t.metricType));
    }
  }

  // (Re)start the loop when the spec changed or none runs (e.g. after an unpause).
  int64_t generation = sj.metadata.generation.value_or(0);
  bool restart = !deps_.scalables->hasLoop(sj.metadata.namespace_, sj.metadata.name);
  {
    std::lock_guard lock(mu_);
    auto it = generations_.find(key);
    if (it == generations_.end() || it->second != generation) restart = true;
    if (restart) generations_[key] = generation;
  }
  if (restart) deps_.scalables->startLoop(sj);
  return scaling::jobReadyCondition().message;
}

Status ScaledJobController::rolloutCleanup(const api::ScaledJob& sj, const std::stop_token& stop) {
  if (api::rolloutStrategy(sj.spec) == "gradual") return Status::ok();  // nothing to list
  const std::string& ns = sj.metadata.namespace_;
  StatusOr<k8s::ObjectList> list = deps_.client->listAll(
      k8s::kJobs, ns, {.labelSelector = scaling::jobLabelSelector(sj.metadata.name)}, stop);
  if (!list.isOk()) return list.status().withPrefix("cannot list the Jobs of the ScaledJob");
  std::vector<k8s::Job> jobs;
  for (const Json& item : list->items) {
    StatusOr<k8s::Job> job = k8s::Job::decode(item);
    if (job.isOk()) jobs.push_back(std::move(job).value());
  }
  scaling::RolloutCleanup cleanup = scaling::rolloutCleanup(sj, jobs);
  if (cleanup.jobs.empty()) return Status::ok();
  event(sj, "Normal", "ScaledJobRolloutCleanupStarted",
        fmt::format("Deleting {} jobs owned by the previous version of the scaledJob",
                    cleanup.jobs.size()));
  for (const std::string& name : cleanup.jobs) {
    Status removed = deps_.client->remove(k8s::kJobs, ns, name,
                                          {.propagationPolicy = cleanup.propagationPolicy}, stop);
    if (!removed.isOk() && removed.code() != StatusCode::kNotFound) {
      event(sj, "Warning", "ScaledJobRolloutCleanupFailed",
            fmt::format("Failed to delete job {}: {}", name, removed.message()));
      return removed.withPrefix(fmt::format("failed to delete job {}", name));
    }
  }
  event(sj, "Normal", "ScaledJobRolloutCleanupCompleted",
        fmt::format("Deleted {} jobs owned by the previous version of the scaledJob",
                    cleanup.jobs.size()));
  return Status::ok();
}

Status ScaledJobController::ensureFinalizer(const api::ScaledJob& sj, const std::stop_token& stop) {
  const auto& finalizers = sj.metadata.finalizers;
  if (std::find(finalizers.begin(), finalizers.end(), api::kFinalizer) != finalizers.end()) {
    return Status::ok();
  }
  Json list = finalizers;
  list.push_back(api::kFinalizer);
  // The resourceVersion makes the patch conditional: a concurrent change gets a 409 and a retry.
  Json patch{
      {"metadata", {{"finalizers", list}, {"resourceVersion", sj.metadata.resourceVersion}}}};
  StatusOr<Json> result =
      deps_.client->patch(k8s::kScaledJobs, sj.metadata.namespace_, sj.metadata.name,
                          k8s::PatchType::kMerge, patch, {}, stop);
  if (!result.isOk()) return result.status().withPrefix("failed to add the finalizer");
  return Status::ok();
}

Status ScaledJobController::writeStatus(const api::ScaledJob& sj,
                                        const api::ScaledJobStatus& status,
                                        const std::stop_token& stop) {
  Json before = sj.status ? api::encode(*sj.status) : Json::object();
  Json diff = k8s::mergePatchDiff(before, api::encode(status));
  if (diff.empty()) return Status::ok();
  StatusOr<Json> result = deps_.client->patch(
      k8s::kScaledJobs, sj.metadata.namespace_, sj.metadata.name, k8s::PatchType::kMerge,
      Json{{"status", diff}}, {.subresource = "status"}, stop);
  if (!result.isOk()) return result.status().withPrefix("failed to update the status");
  return Status::ok();
}

k8s::ReconcileResult ScaledJobController::finalize(const api::ScaledJob& sj,
                                                   const std::stop_token& stop) {
  const std::string& ns = sj.metadata.namespace_;
  const auto& finalizers = sj.metadata.finalizers;
  if (std::find(finalizers.begin(), finalizers.end(), api::kFinalizer) == finalizers.end()) {
    stopLoop(sj);
    return k8s::ReconcileResult::done();  // not ours (any more)
  }
  if (deps_.scalables->hasLoop(ns, sj.metadata.name)) {
    event(sj, "Normal", "KEDAScalersStopped", "Stopped scalers watch");
  }
  stopLoop(sj);
  Json list = Json::array();
  for (const std::string& f : finalizers) {
    if (f != api::kFinalizer) list.push_back(f);
  }
  Json patch{
      {"metadata", {{"finalizers", list}, {"resourceVersion", sj.metadata.resourceVersion}}}};
  StatusOr<Json> result = deps_.client->patch(k8s::kScaledJobs, ns, sj.metadata.name,
                                              k8s::PatchType::kMerge, patch, {}, stop);
  if (!result.isOk() && result.status().code() != StatusCode::kNotFound) {
    return k8s::ReconcileResult::error(
        result.status().withPrefix("failed to remove the finalizer"));
  }
  if (deps_.metrics.unregistered) deps_.metrics.unregistered(ns, sj.metadata.name);
  event(sj, "Warning", "ScaledJobDeleted", "ScaledJob was deleted");
  return k8s::ReconcileResult::done();
}

}  // namespace tidal::controller
