// Scaling-modifier formulas, evaluated the way KEDA evaluates `advanced.scalingModifiers.formula`.
//
// A formula combines the metric values of a ScaledObject's named triggers into one composite
// value, e.g. "(queue + backlog) / 2" or "queue > 100 ? queue : 0". The variables are trigger
// names; each is bound to that trigger's current metric value as a float, or to nil when the
// trigger has failed past its fallback threshold (behaviour `scalingModifiers`), which lets a
// formula pick a substitute: "queue ?? backlog ?? 8".
//
// KEDA rewrites a formula before compiling it, and Formula reproduces the effect:
//   * a formula whose text contains "??" may evaluate to nil, which evaluate() reports as
//     nullopt (KEDA then uses fallback.replicas * target);
//   * every other result goes through float(): ints become floats, numeric strings are parsed,
//     and nil, bools and arrays are errors.
//
// Example:
//   TIDAL_ASSIGN_OR_RETURN(Formula f, Formula::compile("a ?? b ?? 8"));
//   TIDAL_ASSIGN_OR_RETURN(std::optional<double> v, f.evaluate({{"a", std::nullopt}, {"b", 3.0}}));
//   // v == 3.0
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "expr/program.h"

namespace tidal::expr {

class Formula {
 public:
  // Trigger name -> metric value; nullopt means the trigger has no value (bound as nil).
  using TriggerValues = std::map<std::string, std::optional<double>, std::less<>>;

  // Compiles `formula` (see program.h for the language). An empty formula, a syntax error, an
  // unknown function or a wrong argument count is INVALID_ARGUMENT; the message points at the
  // position. Does not check trigger names: see validate().
  static StatusOr<Formula> compile(std::string_view formula);

  // Runs the formula with each trigger name bound to its value. Returns the composite value, or
  // nullopt when a formula containing "??" evaluates to nil. Errors (INVALID_ARGUMENT): a name
  // missing from `triggerValues` ("unknown name x"), a type error, integer modulo by zero, a
  // non-numeric result, or nil from a formula without "??". Thread-safe; `triggerValues` is only
  // read during the call.
  StatusOr<std::optional<double>> evaluate(const TriggerValues& triggerValues) const;

  // KEDA's admission check of a formula: it must compile, and running it with every name in
  // `triggerNames` bound to -1.0 must succeed with a numeric (or, with "??", nil) result. Pass
  // the names of the triggers a formula may use (named, not cpu or memory). Returns OK or
  // INVALID_ARGUMENT describing the problem in the formula.
  static Status validate(std::string_view formula, const std::vector<std::string>& triggerNames);

  // The trigger names the formula refers to, sorted, without duplicates.
  std::vector<std::string> variables() const { return program_.variables(); }

  const std::string& source() const { return program_.source(); }

  // Whether the formula may evaluate to nil (its text contains "??").
  bool allowsNil() const { return allowsNil_; }

 private:
  Formula(Program program, bool allowsNil) : program_(std::move(program)), allowsNil_(allowsNil) {}

  Program program_;
  bool allowsNil_;
};

}  // namespace tidal::expr
