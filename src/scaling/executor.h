// The ScaledObject scale executor: KEDA's RequestScale (spec/keda-spec.md §b.3) as one decision.
//
// tidal writes `/scale` itself only for activation (0 or idle -> min), deactivation (-> 0 or idle
// after the cooldown), raising a target below minReplicaCount, and never while paused; the HPA does
// everything between 1 and N. requestScale() decides which case applies, performs at most one
// ScaleWriter::setReplicas call and emits KEDA's events, and returns what the status should become
// as a StatusDelta. The caller merges the delta into its copy of the status (applyDelta), diffs
// it against what it read (status_patch.h) and sends one merge patch, or none.
//
// Cases, first match wins:
//   replicas unreadable            -> Ready=False/ErrorGettingCurrentReplicas
//   paused / paused-replicas        -> Paused=True, pausedReplicaCount = annotation value
//   active or force-activation:    Active=True/ScalerActive, then
//     current == 0, or idle set and current < min -> activate to max(min, 1) unless
//                                                    paused-scale-out; lastActiveTime = now
//     isError                      -> Ready=Unknown/PartialTriggerError
//     otherwise                    -> lastActiveTime = now
//   inactive:                      Active=False/ScalerNotActive, then
//     error with fallback.replicas != 0 -> nothing (the HPA applies the fallback)
//     error without fallback       -> Ready=False/TriggerError
//     idle set and current > idle, or current > 0 with min 0 -> unless paused-scale-in: after the
//          cooldown deactivate to idle (or min), else Active=False/ScalerCooldown
//     idle unset and current < min -> raise to min
//
// Example:
//   ScaleRequest req{.object = &so, .isActive = a.isActive, .isError = a.isError,
//                    .activeMetricNames = a.activeMetricNames, .currentReplicas = replicas};
//   ScaleOutcome out = requestScale(req, clock, scaleWriter, events);
//   api::ScaledObjectStatus next = *so.status;
//   applyDelta(next, out.delta);
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "common/clock.h"
#include "common/status.h"
#include "k8s/types/object.h"
#include "scaling/scale_types.h"

namespace tidal::scaling {

using TriggersActivityMap = std::map<std::string, api::TriggerActivity, std::less<>>;

struct ScaleRequest {
  const api::ScaledObject* object = nullptr;  // spec, annotations and status as last read
  bool isActive = false;
  bool isError = false;
  std::vector<std::string> activeMetricNames;  // for events and status.triggersActivity
  StatusOr<int32_t> currentReplicas = 0;       // the target's spec.replicas, or why unreadable
  // The HPA's status.conditions; nullopt when the HPA is missing or unreadable.
  std::optional<std::vector<k8s::ApiCondition>> hpaConditions;
  // Non-empty for a push-scaler activation: only this metric's triggersActivity entry changes.
  std::string pushMetricName;
  // When the target was last active as the caller knows it, if later than the stored
  // status.lastActiveTime (which may lag when refresh writes are rate-limited); the cooldown
  // counts from the later of the two.
  std::optional<std::chrono::system_clock::time_point> lastActive;
};

// What requestScale did.
enum class ScaleAction {
  kNone,                 // nothing to write to /scale
  kReplicasUnreadable,   // current replicas could not be read
  kPaused,               // paused by annotation
  kActivated,            // scaled from zero/idle
  kActivationFailed,     // the /scale write for activation failed
  kActivationBlocked,    // would activate, but paused-scale-out
  kPartialError,         // active with some trigger errors
  kFallbackHolds,        // inactive, in error, fallback.replicas != 0
  kTriggerError,         // inactive, in error, no fallback
  kDeactivated,          // scaled to zero/idle
  kDeactivationFailed,   // the /scale write for deactivation failed
  kDeactivationBlocked,  // would deactivate, but paused-scale-in
  kCoolingDown,          // would deactivate, but within the cooldown
  kRaisedToMin,          // raised to minReplicaCount
  kRaiseToMinFailed,     // the /scale write for the raise failed
};

std::string_view scaleActionName(ScaleAction action);

// The status fields requestScale changes. Absent means "leave as it is".
struct StatusDelta {
  std::vector<api::Condition> conditions;  // each replaces the condition of its type
  // Set to this instant. KEDA moves lastActiveTime on every active poll; the caller may choose
  // not to write a move that is only a refresh (see PatchOptions in status_patch.h).
  std::optional<std::chrono::system_clock::time_point> lastActiveTime;
  bool setPausedReplicaCount = false;
  std::optional<int32_t> pausedReplicaCount;  // with setPausedReplicaCount: nullopt clears it
  std::optional<TriggersActivityMap> triggersActivity;  // the whole new map
};

struct ScaleOutcome {
  ScaleAction action = ScaleAction::kNone;
  std::optional<int32_t> replicasWritten;  // what setReplicas was called with
  Status writeError;                       // its error, if any
  StatusDelta delta;
};

// Decides and performs one RequestScale. `request.object` must be non-null. Calls `scale` at most
// once and `events` for KEDA's activation/deactivation events; never blocks otherwise.
ScaleOutcome requestScale(const ScaleRequest& request, const Clock& clock, ScaleWriter& scale,
                          EventSink& events);

// Whether a target last active at `lastActiveTime` (RFC 3339, "" = never; or `lastActive` when
// later) may be deactivated at `now`: lastActiveTime + cooldownPeriod < now, or, never active,
// creationTimestamp + initialCooldownPeriod < now. Strict: at exactly the boundary it is still
// cooling down.
bool cooldownElapsed(const api::ScaledObject& object, std::chrono::system_clock::time_point now,
                     std::optional<std::chrono::system_clock::time_point> lastActive = {});

// The new triggersActivity map: one entry per status.externalMetricNames (stale entries dropped),
// or, for a push-scaler activation, the old map with only `pushMetricName` updated.
TriggersActivityMap triggersActivity(const api::ScaledObjectStatus& status,
                                     const std::vector<std::string>& activeMetricNames,
                                     const std::string& pushMetricName);

// Merges a delta into a status (initialising the standard conditions first when missing).
void applyDelta(api::ScaledObjectStatus& status, const StatusDelta& delta);

}  // namespace tidal::scaling
