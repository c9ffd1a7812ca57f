// The annotations KEDA recognises on ScaledObjects and ScaledJobs (spec/keda-spec.md §a.4), parsed
// with KEDA's exact semantics: Go's strconv.ParseBool, and an unparsable pause value counting as
// "paused" (a typo must never unpause a workload someone meant to freeze).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "common/status.h"

namespace tidal::api {

inline constexpr const char* kPausedAnnotation = "autoscaling.keda.sh/paused";
inline constexpr const char* kPausedReplicasAnnotation = "autoscaling.keda.sh/paused-replicas";
inline constexpr const char* kPausedScaleInAnnotation = "autoscaling.keda.sh/paused-scale-in";
inline constexpr const char* kPausedScaleOutAnnotation = "autoscaling.keda.sh/paused-scale-out";
inline constexpr const char* kForceActivationAnnotation = "autoscaling.keda.sh/force-activation";
inline constexpr const char* kTransferHpaOwnershipAnnotation =
    "scaledobject.keda.sh/transfer-hpa-ownership";
inline constexpr const char* kHpaExcludedLabelsAnnotation =
    "scaledobject.keda.sh/hpa-excluded-labels";
inline constexpr const char* kJobExcludedLabelsAnnotation = "scaledjob.keda.sh/job-excluded-labels";
inline constexpr const char* kHpaOwnershipValidationAnnotation =
    "validations.keda.sh/hpa-ownership";

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False; anything else nullopt.
std::optional<bool> parseGoBool(std::string_view s);

// What the annotations ask for. A flag whose annotation holds an unparsable value is true; its key
// is listed in `unparsable` so tools can warn about it.
struct PauseAnnotations {
  bool paused = false;  // paused truthy, or paused-replicas present
  std::optional<int32_t> pausedReplicas;
  bool pausedScaleIn = false;
  bool pausedScaleOut = false;
  bool forceActivation = false;
  std::vector<std::string> unparsable;  // annotation keys with values that did not parse
};

// Reads the pause-related annotations. Fails (InvalidArgument) only when paused-replicas is present
// but not a base-10 int32, as KEDA's reconcile does; the message names the annotation and value.
StatusOr<PauseAnnotations> parsePauseAnnotations(const StringMap& annotations);

// The comma-separated keys of an excluded-labels annotation, trimmed, empty entries dropped.
std::vector<std::string> parseExcludedLabels(const StringMap& annotations, std::string_view key);

}  // namespace tidal::api
