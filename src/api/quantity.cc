#include "api/quantity.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace tidal::api {
namespace {

// Exponents written after e/E must lie within ±kMaxExponent; Kubernetes keeps scales in an int32
// and silently wraps anything larger.
constexpr int64_t kMaxExponent = std::numeric_limits<int32_t>::max();
constexpr int64_t kNanoExponent = -9;
// Binary-suffixed values are capped at the largest int64.
constexpr std::string_view kMaxInt64Digits = "9223372036854775807";
// Kubernetes takes its int64 fast path for decimal numbers of at most this many digits. The path
// taken is visible: only the fast path keeps the input spelling, and it changes how
// AsApproximateFloat64 rounds.
constexpr size_t kFastPathMaxDigits = 18;

constexpr std::string_view kExpected =
    R"(expected a number with an optional suffix, such as "250m", "1.5Gi" or "2e3")";
constexpr std::string_view kExpectedSuffix =
    "expected Ki, Mi, Gi, Ti, Pi or Ei (powers of 2), n, u, m, k, M, G, T, P or E (powers of 10), "
    "or an exponent such as e3";

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// The letters a suffix may start with; Kubernetes' scanner groups them before judging the suffix.
bool isSuffixLetter(char c) {
  return std::string_view("eEinumkKMGTP").find(c) != std::string_view::npos;
}

constexpr std::string_view kHex = "0123456789abcdef";

// The input in double quotes for an error message; bytes that are not printable ASCII are
// written as \xhh so that a message stays on one line.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

Status invalid(std::string_view text, std::string_view problem) {
  return invalidArgument("invalid quantity " + quoted(text) + ": " + std::string(problem));
}

// Describes the character at `offset`, which the scanner could not place.
std::string unexpectedAt(std::string_view text, size_t offset) {
  const auto c = static_cast<unsigned char>(text[offset]);
  const std::string where = " at offset " + std::to_string(offset);
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
    return "whitespace" + where + " is not allowed";
  }
  if (c < 0x20 || c >= 0x7f) {
    return std::string("unexpected byte 0x") + kHex[c >> 4] + kHex[c & 0xf] + where;
  }
  return std::string("unexpected '") + static_cast<char>(c) + "'" + where;
}

// ---- Decimal digit strings. "Digits" below have no leading zeros; empty means zero. ----

std::string_view withoutLeadingZeros(std::string_view digits) {
  const size_t first = digits.find_first_not_of('0');
  return first == std::string_view::npos ? std::string_view() : digits.substr(first);
}

size_t trailingZeros(std::string_view digits) {
  const size_t last = digits.find_last_not_of('0');
  return last == std::string_view::npos ? digits.size() : digits.size() - 1 - last;
}

bool allZeros(std::string_view digits) {
  return digits.find_first_not_of('0') == std::string_view::npos;
}

// Adds one in place.
void addOne(std::string& digits) {
  for (size_t i = digits.size(); i-- > 0;) {
    if (digits[i] != '9') {
      ++digits[i];
      return;
    }
    digits[i] = '0';
  }
  digits.insert(digits.begin(), '1');
}

// digits * factor, for a non-empty `digits` and 0 < factor < 2^32.
std::string multiplied(std::string_view digits, uint64_t factor) {
  std::string out(digits.size() + 10, '0');
  size_t pos = out.size();
  uint64_t carry = 0;
  for (size_t i = digits.size(); i-- > 0;) {
    const uint64_t t = static_cast<uint64_t>(digits[i] - '0') * factor + carry;
    out[--pos] = static_cast<char>('0' + t % 10);
    carry = t / 10;
  }
  for (; carry > 0; carry /= 10) {
    out[--pos] = static_cast<char>('0' + carry % 10);
  }
  return out.substr(pos);
}

// Compares a * 10^ea with b * 10^eb.
int compareMagnitudes(std::string_view a, int64_t ea, std::string_view b, int64_t eb) {
  if (a.empty() || b.empty()) {
    return static_cast<int>(!a.empty()) - static_cast<int>(!b.empty());
  }
  // The power of ten just above each leading digit decides first; then digits, top down.
  const int64_t topA = static_cast<int64_t>(a.size()) + ea;
  const int64_t topB = static_cast<int64_t>(b.size()) + eb;
  if (topA != topB) {
    return topA < topB ? -1 : 1;
  }
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const char ca = i < a.size() ? a[i] : '0';
    const char cb = i < b.size() ? b[i] : '0';
    if (ca != cb) {
      return ca < cb ? -1 : 1;
    }
  }
  return 0;
}

// Parses at most 20 digits, or returns nullopt when the number exceeds uint64.
std::optional<uint64_t> toUint64(std::string_view digits) {
  uint64_t value = 0;
  for (char c : digits) {
    if (__builtin_mul_overflow(value, 10u, &value) ||
        __builtin_add_overflow(value, static_cast<uint64_t>(c - '0'), &value)) {
      return std::nullopt;
    }
  }
  return value;
}

struct Rounded {
  std::optional<uint64_t> magnitude;  // nullopt when it exceeds uint64
  bool exact = true;
};

// digits * 10^exponent rounded up to a whole number.
Rounded roundedUp(std::string_view digits, int64_t exponent) {
  if (digits.empty()) {
    return {0, true};
  }
  if (exponent >= 0) {
    if (static_cast<int64_t>(digits.size()) + exponent > 20) {
      return {std::nullopt, true};
    }
    std::string whole(digits);
    whole.append(static_cast<size_t>(exponent), '0');
    return {toUint64(whole), true};
  }
  const auto dropped = static_cast<uint64_t>(-exponent);
  if (dropped >= digits.size()) {
    return {1, false};  // 0 < value < 1
  }
  const std::string_view whole = digits.substr(0, digits.size() - dropped);
  const bool exact = allZeros(digits.substr(whole.size()));
  std::optional<uint64_t> magnitude = toUint64(whole);
  if (magnitude && !exact && __builtin_add_overflow(*magnitude, 1u, &*magnitude)) {
    magnitude.reset();
  }
  return {magnitude, exact};
}

// The signed value digits * 10^exponent rounded away from zero to a whole number, saturated at the
// int64 limits.
int64_t saturatedInt64(bool negative, std::string_view digits, int64_t exponent) {
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  const std::optional<uint64_t> magnitude = roundedUp(digits, exponent).magnitude;
  if (!negative) {
    return static_cast<int64_t>(magnitude ? std::min(*magnitude, kMax) : kMax);
  }
  if (!magnitude || *magnitude > kMax + 1) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(0 - *magnitude);  // well defined for 2^63 too
}

// Rounds digits * 10^exponent up (away from zero) to whole nanos, as Kubernetes does on parse so
// that asking for a tiny amount of a resource still yields some.
void roundUpToNanos(std::string& digits, int64_t& exponent) {
  if (digits.empty() || exponent >= kNanoExponent) {
    return;
  }
  const auto dropped = static_cast<uint64_t>(kNanoExponent - exponent);
  if (dropped >= digits.size()) {
    digits = "1";
  } else {
    const bool fraction = !allZeros(std::string_view(digits).substr(digits.size() - dropped));
    digits.resize(digits.size() - dropped);
    if (fraction) {
      addOne(digits);
    }
  }
  exponent = kNanoExponent;
}

// Go's math.Pow10, whose rounding for large exponents AsApproximateFloat64 inherits.
double goPow10(int64_t n) {
  static constexpr std::array<double, 32> kSmall = {1e00, 1e01, 1e02, 1e03, 1e04, 1e05, 1e06, 1e07,
                                                    1e08, 1e09, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23,
                                                    1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31};
  static constexpr std::array<double, 10> kLarge = {1e00,  1e32,  1e64,  1e96,  1e128,
                                                    1e160, 1e192, 1e224, 1e256, 1e288};
  static constexpr std::array<double, 11> kTiny = {1e-00,  1e-32,  1e-64,  1e-96,  1e-128, 1e-160,
                                                   1e-192, 1e-224, 1e-256, 1e-288, 1e-320};
  if (n >= 0 && n <= 308) {
    return kLarge[n / 32] * kSmall[n % 32];
  }
  if (n < 0 && n >= -323) {
    return kTiny[-n / 32] / kSmall[-n % 32];
  }
  return n > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

// ---- Parsing ----

// A quantity split the way Kubernetes' scanner splits it: [sign] digits [. digits] suffix.
struct Pieces {
  bool negative = false;
  bool anyDigit = false;      // whether any digit, leading zeros included, precedes the suffix
  std::string_view whole;     // integer digits, leading zeros removed
  std::string_view fraction;  // digits after the point
  std::string_view suffix;    // suffix letters, then an optional sign and digits
};

StatusOr<Pieces> split(std::string_view text) {
  Pieces out;
  size_t i = 0;
  const auto skipDigits = [&] {
    const size_t start = i;
    while (i < text.size() && isDigit(text[i])) {
      ++i;
    }
    return text.substr(start, i - start);
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    out.negative = text[i++] == '-';
  }
  const size_t numberStart = i;
  while (i < text.size() && text[i] == '0') {
    ++i;
  }
  out.whole = skipDigits();
  if (i < text.size() && text[i] == '.') {
    ++i;
    out.fraction = skipDigits();
  }
  out.anyDigit = std::any_of(text.begin() + numberStart, text.begin() + i, isDigit);
  const size_t suffixStart = i;
  while (i < text.size() && isSuffixLetter(text[i])) {
    ++i;
  }
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    ++i;
  }
  skipDigits();
  if (i != text.size()) {
    return invalid(text, unexpectedAt(text, i) + "; " + std::string(kExpected));
  }
  out.suffix = text.substr(suffixStart);
  return out;
}

struct Suffix {
  int base = 10;  // 10 or 2
  int64_t exponent = 0;
  QuantityFormat format = QuantityFormat::kDecimalSI;
};

StatusOr<Suffix> interpretSuffix(std::string_view text, std::string_view suffix) {
  static constexpr std::array<std::pair<std::string_view, int>, 10> kDecimal = {{
      {"n", -9},
      {"u", -6},
      {"m", -3},
      {"", 0},
      {"k", 3},
      {"M", 6},
      {"G", 9},
      {"T", 12},
      {"P", 15},
      {"E", 18},
  }};
  static constexpr std::array<std::string_view, 6> kBinary = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  for (const auto& [name, exponent] : kDecimal) {
    if (suffix == name) {
      return Suffix{10, exponent, QuantityFormat::kDecimalSI};
    }
  }
  for (size_t i = 0; i < kBinary.size(); ++i) {
    if (suffix == kBinary[i]) {
      return Suffix{2, 10 * static_cast<int64_t>(i + 1), QuantityFormat::kBinarySI};
    }
  }
  if (suffix[0] == '+' || suffix[0] == '-') {
    return invalid(text, std::string("unexpected '") + suffix[0] + "' at offset " +
                             std::to_string(text.size() - suffix.size()) +
                             "; expected at most one sign, before the number");
  }
  std::string_view digits = suffix.substr(1);
  if ((suffix[0] == 'e' || suffix[0] == 'E') && !digits.empty()) {
    const bool negative = digits[0] == '-';
    if (digits[0] == '+' || digits[0] == '-') {
      digits.remove_prefix(1);
    }
    if (!digits.empty() && std::all_of(digits.begin(), digits.end(), isDigit)) {
      const std::optional<uint64_t> magnitude = toUint64(digits);
      if (!magnitude || *magnitude > static_cast<uint64_t>(kMaxExponent)) {
        return invalid(text, "exponent " + std::string(suffix.substr(1)) +
                                 " is out of range; expected an integer from -2147483647 to "
                                 "2147483647");
      }
      const auto exponent = static_cast<int64_t>(*magnitude);
      return Suffix{10, negative ? -exponent : exponent, QuantityFormat::kDecimalExponent};
    }
  }
  return invalid(text, "unknown suffix " + quoted(suffix) + "; " + std::string(kExpectedSuffix));
}

}  // namespace

std::string_view quantityFormatName(QuantityFormat format) {
  switch (format) {
    case QuantityFormat::kDecimalExponent:
      return "DecimalExponent";
    case QuantityFormat::kBinarySI:
      return "BinarySI";
    case QuantityFormat::kDecimalSI:
      return "DecimalSI";
  }
  return "DecimalSI";
}

Quantity::Quantity(bool negative, std::string digits, int64_t exponent, int64_t floatExponent,
                   QuantityFormat format)
    : negative_(negative && !digits.empty()),
      digits_(std::move(digits)),
      exponent_(exponent),
      floatExponent_(floatExponent),
      format_(format) {}

StatusOr<Quantity> Quantity::parse(std::string_view text) {
  if (text.empty()) {
    return invalid(text, "the string is empty; " + std::string(kExpected));
  }
  if (text == "0") {
    Quantity zero;
    zero.verbatim_ = "0";
    return zero;
  }
  TIDAL_ASSIGN_OR_RETURN(const Pieces pieces, split(text));
  TIDAL_ASSIGN_OR_RETURN(const Suffix suffix, interpretSuffix(text, pieces.suffix));
  // Kubernetes counts an empty integer part (".5", "m") as the single digit "0".
  const std::string_view whole = pieces.whole.empty() ? std::string_view("0") : pieces.whole;
  const auto fractionDigits = static_cast<int64_t>(pieces.fraction.size());

  // Builds the result, rejecting values whose canonical spelling would need an exponent beyond
  // kMaxExponent, so that everything parse() accepts prints as something parse() accepts again.
  const auto build = [&](std::string digits, int64_t exponent, int64_t floatExponent,
                         QuantityFormat format, bool keepText) -> StatusOr<Quantity> {
    digits.erase(0, digits.size() - withoutLeadingZeros(digits).size());
    if (!digits.empty() && exponent + static_cast<int64_t>(trailingZeros(digits)) > kMaxExponent) {
      return invalid(text, "the value is too large; its exponent would exceed 2147483647");
    }
    Quantity q(pieces.negative, std::move(digits), exponent, floatExponent, format);
    if (keepText) {
      q.verbatim_ = std::string(text);
    }
    return q;
  };

  // Kubernetes' int64 fast path. The value is the same either way; what this path decides is
  // whether the input spelling is reused as the printed form, which Kubernetes does when the
  // digits carry no removable zeros and the scale is a multiple of three (or, for binary
  // suffixes, when the number is not a multiple of 8).
  if (suffix.base == 10) {
    const int64_t scale = suffix.exponent - fractionDigits;
    if (whole.size() + pieces.fraction.size() <= kFastPathMaxDigits && scale >= kNanoExponent) {
      std::string shifted = std::string(whole) + std::string(pieces.fraction);
      const bool keep = scale % 3 == 0 && !shifted.ends_with("000") && shifted.front() != '0';
      return build(std::move(shifted), scale, scale, suffix.format, keep);
    }
  } else if (pieces.fraction.empty() &&
             15 - static_cast<int64_t>(whole.size()) - suffix.exponent * 3 / 10 - 1 >= 0) {
    // The digit limit above keeps number << exponent below 2^50.
    const uint64_t number = *toUint64(whole);
    return build(std::to_string(number << suffix.exponent), 0, 0, suffix.format, (number & 7) != 0);
  }

  // The exact path: any length, any exponent, rounded up to whole nanos.
  if (!pieces.anyDigit) {
    return invalid(text, "no digits before the suffix; " + std::string(kExpected));
  }
  std::string digits(withoutLeadingZeros(std::string(whole) + std::string(pieces.fraction)));
  int64_t exponent = -fractionDigits;
  if (suffix.base == 10) {
    exponent += suffix.exponent;
  } else if (!digits.empty()) {
    for (int64_t bits = suffix.exponent; bits > 0; bits -= 30) {
      digits = multiplied(digits, uint64_t{1} << std::min<int64_t>(bits, 30));
    }
  }
  roundUpToNanos(digits, exponent);
  int64_t floatExponent = kNanoExponent;
  QuantityFormat format = suffix.format;
  if (format == QuantityFormat::kBinarySI) {
    if (compareMagnitudes(digits, exponent, kMaxInt64Digits, 0) > 0) {
      digits = kMaxInt64Digits;
      exponent = 0;
      floatExponent = 0;
    } else if (!digits.empty() && compareMagnitudes(digits, exponent, "1", 0) < 0) {
      format = QuantityFormat::kDecimalSI;  // a binary suffix cannot show a fraction of one
    }
  }
  return build(std::move(digits), exponent, floatExponent, format, false);
}

Quantity Quantity::fromInt(int64_t value) {
  // The magnitude of INT64_MIN does not fit an int64, so negate in unsigned arithmetic.
  const uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : value;
  return {value < 0, magnitude == 0 ? "" : std::to_string(magnitude), 0, 0,
          QuantityFormat::kDecimalSI};
}

Quantity Quantity::fromMilli(int64_t milli) {
  const uint64_t magnitude = milli < 0 ? 0 - static_cast<uint64_t>(milli) : milli;
  return {milli < 0, magnitude == 0 ? "" : std::to_string(magnitude), -3, -3,
          QuantityFormat::kDecimalSI};
}

Quantity Quantity::fromFloatMilli(double value) {
  if (!std::isfinite(value) || value < 0) {
    return *parse("0");
  }
  // The largest double has 309 integer digits.
  std::array<char, 400> buffer{};
  const std::to_chars_result printed = std::to_chars(buffer.data(), buffer.data() + buffer.size(),
                                                     value, std::chars_format::fixed, 3);
  return *parse(std::string_view(buffer.data(), printed.ptr - buffer.data()));
}

int Quantity::sign() const {
  if (digits_.empty()) {
    return 0;
  }
  return negative_ ? -1 : 1;
}

std::string Quantity::toString() const {
  if (!verbatim_.empty()) {
    return verbatim_;
  }
  if (digits_.empty()) {
    return "0";
  }
  const std::string sign = negative_ ? "-" : "";

  QuantityFormat format = format_;
  if (format == QuantityFormat::kBinarySI) {
    const Rounded whole = roundedUp(digits_, exponent_);
    if (compareMagnitudes(digits_, exponent_, "1024", 0) < 0 || !whole.exact) {
      format = QuantityFormat::kDecimalSI;  // no binary suffix fits, or it would lose a fraction
    } else if (!whole.magnitude) {
      format = QuantityFormat::kDecimalExponent;  // beyond 2^64, past "Ei"
    } else {
      static constexpr std::array<std::string_view, 7> kBinary = {"",   "Ki", "Mi", "Gi",
                                                                  "Ti", "Pi", "Ei"};
      uint64_t mantissa = *whole.magnitude;
      size_t power = 0;
      while (mantissa >= 1024 && mantissa % 1024 == 0) {
        mantissa /= 1024;
        ++power;
      }
      return sign + std::to_string(mantissa) + std::string(kBinary[power]);
    }
  }

  // Decimal: drop trailing zeros into the exponent, then lower the exponent to a multiple of 3.
  const size_t zeros = trailingZeros(digits_);
  std::string mantissa = digits_.substr(0, digits_.size() - zeros);
  int64_t exponent = exponent_ + static_cast<int64_t>(zeros);
  const int64_t spare = ((exponent % 3) + 3) % 3;
  mantissa.append(static_cast<size_t>(spare), '0');
  exponent -= spare;

  std::string suffix;
  if (format == QuantityFormat::kDecimalSI && exponent >= -9 && exponent <= 18) {
    static constexpr std::array<std::string_view, 10> kDecimal = {"n", "u", "m", "",  "k",
                                                                  "M", "G", "T", "P", "E"};
    suffix = kDecimal[(exponent + 9) / 3];
  } else if (exponent != 0) {
    // DecimalExponent, or a DecimalSI value beyond "E" that no suffix can express.
    suffix = "e" + std::to_string(exponent);
  }
  return sign + mantissa + suffix;
}

int64_t Quantity::value() const {
  return saturatedInt64(negative_, digits_, exponent_);
}

int64_t Quantity::milliValue() const {
  return saturatedInt64(negative_, digits_, exponent_ + 3);
}

double Quantity::asDouble() const {
  if (digits_.empty()) {
    return 0.0;
  }
  // Kubernetes converts the integer digits_ * 10^(exponent_ - floatExponent_) to the nearest
  // double, then multiplies by Go's Pow10(floatExponent_).
  std::string integer = digits_;
  if (exponent_ != floatExponent_) {
    integer += "e" + std::to_string(exponent_ - floatExponent_);
  }
  double base = 0;
  const std::from_chars_result read =
      std::from_chars(integer.data(), integer.data() + integer.size(), base);
  if (read.ec == std::errc::result_out_of_range) {
    base = std::numeric_limits<double>::infinity();
  }
  if (negative_) {
    base = -base;
  }
  return floatExponent_ == 0 ? base : base * goPow10(floatExponent_);
}

int Quantity::cmp(const Quantity& other) const {
  const int a = sign();
  const int b = other.sign();
  if (a != b) {
    return a < b ? -1 : 1;
  }
  const int magnitude = compareMagnitudes(digits_, exponent_, other.digits_, other.exponent_);
  return a < 0 ? -magnitude : magnitude;
}

}  // namespace tidal::api
