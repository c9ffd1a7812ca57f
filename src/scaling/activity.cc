#include "scaling/activity.h"

#include <algorithm>

#include "api/defaults.h"

namespace tidal::scaling {

namespace {

// Per-trigger activity and errors, before modifiers.
void collect(const std::vector<TriggerOutcome>& triggers, Activity& out) {
  for (const TriggerOutcome& t : triggers) {
    if (!t.error.isOk()) out.isError = true;
    for (const MetricOutcome& m : t.metrics) {
      if (!m.error.isOk()) {
        out.isError = true;
        continue;
      }
      if (m.fallbackActive) out.fallbackActive = true;
      if (m.active || m.fallbackActive) {
        out.isActive = true;
        out.activeMetricNames.push_back(m.metricName);
      }
    }
  }
}

void applyModifiers(const api::ScaledObjectSpec& spec, const std::vector<TriggerOutcome>& triggers,
                    const CompositeFormula* formula, Activity& out) {
  // The composite decides alone, even when some trigger erred.
  out.isActive = false;
  out.activeMetricNames.clear();
  if (formula == nullptr) {
    out.isError = true;
    out.compositeError = invalidArgument("scaling modifiers formula is not compiled");
    return;
  }
  StatusOr<CompositeValue> composite = formula->evaluate(triggers, spec.fallback);
  if (!composite.isOk()) {
    out.compositeError = composite.status();
    out.isError = true;
    return;
  }
  out.composite = *composite;
  if (!out.isError && composite->active) {
    out.isActive = true;
    out.activeMetricNames.push_back(api::kCompositeMetricName);
  }
}

}  // namespace

Activity computeActivity(const api::ScaledObjectSpec& spec,
                         const std::vector<TriggerOutcome>& triggers,
                         const CompositeFormula* formula) {
  Activity out;
  collect(triggers, out);
  if (api::hasScalingModifiers(spec)) applyModifiers(spec, triggers, formula, out);
  const bool allResource =
      std::all_of(spec.triggers.begin(), spec.triggers.end(),
                  [](const api::ScaleTrigger& t) { return api::isResourceTrigger(t); });
  if (allResource && !out.isError) out.isActive = true;
  return out;
}

}  // namespace tidal::scaling
