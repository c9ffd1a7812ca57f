// Compiled scaling-modifier expressions: compile once, run many times.
//
// tidal's expression engine understands the subset of github.com/expr-lang/expr that KEDA users
// write in `advanced.scalingModifiers.formula`, with expr-lang's semantics:
//   literals      42, 0x2A, 1.5, .5, 1e3, "text", 'text', `raw`, true, false, nil, [a, b, c]
//   operators     + - * / % ** ^, == != < <= > >=, && || ! and or not, in / not in, c ? a : b,
//                 ?? (nil-coalescing), a[i], parentheses, `let x = e; body`
//   builtins      len abs ceil floor round float int min max mean median avg(tidal alias of
//                 mean) count sum all any none one filter map (see builtins.h)
//   predicates    count(list, {# > 1}) or count(list, # > 1); #index is the element's position
//   comments      // to end of line, /* ... */
// Values are nil, bool, int (64-bit), float, string and array (value.h); operator rules are in
// operators.h. Anything else expr-lang has (maps, member access, string functions, pipes,
// ranges, slices, `?:`) is rejected at compile time with an error that says so.
//
// Names: any identifier that is not a builtin or a `let` variable is a free variable, looked up
// in the Bindings when the program runs; an unbound name is the run-time error "unknown name x".
// (Resolving at run time keeps compile() independent of which triggers exist; Formula::validate
// runs the program once with every trigger bound, which catches misspelt names up front.)
//
// Errors: compile() and run() return INVALID_ARGUMENT with the problem, its 1-based column (or
// line and column) and an excerpt with a caret, e.g.
//   unexpected token ")" at column 6
//    | (a + )
//    |      ^
//
// Where tidal differs from expr-lang, on purpose:
//   * types are checked only when the program runs, along the path it takes (expr-lang can also
//     check statically against a typed environment); `&&`, `||`, `?:` conditions and predicate
//     results must be bool, where untyped expr-lang would pass other values through or panic;
//   * `avg` is an extra alias of `mean`;
//   * limits: 64 KiB of source, nesting 200 deep, 100,000 evaluation steps per run;
//   * identifiers and whitespace are ASCII; float("...") does not read Go hex floats;
//   * messages use expr-lang type names (int, float, string, bool, nil, array) and tidal's own
//     wording and position format.
//
// Example:
//   TIDAL_ASSIGN_OR_RETURN(Program p, Program::compile("max(queue / 10, lag ?? 0)"));
//   Environment env{{"queue", Value::ofFloat(35)}, {"lag", Value::nil()}};
//   TIDAL_ASSIGN_OR_RETURN(Value v, p.run(env));  // float 3.5
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "expr/value.h"

namespace tidal::expr {

class Program {
 public:
  // Parses and checks `source`: syntax, known functions and their argument counts, `#` only
  // inside predicates, and nesting no deeper than 200 levels. Type errors are found by run().
  static StatusOr<Program> compile(std::string_view source);

  // Evaluates the program with its free variables taken from `bindings`. Thread-safe: a Program
  // is immutable, so any number of threads may run it at once. A run allocates only for the
  // arrays and strings it builds (plus one small vector when the program uses `let`), and is
  // bounded in time: more than 100,000 steps is an error.
  StatusOr<Value> run(const Bindings& bindings) const;

  // The source text the program was compiled from.
  const std::string& source() const;

  // The free variables the program refers to, sorted, without duplicates.
  const std::vector<std::string>& variables() const;

 private:
  struct Compiled;
  explicit Program(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

  // Shared and immutable, so copying a Program is cheap and copies may be used concurrently.
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace tidal::expr
