// The HorizontalPodAutoscaler tidal generates for a ScaledObject (spec/keda-spec.md §b.2), as a
// pure function of the ScaledObject and its triggers' metric specs: used by the controller to
// create and update the HPA, and by `tidal check` to show it before anything is deployed.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "common/status.h"
#include "scalers/scaler.h"

namespace tidal::controller {

inline constexpr const char* kManagedBy = "keda-operator";

struct HpaInputs {
  const api::ScaledObject* scaledObject = nullptr;
  // metricSpecs[i] = the specs of spec.triggers[i] (empty for a trigger that has none).
  std::vector<std::vector<scalers::MetricSpec>> metricSpecs;
  std::string version = "0.1.0";  // app.kubernetes.io/version
};

// The metrics of the HPA: every trigger's specs, External ones carrying the ScaledObject
// selector, stably sorted by source type; with scaling modifiers, all External specs replaced by
// the composite metric. Errors: duplicate external metric names ("metricName %s defined multiple
// times in ScaledObject %s"), no specs at all, or a modifiers target that is not a number.
StatusOr<std::vector<scalers::MetricSpec>> hpaMetrics(const HpaInputs& inputs);

// The autoscaling/v2 HorizontalPodAutoscaler object (apiVersion, kind, metadata, spec).
StatusOr<nlohmann::json> buildHpa(const HpaInputs& inputs);

}  // namespace tidal::controller
