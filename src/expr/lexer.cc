#include "expr/lexer.h"

#include <array>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "expr/builtins.h"
#include "expr/source_error.h"

namespace tidal::expr::internal {

namespace {

// Words that expr-lang reserves as operators. Only some are supported by the parser; the rest are
// still reserved so that a formula valid here never means something else under expr-lang.
constexpr std::array<std::string_view, 11> kKeywordOperators = {
    "not", "and", "or", "in", "let", "matches", "contains", "startsWith", "endsWith", "if", "else"};

// Longest first, so that "**" wins over "*".
constexpr std::array<std::string_view, 29> kPunctuation = {
    "**", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "..", "+", "-", "*", "/", "%",
    "^",  "<",  ">",  "!",  "=",  "?",  ":",  ",",  ";",  "(",  ")", "[", "]", "{"};
constexpr std::array<std::string_view, 4> kMorePunctuation = {"}", ".", "|", "&"};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
bool isLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool isIdentifierChar(char c) {
  return isLetter(c) || isDigit(c);
}
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : source_(source) {}

  StatusOr<std::vector<Token>> run() {
    while (true) {
      TIDAL_RETURN_IF_ERROR(skipSpaceAndComments());
      if (pos_ >= source_.size()) {
        break;
      }
      const char c = source_[pos_];
      if (c == '"' || c == '\'') {
        TIDAL_RETURN_IF_ERROR(scanQuoted(c));
      } else if (c == '`') {
        TIDAL_RETURN_IF_ERROR(scanRaw());
      } else if (isDigit(c) ||
                 (c == '.' && pos_ + 1 < source_.size() && isDigit(source_[pos_ + 1]))) {
        TIDAL_RETURN_IF_ERROR(scanNumber());
      } else if (isLetter(c)) {
        scanWord();
      } else if (c == '#') {
        scanPointer();
      } else if (!scanPunctuation()) {
        return errorAt(source_, pos_, describeBadCharacter());
      }
    }
    push(TokenKind::kEnd, source_.size());
    return std::move(tokens_);
  }

 private:
  void push(TokenKind kind, size_t start, std::string value = {}) {
    Token t;
    t.kind = kind;
    t.text = source_.substr(start, pos_ - start);
    t.value = std::move(value);
    t.offset = static_cast<uint32_t>(start);
    tokens_.push_back(std::move(t));
  }

  Status skipSpaceAndComments() {
    while (pos_ < source_.size()) {
      if (isSpace(source_[pos_])) {
        ++pos_;
      } else if (source_.substr(pos_, 2) == "//") {
        const size_t end = source_.find('\n', pos_);
        pos_ = end == std::string_view::npos ? source_.size() : end + 1;
      } else if (source_.substr(pos_, 2) == "/*") {
        const size_t end = source_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          return errorAt(source_, pos_, "unclosed comment");
        }
        pos_ = end + 2;
      } else {
        break;
      }
    }
    return Status::ok();
  }

  std::string describeBadCharacter() const {
    const auto c = static_cast<unsigned char>(source_[pos_]);
    if (c >= 0x80) {
      return "unrecognized character (names and operators are ASCII only)";
    }
    if (c < 0x20 || c == 0x7F) {
      return fmt::format("unrecognized character 0x{:02X}", c);
    }
    return fmt::format("unrecognized character \"{}\"", static_cast<char>(c));
  }

  bool scanPunctuation() {
    auto tryList = [&](const auto& list) {
      for (std::string_view p : list) {
        if (source_.substr(pos_, p.size()) == p) {
          const size_t start = pos_;
          pos_ += p.size();
          push(TokenKind::kOperator, start);
          return true;
        }
      }
      return false;
    };
    return tryList(kPunctuation) || tryList(kMorePunctuation);
  }

  void scanWord() {
    const size_t start = pos_;
    while (pos_ < source_.size() && isIdentifierChar(source_[pos_])) {
      ++pos_;
    }
    const std::string_view word = source_.substr(start, pos_ - start);
    for (std::string_view k : kKeywordOperators) {
      if (word == k) {
        push(TokenKind::kOperator, start);
        return;
      }
    }
    push(TokenKind::kIdentifier, start);
  }

  void scanPointer() {
    const size_t start = pos_++;
    const size_t nameStart = pos_;
    while (pos_ < source_.size() && isIdentifierChar(source_[pos_])) {
      ++pos_;
    }
    push(TokenKind::kPointer, start, std::string(source_.substr(nameStart, pos_ - nameStart)));
  }

  Status scanNumber() {
    const size_t start = pos_;
    auto acceptRun = [&](auto isOk) {
      while (pos_ < source_.size() && isOk(source_[pos_])) {
        ++pos_;
      }
    };
    auto decimal = [](char c) { return isDigit(c) || c == '_'; };
    auto hex = [](char c) { return hexValue(c) >= 0 || c == '_'; };
    auto octal = [](char c) { return (c >= '0' && c <= '7') || c == '_'; };
    auto binary = [](char c) { return c == '0' || c == '1' || c == '_'; };

    bool isHex = false;
    if (source_[pos_] == '0' && pos_ + 1 < source_.size()) {
      const char p = source_[pos_ + 1];
      if (p == 'x' || p == 'X') {
        pos_ += 2;
        isHex = true;
        acceptRun(hex);
      } else if (p == 'o' || p == 'O') {
        pos_ += 2;
        acceptRun(octal);
      } else if (p == 'b' || p == 'B') {
        pos_ += 2;
        acceptRun(binary);
      }
    }
    if (pos_ == start) {
      acceptRun(decimal);
    }
    // A dot followed by another dot is the range operator, not a fraction.
    if (pos_ < source_.size() && source_[pos_] == '.' &&
        !(pos_ + 1 < source_.size() && source_[pos_ + 1] == '.')) {
      ++pos_;
      if (isHex) {
        acceptRun(hex);
      } else {
        acceptRun(decimal);
      }
    }
    if (!isHex && pos_ < source_.size() && (source_[pos_] == 'e' || source_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < source_.size() && (source_[pos_] == '+' || source_[pos_] == '-')) {
        ++pos_;
      }
      acceptRun(decimal);
    }
    if (pos_ < source_.size() && isIdentifierChar(source_[pos_])) {
      while (pos_ < source_.size() && isIdentifierChar(source_[pos_])) {
        ++pos_;
      }
      return errorAt(source_, start,
                     fmt::format("bad number syntax \"{}\"", source_.substr(start, pos_ - start)));
    }
    push(TokenKind::kNumber, start);
    return Status::ok();
  }

  // Decodes one escape sequence; pos_ is just past the backslash.
  Status scanEscape(std::string& out) {
    const size_t escapeStart = pos_ - 1;
    auto bad = [&]() { return errorAt(source_, escapeStart, "invalid escape sequence in string"); };
    if (pos_ >= source_.size()) {
      return bad();
    }
    const char c = source_[pos_++];
    switch (c) {
      case 'a':
        out += '\a';
        return Status::ok();
      case 'b':
        out += '\b';
        return Status::ok();
      case 'f':
        out += '\f';
        return Status::ok();
      case 'n':
        out += '\n';
        return Status::ok();
      case 'r':
        out += '\r';
        return Status::ok();
      case 't':
        out += '\t';
        return Status::ok();
      case 'v':
        out += '\v';
        return Status::ok();
      case '\\':
        out += '\\';
        return Status::ok();
      case '\'':
        out += '\'';
        return Status::ok();
      case '"':
        out += '"';
        return Status::ok();
      case 'x':
      case 'u':
      case 'U': {
        const int digits = c == 'x' ? 2 : (c == 'u' ? 4 : 8);
        uint32_t cp = 0;
        for (int i = 0; i < digits; ++i) {
          if (pos_ >= source_.size() || hexValue(source_[pos_]) < 0) {
            return bad();
          }
          cp = cp * 16 + static_cast<uint32_t>(hexValue(source_[pos_++]));
        }
        if (c == 'x') {
          out += static_cast<char>(cp);  // a raw byte, as in Go
        } else {
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return bad();
          }
          appendUtf8(out, cp);
        }
        return Status::ok();
      }
      default:
        if (c >= '0' && c <= '7') {
          auto v = static_cast<uint32_t>(c - '0');
          for (int i = 0; i < 2; ++i) {
            if (pos_ >= source_.size() || source_[pos_] < '0' || source_[pos_] > '7') {
              return bad();
            }
            v = v * 8 + static_cast<uint32_t>(source_[pos_++] - '0');
          }
          if (v > 255) {
            return bad();
          }
          out += static_cast<char>(v);
          return Status::ok();
        }
        return bad();
    }
  }

  Status scanQuoted(char quote) {
    const size_t start = pos_++;
    std::string value;
    while (true) {
      if (pos_ >= source_.size() || source_[pos_] == '\n') {
        return errorAt(source_, start, "unterminated string literal");
      }
      const char c = source_[pos_++];
      if (c == quote) {
        break;
      }
      if (c == '\\') {
        TIDAL_RETURN_IF_ERROR(scanEscape(value));
      } else {
        value += c;
      }
    }
    push(TokenKind::kString, start, std::move(value));
    return Status::ok();
  }

  Status scanRaw() {
    const size_t start = pos_++;
    const size_t end = source_.find('`', pos_);
    if (end == std::string_view::npos) {
      return errorAt(source_, start, "unterminated string literal");
    }
    std::string value(source_.substr(pos_, end - pos_));
    pos_ = end + 1;
    push(TokenKind::kString, start, std::move(value));
    return Status::ok();
  }

  std::string_view source_;
  size_t pos_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

StatusOr<std::vector<Token>> tokenize(std::string_view source) {
  return Lexer(source).run();
}

StatusOr<Value> decodeNumber(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c != '_') {
      digits += c;
    }
  }
  auto integer = [&](std::string_view body, int base, std::string_view kind) -> StatusOr<Value> {
    if (body.empty()) {
      return invalidArgument(fmt::format("invalid {} literal", kind));
    }
    constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    uint64_t v = 0;
    for (char c : body) {
      const int d = hexValue(c);
      if (d < 0 || d >= base) {
        return invalidArgument(fmt::format("invalid {} literal", kind));
      }
      if (v > (kMax - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
        return invalidArgument("integer literal is too large");
      }
      v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    }
    return Value::ofInt(static_cast<int64_t>(v));
  };
  const std::string_view s = digits;
  const std::string_view prefix = s.substr(0, 2);
  if (prefix == "0x" || prefix == "0X") {
    return integer(s.substr(2), 16, "hex");
  }
  if (s.find_first_of(".eE") != std::string_view::npos) {
    std::optional<double> d = parseFloatText(s);
    if (!d) {
      return invalidArgument("invalid float literal (malformed or too large)");
    }
    return Value::ofFloat(*d);
  }
  if (prefix == "0b" || prefix == "0B") {
    return integer(s.substr(2), 2, "binary");
  }
  if (prefix == "0o" || prefix == "0O") {
    return integer(s.substr(2), 8, "octal");
  }
  return integer(s, 10, "integer");
}

}  // namespace tidal::expr::internal
