#include "expr/builtins.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "expr/operators.h"

namespace tidal::expr::internal {

namespace {

constexpr std::array<BuiltinSpec, 20> kBuiltins = {{
    {"len", Builtin::kLen, 1, 1, PredicateArg::kNone},
    {"abs", Builtin::kAbs, 1, 1, PredicateArg::kNone},
    {"ceil", Builtin::kCeil, 1, 1, PredicateArg::kNone},
    {"floor", Builtin::kFloor, 1, 1, PredicateArg::kNone},
    {"round", Builtin::kRound, 1, 1, PredicateArg::kNone},
    {"float", Builtin::kFloat, 1, 1, PredicateArg::kNone},
    {"int", Builtin::kInt, 1, 1, PredicateArg::kNone},
    {"min", Builtin::kMin, 1, -1, PredicateArg::kNone},
    {"max", Builtin::kMax, 1, -1, PredicateArg::kNone},
    {"mean", Builtin::kMean, 1, -1, PredicateArg::kNone},
    {"avg", Builtin::kAvg, 1, -1, PredicateArg::kNone},
    {"median", Builtin::kMedian, 1, -1, PredicateArg::kNone},
    {"sum", Builtin::kSum, 1, 1, PredicateArg::kOptional},
    {"count", Builtin::kCount, 1, 1, PredicateArg::kOptional},
    {"all", Builtin::kAll, 1, 1, PredicateArg::kRequired},
    {"any", Builtin::kAny, 1, 1, PredicateArg::kRequired},
    {"none", Builtin::kNone, 1, 1, PredicateArg::kRequired},
    {"one", Builtin::kOne, 1, 1, PredicateArg::kRequired},
    {"filter", Builtin::kFilter, 1, 1, PredicateArg::kRequired},
    {"map", Builtin::kMap, 1, 1, PredicateArg::kRequired},
}};

Status invalidArgumentFor(std::string_view name, const Value& v) {
  return invalidArgument(fmt::format("invalid argument for {} (type {})", name, v.typeName()));
}

// Go's float64 -> int conversion on amd64: truncation, and the "integer indefinite" value
// (MinInt64) for NaN and anything out of range. C++ leaves those cases undefined.
int64_t truncateToInt(double d) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (std::isnan(d) || d >= kTwo63 || d < -kTwo63) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(d);
}

}  // namespace

std::optional<double> parseFloatText(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text[0] == '+' || text[0] == '-') {
    return std::nullopt;
  }
  double d = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (end != text.data() + text.size()) {
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    // Decide between underflow (-> 0) and overflow (-> error) from the decimal magnitude.
    const size_t e = text.find_first_of("eE");
    std::string_view mantissa = text.substr(0, e);
    long exponent = 0;
    if (e != std::string_view::npos) {
      std::string_view digits = text.substr(e + 1);
      bool expNegative = false;
      if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
        expNegative = digits[0] == '-';
        digits.remove_prefix(1);
      }
      for (char c : digits) {
        exponent = std::min(exponent * 10 + (c - '0'), 100000L);
      }
      if (expNegative) {
        exponent = -exponent;
      }
    }
    const size_t dot = mantissa.find('.');
    const std::string_view whole = mantissa.substr(0, dot);
    const size_t firstNonZero = whole.find_first_not_of('0');
    long magnitude = 0;
    if (firstNonZero != std::string_view::npos) {
      magnitude = static_cast<long>(whole.size() - firstNonZero);
    } else if (dot != std::string_view::npos) {
      const std::string_view fraction = mantissa.substr(dot + 1);
      const size_t nz = fraction.find_first_not_of('0');
      magnitude = -static_cast<long>(nz == std::string_view::npos ? fraction.size() : nz);
    }
    if (magnitude + exponent < 0) {
      return negative ? -0.0 : 0.0;
    }
    return std::nullopt;
  }
  if (ec != std::errc()) {
    return std::nullopt;
  }
  return negative ? -d : d;
}

namespace {

StatusOr<Value> toFloat(const Value& v) {
  switch (v.type()) {
    case ValueType::kInt:
      return Value::ofFloat(static_cast<double>(v.asInt()));
    case ValueType::kFloat:
      return v;
    case ValueType::kString: {
      std::optional<double> d = parseFloatText(v.asString());
      if (!d) {
        return invalidArgument(fmt::format("invalid operation: float(\"{}\")", v.asString()));
      }
      return Value::ofFloat(*d);
    }
    default:
      return invalidArgument(fmt::format("invalid operation: float({})", v.typeName()));
  }
}

StatusOr<Value> toInt(const Value& v) {
  switch (v.type()) {
    case ValueType::kInt:
      return v;
    case ValueType::kFloat:
      return Value::ofInt(truncateToInt(v.asFloat()));
    case ValueType::kString: {
      std::string_view text = v.asString();
      if (!text.empty() && text[0] == '+') {
        text.remove_prefix(1);
      }
      if (!text.empty() && text[0] == '-' && v.asString()[0] == '+') {
        text = {};
      }
      int64_t i = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        return invalidArgument(fmt::format("invalid operation: int(\"{}\")", v.asString()));
      }
      return Value::ofInt(i);
    }
    default:
      return invalidArgument(fmt::format("invalid operation: int({})", v.typeName()));
  }
}

StatusOr<Value> rounding(std::string_view name, double (*fn)(double), const Value& v) {
  if (v.isInt()) {
    return Value::ofFloat(static_cast<double>(v.asInt()));
  }
  if (v.isFloat()) {
    return Value::ofFloat(fn(v.asFloat()));
  }
  return invalidArgumentFor(name, v);
}

StatusOr<Value> absolute(const Value& v) {
  if (v.isInt()) {
    const int64_t i = v.asInt();
    // Negate through uint64_t so that MinInt64 wraps to itself, as in Go.
    return i < 0 ? Value::ofInt(static_cast<int64_t>(0 - static_cast<uint64_t>(i))) : v;
  }
  if (v.isFloat()) {
    return v.asFloat() < 0 ? Value::ofFloat(-v.asFloat()) : v;
  }
  return invalidArgumentFor("abs", v);
}

// min and max: the best number among the arguments, looking into arrays at any depth.
StatusOr<Value> extreme(std::string_view name, bool wantMax, const std::vector<Value>& args) {
  std::optional<Value> best;
  auto consider = [&](const Value& candidate) -> Status {
    if (!best) {
      best = candidate;
      return Status::ok();
    }
    // Replace only on a strict improvement, so the first of equal values wins.
    TIDAL_ASSIGN_OR_RETURN(
        bool better, compare(wantMax ? CompareOp::kLess : CompareOp::kGreater, *best, candidate));
    if (better) {
      best = candidate;
    }
    return Status::ok();
  };
  for (const Value& arg : args) {
    if (arg.isArray()) {
      for (const Value& element : arg.asArray()) {
        TIDAL_ASSIGN_OR_RETURN(Value inner, extreme(name, wantMax, {element}));
        if (!inner.isNumber()) {
          return invalidArgumentFor(name, inner);
        }
        TIDAL_RETURN_IF_ERROR(consider(inner));
      }
    } else if (arg.isNumber()) {
      TIDAL_RETURN_IF_ERROR(consider(arg));
    } else if (args.size() == 1) {
      // expr-lang hands back a lone non-numeric argument unchanged, so max(nil) is nil.
      return arg;
    } else {
      return invalidArgumentFor(name, arg);
    }
  }
  return best ? *best : Value::nil();
}

Status collectNumbers(std::string_view name, const Value& v, std::vector<double>& out) {
  if (v.isArray()) {
    for (const Value& element : v.asArray()) {
      TIDAL_RETURN_IF_ERROR(collectNumbers(name, element, out));
    }
    return Status::ok();
  }
  if (!v.isNumber()) {
    return invalidArgumentFor(name, v);
  }
  out.push_back(v.toDouble());
  return Status::ok();
}

StatusOr<Value> average(std::string_view name, bool median, const std::vector<Value>& args) {
  std::vector<double> numbers;
  for (const Value& arg : args) {
    TIDAL_RETURN_IF_ERROR(collectNumbers(name, arg, numbers));
  }
  if (numbers.empty()) {
    return Value::ofFloat(0.0);
  }
  if (median) {
    std::sort(numbers.begin(), numbers.end());
    const size_t n = numbers.size();
    return Value::ofFloat(n % 2 == 1 ? numbers[n / 2] : (numbers[n / 2 - 1] + numbers[n / 2]) / 2);
  }
  double total = 0;
  for (double d : numbers) {
    total += d;
  }
  return Value::ofFloat(total / static_cast<double>(numbers.size()));
}

}  // namespace

const BuiltinSpec* findBuiltin(std::string_view name) {
  for (const BuiltinSpec& spec : kBuiltins) {
    if (spec.name == name) {
      return &spec;
    }
  }
  return nullptr;
}

const BuiltinSpec& builtinSpec(Builtin id) {
  for (const BuiltinSpec& spec : kBuiltins) {
    if (spec.id == id) {
      return spec;
    }
  }
  return kBuiltins[0];  // unreachable: every Builtin is in the table
}

StatusOr<Value> addValues(const Value& a, const Value& b) {
  return applyArithmetic(BinaryOp::kAdd, a, b);
}

StatusOr<Value> callBuiltin(Builtin id, const std::vector<Value>& args) {
  const std::string_view name = builtinSpec(id).name;
  switch (id) {
    case Builtin::kLen:
      if (args[0].isArray()) {
        return Value::ofInt(static_cast<int64_t>(args[0].asArray().size()));
      }
      if (args[0].isString()) {
        return Value::ofInt(static_cast<int64_t>(args[0].asString().size()));
      }
      return invalidArgumentFor(name, args[0]);
    case Builtin::kAbs:
      return absolute(args[0]);
    case Builtin::kCeil:
      return rounding(
          name, [](double d) { return std::ceil(d); }, args[0]);
    case Builtin::kFloor:
      return rounding(
          name, [](double d) { return std::floor(d); }, args[0]);
    case Builtin::kRound:
      return rounding(
          name, [](double d) { return std::round(d); }, args[0]);
    case Builtin::kFloat:
      return toFloat(args[0]);
    case Builtin::kInt:
      return toInt(args[0]);
    case Builtin::kMin:
      return extreme(name, /*wantMax=*/false, args);
    case Builtin::kMax:
      return extreme(name, /*wantMax=*/true, args);
    case Builtin::kMean:
    case Builtin::kAvg:
      return average(name, /*median=*/false, args);
    case Builtin::kMedian:
      return average(name, /*median=*/true, args);
    default:
      return internalError(fmt::format("builtin {} needs the evaluator", name));
  }
}

}  // namespace tidal::expr::internal
