// Scaling modifiers: a ScaledObject's `advanced.scalingModifiers` turned into one composite metric
// (spec/keda-spec.md §b.7).
//
// CompositeFormula is compiled once per ScaledObject generation (when its scalers are built) and
// then evaluated on every poll and metrics request:
//   - each named, non-cpu/memory trigger binds its first metric's value to its name and its 2nd,
//     3rd... metrics to "<name>01", "<name>02"...; a metric past its fallback threshold under
//     behaviour `scalingModifiers` binds nil; failed metrics and unnamed triggers bind nothing;
//   - the result r becomes the metric "composite-metric" with milli value int64(r * 1000);
//   - a formula that yields nil ("a ?? b") gives fallback.replicas * target, or an error without a
//     fallback;
//   - while a non-scalingModifiers fallback is active, the first fallback value is the composite
//     (fallback.h already names it "composite-metric" and scales it by the modifiers target);
//   - the composite is active when its value > activationTarget (default 0).
//
// Example:
//   TIDAL_ASSIGN_OR_RETURN(CompositeFormula f, CompositeFormula::compile(so.spec));
//   TIDAL_ASSIGN_OR_RETURN(CompositeValue v, f.evaluate(triggerOutcomes));
//   // v.metric.metricName == "composite-metric"; v.active says whether to activate from zero
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "common/status.h"
#include "expr/formula.h"
#include "scalers/scaler.h"
#include "scaling/scale_types.h"

namespace tidal::scaling {

struct CompositeValue {
  scalers::MetricValue metric;  // named "composite-metric"
  double value = 0;             // the metric's value as a float (after milli truncation)
  bool active = false;          // value > activationTarget
  bool fromFallback = false;    // the value came from fallback, not from the formula
};

class CompositeFormula {
 public:
  // Compiles spec.advanced.scalingModifiers. Errors (INVALID_ARGUMENT): no formula, a formula that
  // does not compile, a target that is not a float > 0, an activationTarget that is not a float.
  static StatusOr<CompositeFormula> compile(const api::ScaledObjectSpec& spec);

  // The formula's variables for this poll (see the file comment for the binding rules).
  static expr::Formula::TriggerValues bind(const std::vector<TriggerOutcome>& triggers);

  // The composite metric for this poll. `fallback` is spec.fallback (used when the formula yields
  // nil). Errors: the formula fails (e.g. a variable left unbound because its metric failed), or
  // yields nil without a fallback. Thread-safe.
  StatusOr<CompositeValue> evaluate(const std::vector<TriggerOutcome>& triggers,
                                    const std::optional<api::Fallback>& fallback) const;

  double target() const { return target_; }
  double activationTarget() const { return activationTarget_; }

 private:
  CompositeFormula(expr::Formula formula, double target, double activationTarget)
      : formula_(std::move(formula)), target_(target), activationTarget_(activationTarget) {}

  CompositeValue finish(scalers::MetricValue metric, bool fromFallback) const;

  expr::Formula formula_;
  double target_;
  double activationTarget_;
};

// The milli metric value of a composite result: int64(value * 1000), truncated toward zero as Go
// converts; NaN gives 0 and out-of-range values saturate.
scalers::MetricValue compositeMetricValue(double value);

}  // namespace tidal::scaling
