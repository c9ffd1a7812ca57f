#include "scaling/modifiers.h"

#include <fmt/format.h>

#include "api/defaults.h"
#include "common/strings.h"
#include "scaling/fallback.h"

namespace tidal::scaling {

namespace {

bool isResourceType(const std::string& type) {
  return type == "cpu" || type == "memory";
}

// The variable name of a trigger's k-th metric: "<name>", then "<name>01", "<name>02", ...
std::string variableName(const std::string& trigger, size_t k) {
  return k == 0 ? trigger : fmt::format("{}{:02}", trigger, k);
}

// The first value a fallback produced for this poll, if any.
const scalers::MetricValue* firstFallbackValue(const std::vector<TriggerOutcome>& triggers) {
  for (const TriggerOutcome& t : triggers) {
    for (const MetricOutcome& m : t.metrics) {
      if (m.fallbackActive && !m.values.empty()) return &m.values.front();
    }
  }
  return nullptr;
}

}  // namespace

scalers::MetricValue compositeMetricValue(double value) {
  // Same truncation as fallback's synthetic value: int64(value * 1000).
  return fallbackMetricValue(api::kCompositeMetricName, value, 1.0);
}

StatusOr<CompositeFormula> CompositeFormula::compile(const api::ScaledObjectSpec& spec) {
  if (!api::hasScalingModifiers(spec)) {
    return invalidArgument("error ScalingModifiers.Formula is mandatory");
  }
  const api::ScalingModifiers& mods = *spec.advanced->scalingModifiers;
  std::optional<double> target = parseGoFloat(mods.target);
  if (!target || *target <= 0) {
    return invalidArgument(
        fmt::format("scalingModifiers.target \"{}\" is not valid; expected a float greater than 0",
                    mods.target));
  }
  double activation = 0;
  if (!mods.activationTarget.empty()) {
    std::optional<double> parsed = parseGoFloat(mods.activationTarget);
    if (!parsed) {
      return invalidArgument(
          fmt::format("scalingModifiers.activationTarget \"{}\" is not a number; expected a float",
                      mods.activationTarget));
    }
    activation = *parsed;
  }
  TIDAL_ASSIGN_OR_RETURN(expr::Formula formula, expr::Formula::compile(mods.formula));
  return CompositeFormula(std::move(formula), *target, activation);
}

expr::Formula::TriggerValues CompositeFormula::bind(const std::vector<TriggerOutcome>& triggers) {
  expr::Formula::TriggerValues values;
  for (const TriggerOutcome& t : triggers) {
    if (t.name.empty() || isResourceType(t.type)) continue;
    for (size_t k = 0; k < t.metrics.size(); ++k) {
      const MetricOutcome& m = t.metrics[k];
      if (m.nilInFormula) {
        values[variableName(t.name, k)] = std::nullopt;
      } else if (m.error.isOk() && !m.values.empty()) {
        // A scaler may report several values for one metric; as in KEDA the last one wins.
        values[variableName(t.name, k)] = m.values.back().value.asDouble();
      }
    }
  }
  return values;
}

CompositeValue CompositeFormula::finish(scalers::MetricValue metric, bool fromFallback) const {
  CompositeValue out;
  out.value = metric.value.asDouble();
  out.active = out.value > activationTarget_;
  out.fromFallback = fromFallback;
  out.metric = std::move(metric);
  return out;
}

StatusOr<CompositeValue> CompositeFormula::evaluate(
    const std::vector<TriggerOutcome>& triggers,
    const std::optional<api::Fallback>& fallback) const {
  if (const scalers::MetricValue* fb = firstFallbackValue(triggers)) {
    scalers::MetricValue metric{api::kCompositeMetricName, fb->value};
    return finish(std::move(metric), true);
  }
  StatusOr<std::optional<double>> result = formula_.evaluate(bind(triggers));
  if (!result.isOk()) {
    return result.status().withPrefix("error trying to run custom formula");
  }
  if (result->has_value()) return finish(compositeMetricValue(**result), false);
  if (!fallback) {
    return invalidArgument(
        "scaling modifiers formula evaluated to nil and spec.fallback is not set; expected a "
        "fallback to supply fallback.replicas * target");
  }
  return finish(fallbackMetricValue(api::kCompositeMetricName, target_,
                                    static_cast<double>(fallback->replicas)),
                true);
}

}  // namespace tidal::scaling
