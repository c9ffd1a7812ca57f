// Error messages that point into the expression source.
//
// Both the parser and the evaluator report problems against a byte offset in the source text.
// errorAt() turns that into a message a person can act on: the problem, the 1-based position and
// an excerpt of the line with a caret under the offending character:
//
//   unexpected token ")" at column 6
//    | (a + )
//    |      ^
//
// Columns count Unicode code points, so the caret lines up under UTF-8 text; a source of several
// lines reports "line L, column C". Very long lines are cut to a window around the caret.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/status.h"

namespace tidal::expr::internal {

// An INVALID_ARGUMENT status for `message` at byte `offset` of `source`. An offset at or past the
// end points just after the last character (where "unexpected end" errors belong).
Status errorAt(std::string_view source, size_t offset, std::string_view message);

}  // namespace tidal::expr::internal
