// The ScaledObject status conditions the scale loop writes, with KEDA's exact types, reasons and
// messages (spec/keda-spec.md §a.5), and the few operations on a condition list it needs.
//
// Users alert on these strings, so they live here once and every writer uses these builders.
//
// Example:
//   std::vector<api::Condition> conds;
//   ensureInitialized(conds);                  // Ready/Active/Fallback=Unknown, Paused=False
//   setCondition(conds, activeCondition());   // Active=True/ScalerActive/...
//   isTrue(conds, kConditionActive);           // true
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "k8s/types/object.h"

namespace tidal::scaling {

inline constexpr const char* kConditionReady = "Ready";
inline constexpr const char* kConditionActive = "Active";
inline constexpr const char* kConditionFallback = "Fallback";
inline constexpr const char* kConditionPaused = "Paused";
inline constexpr const char* kConditionHpaActive = "HPAActive";

// Ready
api::Condition readyCondition();        // True/ScaledObjectReady/"... ready for scaling"
api::Condition readyPausedCondition();  // True/ScaledObjectReady/"ScaledObject is paused"
api::Condition replicasUnreadableCondition(std::string_view error);  // False/ErrorGetting...
api::Condition partialTriggerErrorCondition();                       // Unknown/PartialTriggerError
api::Condition triggerErrorCondition();                              // False/TriggerError
// Active
api::Condition activeCondition();        // True/ScalerActive (triggers)
api::Condition forcedActiveCondition();  // True/ScalerActive (force-activation annotation)
api::Condition notActiveCondition();     // False/ScalerNotActive
api::Condition cooldownCondition();      // False/ScalerCooldown
// Fallback
api::Condition fallbackExistsCondition();  // True/FallbackExists
api::Condition noFallbackCondition();      // False/NoFallbackFound
// Paused
api::Condition pausedCondition();  // True/ScaledObjectPaused

// The condition of `type`, or null.
const api::Condition* findCondition(const std::vector<api::Condition>& conditions,
                                    std::string_view type);
// Whether the condition of `type` exists with status "True".
bool isTrue(const std::vector<api::Condition>& conditions, std::string_view type);

// Replaces status, reason and message of the condition of c.type (keeping its unknown fields), or
// appends c when there is none.
void setCondition(std::vector<api::Condition>& conditions, const api::Condition& c);

// KEDA's GetInitializedConditions: appends, in this order, whichever of Ready=Unknown,
// Active=Unknown, Fallback=Unknown, Paused=False is missing.
void ensureInitialized(std::vector<api::Condition>& conditions);

// The HPAActive condition derived from an HPA's status.conditions (its ScalingActive entry):
//   True                          -> True/HPAActive/"HPA is actively scaling"
//   False with reason ScalingDisabled -> True/ScalingDisabled/<HPA message>
//   otherwise                     -> False/<HPA reason or HPAMetricsUnavailable>/
//                                    "HPA is not actively scaling: <HPA message>"
// nullopt when the HPA reports no ScalingActive condition (HPAActive is then left unchanged).
std::optional<api::Condition> hpaActiveCondition(const std::vector<k8s::ApiCondition>& hpa);

}  // namespace tidal::scaling
