// What expr-lang's operators do to values (internal to src/expr).
//
// These are the run-time rules, kept apart from tree walking so each can be read and tested
// alone:
//   * int op int stays int for + - * and %, wrapping on overflow as Go's int does;
//   * any float operand makes + - * a float operation;
//   * `/` always divides as floats (so 1 / 0 is +Inf, never an error);
//   * `%` takes ints only, and a zero divisor is the error "integer divide by zero";
//   * `**` (also written `^`) always computes pow() on floats;
//   * `==` never fails: different types are simply unequal, except that ints and floats compare
//     by numeric value;
//   * < <= > >= order numbers with numbers and strings with strings; anything else is an error.
// Errors carry no position; the evaluator adds where the operator is.
#pragma once

#include "common/status.h"
#include "expr/ast.h"
#include "expr/value.h"

namespace tidal::expr::internal {

// -x, +x (numbers only) and !x / not x (bools only).
StatusOr<Value> applyUnary(UnaryOp op, const Value& operand);

// + - * / % and **. `op` must not be kAnd, kOr or kCoalesce, which the evaluator short-circuits.
StatusOr<Value> applyArithmetic(BinaryOp op, const Value& a, const Value& b);

// expr-lang's `==`: ints and floats by numeric value, strings and bools by value, arrays element by
// element, nil only equal to nil; values of other differing types are unequal.
bool equals(const Value& a, const Value& b);

// One comparison or membership test. `in` requires an array (or nil, which contains nothing) on
// its right.
StatusOr<bool> compare(CompareOp op, const Value& a, const Value& b);

}  // namespace tidal::expr::internal
