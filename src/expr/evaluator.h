// Runs a parsed expression tree against a set of variable bindings (internal to src/expr).
//
// The tree is only read, so any number of threads may evaluate the same tree at once, each with
// its own bindings. Evaluation is bounded: the tree's height is capped by the parser, and the
// work done in one run (nodes visited plus array elements scanned) is capped by kMaxSteps, so a
// hostile formula can neither overflow the stack nor spin for long.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "expr/ast.h"
#include "expr/value.h"

namespace tidal::expr::internal {

inline constexpr uint64_t kMaxSteps = 100'000;

// Evaluates `root`, which was parsed from `source` (used only to point errors at their position)
// and uses `localCount` let-slots. Run-time problems (type errors, unknown names, integer modulo
// by zero, index out of range, the step limit) are INVALID_ARGUMENT errors with a caret excerpt.
StatusOr<Value> evaluate(const Node& root, std::string_view source, const Bindings& bindings,
                         int localCount);

}  // namespace tidal::expr::internal
