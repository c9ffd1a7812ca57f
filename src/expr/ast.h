// The syntax tree a compiled expression is kept as (internal to src/expr).
//
// The parser builds it once; the evaluator walks it for every run without changing it, so one
// tree serves any number of concurrent runs. Every node remembers the byte offset of the token it
// came from, so run-time errors can point at the operator or name that failed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "expr/value.h"

namespace tidal::expr::internal {

enum class UnaryOp { kNegate, kPlus, kNot };

// Arithmetic, the short-circuit logical operators and nil-coalescing.
enum class BinaryOp { kAdd, kSubtract, kMultiply, kDivide, kModulo, kPower, kAnd, kOr, kCoalesce };

// Comparisons and membership: the operators expr-lang lets you chain (`a < b < c`).
enum class CompareOp { kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual, kIn, kNotIn };

// The builtin functions the engine knows. See builtins.h for what each does.
enum class Builtin {
  kLen,
  kAbs,
  kCeil,
  kFloor,
  kRound,
  kFloat,
  kInt,
  kMin,
  kMax,
  kMean,
  kAvg,  // tidal's alias of mean
  kMedian,
  kSum,
  kCount,
  kAll,
  kAny,
  kNone,
  kOne,
  kFilter,
  kMap,
};

enum class NodeKind {
  kLiteral,       // `literal`
  kVariable,      // a free variable `name`, looked up in the Bindings at run time
  kLocal,         // a `let` variable, stored in `slot`
  kElement,       // `#`: the element the innermost predicate is looking at
  kElementIndex,  // `#index`: that element's position
  kUnary,         // `unaryOp` children[0]
  kBinary,        // children[0] `binaryOp` children[1]
  kCompare,       // children[0] compareOps[0] children[1] compareOps[1] children[2] ...
  kConditional,   // children[0] ? children[1] : children[2]
  kArray,         // [children...]
  kIndex,         // children[0][children[1]]
  kCall,          // `builtin`(children...); with hasPredicate, the last child is the predicate
  kLet,           // let `name` (stored in `slot`) = children[0]; children[1]
};

struct Node {
  NodeKind kind = NodeKind::kLiteral;
  uint32_t offset = 0;  // source byte offset for error messages
  uint32_t height = 1;  // 1 + the tallest child; bounded by the parser's depth limit

  Value literal;
  std::string name;
  int slot = -1;
  UnaryOp unaryOp = UnaryOp::kPlus;
  BinaryOp binaryOp = BinaryOp::kAdd;
  Builtin builtin = Builtin::kLen;
  bool hasPredicate = false;
  std::vector<CompareOp> compareOps;
  std::vector<uint32_t> compareOffsets;  // where each of compareOps is written
  std::vector<std::unique_ptr<Node>> children;
};

using NodePtr = std::unique_ptr<Node>;

// How each operator is written, for error messages ("invalid operation: bool + int").
std::string_view symbol(UnaryOp op);
std::string_view symbol(BinaryOp op);
std::string_view symbol(CompareOp op);

}  // namespace tidal::expr::internal
