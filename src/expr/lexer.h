// Splits expression source text into tokens (internal to src/expr).
//
// The token rules follow expr-lang's: identifiers are ASCII letters, digits, `_` and `$` not
// starting with a digit; numbers are decimal, 0x/0o/0b integers or floats (`1.5`, `.5`, `1e3`),
// with `_` allowed between digits; strings are '...' or "..." with Go-style escapes, or `...`
// raw; `//` and `/* */` are comments. Keywords that expr-lang treats as operators (not, and, or,
// in, let, ...) come out as operators, so they can never be variable names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "expr/value.h"

namespace tidal::expr::internal {

enum class TokenKind {
  kEnd,         // end of input; always the last token
  kIdentifier,  // also true, false and nil, which the parser turns into literals
  kNumber,      // text is the literal as written
  kString,      // value is the decoded contents
  kOperator,    // punctuation and keyword operators: text is the operator
  kPointer,     // `#` or `#name` inside predicates; value is the name ("" for plain `#`)
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;  // the token's source text (a view into the source)
  std::string value;      // decoded string contents, or the pointer name
  uint32_t offset = 0;    // byte offset of the token's first character

  bool isOperator(std::string_view op) const { return kind == TokenKind::kOperator && text == op; }
};

// The tokens of `source`, ending with a kEnd token at offset source.size(). A character that
// starts no token, an unterminated string or comment, a bad escape or a malformed number is an
// INVALID_ARGUMENT error pointing at the problem (see source_error.h). `source` must outlive the
// tokens, which view into it.
StatusOr<std::vector<Token>> tokenize(std::string_view source);

// The value of a kNumber token's text, read as expr-lang reads it: `_` separators are dropped;
// 0x, 0o and 0b prefixes give ints; a `.` or an exponent gives a float; anything else is a decimal
// int. An int beyond int64 or a float beyond double is INVALID_ARGUMENT (without a position).
StatusOr<Value> decodeNumber(std::string_view text);

}  // namespace tidal::expr::internal
