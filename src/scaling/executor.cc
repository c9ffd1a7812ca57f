#include "scaling/executor.h"

#include <algorithm>

#include <fmt/format.h>

#include "api/annotations.h"
#include "api/defaults.h"
#include "common/strings.h"
#include "scaling/scaled_object_conditions.h"

namespace tidal::scaling {

namespace {

using TimePoint = std::chrono::system_clock::time_point;

// Everything one decision reads and writes.
struct Decision {
  const ScaleRequest& req;
  const api::ScaledObject& so;
  api::PauseAnnotations pause;
  int32_t current = 0;
  int32_t min = 0;  // minReplicaCount, nil => 0
  TimePoint now;
  ScaleWriter& scale;
  EventSink& events;
  ScaleOutcome out;
};

// The annotations; an unparsable paused-replicas still pauses ("presence alone ⇒ paused").
api::PauseAnnotations readPause(const api::ScaledObject& so) {
  StatusOr<api::PauseAnnotations> parsed = api::parsePauseAnnotations(so.metadata.annotations);
  if (parsed.isOk()) return *parsed;
  api::PauseAnnotations paused;
  paused.paused = true;
  return paused;
}

// "<scaleTargetKind> <namespace>/<name>", as in KEDA's event notes.
std::string targetDescription(const api::ScaledObject& so) {
  std::string kind = so.status ? so.status->scaleTargetKind : "";
  if (kind.empty()) kind = api::resolveTargetRef(so.spec.scaleTargetRef).scaleTargetKind();
  return fmt::format("{} {}/{}", kind, so.metadata.namespace_, so.spec.scaleTargetRef.name);
}

Status write(Decision& d, int32_t replicas) {
  d.out.replicasWritten = replicas;
  d.out.writeError = d.scale.setReplicas(replicas);
  return d.out.writeError;
}

void activate(Decision& d) {
  if (d.pause.pausedScaleOut) {
    d.out.action = ScaleAction::kActivationBlocked;
    return;
  }
  const int32_t target = d.min > 0 ? d.min : 1;
  const std::string what = targetDescription(d.so);
  if (!write(d, target).isOk()) {
    d.out.action = ScaleAction::kActivationFailed;
    d.events.event(kEventWarning, "KEDAScaleTargetActivationFailed",
                   fmt::format("Failed to scale {} from {} to {}", what, d.current, target));
    return;
  }
  d.out.action = ScaleAction::kActivated;
  d.out.delta.lastActiveTime = d.now;
  const std::string cause = d.req.isActive ? "triggered by " + join(d.req.activeMetricNames, ";")
                                           : std::string("caused by forced activation annotation");
  d.events.event(kEventNormal, "KEDAScaleTargetActivated",
                 fmt::format("Scaled {} from {} to {}, {}", what, d.current, target, cause));
}

void handleActive(Decision& d) {
  d.out.delta.conditions.push_back(d.req.isActive ? activeCondition() : forcedActiveCondition());
  const bool belowIdleMin = d.so.spec.idleReplicaCount.has_value() && d.current < d.min;
  if (belowIdleMin || d.current == 0) {
    activate(d);
  } else if (d.req.isError) {
    d.out.action = ScaleAction::kPartialError;
    d.out.delta.conditions.push_back(partialTriggerErrorCondition());
  } else {
    d.out.delta.lastActiveTime = d.now;
  }
}

void deactivate(Decision& d) {
  if (d.pause.pausedScaleIn) {
    d.out.action = ScaleAction::kDeactivationBlocked;
    return;
  }
  if (!cooldownElapsed(d.so, d.now, d.req.lastActive)) {
    d.out.action = ScaleAction::kCoolingDown;
    d.out.delta.conditions.push_back(cooldownCondition());
    return;
  }
  const int32_t target = d.so.spec.idleReplicaCount.value_or(d.min);
  const std::string what = targetDescription(d.so);
  if (!write(d, target).isOk()) {
    d.out.action = ScaleAction::kDeactivationFailed;
    d.events.event(kEventWarning, "KEDAScaleTargetDeactivationFailed",
                   fmt::format("Failed to deactivate {} from {} to {}", what, d.current, target));
    return;
  }
  d.out.action = ScaleAction::kDeactivated;
  d.events.event(kEventNormal, "KEDAScaleTargetDeactivated",
                 fmt::format("Deactivated {} from {} to {}", what, d.current, target));
}

void handleInactive(Decision& d) {
  d.out.delta.conditions.push_back(notActiveCondition());
  const api::ScaledObjectSpec& spec = d.so.spec;
  const std::optional<int32_t>& idle = spec.idleReplicaCount;
  if (d.req.isError && spec.fallback && spec.fallback->replicas != 0) {
    d.out.action = ScaleAction::kFallbackHolds;
  } else if (d.req.isError && !spec.fallback) {
    d.out.action = ScaleAction::kTriggerError;
    d.out.delta.conditions.push_back(triggerErrorCondition());
  } else if ((idle && d.current > *idle) || (d.current > 0 && d.min == 0)) {
    deactivate(d);
  } else if (!idle && d.current < d.min) {
    d.out.action =
        write(d, d.min).isOk() ? ScaleAction::kRaisedToMin : ScaleAction::kRaiseToMinFailed;
  }
}

void applyHpaHealth(Decision& d) {
  if (!d.req.hpaConditions) return;
  if (std::optional<api::Condition> c = hpaActiveCondition(*d.req.hpaConditions)) {
    d.out.delta.conditions.push_back(std::move(*c));
  }
}

}  // namespace

std::string_view scaleActionName(ScaleAction action) {
  switch (action) {
    case ScaleAction::kNone:
      return "None";
    case ScaleAction::kReplicasUnreadable:
      return "ReplicasUnreadable";
    case ScaleAction::kPaused:
      return "Paused";
    case ScaleAction::kActivated:
      return "Activated";
    case ScaleAction::kActivationFailed:
      return "ActivationFailed";
    case ScaleAction::kActivationBlocked:
      return "ActivationBlocked";
    case ScaleAction::kPartialError:
      return "PartialError";
    case ScaleAction::kFallbackHolds:
      return "FallbackHolds";
    case ScaleAction::kTriggerError:
      return "TriggerError";
    case ScaleAction::kDeactivated:
      return "Deactivated";
    case ScaleAction::kDeactivationFailed:
      return "DeactivationFailed";
    case ScaleAction::kDeactivationBlocked:
      return "DeactivationBlocked";
    case ScaleAction::kCoolingDown:
      return "CoolingDown";
    case ScaleAction::kRaisedToMin:
      return "RaisedToMin";
    case ScaleAction::kRaiseToMinFailed:
      return "RaiseToMinFailed";
  }
  return "Unknown";
}

bool cooldownElapsed(const api::ScaledObject& object, TimePoint now,
                     std::optional<TimePoint> lastActive) {
  std::optional<TimePoint> last =
      k8s::parseTime(object.status ? object.status->lastActiveTime : "");
  if (lastActive && (!last || *lastActive > *last)) last = lastActive;
  if (last) {
    const std::chrono::seconds cooldown(api::cooldownPeriodSeconds(object.spec));
    return *last + cooldown < now;
  }
  // Never active: count from creation. An unreadable creationTimestamp counts as long ago, as a
  // zero Go time does in KEDA.
  const TimePoint created = k8s::parseTime(object.metadata.creationTimestamp).value_or(TimePoint{});
  const std::chrono::seconds initial(api::initialCooldownPeriodSeconds(object.spec));
  return created + initial < now;
}

TriggersActivityMap triggersActivity(const api::ScaledObjectStatus& status,
                                     const std::vector<std::string>& activeMetricNames,
                                     const std::string& pushMetricName) {
  auto isActive = [&](const std::string& name) {
    return std::find(activeMetricNames.begin(), activeMetricNames.end(), name) !=
           activeMetricNames.end();
  };
  TriggersActivityMap out;
  if (!pushMetricName.empty()) {
    out = status.triggersActivity;
    out[pushMetricName].isActive = isActive(pushMetricName);
    return out;
  }
  for (const std::string& name : status.externalMetricNames) {
    api::TriggerActivity entry;
    if (auto it = status.triggersActivity.find(name); it != status.triggersActivity.end()) {
      entry = it->second;  // keeps fields tidal does not model
    }
    entry.isActive = isActive(name);
    out[name] = std::move(entry);
  }
  return out;
}

ScaleOutcome requestScale(const ScaleRequest& request, const Clock& clock, ScaleWriter& scale,
                          EventSink& events) {
  const api::ScaledObject& so = *request.object;
  Decision d{request,     so,    readPause(so), 0, so.spec.minReplicaCount.value_or(0),
             clock.now(), scale, events,        {}};
  static const api::ScaledObjectStatus kEmpty;
  d.out.delta.triggersActivity = triggersActivity(
      so.status ? *so.status : kEmpty, request.activeMetricNames, request.pushMetricName);
  if (!request.currentReplicas.isOk()) {
    d.out.action = ScaleAction::kReplicasUnreadable;
    d.out.delta.conditions.push_back(
        replicasUnreadableCondition(request.currentReplicas.status().message()));
    return d.out;
  }
  d.current = *request.currentReplicas;
  if (d.pause.paused) {
    // Ready says "paused" as the reconciler writes it, so the two never flip the message.
    d.out.action = ScaleAction::kPaused;
    d.out.delta.conditions = {readyPausedCondition(), pausedCondition()};
    d.out.delta.setPausedReplicaCount = true;
    d.out.delta.pausedReplicaCount = d.pause.pausedReplicas;
    return d.out;
  }
  d.out.delta.conditions.push_back(readyCondition());
  if (request.isActive || d.pause.forceActivation) {
    handleActive(d);
  } else {
    handleInactive(d);
  }
  applyHpaHealth(d);
  return d.out;
}

void applyDelta(api::ScaledObjectStatus& status, const StatusDelta& delta) {
  ensureInitialized(status.conditions);
  for (const api::Condition& c : delta.conditions) setCondition(status.conditions, c);
  if (delta.lastActiveTime) status.lastActiveTime = k8s::formatTime(*delta.lastActiveTime);
  if (delta.setPausedReplicaCount) status.pausedReplicaCount = delta.pausedReplicaCount;
  if (delta.triggersActivity) status.triggersActivity = *delta.triggersActivity;
}

}  // namespace tidal::scaling
