// The operator table of the expression language (internal to src/expr).
//
// Which tokens are binary operators, how tightly each binds and which way it associates, following
// expr-lang's table (see parser.h for the full precedence list). Operators that expr-lang has but
// tidal does not implement (matches, contains, startsWith, endsWith, `..`, `|`) are still known
// here, so the parser can say "not supported" instead of "unexpected token".
#pragma once

#include <optional>
#include <string_view>

#include "expr/ast.h"
#include "expr/lexer.h"

namespace tidal::expr::internal {

inline constexpr int kUnaryNotPrecedence = 50;   // ! and not
inline constexpr int kUnarySignPrecedence = 90;  // unary - and +
inline constexpr int kComparePrecedence = 20;    // == != < <= > >= in, not in

struct BinaryOperator {
  int precedence = 0;
  bool rightAssociative = false;
  bool isCompare = false;  // one of CompareOp, chainable
  bool supported = true;   // false: expr-lang has it, tidal does not
  BinaryOp op = BinaryOp::kAdd;
  CompareOp compareOp = CompareOp::kEqual;
  int tokenCount = 1;     // "not in" is two tokens
  std::string_view text;  // as written, for messages
};

// The binary operator that starts at token `t` (`next` is the token after it, needed to recognise
// "not in"), or nullopt if `t` does not start one.
std::optional<BinaryOperator> binaryOperatorAt(const Token& t, const Token& next);

}  // namespace tidal::expr::internal
