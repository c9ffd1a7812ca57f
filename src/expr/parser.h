// Turns expression source into a syntax tree (internal to src/expr).
//
// Grammar and precedence follow expr-lang (lowest first):
//   let x = e; body       (only at the start of an expression)
//   c ? a : b             right-associative
//   or ||                 10
//   and &&                15
//   == != < > <= >= in    20, chainable: a < b < c means a < b && b < c
//   + -                   30
//   * / %                 60
//   ** ^                  100, right-associative
//   ??                    500, and may not be mixed with another binary operator unparenthesised
// Unary ! and `not` bind at 50 (so `!a == b` is `(!a) == b`), unary - and + at 90 (so `-2 ** 2`
// is `-(2 ** 2)`). Operands are literals, names, builtin calls, array literals `[a, b]`,
// indexing `a[i]`, parenthesised expressions, and `#` / `#index` inside predicates.
//
// Names that are neither builtins nor `let` variables become free variables, resolved when the
// program runs. Unknown functions and wrong argument counts are rejected here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "expr/ast.h"

namespace tidal::expr::internal {

// The deepest the tree (and the parser's recursion) may nest. Deeper input is rejected with a
// clear error instead of risking the stack while parsing, evaluating or destroying the tree.
inline constexpr int kMaxDepth = 200;

// The longest source accepted, in bytes.
inline constexpr size_t kMaxSourceBytes = size_t{64} * 1024;

struct ParsedProgram {
  NodePtr root;
  int localCount = 0;                  // `let` slots the evaluator must provide
  std::vector<std::string> variables;  // free variable names, sorted, without duplicates
};

// Parses `source`. Errors are INVALID_ARGUMENT with the position and a caret excerpt (see
// source_error.h). The tree does not refer to `source` after this returns.
StatusOr<ParsedProgram> parse(std::string_view source);

}  // namespace tidal::expr::internal
