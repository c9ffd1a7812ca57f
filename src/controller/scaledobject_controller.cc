#include "controller/scaledobject_controller.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "api/annotations.h"
#include "api/codec.h"
#include "api/decode.h"
#include "api/defaults.h"
#include "api/quantity.h"
#include "api/validation.h"
#include "controller/hpa_builder.h"
#include "k8s/types/keda.h"
#include "k8s/types/merge_patch.h"
#include "scaling/scaled_object_conditions.h"

namespace tidal::controller {
namespace {

using Json = nlohmann::json;
using scaling::isTrue;
using scaling::kConditionActive;
using scaling::kConditionFallback;
using scaling::kConditionPaused;
using scaling::kConditionReady;
using scaling::setCondition;

constexpr std::string_view kUnpausedMessage = "pause annotation removed for ScaledObject";

constexpr std::string_view kTargetMessage =
    "ScaledObject doesn't have correct scaleTargetRef specification";
constexpr std::string_view kBoundsMessage =
    "ScaledObject doesn't have correct Idle/Min/Max Replica Counts specification";
constexpr std::string_view kTriggersMessage =
    "ScaledObject doesn't have correct triggers specification";
constexpr std::string_view kHpaMessage =
    "Failed to ensure HPA is correctly created for ScaledObject";

std::optional<k8s::ObjectKey> parseKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return k8s::ObjectKey{std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

k8s::ObjectReference referenceTo(const api::ScaledObject& so) {
  return {.apiVersion = api::kApiVersion,
          .kind = "ScaledObject",
          .namespace_ = so.metadata.namespace_,
          .name = so.metadata.name,
          .uid = so.metadata.uid,
          .resourceVersion = so.metadata.resourceVersion};
}

// The first error of `issues`, as one line.
std::string firstError(const api::Issues& issues) {
  for (const api::Issue& issue : issues.errors()) return issue.message;
  return "invalid";
}

// JSON text the HPA informer kept (it wrote it with dump(), so it parses; null if not).
Json parseCachedJson(const std::string& text) {
  return Json::parse(text, nullptr, /*allow_exceptions=*/false);
}

bool quantitiesEqual(const std::string& a, const std::string& b) {
  StatusOr<api::Quantity> qa = api::Quantity::parse(a);
  if (!qa.isOk()) return false;
  StatusOr<api::Quantity> qb = api::Quantity::parse(b);
  return qb.isOk() && *qa == *qb;
}

}  // namespace

bool isDerivative(const Json& desired, const Json& live) {
  if (desired.is_object()) {
    if (!live.is_object()) return false;
    for (const auto& [key, value] : desired.items()) {
      auto it = live.find(key);
      if (it == live.end()) {
        if (value.is_null() || (value.is_object() && value.empty())) continue;
        return false;
      }
      if (!isDerivative(value, *it)) return false;
    }
    return true;
  }
  if (desired.is_array()) {
    if (!live.is_array() || live.size() != desired.size()) return false;
    for (size_t i = 0; i < desired.size(); ++i) {
      if (!isDerivative(desired[i], live[i])) return false;
    }
    return true;
  }
  if (desired == live) return true;
  if (desired.is_string() && live.is_string()) {
    return quantitiesEqual(desired.get<std::string>(), live.get<std::string>());
  }
  if (desired.is_number() && live.is_number()) return desired.get<double>() == live.get<double>();
  return false;
}

ScaledObjectController::ScaledObjectController(ScaledObjectControllerDeps deps)
    : deps_(std::move(deps)) {}

bool ScaledObjectController::needsReconcile(const api::ScaledObject& before,
                                            const api::ScaledObject& after) {
  if (before.metadata.generation != after.metadata.generation) return true;
  if (before.metadata.deletionTimestamp != after.metadata.deletionTimestamp) return true;
  if (before.metadata.labels != after.metadata.labels) {
    // The scaledobject.keda.sh/name label that tidal adds with the finalizer was already in the
    // reconcile that added it: its arrival alone needs no second pass.
    auto labels = after.metadata.labels;
    auto it = labels.find(api::kScaledObjectNameLabel);
    bool oursAdded = it != labels.end() && it->second == after.metadata.name &&
                     !before.metadata.labels.contains(api::kScaledObjectNameLabel);
    if (oursAdded) labels.erase(it);
    if (!oursAdded || labels != before.metadata.labels) return true;
  }
  for (const char* key :
       {api::kPausedAnnotation, api::kPausedReplicasAnnotation, api::kPausedScaleInAnnotation,
        api::kPausedScaleOutAnnotation, api::kForceActivationAnnotation}) {
    auto a = before.metadata.annotations.find(key);
    auto b = after.metadata.annotations.find(key);
    bool hasA = a != before.metadata.annotations.end();
    bool hasB = b != after.metadata.annotations.end();
    if (hasA != hasB || (hasA && a->second != b->second)) return true;
  }
  return before.metadata.annotations != after.metadata.annotations;
}

void ScaledObjectController::event(const api::ScaledObject& so, std::string_view type,
                                   std::string_view reason, std::string_view note) {
  if (deps_.events) deps_.events(referenceTo(so), type, reason, "Reconcile", note);
}

void ScaledObjectController::forgetGeneration(const std::string& key) {
  std::lock_guard lock(mu_);
  generations_.erase(key);
}

k8s::ReconcileResult ScaledObjectController::reconcile(const std::string& key,
                                                       const std::stop_token& stop) {
  std::optional<k8s::ObjectKey> objectKey = parseKey(key);
  if (!objectKey) return k8s::ReconcileResult::done();
  std::shared_ptr<const api::ScaledObject> found = deps_.lookup(*objectKey);
  if (!found) {
    // Deleted (the finalizer already ran, or the object never had one): forget everything.
    deps_.scalables->stopLoop(objectKey->namespace_, objectKey->name);
    forgetGeneration(key);
    if (deps_.metrics.unregistered) {
      deps_.metrics.unregistered(objectKey->namespace_, objectKey->name);
    }
    return k8s::ReconcileResult::done();
  }
  if (!found->metadata.deletionTimestamp.empty()) return finalize(*found, stop);

  StatusOr<std::shared_ptr<const api::ScaledObject>> current = ensureFinalizer(found, stop);
  if (!current.isOk()) return k8s::ReconcileResult::error(current.status());
  const api::ScaledObject& so = **current;

  api::ScaledObjectStatus status = so.status.value_or(api::ScaledObjectStatus{});
  scaling::ensureInitialized(status.conditions);
  const bool wasReady = isTrue(status.conditions, kConditionReady);

  bool restartLoop = false;
  StatusOr<std::string> outcome = reconcileSpec(so, status, restartLoop, stop);
  if (outcome.isOk()) {
    if (!wasReady) event(so, "Normal", "ScaledObjectReady", "ScaledObject is ready for scaling");
    api::Condition ready = scaling::readyCondition();
    ready.message = *outcome;
    setCondition(status.conditions, ready);
  } else {
    std::string message = outcome.status().message();
    setCondition(status.conditions, {.type = kConditionReady,
                                     .status = "False",
                                     .reason = "ScaledObjectCheckFailed",
                                     .message = message});
    setCondition(status.conditions, {.type = kConditionActive,
                                     .status = "Unknown",
                                     .reason = "UnknownState",
                                     .message = "ScaledObject check failed"});
    event(so, "Warning", "ScaledObjectCheckFailed", message);
    deps_.logger->log(k8s::LogLevel::kError, "scaledobject", "reconcile failed",
                      {{"key", key}, {"error", message}});
  }
  const api::Fallback* fallback = so.spec.fallback ? &*so.spec.fallback : nullptr;
  if (fallback == nullptr || fallback->failureThreshold < 0 || fallback->replicas < 0) {
    setCondition(status.conditions, scaling::noFallbackCondition());
  }
  if (deps_.metrics.paused) {
    deps_.metrics.paused(so.metadata.namespace_, so.metadata.name,
                         isTrue(status.conditions, kConditionPaused));
  }
  StatusOr<std::shared_ptr<const api::ScaledObject>> written = writeStatus(so, status, stop);
  if (!written.isOk()) return k8s::ReconcileResult::error(written.status());
  if (restartLoop) {
    deps_.scalables->startLoop(*written ? **written : so);
    std::lock_guard lock(mu_);
    generations_[key] = so.metadata.generation.value_or(0);
  }
  if (!outcome.isOk()) return k8s::ReconcileResult::error(outcome.status());
  if (deps_.metrics.registered) deps_.metrics.registered(so);
  return k8s::ReconcileResult::done();
}

namespace {

// Whether reconcileSpec adds the scaledobject.keda.sh/name label to `so`: not while paused or
// without a target name (the steps that stop before it), and not when it is already right.
bool labelWanted(const api::ScaledObject& so) {
  StatusOr<api::PauseAnnotations> pause = api::parsePauseAnnotations(so.metadata.annotations);
  if (!pause.isOk() || pause->paused || so.spec.scaleTargetRef.name.empty()) return false;
  auto it = so.metadata.labels.find(api::kScaledObjectNameLabel);
  return it == so.metadata.labels.end() || it->second != so.metadata.name;
}

// Records the resolved target (kind, group/version/kind/resource) and, the first time, its replica
// count as the original one.
void setTargetStatus(const api::ResolvedTargetRef& ref, const k8s::GroupVersionResource& gvr,
                     int32_t replicas, api::ScaledObjectStatus& status) {
  status.scaleTargetKind = ref.scaleTargetKind();
  status.scaleTargetGVKR = api::GroupVersionKindResource{
      .group = gvr.group, .version = gvr.version, .kind = ref.kind, .resource = gvr.resource};
  if (!status.originalReplicaCount) status.originalReplicaCount = replicas;
}

}  // namespace

StatusOr<std::shared_ptr<const api::ScaledObject>> ScaledObjectController::ensureFinalizer(
    std::shared_ptr<const api::ScaledObject> so, const std::stop_token& stop) {
  const auto& finalizers = so->metadata.finalizers;
  if (std::find(finalizers.begin(), finalizers.end(), api::kFinalizer) != finalizers.end()) {
    return so;
  }
  Json list = finalizers;
  list.push_back(api::kFinalizer);
  // The resourceVersion makes the patch conditional: a concurrent change gets a 409 and a retry.
  Json metadata{{"finalizers", list}, {"resourceVersion", so->metadata.resourceVersion}};
  // A new object needs the label as well: one write instead of two.
  if (labelWanted(*so)) metadata["labels"] = {{api::kScaledObjectNameLabel, so->metadata.name}};
  StatusOr<Json> result =
      deps_.client->patch(k8s::kScaledObjects, so->metadata.namespace_, so->metadata.name,
                          k8s::PatchType::kMerge, Json{{"metadata", metadata}}, {}, stop);
  if (!result.isOk()) return result.status().withPrefix("failed to add the finalizer");
  // Go on with the object as written, so that the HPA gets the label in this same pass.
  StatusOr<api::ScaledObject> written = k8s::decodeScaledObject(*result);
  if (!written.isOk()) return so;
  return std::shared_ptr<const api::ScaledObject>(
      std::make_shared<api::ScaledObject>(std::move(written).value()));
}

Status ScaledObjectController::ensureLabel(const api::ScaledObject& so,
                                           const std::stop_token& stop) {
  auto it = so.metadata.labels.find(api::kScaledObjectNameLabel);
  if (it != so.metadata.labels.end() && it->second == so.metadata.name) return Status::ok();
  Json patch{{"metadata", {{"labels", {{api::kScaledObjectNameLabel, so.metadata.name}}}}}};
  StatusOr<Json> result =
      deps_.client->patch(k8s::kScaledObjects, so.metadata.namespace_, so.metadata.name,
                          k8s::PatchType::kMerge, patch, {}, stop);
  if (!result.isOk()) {
    return result.status().withPrefix("failed to update ScaledObject with scaledObjectName label");
  }
  return Status::ok();
}

StatusOr<std::string> ScaledObjectController::reconcileSpec(const api::ScaledObject& so,
                                                            api::ScaledObjectStatus& status,
                                                            bool& restartLoop,
                                                            const std::stop_token& stop) {
  const std::string key = so.metadata.namespace_ + "/" + so.metadata.name;
  // a. Pause.
  StatusOr<api::PauseAnnotations> pause = api::parsePauseAnnotations(so.metadata.annotations);
  api::PauseAnnotations annotations = pause.isOk() ? *pause : api::PauseAnnotations{.paused = true};
  if (annotations.paused) return handlePause(so, annotations.pausedReplicas, status, stop);
  if (annotations.pausedScaleIn || annotations.pausedScaleOut) {
    if (!isTrue(status.conditions, kConditionPaused)) {
      setCondition(status.conditions, scaling::pausedCondition());
      event(so, "Normal", "ScaledObjectPaused", scaling::pausedCondition().message);
    }
  } else if (isTrue(status.conditions, kConditionPaused)) {
    setCondition(status.conditions, {.type = kConditionPaused,
                                     .status = "False",
                                     .reason = "ScaledObjectUnpaused",
                                     .message = std::string(kUnpausedMessage)});
    event(so, "Normal", "ScaledObjectUnpaused", kUnpausedMessage);
    status.pausedReplicaCount.reset();
  }

  // b. - d. The scale target.
  if (so.spec.scaleTargetRef.name.empty()) {
    return invalidArgument(
        fmt::format("{}: ScaledObject.spec.scaleTargetRef.name is missing", kTargetMessage));
  }
  if (Status s = ensureLabel(so, stop); !s.isOk()) return s;
  if (Status s = resolveTarget(so, status, stop); !s.isOk()) {
    return Status(s.code(), fmt::format("{}: {}", kTargetMessage, s.message()));
  }

  // e. - f. Bounds and triggers.
  api::Issues bounds;
  api::validateReplicaBounds(so.spec, bounds);
  if (bounds.hasErrors()) {
    return invalidArgument(fmt::format("{}: {}", kBoundsMessage, firstError(bounds)));
  }
  api::Issues triggers;
  api::validateTriggers(so.spec.triggers, "ScaledObject", triggers);
  if (triggers.hasErrors()) {
    return invalidArgument(fmt::format("{}: {}", kTriggersMessage, firstError(triggers)));
  }

  // g. Trigger and authentication types.
  status.triggersTypes = api::triggersTypes(so.spec.triggers);
  status.authenticationsTypes = api::authenticationsTypes(so.spec.triggers);

  // h. The HPA.
  StatusOr<bool> created = ensureHpa(so, status, stop);
  if (!created.isOk()) {
    return Status(created.status().code(),
                  fmt::format("{}: {}", kHpaMessage, created.status().message()));
  }

  // i. (Re)start the scale loop when the HPA is new or the spec changed: reconcile() does it once
  // the status is written, so that the loop starts from the object with this status.
  int64_t generation = so.metadata.generation.value_or(0);
  restartLoop = *created || !deps_.scalables->hasLoop(so.metadata.namespace_, so.metadata.name);
  {
    std::lock_guard lock(mu_);
    auto it = generations_.find(key);
    if (it == generations_.end() || it->second != generation) restartLoop = true;
  }
  return scaling::readyCondition().message;
}

StatusOr<std::string> ScaledObjectController::handlePause(const api::ScaledObject& so,
                                                          std::optional<int32_t> replicas,
                                                          api::ScaledObjectStatus& status,
                                                          const std::stop_token& stop) {
  if (!isTrue(status.conditions, kConditionPaused)) {
    setCondition(status.conditions, scaling::pausedCondition());
    event(so, "Normal", "ScaledObjectPaused", scaling::pausedCondition().message);
  }
  deps_.scalables->stopLoop(so.metadata.namespace_, so.metadata.name);
  forgetGeneration(so.metadata.namespace_ + "/" + so.metadata.name);
  if (Status s = deleteHpa(so, status, stop); !s.isOk()) return s;
  if (replicas) {
    if (Status s = resolveTarget(so, status, stop); !s.isOk()) {
      return Status(s.code(), fmt::format("{}: {}", kTargetMessage, s.message()));
    }
    const api::GroupVersionKindResource& gvkr = *status.scaleTargetGVKR;
    k8s::GroupVersionResource gvr{gvkr.group, gvkr.version, gvkr.resource, true};
    StatusOr<Json> scale =
        deps_.client->getScale(gvr, so.metadata.namespace_, so.spec.scaleTargetRef.name, stop);
    if (!scale.isOk()) return scale.status();
    int32_t current = scale->value("/spec/replicas"_json_pointer, 0);
    if (current != *replicas) {
      StatusOr<Json> written = deps_.client->scale(gvr, so.metadata.namespace_,
                                                   so.spec.scaleTargetRef.name, *replicas, stop);
      if (!written.isOk()) return written.status();
    }
  }
  status.pausedReplicaCount = replicas;
  return scaling::readyPausedCondition().message;
}

Status ScaledObjectController::resolveTarget(const api::ScaledObject& so,
                                             api::ScaledObjectStatus& status,
                                             const std::stop_token& stop) {
  const api::ResolvedTargetRef ref = api::resolveTargetRef(so.spec.scaleTargetRef);
  StatusOr<k8s::ResourceMapping> mapping = deps_.mapper->map(ref.apiVersion(), ref.kind, stop);
  if (!mapping.isOk()) {
    if (mapping.status().code() == StatusCode::kNotFound) {
      event(so, "Warning", "ScaledObjectCheckFailed", "Target resource doesn't exist");
    }
    return mapping.status();
  }
  if (!mapping->hasScale) {
    event(so, "Warning", "ScaledObjectCheckFailed",
          "Target resource doesn't expose /scale subresource");
    return failedPrecondition(
        fmt::format("{} {} has no /scale subresource", mapping->gvr.resource, ref.name));
  }
  std::optional<int32_t> cached = deps_.cachedReplicas ? deps_.cachedReplicas(so) : std::nullopt;
  if (cached) {
    // A Deployment or StatefulSet the informer has: it exists and has /scale; no request needed.
    setTargetStatus(ref, mapping->gvr, *cached, status);
    return Status::ok();
  }
  StatusOr<Json> scale =
      deps_.client->getScale(mapping->gvr, so.metadata.namespace_, ref.name, stop);
  if (!scale.isOk()) {
    StatusOr<Json> object = deps_.client->get(mapping->gvr, so.metadata.namespace_, ref.name, stop);
    if (!object.isOk() && object.status().code() == StatusCode::kNotFound) {
      event(so, "Warning", "ScaledObjectCheckFailed", "Target resource doesn't exist");
      return notFound(
          fmt::format("{} {}/{} not found", ref.kind, so.metadata.namespace_, ref.name));
    }
    event(so, "Warning", "ScaledObjectCheckFailed",
          "Target resource doesn't expose /scale subresource");
    return scale.status();
  }
  setTargetStatus(ref, mapping->gvr, scale->value("/spec/replicas"_json_pointer, 0), status);
  return Status::ok();
}

StatusOr<bool> ScaledObjectController::ensureHpa(const api::ScaledObject& so,
                                                 api::ScaledObjectStatus& status,
                                                 const std::stop_token& stop) {
  StatusOr<scaling::TriggerMetricSpecs> specs = deps_.scalables->metricSpecs(so, stop);
  if (!specs.isOk()) return specs.status();
  HpaInputs inputs{.scaledObject = &so, .metricSpecs = *specs, .version = deps_.version};
  StatusOr<Json> desired = buildHpa(inputs);
  if (!desired.isOk()) return desired.status();

  // Status: the metric names the HPA will ask for.
  status.externalMetricNames.clear();
  status.resourceMetricNames.clear();
  for (const auto& triggerSpecs : *specs) {
    for (const scalers::MetricSpec& spec : triggerSpecs) {
      if (spec.source == scalers::MetricSpec::Source::kExternal) {
        status.externalMetricNames.push_back(spec.metricName);
      } else {
        status.resourceMetricNames.push_back(spec.metricName);
      }
    }
  }
  std::erase_if(status.health, [&](const auto& entry) {
    return std::find(status.externalMetricNames.begin(), status.externalMetricNames.end(),
                     entry.first) == status.externalMetricNames.end();
  });
  status.compositeScalerName =
      api::hasScalingModifiers(so.spec) ? api::kCompositeMetricName : std::string();

  const std::string name = (*desired)["metadata"]["name"];
  const std::string& ns = so.metadata.namespace_;
  const std::string lookupName = status.hpaName.empty() ? name : status.hpaName;
  StatusOr<std::optional<Json>> live = liveHpa(ns, lookupName, stop);
  if (!live.isOk()) return live.status();
  bool created = false;
  if (live->has_value() && lookupName != name) {
    // The HPA name changed (custom name added, changed or removed): replace the old one.
    Status removed = deps_.client->remove(k8s::kHorizontalPodAutoscalers, ns, lookupName, {}, stop);
    if (!removed.isOk() && removed.code() != StatusCode::kNotFound) return removed;
    live = liveHpa(ns, name, stop);
    if (!live.isOk()) return live.status();
  }
  if (!live->has_value()) {
    StatusOr<Json> made =
        deps_.client->create(k8s::kHorizontalPodAutoscalers, ns, *desired, {}, stop);
    if (made.isOk()) {
      created = true;
      deps_.logger->log(k8s::LogLevel::kInfo, "scaledobject", "created HPA",
                        {{"key", ns + "/" + so.metadata.name}, {"hpa", name}});
    } else if (made.status().code() == StatusCode::kAlreadyExists) {
      // The cache had not seen it yet: compare with the live one.
      StatusOr<Json> fetched = deps_.client->get(k8s::kHorizontalPodAutoscalers, ns, name, stop);
      if (!fetched.isOk()) return fetched.status();
      *live = std::move(fetched).value();
    } else {
      return made.status();
    }
  }
  if (!created) {
    const Json& hpa = **live;
    const Json& liveSpec = hpa["spec"];
    const Json& desiredSpec = (*desired)["spec"];
    bool specDiffers =
        liveSpec.value("metrics", Json::array()).size() != desiredSpec["metrics"].size() ||
        liveSpec.value("behavior", Json()) != desiredSpec.value("behavior", Json()) ||
        !isDerivative(desiredSpec, liveSpec);
    const Json& liveMeta = hpa["metadata"];
    const Json& desiredMeta = (*desired)["metadata"];
    bool metaDiffers = !isDerivative(desiredMeta.value("labels", Json::object()),
                                     liveMeta.value("labels", Json::object())) ||
                       !isDerivative(desiredMeta.value("annotations", Json::object()),
                                     liveMeta.value("annotations", Json::object())) ||
                       (!desiredMeta.contains("annotations") &&
                        !liveMeta.value("annotations", Json::object()).empty());
    if (specDiffers || metaDiffers) {
      Json update = *desired;
      update["metadata"]["resourceVersion"] = liveMeta.value("resourceVersion", "");
      StatusOr<Json> updated =
          deps_.client->update(k8s::kHorizontalPodAutoscalers, ns, update, {}, stop);
      if (!updated.isOk()) return updated.status();
      deps_.logger->log(k8s::LogLevel::kInfo, "scaledobject", "updated HPA",
                        {{"key", ns + "/" + so.metadata.name}, {"hpa", name}});
    }
  }
  status.hpaName = name;
  return created;
}

StatusOr<std::optional<Json>> ScaledObjectController::liveHpa(std::string_view ns,
                                                              std::string_view name,
                                                              const std::stop_token& stop) {
  if (deps_.hpaLookup) {
    std::shared_ptr<const k8s::HorizontalPodAutoscaler> cached =
        deps_.hpaLookup({std::string(ns), std::string(name)});
    if (!cached) return std::optional<Json>();
    // The fields ensureHpa compares, as the server has them.
    Json metadata{{"name", cached->metadata.name},
                  {"namespace", cached->metadata.namespace_},
                  {"resourceVersion", cached->metadata.resourceVersion}};
    if (!cached->metadata.labels.empty()) metadata["labels"] = cached->metadata.labels;
    if (!cached->metadata.annotations.empty()) {
      metadata["annotations"] = cached->metadata.annotations;
    }
    Json spec{
        {"scaleTargetRef",
         {{"apiVersion", cached->scaleTargetRef.apiVersion},
          {"kind", cached->scaleTargetRef.kind},
          {"name", cached->scaleTargetRef.name}}},
        {"maxReplicas", cached->maxReplicas},
        {"metrics", cached->metrics.empty() ? Json::array() : parseCachedJson(cached->metrics)}};
    if (cached->minReplicas) spec["minReplicas"] = *cached->minReplicas;
    if (!cached->behavior.empty()) spec["behavior"] = parseCachedJson(cached->behavior);
    return std::optional<Json>(Json{{"metadata", std::move(metadata)}, {"spec", std::move(spec)}});
  }
  StatusOr<Json> live = deps_.client->get(k8s::kHorizontalPodAutoscalers, ns, name, stop);
  if (live.isOk()) return std::optional<Json>(std::move(live).value());
  if (live.status().code() == StatusCode::kNotFound) return std::optional<Json>();
  return live.status();
}

Status ScaledObjectController::deleteHpa(const api::ScaledObject& so,
                                         const api::ScaledObjectStatus& status,
                                         const std::stop_token& stop) {
  std::string name = status.hpaName.empty() ? api::hpaName(so) : status.hpaName;
  Status removed =
      deps_.client->remove(k8s::kHorizontalPodAutoscalers, so.metadata.namespace_, name, {}, stop);
  if (!removed.isOk() && removed.code() != StatusCode::kNotFound) return removed;
  return Status::ok();
}

StatusOr<std::shared_ptr<const api::ScaledObject>> ScaledObjectController::writeStatus(
    const api::ScaledObject& so, const api::ScaledObjectStatus& status,
    const std::stop_token& stop) {
  Json before = so.status ? api::encode(*so.status) : Json::object();
  Json after = api::encode(status);
  Json diff = k8s::mergePatchDiff(before, after);
  if (diff.empty()) return std::shared_ptr<const api::ScaledObject>();
  StatusOr<Json> result = deps_.client->patch(
      k8s::kScaledObjects, so.metadata.namespace_, so.metadata.name, k8s::PatchType::kMerge,
      Json{{"status", diff}}, {.subresource = "status"}, stop);
  if (!result.isOk()) return result.status().withPrefix("failed to update the status");
  StatusOr<api::ScaledObject> written = k8s::decodeScaledObject(*result);
  if (!written.isOk()) return std::shared_ptr<const api::ScaledObject>();
  return std::shared_ptr<const api::ScaledObject>(
      std::make_shared<api::ScaledObject>(std::move(written).value()));
}

k8s::ReconcileResult ScaledObjectController::finalize(const api::ScaledObject& so,
                                                      const std::stop_token& stop) {
  const std::string& ns = so.metadata.namespace_;
  const auto& finalizers = so.metadata.finalizers;
  if (std::find(finalizers.begin(), finalizers.end(), api::kFinalizer) == finalizers.end()) {
    return k8s::ReconcileResult::done();  // not ours (any more)
  }
  if (deps_.scalables->hasLoop(ns, so.metadata.name)) {
    deps_.scalables->stopLoop(ns, so.metadata.name);
    event(so, "Normal", "KEDAScalersStopped", "Stopped scalers watch");
  }
  forgetGeneration(ns + "/" + so.metadata.name);
  const bool restore = so.spec.advanced && so.spec.advanced->restoreToOriginalReplicaCount;
  if (restore && so.status && so.status->scaleTargetGVKR && so.status->originalReplicaCount) {
    const api::GroupVersionKindResource& gvkr = *so.status->scaleTargetGVKR;
    k8s::GroupVersionResource gvr{gvkr.group, gvkr.version, gvkr.resource, true};
    StatusOr<Json> written = deps_.client->scale(gvr, ns, so.spec.scaleTargetRef.name,
                                                 *so.status->originalReplicaCount, stop);
    if (!written.isOk()) {
      deps_.logger->log(
          k8s::LogLevel::kError, "scaledobject", "failed to restore the original replica count",
          {{"key", ns + "/" + so.metadata.name}, {"error", written.status().message()}});
    }
  }
  Json list = Json::array();
  for (const std::string& f : finalizers) {
    if (f != api::kFinalizer) list.push_back(f);
  }
  Json patch{
      {"metadata", {{"finalizers", list}, {"resourceVersion", so.metadata.resourceVersion}}}};
  StatusOr<Json> result = deps_.client->patch(k8s::kScaledObjects, ns, so.metadata.name,
                                              k8s::PatchType::kMerge, patch, {}, stop);
  if (!result.isOk() && result.status().code() != StatusCode::kNotFound) {
    return k8s::ReconcileResult::error(
        result.status().withPrefix("failed to remove the finalizer"));
  }
  if (deps_.metrics.unregistered) deps_.metrics.unregistered(ns, so.metadata.name);
  event(so, "Warning", "ScaledObjectDeleted", "ScaledObject was deleted");
  return k8s::ReconcileResult::done();
}

}  // namespace tidal::controller
