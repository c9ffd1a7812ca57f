#include "api/duration.h"

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace tidal::api {
namespace {

// Go accumulates magnitudes in a uint64 and allows exactly 2^63 so that the most negative
// duration can be written.
constexpr uint64_t kTwoTo63 = uint64_t{1} << 63;

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

constexpr std::string_view kHex = "0123456789abcdef";

// Go's time package quoting: '"' and '\' are escaped and every byte that is not printable ASCII
// (control characters and all bytes of multi-byte characters) is written as \xhh.
std::string goTimeQuote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x80) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// An approximation of Go's strconv.Quote (used by KEDA's %q): ASCII as Go writes it, multi-byte
// UTF-8 sequences kept (Go keeps printable ones), and bytes that are not valid UTF-8 as \xhh.
std::string goQuote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // Lead byte 110xxxxx, 1110xxxx or 11110xxx announces 1, 2 or 3 continuation bytes.
      const size_t extra = (c & 0xe0) == 0xc0   ? 1
                           : (c & 0xf0) == 0xe0 ? 2
                           : (c & 0xf8) == 0xf0 ? 3
                                                : 0;
      bool valid = extra > 0 && i + extra < text.size();
      for (size_t k = 1; valid && k <= extra; ++k) {
        valid = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
      }
      if (valid) {
        out.append(text.substr(i, extra + 1));
        i += extra;
        continue;
      }
    }
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\a':
        out += "\\a";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\v':
        out += "\\v";
        continue;
      default:
        break;
    }
    if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

Status invalidDuration(std::string_view text) {
  return invalidArgument("time: invalid duration " + goTimeQuote(text));
}

// Nanoseconds per unit, or 0 for an unknown unit.
uint64_t unitNanos(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 8> kUnits = {{
      {"ns", 1},
      {"us", 1'000},
      {"\u00b5s", 1'000},  // micro sign
      {"\u03bcs", 1'000},  // Greek small letter mu
      {"ms", 1'000'000},
      {"s", 1'000'000'000},
      {"m", 60'000'000'000},
      {"h", 3'600'000'000'000},
  }};
  for (const auto& [name, nanos] : kUnits) {
    if (unit == name) {
      return nanos;
    }
  }
  return 0;
}

// Writes the digits of `value` in front of position `end` of `buffer`; returns the new start.
size_t putDigits(std::array<char, 32>& buffer, size_t end, uint64_t value) {
  do {
    buffer[--end] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  return end;
}

// Writes value / 10^digits's fractional part as ".ddd" without trailing zeros (nothing when it is
// zero) in front of `end`; returns the new start and leaves the whole part in `value`.
size_t putFraction(std::array<char, 32>& buffer, size_t end, uint64_t& value, int digits) {
  bool significant = false;
  for (int i = 0; i < digits; ++i) {
    const uint64_t digit = value % 10;
    significant = significant || digit != 0;
    if (significant) {
      buffer[--end] = static_cast<char>('0' + digit);
    }
    value /= 10;
  }
  if (significant) {
    buffer[--end] = '.';
  }
  return end;
}

}  // namespace

StatusOr<std::chrono::nanoseconds> parseGoDuration(std::string_view text) {
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") {
    return std::chrono::nanoseconds(0);
  }
  if (rest.empty()) {
    return invalidDuration(text);
  }

  uint64_t total = 0;
  while (!rest.empty()) {
    if (rest[0] != '.' && !isDigit(rest[0])) {
      return invalidDuration(text);
    }

    // The whole part; more than 2^63 is an error.
    uint64_t whole = 0;
    size_t used = 0;
    for (; used < rest.size() && isDigit(rest[used]); ++used) {
      if (whole > kTwoTo63 / 10) {
        return invalidDuration(text);
      }
      whole = whole * 10 + static_cast<uint64_t>(rest[used] - '0');
      if (whole > kTwoTo63) {
        return invalidDuration(text);
      }
    }
    const bool hasWhole = used > 0;
    rest.remove_prefix(used);

    // The fraction: digits beyond what fits 2^63 are read but ignored, as Go ignores them.
    uint64_t fraction = 0;
    double fractionScale = 1;
    bool hasFraction = false;
    if (!rest.empty() && rest[0] == '.') {
      rest.remove_prefix(1);
      bool saturated = false;
      used = 0;
      for (; used < rest.size() && isDigit(rest[used]); ++used) {
        if (saturated || fraction > (kTwoTo63 - 1) / 10) {
          saturated = true;
          continue;
        }
        const uint64_t next = fraction * 10 + static_cast<uint64_t>(rest[used] - '0');
        if (next > kTwoTo63) {
          saturated = true;
          continue;
        }
        fraction = next;
        fractionScale *= 10;
      }
      hasFraction = used > 0;
      rest.remove_prefix(used);
    }
    if (!hasWhole && !hasFraction) {
      return invalidDuration(text);
    }

    size_t unitLength = 0;
    while (unitLength < rest.size() && rest[unitLength] != '.' && !isDigit(rest[unitLength])) {
      ++unitLength;
    }
    if (unitLength == 0) {
      return invalidArgument("time: missing unit in duration " + goTimeQuote(text));
    }
    const std::string_view unitName = rest.substr(0, unitLength);
    rest.remove_prefix(unitLength);
    const uint64_t unit = unitNanos(unitName);
    if (unit == 0) {
      return invalidArgument("time: unknown unit " + goTimeQuote(unitName) + " in duration " +
                             goTimeQuote(text));
    }

    if (whole > kTwoTo63 / unit) {
      return invalidDuration(text);
    }
    uint64_t term = whole * unit;
    if (fraction > 0) {
      // Go goes through a double here; doing the same keeps every nanosecond identical.
      term += static_cast<uint64_t>(static_cast<double>(fraction) *
                                    (static_cast<double>(unit) / fractionScale));
      if (term > kTwoTo63) {
        return invalidDuration(text);
      }
    }
    total += term;  // both are at most 2^63, so this cannot wrap past 2^64
    if (total > kTwoTo63) {
      return invalidDuration(text);
    }
  }
  if (negative) {
    return std::chrono::nanoseconds(static_cast<int64_t>(0 - total));
  }
  if (total > kTwoTo63 - 1) {
    return invalidDuration(text);
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(total));
}

std::string formatGoDuration(std::chrono::nanoseconds duration) {
  // The longest result is "-2562047h47m16.854775808s".
  std::array<char, 32> buffer{};
  size_t start = buffer.size();
  const int64_t count = duration.count();
  uint64_t nanos = count < 0 ? 0 - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);

  if (nanos < 1'000'000'000) {
    // Below a second: one unit, with a fraction ("1.5ms", "800ns", "0s").
    if (nanos == 0) {
      return "0s";
    }
    buffer[--start] = 's';
    int fractionDigits = 0;
    if (nanos < 1'000) {
      buffer[--start] = 'n';
    } else if (nanos < 1'000'000) {
      fractionDigits = 3;
      buffer[--start] = '\xb5';  // "µ" (U+00B5) is 0xc2 0xb5 in UTF-8
      buffer[--start] = '\xc2';
    } else {
      fractionDigits = 6;
      buffer[--start] = 'm';
    }
    start = putFraction(buffer, start, nanos, fractionDigits);
    start = putDigits(buffer, start, nanos);
  } else {
    buffer[--start] = 's';
    start = putFraction(buffer, start, nanos, 9);
    start = putDigits(buffer, start, nanos % 60);  // seconds
    const uint64_t minutes = nanos / 60;
    if (minutes > 0) {
      buffer[--start] = 'm';
      start = putDigits(buffer, start, minutes % 60);
      const uint64_t hours = minutes / 60;  // Go stops at hours: days vary in length
      if (hours > 0) {
        buffer[--start] = 'h';
        start = putDigits(buffer, start, hours);
      }
    }
  }
  if (count < 0) {
    buffer[--start] = '-';
  }
  return {buffer.data() + start, buffer.size() - start};
}

StatusOr<std::chrono::nanoseconds> parseDurationOrMillis(std::string_view text) {
  if (StatusOr<std::chrono::nanoseconds> parsed = parseGoDuration(text); parsed.isOk()) {
    if (parsed->count() < 0) {
      return invalidArgument("duration cannot be negative: " + goQuote(text));
    }
    return parsed;
  }

  // Go's strconv.ParseInt(text, 10, 64): an optional sign and at least one digit, within int64.
  std::string_view digits = text;
  const bool negative = !digits.empty() && digits[0] == '-';
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    digits.remove_prefix(1);
  }
  uint64_t magnitude = 0;
  bool isInteger = !digits.empty();
  for (char c : digits) {
    if (!isDigit(c) || __builtin_mul_overflow(magnitude, 10u, &magnitude) ||
        __builtin_add_overflow(magnitude, static_cast<uint64_t>(c - '0'), &magnitude)) {
      isInteger = false;
      break;
    }
  }
  if (!isInteger || magnitude > (negative ? kTwoTo63 : kTwoTo63 - 1)) {
    return invalidArgument("unable to parse duration value " + goQuote(text) +
                           ": must be either a duration string (e.g. '30s', '5m') or a number "
                           "of milliseconds");
  }
  if (negative && magnitude > 0) {
    return invalidArgument("duration cannot be negative: -" + std::to_string(magnitude) +
                           " milliseconds");
  }
  constexpr uint64_t kMaxMillis = std::numeric_limits<int64_t>::max() / 1'000'000;
  if (magnitude > kMaxMillis) {
    return invalidArgument("duration value " + goQuote(text) + " is out of range: at most " +
                           std::to_string(kMaxMillis) + " milliseconds fit");
  }
  return std::chrono::nanoseconds(static_cast<int64_t>(magnitude) * 1'000'000);
}

}  // namespace tidal::api
