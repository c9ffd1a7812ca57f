#include "expr/evaluator.h"

#include <limits>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "expr/builtins.h"
#include "expr/operators.h"
#include "expr/source_error.h"

namespace tidal::expr::internal {

namespace {

class Evaluator {
 public:
  Evaluator(std::string_view source, const Bindings& bindings, int localCount)
      : source_(source), bindings_(bindings) {
    if (localCount > 0) {
      locals_.resize(static_cast<size_t>(localCount));
    }
  }

  StatusOr<Value> eval(const Node& node) {
    TIDAL_RETURN_IF_ERROR(charge(node, 1));
    switch (node.kind) {
      case NodeKind::kLiteral:
        return node.literal;
      case NodeKind::kVariable: {
        std::optional<Value> value = bindings_.lookup(node.name);
        if (!value) {
          return fail(node.offset, fmt::format("unknown name {}", node.name));
        }
        return *std::move(value);
      }
      case NodeKind::kLocal:
        return locals_[static_cast<size_t>(node.slot)];
      case NodeKind::kElement:
        return *element_->value;
      case NodeKind::kElementIndex:
        return Value::ofInt(element_->index);
      case NodeKind::kUnary: {
        TIDAL_ASSIGN_OR_RETURN(Value operand, eval(*node.children[0]));
        return located(node.offset, applyUnary(node.unaryOp, operand));
      }
      case NodeKind::kBinary:
        return evalBinary(node);
      case NodeKind::kCompare:
        return evalCompare(node);
      case NodeKind::kConditional: {
        TIDAL_ASSIGN_OR_RETURN(Value condition, eval(*node.children[0]));
        if (!condition.isBool()) {
          return fail(node.offset, fmt::format("the condition before ? must be bool (got {})",
                                               condition.typeName()));
        }
        return eval(*node.children[condition.asBool() ? 1 : 2]);
      }
      case NodeKind::kArray: {
        Array elements;
        elements.reserve(node.children.size());
        for (const NodePtr& child : node.children) {
          TIDAL_ASSIGN_OR_RETURN(Value element, eval(*child));
          elements.push_back(std::move(element));
        }
        return Value::ofArray(std::move(elements));
      }
      case NodeKind::kIndex:
        return evalIndex(node);
      case NodeKind::kCall:
        if (builtinSpec(node.builtin).predicate == PredicateArg::kNone) {
          return evalCall(node);
        }
        return evalPredicateCall(node);
      case NodeKind::kLet: {
        TIDAL_ASSIGN_OR_RETURN(Value value, eval(*node.children[0]));
        locals_[static_cast<size_t>(node.slot)] = std::move(value);
        return eval(*node.children[1]);
      }
    }
    return internalError("unknown expression node");
  }

 private:
  // The element the innermost running predicate is looking at.
  struct Element {
    const Value* value;
    int64_t index;
  };

  Status fail(uint32_t offset, std::string_view message) const {
    return errorAt(source_, offset, message);
  }

  // Adds the position to an error from operators.cc or builtins.cc.
  template <typename T>
  StatusOr<T> located(uint32_t offset, StatusOr<T> result) const {
    if (result.isOk()) {
      return result;
    }
    return Status(result.status().code(),
                  errorAt(source_, offset, result.status().message()).message());
  }

  Status charge(const Node& node, uint64_t steps) {
    steps_ += steps;
    if (steps_ > kMaxSteps) {
      return fail(
          node.offset,
          fmt::format("expression is too expensive to evaluate (more than {} steps)", kMaxSteps));
    }
    return Status::ok();
  }

  Status requireBool(const Node& at, const Value& v, std::string_view what) const {
    if (v.isBool()) {
      return Status::ok();
    }
    return fail(at.offset, fmt::format("{} must be bool (got {})", what, v.typeName()));
  }

  StatusOr<Value> evalBinary(const Node& node) {
    const Node& leftNode = *node.children[0];
    const Node& rightNode = *node.children[1];
    TIDAL_ASSIGN_OR_RETURN(Value left, eval(leftNode));
    switch (node.binaryOp) {
      case BinaryOp::kCoalesce:
        if (!left.isNil()) {
          return left;
        }
        return eval(rightNode);
      case BinaryOp::kAnd:
      case BinaryOp::kOr: {
        const bool isAnd = node.binaryOp == BinaryOp::kAnd;
        const std::string_view op = symbol(node.binaryOp);
        TIDAL_RETURN_IF_ERROR(requireBool(node, left, fmt::format("the left operand of {}", op)));
        // Short-circuit: the right side is not evaluated once the answer is known.
        if (left.asBool() != isAnd) {
          return left;
        }
        TIDAL_ASSIGN_OR_RETURN(Value right, eval(rightNode));
        TIDAL_RETURN_IF_ERROR(requireBool(node, right, fmt::format("the right operand of {}", op)));
        return right;
      }
      default: {
        TIDAL_ASSIGN_OR_RETURN(Value right, eval(rightNode));
        return located(node.offset, applyArithmetic(node.binaryOp, left, right));
      }
    }
  }

  StatusOr<Value> evalCompare(const Node& node) {
    TIDAL_ASSIGN_OR_RETURN(Value left, eval(*node.children[0]));
    for (size_t i = 0; i < node.compareOps.size(); ++i) {
      TIDAL_ASSIGN_OR_RETURN(Value right, eval(*node.children[i + 1]));
      if (right.isArray()) {
        TIDAL_RETURN_IF_ERROR(charge(node, right.asArray().size()));
      }
      TIDAL_ASSIGN_OR_RETURN(
          bool holds, located(node.compareOffsets[i], compare(node.compareOps[i], left, right)));
      if (!holds) {
        return Value::ofBool(false);
      }
      left = std::move(right);
    }
    return Value::ofBool(true);
  }

  StatusOr<Value> evalIndex(const Node& node) {
    TIDAL_ASSIGN_OR_RETURN(Value base, eval(*node.children[0]));
    TIDAL_ASSIGN_OR_RETURN(Value index, eval(*node.children[1]));
    if (!base.isArray()) {
      return fail(node.offset,
                  fmt::format("cannot index {} (only arrays can be indexed)", base.typeName()));
    }
    if (!index.isNumber()) {
      return fail(node.offset,
                  fmt::format("array index must be a number (got {})", index.typeName()));
    }
    const Array& elements = base.asArray();
    const auto size = static_cast<int64_t>(elements.size());
    // As in expr-lang: a float index is truncated, and a negative one counts from the end.
    int64_t i = index.isInt() ? index.asInt() : static_cast<int64_t>(0);
    if (index.isFloat()) {
      const double d = index.asFloat();
      i = (d > -1e18 && d < 1e18) ? static_cast<int64_t>(d) : std::numeric_limits<int64_t>::min();
    }
    const int64_t original = i;
    if (i < 0 && i != std::numeric_limits<int64_t>::min()) {
      i += size;
    }
    if (i < 0 || i >= size) {
      return fail(node.offset,
                  fmt::format("index out of range: {} (array length is {})", original, size));
    }
    return elements[static_cast<size_t>(i)];
  }

  StatusOr<Value> evalCall(const Node& node) {
    std::vector<Value> args;
    args.reserve(node.children.size());
    uint64_t scanned = 0;
    for (const NodePtr& child : node.children) {
      TIDAL_ASSIGN_OR_RETURN(Value arg, eval(*child));
      if (arg.isArray()) {
        scanned += arg.asArray().size();
      }
      args.push_back(std::move(arg));
    }
    TIDAL_RETURN_IF_ERROR(charge(node, scanned));
    return located(node.offset, callBuiltin(node.builtin, args));
  }

  // count, sum, all, any, none, one, filter and map: loop over the array, evaluating the
  // predicate (if given) with `#` bound to each element in turn.
  StatusOr<Value> evalPredicateCall(const Node& node) {
    const std::string_view name = builtinSpec(node.builtin).name;
    TIDAL_ASSIGN_OR_RETURN(Value collection, eval(*node.children[0]));
    if (!collection.isArray()) {
      return fail(node.offset,
                  fmt::format("builtin {} takes only array (got {})", name, collection.typeName()));
    }
    const Array& items = collection.asArray();
    const Node* predicate = node.hasPredicate ? node.children[1].get() : nullptr;

    auto test = [&](size_t i) -> StatusOr<Value> {
      if (predicate == nullptr) {
        return items[i];
      }
      Element frame{&items[i], static_cast<int64_t>(i)};
      const Element* outer = element_;
      element_ = &frame;
      StatusOr<Value> result = eval(*predicate);
      element_ = outer;
      return result;
    };
    auto testBool = [&](size_t i) -> StatusOr<bool> {
      TIDAL_ASSIGN_OR_RETURN(Value v, test(i));
      if (!v.isBool()) {
        const std::string what = predicate != nullptr
                                     ? fmt::format("the predicate of {}", name)
                                     : fmt::format("without a predicate, each element of {}", name);
        return fail(node.offset, fmt::format("{} must be bool (got {})", what, v.typeName()));
      }
      return v.asBool();
    };

    switch (node.builtin) {
      case Builtin::kCount:
      case Builtin::kOne: {
        int64_t n = 0;
        for (size_t i = 0; i < items.size(); ++i) {
          TIDAL_ASSIGN_OR_RETURN(bool hit, testBool(i));
          if (hit) {
            ++n;
          }
        }
        if (node.builtin == Builtin::kOne) {
          return Value::ofBool(n == 1);
        }
        return Value::ofInt(n);
      }
      case Builtin::kAll:
      case Builtin::kAny:
      case Builtin::kNone: {
        // all stops at the first false; any and none stop at the first true.
        const bool stopOn = node.builtin != Builtin::kAll;
        for (size_t i = 0; i < items.size(); ++i) {
          TIDAL_ASSIGN_OR_RETURN(bool hit, testBool(i));
          if (hit == stopOn) {
            return Value::ofBool(node.builtin == Builtin::kAny);
          }
        }
        return Value::ofBool(node.builtin != Builtin::kAny);
      }
      case Builtin::kSum: {
        Value total = Value::ofInt(0);
        for (size_t i = 0; i < items.size(); ++i) {
          TIDAL_RETURN_IF_ERROR(charge(node, 1));
          TIDAL_ASSIGN_OR_RETURN(Value v, test(i));
          TIDAL_ASSIGN_OR_RETURN(total, located(node.offset, addValues(total, v)));
        }
        return total;
      }
      case Builtin::kFilter: {
        Array kept;
        for (size_t i = 0; i < items.size(); ++i) {
          TIDAL_ASSIGN_OR_RETURN(bool hit, testBool(i));
          if (hit) {
            kept.push_back(items[i]);
          }
        }
        return Value::ofArray(std::move(kept));
      }
      case Builtin::kMap: {
        Array mapped;
        mapped.reserve(items.size());
        for (size_t i = 0; i < items.size(); ++i) {
          TIDAL_ASSIGN_OR_RETURN(Value v, test(i));
          mapped.push_back(std::move(v));
        }
        return Value::ofArray(std::move(mapped));
      }
      default:
        return internalError(fmt::format("builtin {} takes no predicate", name));
    }
  }

  std::string_view source_;
  const Bindings& bindings_;
  std::vector<Value> locals_;
  const Element* element_ = nullptr;
  uint64_t steps_ = 0;
};

}  // namespace

StatusOr<Value> evaluate(const Node& root, std::string_view source, const Bindings& bindings,
                         int localCount) {
  return Evaluator(source, bindings, localCount).eval(root);
}

}  // namespace tidal::expr::internal
