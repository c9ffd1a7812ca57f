#include "expr/formula.h"

#include <fmt/format.h>

#include "expr/ast.h"
#include "expr/builtins.h"

namespace tidal::expr {

namespace {

// Exposes trigger values to a running program without copying them into an Environment.
class TriggerBindings final : public Bindings {
 public:
  explicit TriggerBindings(const Formula::TriggerValues& values) : values_(values) {}

  std::optional<Value> lookup(std::string_view name) const override {
    auto it = values_.find(name);
    if (it == values_.end()) {
      return std::nullopt;
    }
    return it->second ? Value::ofFloat(*it->second) : Value::nil();
  }

 private:
  const Formula::TriggerValues& values_;
};

bool isBlank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n\v\f") == std::string_view::npos;
}

}  // namespace

StatusOr<Formula> Formula::compile(std::string_view formula) {
  if (isBlank(formula)) {
    return invalidArgument("formula is empty");
  }
  TIDAL_ASSIGN_OR_RETURN(Program program, Program::compile(formula));
  // KEDA decides by looking for the text "??", not for the operator, and so do we.
  const bool allowsNil = formula.find("??") != std::string_view::npos;
  return Formula(std::move(program), allowsNil);
}

StatusOr<std::optional<double>> Formula::evaluate(const TriggerValues& triggerValues) const {
  TIDAL_ASSIGN_OR_RETURN(Value result, program_.run(TriggerBindings(triggerValues)));
  if (result.isNil()) {
    if (allowsNil_) {
      return std::optional<double>();
    }
    return invalidArgument(
        "the formula evaluated to nil; only a formula that uses ?? may produce no value");
  }
  if (result.isNumber()) {
    return std::optional<double>(result.toDouble());
  }
  if (!result.isString()) {
    return invalidArgument(
        fmt::format("the formula must produce a number, but it produced {}", result.typeName()));
  }
  // float() of a string parses it, as KEDA's float(...) wrapper would.
  StatusOr<Value> converted = internal::callBuiltin(internal::Builtin::kFloat, {result});
  if (!converted.isOk()) {
    return invalidArgument(fmt::format(
        "the formula must produce a number, but it produced the string \"{}\"", result.asString()));
  }
  return std::optional<double>(converted->asFloat());
}

Status Formula::validate(std::string_view formula, const std::vector<std::string>& triggerNames) {
  TIDAL_ASSIGN_OR_RETURN(Formula compiled, compile(formula));
  TriggerValues dummies;
  for (const std::string& name : triggerNames) {
    dummies.emplace(name, -1.0);
  }
  StatusOr<std::optional<double>> result = compiled.evaluate(dummies);
  if (!result.isOk()) {
    return result.status().withPrefix("the formula fails with every trigger set to -1.0");
  }
  return Status::ok();
}

}  // namespace tidal::expr
