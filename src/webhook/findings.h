// What the admission rules report: findings with a field path, a message and, for errors, the
// `reason` label of keda_webhook_scaled_object_validation_errors_total (spec/keda-spec.md §d.2).
//
// The rules that need nothing but the object live in api/validation and report api::Issues; the
// webhook classifies each of those into one of KEDA's reasons with reasonForIssue(). The rules
// that need the cluster (scaled_object_rules.h) and the trigger-metadata check
// (trigger_metadata.h) build Findings directly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/decode.h"

namespace tidal::webhook {

// KEDA's reason label values (§d.2).
inline constexpr std::string_view kReasonIncorrectReplicas = "incorrect-replicas";
inline constexpr std::string_view kReasonNameTooLong = "name-too-long";
inline constexpr std::string_view kReasonHpaNameTooLong = "hpa-name-too-long";
inline constexpr std::string_view kReasonIncorrectFallback = "incorrect-fallback";
inline constexpr std::string_view kReasonIncorrectTriggers = "incorrect-triggers";
inline constexpr std::string_view kReasonTransferOwnershipMissingHpaName =
    "transfer-ownership-missing-hpa-name";
inline constexpr std::string_view kReasonOtherHpa = "other-hpa";
inline constexpr std::string_view kReasonOtherScaledObject = "other-scaled-object";
inline constexpr std::string_view kReasonOtherScaledObjectHpa = "other-scaled-object-hpa";
inline constexpr std::string_view kReasonScalingModifiers = "scaling-modifiers";
inline constexpr std::string_view kReasonScalingModifiersFallback = "scaling-modifiers-fallback";
inline constexpr std::string_view kReasonMissingRequests = "missing-requests";
inline constexpr std::string_view kReasonScaleToZero = "scale-to-zero-requirements-not-met";
// tidal's own reason for an error KEDA leaves to the CRD schema or to reconcile (a wrong JSON
// type, an unparsable pause annotation, an apiVersion with two slashes, ...). The API server's
// schema validation runs before validating webhooks, so it is rare in practice.
inline constexpr std::string_view kReasonInvalidSpec = "invalid-spec";

// The message api::validateScaledObject gives for "only cpu/memory triggers and minReplicaCount 0"
// (KEDA's text). The webhook needs to recognise it: KEDA checks it only in the cpu/memory rule,
// which is skipped for dry runs and for targets other than Deployment/StatefulSet.
inline constexpr std::string_view kScaleToZeroMessage =
    "scaledobject has only cpu/memory triggers AND minReplica is 0 (scale to zero doesn't work in "
    "this case)";

struct Finding {
  api::Severity severity = api::Severity::kError;
  std::string path;  // e.g. "spec.triggers[0].metadata"; "" for the object as a whole
  std::string message;
  std::string_view reason;  // one of the kReason* constants; empty for warnings
};

// The §d.2 reason of an error found by api::validateScaledObject, from its field path (and, for
// the two reasons that share a path with others, its message).
std::string_view reasonForIssue(const api::Issue& issue);

// Converts api::Issues into findings, classifying errors with reasonForIssue().
void appendIssues(const api::Issues& issues, std::vector<Finding>& out);

}  // namespace tidal::webhook
