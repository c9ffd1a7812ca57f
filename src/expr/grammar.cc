#include "expr/grammar.h"

namespace tidal::expr::internal {

namespace {

std::optional<BinaryOperator> arithmetic(int precedence, BinaryOp op, bool right = false) {
  BinaryOperator info;
  info.precedence = precedence;
  info.op = op;
  info.rightAssociative = right;
  return info;
}

std::optional<BinaryOperator> comparison(CompareOp op, int tokenCount = 1) {
  BinaryOperator info;
  info.precedence = kComparePrecedence;
  info.isCompare = true;
  info.compareOp = op;
  info.tokenCount = tokenCount;
  return info;
}

std::optional<BinaryOperator> unsupported(int precedence) {
  BinaryOperator info;
  info.precedence = precedence;
  info.supported = false;
  return info;
}

// expr-lang's string operators, which tidal does not implement.
bool isStringOperator(const Token& t) {
  return t.isOperator("matches") || t.isOperator("contains") || t.isOperator("startsWith") ||
         t.isOperator("endsWith");
}

}  // namespace

std::optional<BinaryOperator> binaryOperatorAt(const Token& t, const Token& next) {
  if (t.kind != TokenKind::kOperator) {
    return std::nullopt;
  }
  const std::string_view s = t.text;
  std::optional<BinaryOperator> info;
  if (s == "or" || s == "||") {
    info = arithmetic(10, BinaryOp::kOr);
  } else if (s == "and" || s == "&&") {
    info = arithmetic(15, BinaryOp::kAnd);
  } else if (s == "==") {
    info = comparison(CompareOp::kEqual);
  } else if (s == "!=") {
    info = comparison(CompareOp::kNotEqual);
  } else if (s == "<") {
    info = comparison(CompareOp::kLess);
  } else if (s == "<=") {
    info = comparison(CompareOp::kLessEqual);
  } else if (s == ">") {
    info = comparison(CompareOp::kGreater);
  } else if (s == ">=") {
    info = comparison(CompareOp::kGreaterEqual);
  } else if (s == "in") {
    info = comparison(CompareOp::kIn);
  } else if (s == "not" && next.isOperator("in")) {
    info = comparison(CompareOp::kNotIn, 2);
  } else if (s == "+") {
    info = arithmetic(30, BinaryOp::kAdd);
  } else if (s == "-") {
    info = arithmetic(30, BinaryOp::kSubtract);
  } else if (s == "*") {
    info = arithmetic(60, BinaryOp::kMultiply);
  } else if (s == "/") {
    info = arithmetic(60, BinaryOp::kDivide);
  } else if (s == "%") {
    info = arithmetic(60, BinaryOp::kModulo);
  } else if (s == "**" || s == "^") {
    info = arithmetic(100, BinaryOp::kPower, /*right=*/true);
  } else if (s == "??") {
    info = arithmetic(500, BinaryOp::kCoalesce);
  } else if (isStringOperator(t) || (s == "not" && isStringOperator(next))) {
    info = unsupported(kComparePrecedence);
  } else if (s == "..") {
    info = unsupported(25);
  } else if (s == "|") {
    info = unsupported(0);
  }
  if (info) {
    info->text = s;
  }
  return info;
}

}  // namespace tidal::expr::internal
