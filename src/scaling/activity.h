// Whether a ScaledObject is active after one poll of its triggers: step 2 of KEDA's checkScalers
// (spec/keda-spec.md §b.3), as a pure function of the per-trigger outcomes.
//
// Rules, in order:
//   - a metric is active when it has no error (after fallback) and either the scaler said active
//     or fallback supplied its value; the ScaledObject is active when any metric is;
//   - any trigger or metric error makes `isError` true;
//   - with scaling modifiers, activity is recomputed from the composite metric:
//     isActive = !isError && composite > activationTarget (the only active name is then
//     "composite-metric"); a composite that cannot be computed counts as an error;
//   - a ScaledObject whose triggers are all cpu/memory is always active unless in error (it can
//     never be scaled to zero by tidal).
//
// Example:
//   Activity a = computeActivity(so.spec, outcomes, formula.get());
//   requestScale({.object = &so, .isActive = a.isActive, .isError = a.isError,
//                 .activeMetricNames = a.activeMetricNames, ...}, ...);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "common/status.h"
#include "scaling/modifiers.h"
#include "scaling/scale_types.h"

namespace tidal::scaling {

struct Activity {
  bool isActive = false;
  bool isError = false;
  std::vector<std::string>
      activeMetricNames;                    // in trigger order; "composite-metric" with modifiers
  bool fallbackActive = false;              // some metric is served by fallback
  std::optional<CompositeValue> composite;  // with modifiers, when it could be computed
  Status compositeError;                    // with modifiers, why it could not
};

// `triggers` holds one entry per spec.triggers element, in order. `formula` is the compiled
// modifiers formula, or null; when the spec has modifiers but `formula` is null (it failed to
// compile) the poll is an error.
Activity computeActivity(const api::ScaledObjectSpec& spec,
                         const std::vector<TriggerOutcome>& triggers,
                         const CompositeFormula* formula);

}  // namespace tidal::scaling
