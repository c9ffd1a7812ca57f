// The builtin functions expressions may call (internal to src/expr).
//
// Plain builtins (len, abs, ceil, floor, round, float, int, min, max, mean, avg, median) take
// evaluated arguments and are implemented here. Predicate builtins (count, sum, all, any, none,
// one, filter, map) take an array and an expression evaluated once per element with `#` bound to
// it, so the evaluator runs their loops; this file only describes their shape.
//
// What each does, following expr-lang:
//   len(x)            elements of an array or bytes of a string
//   abs(n)            |n|, keeping int or float
//   ceil/floor/round  float result; round halves away from zero; an int argument becomes float
//   float(x)          number or numeric string -> float
//   int(x)            number (truncated toward zero) or decimal string -> int
//   min/max(...)      smallest/largest number among the arguments, looking inside arrays; keeps
//                     the winner's type; a single non-number, non-array argument is returned as is
//   mean/avg/median   float over every number in the arguments and arrays; 0.0 when there are none
//   count(a[, p])     how many elements satisfy p (or are `true` when p is absent)
//   sum(a[, p])       sum of the elements (or of p over them), starting from int 0
//   all/any/none/one  whether every / some / no / exactly one element satisfies p
//   filter(a, p)      the elements that satisfy p;  map(a, p): p of each element
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "expr/ast.h"
#include "expr/value.h"

namespace tidal::expr::internal {

enum class PredicateArg { kNone, kOptional, kRequired };

struct BuiltinSpec {
  std::string_view name;
  Builtin id;
  int minArgs;  // not counting a predicate
  int maxArgs;  // not counting a predicate; -1 for no limit
  PredicateArg predicate;
};

// The builtin called `name`, or nullptr.
const BuiltinSpec* findBuiltin(std::string_view name);

// The spec of `id`; every Builtin has one.
const BuiltinSpec& builtinSpec(Builtin id);

// Calls a builtin whose predicate is kNone with already evaluated arguments, whose count the
// parser has checked. Errors carry no position.
StatusOr<Value> callBuiltin(Builtin id, const std::vector<Value>& args);

// A decimal float as Go's strconv.ParseFloat reads it: optional sign, digits with an optional
// fraction and exponent, or inf/infinity/nan in any case (Go's hex-float form is not accepted).
// Values too small to represent round to zero; values too large, and malformed text, give nullopt.
std::optional<double> parseFloatText(std::string_view text);

// Adds two values the way `+` and sum() do.
StatusOr<Value> addValues(const Value& a, const Value& b);

}  // namespace tidal::expr::internal
