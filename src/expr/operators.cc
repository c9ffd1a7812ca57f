#include "expr/operators.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace tidal::expr::internal {

std::string_view symbol(UnaryOp op) {
  switch (op) {
    case UnaryOp::kNegate:
      return "-";
    case UnaryOp::kPlus:
      return "+";
    case UnaryOp::kNot:
      return "!";
  }
  return "?";
}

std::string_view symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSubtract:
      return "-";
    case BinaryOp::kMultiply:
      return "*";
    case BinaryOp::kDivide:
      return "/";
    case BinaryOp::kModulo:
      return "%";
    case BinaryOp::kPower:
      return "**";
    case BinaryOp::kAnd:
      return "&&";
    case BinaryOp::kOr:
      return "||";
    case BinaryOp::kCoalesce:
      return "??";
  }
  return "?";
}

std::string_view symbol(CompareOp op) {
  switch (op) {
    case CompareOp::kEqual:
      return "==";
    case CompareOp::kNotEqual:
      return "!=";
    case CompareOp::kLess:
      return "<";
    case CompareOp::kLessEqual:
      return "<=";
    case CompareOp::kGreater:
      return ">";
    case CompareOp::kGreaterEqual:
      return ">=";
    case CompareOp::kIn:
      return "in";
    case CompareOp::kNotIn:
      return "not in";
  }
  return "?";
}

namespace {

Status mismatch(std::string_view op, const Value& a, const Value& b) {
  return invalidArgument(
      fmt::format("invalid operation: {} {} {}", a.typeName(), op, b.typeName()));
}

// Go's int arithmetic wraps; C++'s signed overflow is undefined, so go through uint64_t.
int64_t wrap(uint64_t v) {
  return static_cast<int64_t>(v);
}
uint64_t bits(int64_t v) {
  return static_cast<uint64_t>(v);
}

}  // namespace

StatusOr<Value> applyUnary(UnaryOp op, const Value& operand) {
  switch (op) {
    case UnaryOp::kNegate:
      if (operand.isInt()) {
        return Value::ofInt(wrap(0 - bits(operand.asInt())));
      }
      if (operand.isFloat()) {
        return Value::ofFloat(-operand.asFloat());
      }
      break;
    case UnaryOp::kPlus:
      if (operand.isNumber()) {
        return operand;
      }
      break;
    case UnaryOp::kNot:
      if (operand.isBool()) {
        return Value::ofBool(!operand.asBool());
      }
      break;
  }
  return invalidArgument(fmt::format("invalid operation: {} {}", symbol(op), operand.typeName()));
}

StatusOr<Value> applyArithmetic(BinaryOp op, const Value& a, const Value& b) {
  if (op == BinaryOp::kAdd && a.isString() && b.isString()) {
    return Value::ofString(a.asString() + b.asString());
  }
  if (!a.isNumber() || !b.isNumber()) {
    return mismatch(symbol(op), a, b);
  }

  const bool ints = a.isInt() && b.isInt();
  switch (op) {
    case BinaryOp::kAdd:
      if (ints) {
        return Value::ofInt(wrap(bits(a.asInt()) + bits(b.asInt())));
      }
      return Value::ofFloat(a.toDouble() + b.toDouble());
    case BinaryOp::kSubtract:
      if (ints) {
        return Value::ofInt(wrap(bits(a.asInt()) - bits(b.asInt())));
      }
      return Value::ofFloat(a.toDouble() - b.toDouble());
    case BinaryOp::kMultiply:
      if (ints) {
        return Value::ofInt(wrap(bits(a.asInt()) * bits(b.asInt())));
      }
      return Value::ofFloat(a.toDouble() * b.toDouble());
    case BinaryOp::kDivide:
      return Value::ofFloat(a.toDouble() / b.toDouble());
    case BinaryOp::kModulo:
      if (!ints) {
        return mismatch("%", a, b);
      }
      if (b.asInt() == 0) {
        return invalidArgument("integer divide by zero");
      }
      // Go defines MinInt64 % -1 as 0; in C++ it traps.
      if (b.asInt() == -1) {
        return Value::ofInt(0);
      }
      return Value::ofInt(a.asInt() % b.asInt());
    case BinaryOp::kPower:
      return Value::ofFloat(std::pow(a.toDouble(), b.toDouble()));
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
    case BinaryOp::kCoalesce:
      break;
  }
  return internalError(fmt::format("operator {} is not arithmetic", symbol(op)));
}

bool equals(const Value& a, const Value& b) {
  if (a.isNumber() && b.isNumber()) {
    if (a.isInt() && b.isInt()) {
      return a.asInt() == b.asInt();
    }
    return a.toDouble() == b.toDouble();
  }
  if (a.type() != b.type()) {
    return false;
  }
  switch (a.type()) {
    case ValueType::kNil:
      return true;
    case ValueType::kBool:
      return a.asBool() == b.asBool();
    case ValueType::kString:
      return a.asString() == b.asString();
    case ValueType::kArray: {
      const Array& x = a.asArray();
      const Array& y = b.asArray();
      if (x.size() != y.size()) {
        return false;
      }
      for (size_t i = 0; i < x.size(); ++i) {
        if (!equals(x[i], y[i])) {
          return false;
        }
      }
      return true;
    }
    case ValueType::kInt:
    case ValueType::kFloat:
      break;
  }
  return false;
}

namespace {

// -1, 0 or 1 for ordered operands; an error for operands that have no order.
StatusOr<int> order(CompareOp op, const Value& a, const Value& b) {
  if (a.isInt() && b.isInt()) {
    return a.asInt() < b.asInt() ? -1 : (a.asInt() > b.asInt() ? 1 : 0);
  }
  if (a.isNumber() && b.isNumber()) {
    const double x = a.toDouble();
    const double y = b.toDouble();
    if (std::isnan(x) || std::isnan(y)) {
      return 2;  // unordered: every comparison is false
    }
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.isString() && b.isString()) {
    const int c = a.asString().compare(b.asString());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return mismatch(symbol(op), a, b);
}

}  // namespace

StatusOr<bool> compare(CompareOp op, const Value& a, const Value& b) {
  switch (op) {
    case CompareOp::kEqual:
      return equals(a, b);
    case CompareOp::kNotEqual:
      return !equals(a, b);
    case CompareOp::kIn:
    case CompareOp::kNotIn: {
      bool found = false;
      if (b.isArray()) {
        for (const Value& element : b.asArray()) {
          if (equals(element, a)) {
            found = true;
            break;
          }
        }
      } else if (!b.isNil()) {
        return invalidArgument(
            fmt::format("invalid operation: {} {} {} (the right side of in must be an array)",
                        a.typeName(), symbol(op), b.typeName()));
      }
      return op == CompareOp::kIn ? found : !found;
    }
    case CompareOp::kLess:
    case CompareOp::kLessEqual:
    case CompareOp::kGreater:
    case CompareOp::kGreaterEqual:
      break;
  }
  TIDAL_ASSIGN_OR_RETURN(int c, order(op, a, b));
  if (c == 2) {
    return false;
  }
  switch (op) {
    case CompareOp::kLess:
      return c < 0;
    case CompareOp::kLessEqual:
      return c <= 0;
    case CompareOp::kGreater:
      return c > 0;
    case CompareOp::kGreaterEqual:
      return c >= 0;
    default:
      return false;
  }
}

}  // namespace tidal::expr::internal
