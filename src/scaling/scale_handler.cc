#include "scaling/scale_handler.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "api/codec.h"
#include "api/defaults.h"
#include "k8s/client/resource.h"
#include "k8s/types/keda.h"
#include "scalers/upstream_signals.h"
#include "scaling/activity.h"
#include "scaling/executor.h"
#include "scaling/fallback.h"
#include "scaling/scaled_object_conditions.h"
#include "scaling/status_patch.h"

namespace tidal::scaling {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;
using TimePoint = std::chrono::system_clock::time_point;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

k8s::ObjectReference referenceTo(const api::ScaledObject& so) {
  return {.apiVersion = api::kApiVersion,
          .kind = "ScaledObject",
          .namespace_ = so.metadata.namespace_,
          .name = so.metadata.name,
          .uid = so.metadata.uid,
          .resourceVersion = so.metadata.resourceVersion};
}

// The last poll's answer for a trigger with useCachedMetrics.
struct CachedRecord {
  std::vector<scalers::MetricValue> values;
  bool active = false;
  Status error;
};

}  // namespace

struct ScaleHandler::Built {
  struct Trigger {
    std::string type;
    std::string name;
    std::string metricsLabel;  // `scaler` label: trigger name, else the scaler's KEDA type name
    bool useCachedMetrics = false;
    bool resource = false;  // cpu/memory: no External metric
    std::shared_ptr<scalers::Scaler> scaler;
    std::vector<scalers::MetricSpec> specs;
    // The keda_scaler_* series of each spec (same index), looked up once and kept.
    std::vector<obs::ScalerRecorder> recorders;
    Status error;                     // why this trigger has no scaler
    uint64_t emptyResponsesSeen = 0;  // EmptyUpstreamReporter count already recorded
  };
  int64_t generation = -1;
  std::vector<Trigger> triggers;
  std::optional<CompositeFormula> formula;
  Status formulaError;
  std::vector<std::jthread> pushThreads;
};

struct ScaleHandler::Object {
  std::string ns;
  std::string name;
  std::string key;
  std::mutex mu;  // serialises polls, push activations and metric requests
  std::unique_ptr<Built> built;
  std::map<std::string, CachedRecord, std::less<>> records;  // useCachedMetrics
  bool looping = false;
  // When the target was last active, exactly (status.lastActiveTime may lag behind it); see poll.
  std::optional<TimePoint> lastActive;
  bool lastActiveKnown = false;
  std::mutex pushMu;  // guards pushMetric (push threads do not take `mu`)
  std::string pushMetric;
  // The newest copy of the ScaledObject written by tidal itself (the controller's status write
  // handed over with startLoop, or this handler's own status patches): the informer cache may
  // not have it yet, and a status diff against an older copy would undo or repeat a write.
  std::shared_ptr<const api::ScaledObject> written;
};

namespace {

// Whether resourceVersion `written` is newer than `cached` (etcd revisions: decimal and
// increasing; if either does not parse, it is not).
bool writtenIsNewer(const std::string& cached, const std::string& written) {
  auto parse = [](const std::string& text) -> std::optional<uint64_t> {
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
  };
  std::optional<uint64_t> a = parse(cached);
  std::optional<uint64_t> b = parse(written);
  return a && b && *a < *b;
}

// The newer of the informer's copy and the one tidal last wrote, by resourceVersion (etcd
// revisions: decimal and increasing; if either does not parse, the informer's copy wins).
std::shared_ptr<const api::ScaledObject> newer(
    std::shared_ptr<const api::ScaledObject> cached,
    const std::shared_ptr<const api::ScaledObject>& written) {
  if (!written || !cached) return cached;
  return writtenIsNewer(cached->metadata.resourceVersion, written->metadata.resourceVersion)
             ? written
             : cached;
}

// Adapters from the decision code's small interfaces to the world.
class SoEventSink : public EventSink {
 public:
  SoEventSink(const ObjectEventFn& fn, const api::ScaledObject& so) : fn_(fn), so_(so) {}
  void event(std::string_view type, std::string_view reason, std::string message) override {
    if (fn_) fn_(referenceTo(so_), type, reason, "Scale", message);
  }

 private:
  const ObjectEventFn& fn_;
  const api::ScaledObject& so_;
};

class TargetScaleWriter : public ScaleWriter {
 public:
  TargetScaleWriter(k8s::Client& client, const api::ScaledObject& so, const std::stop_token& stop,
                    std::atomic<uint64_t>& writes)
      : client_(client), so_(so), stop_(stop), writes_(writes) {}
  Status setReplicas(int32_t replicas) override {
    k8s::GroupVersionResource gvr{"apps", "v1", "deployments", true};
    if (so_.status && so_.status->scaleTargetGVKR) {
      const api::GroupVersionKindResource& g = *so_.status->scaleTargetGVKR;
      gvr = {g.group, g.version, g.resource, true};
    }
    ++writes_;
    StatusOr<Json> result =
        client_.scale(gvr, so_.metadata.namespace_, so_.spec.scaleTargetRef.name, replicas, stop_);
    return result.isOk() ? Status::ok() : result.status();
  }

 private:
  k8s::Client& client_;
  const api::ScaledObject& so_;
  const std::stop_token& stop_;
  std::atomic<uint64_t>& writes_;
};

class TargetReplicaSource : public ReplicaSource {
 public:
  TargetReplicaSource(ScaleTargetReader& reader, const api::ScaledObject& so,
                      const std::stop_token& stop)
      : reader_(reader), so_(so), stop_(stop) {}
  StatusOr<int32_t> currentReplicas() override { return reader_.currentReplicas(so_, stop_); }
  StatusOr<int32_t> readyPods() override { return reader_.readyPods(so_, stop_); }

 private:
  ScaleTargetReader& reader_;
  const api::ScaledObject& so_;
  const std::stop_token& stop_;
};

// For a value that did not fail: fallback reads the target only for a failed one.
class NoReplicas : public ReplicaSource {
 public:
  StatusOr<int32_t> currentReplicas() override { return unavailable("replicas are not read here"); }
  StatusOr<int32_t> readyPods() override { return unavailable("pods are not read here"); }
};

}  // namespace

ScaleHandler::ScaleHandler(ScaleHandlerDeps deps) : deps_(std::move(deps)) {
  scalerContext_.clock = deps_.clock;
}

ScaleHandler::~ScaleHandler() {
  stopAll();
}

std::shared_ptr<ScaleHandler::Object> ScaleHandler::object(std::string_view ns,
                                                           std::string_view name, bool create) {
  std::string key = loopKey("ScaledObject", ns, name);
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

void ScaleHandler::event(const api::ScaledObject& so, std::string_view type,
                         std::string_view reason, std::string_view note) {
  if (deps_.events && mayWrite()) deps_.events(referenceTo(so), type, reason, "Scale", note);
}

void ScaleHandler::dropScalers(Object& object) {
  if (!object.built) return;
  for (std::jthread& t : object.built->pushThreads) t.request_stop();
  for (std::jthread& t : object.built->pushThreads) {
    if (t.joinable()) t.join();
  }
  for (Built::Trigger& trigger : object.built->triggers) {
    if (trigger.scaler) trigger.scaler->close();
  }
  object.built.reset();
}

Status ScaleHandler::ensureBuilt(Object& object, const api::ScaledObject& so,
                                 const std::stop_token& stop) {
  int64_t generation = so.metadata.generation.value_or(0);
  if (object.built && object.built->generation == generation) return Status::ok();
  dropScalers(object);
  ++scalerBuilds_;

  auto built = std::make_unique<Built>();
  built->generation = generation;
  // Any *FromEnv parameter may read the target's container environment.
  TargetPodTemplate podTemplate;
  StatusOr<TargetPodTemplate> read = deps_.targets->podTemplate(so, stop);
  if (read.isOk()) podTemplate = std::move(read).value();
  ResolverInput scalable = resolverInputFor(so, std::move(podTemplate));
  Status firstError;
  for (size_t i = 0; i < so.spec.triggers.size(); ++i) {
    const api::ScaleTrigger& spec = so.spec.triggers[i];
    Built::Trigger trigger;
    trigger.type = spec.type;
    trigger.name = spec.name;
    trigger.useCachedMetrics = spec.useCachedMetrics;
    trigger.resource = api::isResourceTrigger(spec);
    const scalers::ScalerType* type = deps_.registry->find(spec.type);
    trigger.metricsLabel =
        !spec.name.empty() ? spec.name : (type != nullptr ? type->metricsLabel : spec.type);
    StatusOr<ResolvedTrigger> resolved =
        resolveTrigger(scalable, i, *deps_.resolverSource, deps_.resolverOptions);
    if (!resolved.isOk()) {
      trigger.error = resolved.status();
    } else {
      resolved->config.globalHttpTimeout = deps_.httpTimeout;
      StatusOr<std::unique_ptr<scalers::Scaler>> scaler =
          deps_.registry->create(resolved->config, scalerContext_);
      if (scaler.isOk()) {
        trigger.scaler = std::shared_ptr<scalers::Scaler>(std::move(scaler).value());
        trigger.specs = trigger.scaler->metricSpecs();
        for (const scalers::MetricSpec& metricSpec : trigger.specs) {
          trigger.recorders.emplace_back(deps_.metrics,
                                         obs::ScalerLabels{.ns = so.metadata.namespace_,
                                                           .scaledResource = so.metadata.name,
                                                           .scaler = trigger.metricsLabel,
                                                           .triggerIndex = static_cast<int>(i),
                                                           .metric = metricSpec.metricName});
        }
        event(so, kEventNormal, "KEDAScalersStarted", fmt::format("Scaler {} is built", spec.type));
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
          event(so, kEventWarning, "TriggerAuthenticationFailed", problem.message());
        }
      }
    }
    if (!trigger.error.isOk()) {
      event(so, kEventWarning, "KEDAScalerFailed", trigger.error.message());
      if (firstError.isOk()) firstError = trigger.error;
    }
    built->triggers.push_back(std::move(trigger));
  }
  if (api::hasScalingModifiers(so.spec)) {
    StatusOr<CompositeFormula> formula = CompositeFormula::compile(so.spec);
    if (formula.isOk()) {
      built->formula = std::move(formula).value();
    } else {
      built->formulaError = formula.status();
      if (firstError.isOk()) firstError = formula.status();
    }
  }
  object.built = std::move(built);
  if (!firstError.isOk()) {
    deps_.logger->log(k8s::LogLevel::kWarning, "scale-handler", "building scalers failed",
                      {{"scaledObject", so.metadata.namespace_ + "/" + so.metadata.name},
                       {"error", firstError.message()}});
  }
  return firstError;
}

void ScaleHandler::startPushScalers(const std::shared_ptr<Object>& object) {
  if (!object->built || !object->built->pushThreads.empty()) return;
  for (size_t i = 0; i < object->built->triggers.size(); ++i) {
    Built::Trigger& trigger = object->built->triggers[i];
    auto push = std::dynamic_pointer_cast<scalers::PushScaler>(trigger.scaler);
    if (!push || trigger.specs.empty()) continue;
    std::string metric = trigger.specs.front().metricName;
    std::weak_ptr<Object> weak = object;
    object->built->pushThreads.emplace_back([this, push, metric, weak](std::stop_token stop) {
      push->run(
          [&](bool active) {
            if (!active) return;  // deactivation only through polling, as KEDA
            if (auto obj = weak.lock()) pushActivate(obj, metric);
          },
          [&] { return stop.stop_requested(); });
    });
  }
}

void ScaleHandler::pushActivate(const std::shared_ptr<Object>& object,
                                const std::string& metricName) {
  {
    std::lock_guard lock(object->pushMu);
    object->pushMetric = metricName;
  }
  deps_.scheduler->runNow(object->key);
}

StatusOr<TriggerMetricSpecs> ScaleHandler::metricSpecs(const api::ScaledObject& so,
                                                       const std::stop_token& stop) {
  std::shared_ptr<Object> obj = object(so.metadata.namespace_, so.metadata.name, true);
  std::lock_guard lock(obj->mu);
  Status built = ensureBuilt(*obj, so, stop);
  if (!built.isOk()) {
    dropScalers(*obj);  // rebuilt (and secrets re-read) on the next attempt
    return built;
  }
  TriggerMetricSpecs specs;
  for (const Built::Trigger& trigger : obj->built->triggers) specs.push_back(trigger.specs);
  return specs;
}

void ScaleHandler::startLoop(const api::ScaledObject& so) {
  std::shared_ptr<Object> obj = object(so.metadata.namespace_, so.metadata.name, true);
  // A copy of `so` is kept only while the informer's cache is older (a status write the watch
  // has not delivered yet); when nothing was written, or the watch event came first, the cache
  // already holds it and a copy would only wait for the next poll to be dropped.
  std::shared_ptr<const api::ScaledObject> cached =
      deps_.targets->scaledObject(so.metadata.namespace_, so.metadata.name);
  bool cacheIsOlder =
      !cached || writtenIsNewer(cached->metadata.resourceVersion, so.metadata.resourceVersion);
  bool existed;
  {
    std::lock_guard lock(obj->mu);
    existed = obj->looping;
    obj->looping = true;
    if (cacheIsOlder) obj->written = newer(std::make_shared<api::ScaledObject>(so), obj->written);
    if (obj->built && obj->built->generation != so.metadata.generation.value_or(0)) {
      dropScalers(*obj);
    }
  }
  if (!existed) event(so, kEventNormal, "KEDAScalersStarted", "Started scalers watch");
  auto interval = std::chrono::seconds(api::pollingIntervalSeconds(so.spec));
  std::weak_ptr<Object> weak = obj;
  deps_.scheduler->schedule(obj->key, interval, [this, weak](const RunInfo& run) {
    if (auto o = weak.lock()) poll(o, run);
  });
}

void ScaleHandler::cacheUpdated(const api::ScaledObject& so) {
  std::shared_ptr<Object> obj = object(so.metadata.namespace_, so.metadata.name, false);
  if (!obj) return;
  std::unique_lock lock(obj->mu, std::try_to_lock);
  if (!lock.owns_lock() || !obj->written) return;
  if (!writtenIsNewer(so.metadata.resourceVersion, obj->written->metadata.resourceVersion)) {
    obj->written.reset();
  }
}

void ScaleHandler::stopLoop(std::string_view ns, std::string_view name) {
  std::shared_ptr<Object> obj;
  {
    std::lock_guard lock(mu_);
    auto it = objects_.find(loopKey("ScaledObject", ns, name));
    if (it == objects_.end()) return;
    obj = it->second;
    objects_.erase(it);
  }
  deps_.scheduler->cancel(obj->key);
  std::lock_guard lock(obj->mu);
  dropScalers(*obj);
  obj->records.clear();
  obj->looping = false;
  if (deps_.metrics) {
    deps_.metrics->deleteScaledObjectSeries(ns, name, obs::ResourceKind::kScaledObject);
  }
}

bool ScaleHandler::hasLoop(std::string_view ns, std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = objects_.find(loopKey("ScaledObject", ns, name));
  return it != objects_.end() && it->second->looping;
}

void ScaleHandler::invalidate(std::string_view ns, std::string_view name) {
  std::shared_ptr<Object> obj = object(ns, name, false);
  if (!obj) return;
  std::lock_guard lock(obj->mu);
  dropScalers(*obj);
}

void ScaleHandler::stopAll() {
  std::vector<std::shared_ptr<Object>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, obj] : objects_) all.push_back(obj);
    objects_.clear();
  }
  for (auto& obj : all) {
    if (deps_.scheduler) deps_.scheduler->cancel(obj->key);
    std::lock_guard lock(obj->mu);
    dropScalers(*obj);
  }
}

std::vector<TriggerOutcome> ScaleHandler::queryTriggers(Object& object, const api::ScaledObject& so,
                                                        api::ScaledObjectStatus& status,
                                                        const std::vector<std::string>* only,
                                                        bool fromCache,
                                                        const std::stop_token& stop) {
  std::vector<TriggerOutcome> outcomes;
  TargetReplicaSource replicas(*deps_.targets, so, stop);
  for (size_t i = 0; i < object.built->triggers.size(); ++i) {
    Built::Trigger& trigger = object.built->triggers[i];
    TriggerOutcome outcome{.type = trigger.type, .name = trigger.name};
    if (!trigger.error.isOk()) {
      outcome.error = trigger.error;
      outcomes.push_back(std::move(outcome));
      continue;
    }
    for (size_t m = 0; m < trigger.specs.size(); ++m) {
      const scalers::MetricSpec& spec = trigger.specs[m];
      if (spec.source != scalers::MetricSpec::Source::kExternal) continue;
      if (only != nullptr && std::none_of(only->begin(), only->end(), [&](const std::string& n) {
            return equalsIgnoreCase(n, spec.metricName);
          })) {
        continue;
      }
      obs::ScalerRecorder& recorder = trigger.recorders[m];
      StatusOr<std::vector<scalers::MetricValue>> values = std::vector<scalers::MetricValue>{};
      bool active = false;
      auto cached = object.records.find(spec.metricName);
      if (fromCache && trigger.useCachedMetrics && cached != object.records.end()) {
        if (cached->second.error.isOk()) {
          values = cached->second.values;
        } else {
          values = cached->second.error;
        }
        active = cached->second.active;
      } else {
        auto started = SteadyClock::now();
        StatusOr<scalers::MetricsAndActivity> result =
            trigger.scaler->metricsAndActivity(spec.metricName);
        if (deps_.metrics) {
          recorder.latency(SteadyClock::now() - started);
          if (const auto* reporter =
                  dynamic_cast<const scalers::EmptyUpstreamReporter*>(trigger.scaler.get())) {
            for (uint64_t seen = reporter->emptyUpstreamResponses();
                 trigger.emptyResponsesSeen < seen; ++trigger.emptyResponsesSeen) {
              deps_.metrics->recordEmptyUpstreamResponse(
                  so.metadata.namespace_, so.metadata.name, trigger.name, spec.metricName,
                  obs::ResourceKind::kScaledObject, reporter->ignoresNullValues());
            }
          }
        }
        if (result.isOk()) {
          values = std::move(result->metrics);
          active = result->active;
        } else {
          values = result.status();
        }
      }
      FallbackResult fallback = applyFallback(so.spec, status, spec, values, replicas);
      MetricOutcome metric = toMetricOutcome(spec.metricName, fallback, active);
      if (deps_.metrics) {
        if (metric.error.isOk()) {
          if (!metric.values.empty()) recorder.metric(metric.values.front().value.asDouble());
          recorder.active(metric.active || metric.fallbackActive);
        } else {
          recorder.error();
        }
      }
      if (trigger.useCachedMetrics) {
        object.records[spec.metricName] =
            CachedRecord{.values = metric.values, .active = metric.active, .error = metric.error};
      }
      outcome.metrics.push_back(std::move(metric));
    }
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

Status ScaleHandler::writeStatus(Object& object, const api::ScaledObject& so,
                                 const api::ScaledObjectStatus& before,
                                 const api::ScaledObjectStatus& after,
                                 const std::stop_token& stop) {
  std::optional<Json> body =
      statusMergePatch(before, after, {.lastActiveTimeMinStep = deps_.lastActiveRefresh});
  if (!body) return Status::ok();
  ++statusPatches_;
  if (deps_.logger->enabled(k8s::LogLevel::kDebug)) {
    deps_.logger->log(k8s::LogLevel::kDebug, "scale-handler", "status patch",
                      {{"scaledObject", so.metadata.namespace_ + "/" + so.metadata.name},
                       {"patch", body->dump()}});
  }
  StatusOr<Json> result =
      deps_.client->patch(k8s::kScaledObjects, so.metadata.namespace_, so.metadata.name,
                          k8s::PatchType::kMerge, *body, {.subresource = "status"}, stop);
  if (!result.isOk()) {
    deps_.logger->log(k8s::LogLevel::kWarning, "scale-handler", "status update failed",
                      {{"scaledObject", so.metadata.namespace_ + "/" + so.metadata.name},
                       {"error", result.status().message()}});
    return result.status();
  }
  StatusOr<api::ScaledObject> written = k8s::decodeScaledObject(*result);
  if (written.isOk()) {
    object.written =
        newer(std::make_shared<api::ScaledObject>(std::move(written).value()), object.written);
  }
  return Status::ok();
}

void ScaleHandler::poll(const std::shared_ptr<Object>& object, const RunInfo& run) {
  std::stop_token stop = stopAll_.get_token();
  std::shared_ptr<const api::ScaledObject> cached =
      deps_.targets->scaledObject(object->ns, object->name);
  if (!cached) return;  // deleted; the controller stops the loop
  if (deps_.metrics && !run.requested) {
    deps_.metrics->recordScaleLoopLatency(object->ns, obs::ResourceKind::kScaledObject,
                                          object->name,
                                          std::chrono::duration<double>(run.lateness).count());
  }
  ++polls_;
  std::lock_guard lock(object->mu);
  std::shared_ptr<const api::ScaledObject> so = newer(cached, object->written);
  if (so == cached) object->written.reset();  // the cache caught up: keep one copy, not two
  const api::ScaledObjectStatus before = so->status.value_or(api::ScaledObjectStatus{});
  api::ScaledObjectStatus status = before;
  ensureInitialized(status.conditions);
  SoEventSink events(deps_.events, *so);
  TargetScaleWriter writer(*deps_.client, *so, stop, scaleWrites_);

  // lastActiveTime as this process knows it. With refresh writes rate-limited, the stored time
  // may lag; on the first poll of an object whose status says Active, the last active moment is
  // unknown (the writer may have stopped just after it), so the cooldown counts from now: late
  // rather than early. Transitions always write the exact time (below).
  if (!object->lastActiveKnown) {
    object->lastActiveKnown = true;
    if (deps_.lastActiveRefresh.count() > 0 && isTrue(before.conditions, kConditionActive)) {
      object->lastActive = std::chrono::floor<std::chrono::seconds>(deps_.clock->now());
    }
  }

  std::string pushMetric;
  if (run.requested) {
    std::lock_guard pushLock(object->pushMu);
    pushMetric = std::exchange(object->pushMetric, {});
  }

  ScaleRequest request{.object = so.get()};
  std::string hpa = before.hpaName.empty() ? api::hpaName(*so) : before.hpaName;
  if (!pushMetric.empty()) {
    // A push scaler saw activity: activate at once, without polling (KEDA's push path).
    request.isActive = true;
    request.activeMetricNames = {pushMetric};
    request.pushMetricName = pushMetric;
  } else {
    Status built = ensureBuilt(*object, *so, stop);
    (void)built;  // per-trigger errors are in the outcomes
    startPushScalers(object);
    const std::vector<api::Condition> conditionsBefore = status.conditions;
    std::vector<TriggerOutcome> outcomes =
        queryTriggers(*object, *so, status, nullptr, false, stop);
    updateFallbackCondition(so->spec, status);
    emitFallbackTransition(conditionsBefore, status.conditions, events);
    Activity activity = computeActivity(
        so->spec, outcomes, object->built->formula ? &*object->built->formula : nullptr);
    if (activity.isError) {
      ++pollErrors_;
      for (const TriggerOutcome& t : outcomes) {
        Status error = t.error;
        for (const MetricOutcome& m : t.metrics) {
          if (error.isOk() && !m.error.isOk()) error = m.error;
        }
        if (!error.isOk()) {
          event(*so, kEventWarning,
                api::hasScalingModifiers(so->spec) ? "KEDAMetricSourceFailed" : "KEDAScalerFailed",
                error.message());
        }
      }
      if (deps_.metrics) {
        deps_.metrics->recordResourceError(obs::ResourceKind::kScaledObject,
                                           so->metadata.namespace_, so->metadata.name);
      }
      dropScalers(*object);  // rebuilt with fresh secrets next time; records are kept
    }
    request.isActive = activity.isActive;
    request.isError = activity.isError;
    request.activeMetricNames = activity.activeMetricNames;
    if (activity.composite && deps_.metrics) {
      obs::ScalerLabels labels{.ns = so->metadata.namespace_,
                               .scaledResource = so->metadata.name,
                               .scaler = api::kCompositeMetricName,
                               .triggerIndex = 0,
                               .metric = api::kCompositeMetricName};
      deps_.metrics->recordScalerMetric(labels, activity.composite->value);
      deps_.metrics->recordScalerActive(labels, activity.composite->active);
    }
  }
  request.currentReplicas = deps_.targets->currentReplicas(*so, stop);
  request.hpaConditions = deps_.targets->hpaConditions(so->metadata.namespace_, hpa);
  request.lastActive = object->lastActive;
  ScaleOutcome outcome = requestScale(request, *deps_.clock, writer, events);
  if (outcome.delta.lastActiveTime) {
    // Whole seconds, as the stored RFC 3339 time has and KEDA compares: with an exact time the
    // strict cooldown check fails at the poll where the stored one passes (polls keep their phase),
    // and scale-in came one polling interval later than KEDA's.
    object->lastActive = std::chrono::floor<std::chrono::seconds>(*outcome.delta.lastActiveTime);
  }
  applyDelta(status, outcome.delta);
  if (object->lastActive) {
    // Every write carries the exact time; a write of a refresh alone is rate-limited by
    // writeStatus (lastActiveRefresh).
    std::optional<TimePoint> stored = k8s::parseTime(status.lastActiveTime);
    if (!stored || *stored < *object->lastActive) {
      status.lastActiveTime = k8s::formatTime(*object->lastActive);
    }
  }
  (void)writeStatus(*object, *so, before, status, stop);
}

void ScaleHandler::pollNow(std::string_view ns, std::string_view name) {
  std::shared_ptr<Object> obj = object(ns, name, true);
  poll(obj, RunInfo{});
}

StatusOr<std::vector<scalers::MetricValue>> ScaleHandler::getMetrics(std::string_view ns,
                                                                     std::string_view scaledObject,
                                                                     std::string_view metricName,
                                                                     const std::stop_token& stop) {
  ++metricRequests_;
  std::shared_ptr<const api::ScaledObject> so = deps_.targets->scaledObject(ns, scaledObject);
  if (!so) {
    return notFound(fmt::format("ScaledObject {}/{} not found", ns, scaledObject));
  }
  std::shared_ptr<Object> obj = object(ns, scaledObject, true);
  std::lock_guard lock(obj->mu);
  std::shared_ptr<const api::ScaledObject> cached = so;
  so = newer(so, obj->written);
  if (so == cached) obj->written.reset();
  Status built = ensureBuilt(*obj, *so, stop);
  (void)built;
  const api::ScaledObjectStatus before = so->status.value_or(api::ScaledObjectStatus{});
  api::ScaledObjectStatus status = before;
  const bool modifiers = api::hasScalingModifiers(so->spec);
  std::vector<std::string> names;
  if (modifiers) {
    names = before.externalMetricNames;
  } else {
    names.emplace_back(metricName);
  }
  ensureInitialized(status.conditions);
  const std::vector<api::Condition> conditionsBefore = status.conditions;
  std::vector<TriggerOutcome> outcomes = queryTriggers(*obj, *so, status, &names, true, stop);
  updateFallbackCondition(so->spec, status);
  // The HPA's requests count failures too, so fallback may start (or end) here first; on a
  // standby the leader's own polls record it.
  if (mayWrite()) {
    SoEventSink events(deps_.events, *so);
    emitFallbackTransition(conditionsBefore, status.conditions, events);
    (void)writeStatus(*obj, *so, before, status, stop);
  }

  Status failure;
  std::vector<scalers::MetricValue> values;
  for (const TriggerOutcome& t : outcomes) {
    if (!t.error.isOk() && failure.isOk()) failure = t.error;
    for (const MetricOutcome& m : t.metrics) {
      if (!m.error.isOk()) {
        if (failure.isOk()) failure = m.error;
        continue;
      }
      if (!modifiers) values.insert(values.end(), m.values.begin(), m.values.end());
    }
  }
  if (!failure.isOk()) {
    dropScalers(*obj);
    return Status(failure.code() == StatusCode::kOk ? StatusCode::kUnavailable : failure.code(),
                  fmt::format("metric:{} encountered error: {}", metricName, failure.message()));
  }
  if (modifiers) {
    if (!obj->built->formula) return obj->built->formulaError;
    StatusOr<CompositeValue> composite = obj->built->formula->evaluate(outcomes, so->spec.fallback);
    if (!composite.isOk()) return composite.status();
    return std::vector<scalers::MetricValue>{composite->metric};
  }
  if (values.empty()) {
    return notFound(fmt::format("no matching metrics found for {}", metricName));
  }
  return values;
}

std::optional<StatusOr<std::vector<scalers::MetricValue>>> ScaleHandler::getMetricsNow(
    std::string_view ns, std::string_view scaledObject, std::string_view metricName) {
  std::shared_ptr<const api::ScaledObject> so = deps_.targets->scaledObject(ns, scaledObject);
  if (!so) return std::nullopt;  // getMetrics words the 404
  std::shared_ptr<Object> obj = object(ns, scaledObject, false);
  if (!obj) return std::nullopt;
  std::unique_lock lock(obj->mu, std::try_to_lock);
  if (!lock.owns_lock()) return std::nullopt;  // a poll or build is running: no waiting here
  so = newer(so, obj->written);
  if (!obj->built || obj->built->generation != so->metadata.generation.value_or(0)) {
    return std::nullopt;
  }
  if (api::hasScalingModifiers(so->spec)) return std::nullopt;
  for (Built::Trigger& trigger : obj->built->triggers) {
    if (!trigger.error.isOk() || !trigger.useCachedMetrics) continue;
    for (size_t m = 0; m < trigger.specs.size(); ++m) {
      const scalers::MetricSpec& spec = trigger.specs[m];
      if (spec.source != scalers::MetricSpec::Source::kExternal ||
          !equalsIgnoreCase(spec.metricName, metricName)) {
        continue;
      }
      auto cached = obj->records.find(spec.metricName);
      if (cached == obj->records.end() || !cached->second.error.isOk() ||
          cached->second.values.empty()) {
        return std::nullopt;
      }
      // A success resets the metric's fallback health; if that changes the status, the write
      // belongs to getMetrics.
      const api::ScaledObjectStatus before = so->status.value_or(api::ScaledObjectStatus{});
      api::ScaledObjectStatus status = before;
      ensureInitialized(status.conditions);
      NoReplicas replicas;
      FallbackResult fallback =
          applyFallback(so->spec, status, spec, cached->second.values, replicas);
      if (statusMergePatch(before, status, {.lastActiveTimeMinStep = deps_.lastActiveRefresh})) {
        return std::nullopt;
      }
      ++metricRequests_;
      if (deps_.metrics && !fallback.metrics.empty()) {
        trigger.recorders[m].metric(fallback.metrics.front().value.asDouble());
        trigger.recorders[m].active(cached->second.active);
      }
      return StatusOr<std::vector<scalers::MetricValue>>(std::move(fallback.metrics));
    }
  }
  return std::nullopt;
}

ScaleHandlerStats ScaleHandler::stats() const {
  ScaleHandlerStats s;
  s.polls = polls_;
  s.pollErrors = pollErrors_;
  s.scalerBuilds = scalerBuilds_;
  s.statusPatches = statusPatches_;
  s.scaleWrites = scaleWrites_;
  s.metricRequests = metricRequests_;
  std::lock_guard lock(mu_);
  s.objects = objects_.size();
  return s;
}

}  // namespace tidal::scaling
