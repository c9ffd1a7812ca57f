// libFuzzer target for the scaling-modifier expression engine (src/expr).
//
// Compiles arbitrary bytes as an expression and, when they compile, runs the program and the KEDA
// formula layer with a few bound variables. The engine must never crash, hang or exhaust the
// stack, and every failure must be an ordinary INVALID_ARGUMENT: an INTERNAL status means a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "expr/formula.h"
#include "expr/program.h"
#include "expr/value.h"

namespace {

using tidal::Status;
using tidal::StatusCode;
using tidal::expr::Environment;
using tidal::expr::Formula;
using tidal::expr::Program;
using tidal::expr::Value;

void checkNotInternal(const Status& status) {
  if (status.code() == StatusCode::kInternal) {
    std::abort();
  }
}

const Environment& environment() {
  static const Environment* env = new Environment{
      {"a", Value::ofFloat(1.5)},
      {"b", Value::ofInt(-3)},
      {"n", Value::nil()},
      {"s", Value::ofString("text")},
      {"t", Value::ofBool(true)},
      {"arr", Value::ofArray({Value::ofInt(1), Value::ofFloat(2.5), Value::nil()})},
  };
  return *env;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);

  tidal::StatusOr<Program> program = Program::compile(source);
  checkNotInternal(program.status());
  if (!program.isOk()) {
    return 0;
  }
  tidal::StatusOr<Value> value = program->run(environment());
  checkNotInternal(value.status());

  tidal::StatusOr<Formula> formula = Formula::compile(source);
  checkNotInternal(formula.status());
  if (!formula.isOk()) {
    return 0;
  }
  const Formula::TriggerValues triggers = {{"a", 2.0}, {"b", std::nullopt}, {"c", -1.0}};
  checkNotInternal(formula->evaluate(triggers).status());
  checkNotInternal(Formula::validate(source, {"a", "b", "c"}));
  return 0;
}
