// Kubernetes resource quantities ("500m", "1.5Gi", "2e3"): parsing, comparison and printing that
// behave exactly like k8s.io/apimachinery/pkg/api/resource.Quantity.
//
// A quantity is a signed decimal number followed by an optional suffix: a binary SI suffix (Ki Mi
// Gi Ti Pi Ei), a decimal SI suffix (n u m k M G T P E, or none), or a decimal exponent (e3, E-2).
// The value is held exactly, as a decimal digit string and a power of ten, so any value Kubernetes
// accepts round-trips without loss: parsing rounds magnitudes below one nano up to 1n, rounds
// everything else up (away from zero) to whole nanos, and caps binary-suffixed values at 2^63-1,
// as Kubernetes does. Decimal values are not capped.
//
// The quantity remembers which kind of suffix it was written with and prints itself in the
// canonical form Kubernetes uses ("1.5Gi" prints as "1536Mi", "0.5" as "500m", "1000m" as "1").
// Like Kubernetes, when the input is already in a form Kubernetes would accept as canonical
// ("100k", "1500Mi", but also "1.500" or "+5"), printing returns the input unchanged.
//
// Example:
//   TIDAL_ASSIGN_OR_RETURN(Quantity target, Quantity::parse("1.5Gi"));
//   target.toString();    // "1536Mi"
//   target.value();       // 1610612736
//   Quantity::fromFloatMilli(0.25).toString();  // "250m"
//
// Where Kubernetes itself misbehaves, this type follows later upstream fixes instead: exponents
// beyond ±2147483647 are rejected (Kubernetes wraps "1e4294967296" to 1), "1000E" prints as "1e21"
// (Kubernetes prints "1"), Value() and MilliValue() round negative values away from zero and
// saturate on overflow (Kubernetes returns wrapped or wrongly rounded numbers for some), and values
// whose canonical exponent would pass 2147483647 are rejected so that every printed form parses.
// Quantities are values: copyable, immutable after construction, and safe to share across threads.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tidal::api {

// How a quantity was written, and therefore how it prints.
enum class QuantityFormat {
  kDecimalExponent,  // "12e6"
  kBinarySI,         // "12Mi"
  kDecimalSI,        // "12M", "500m", "7"
};

// Kubernetes' name for a format: "DecimalExponent", "BinarySI" or "DecimalSI".
std::string_view quantityFormatName(QuantityFormat format);

class Quantity {
 public:
  // Zero, in DecimalSI format (prints "0").
  Quantity() = default;

  // Parses `text` as Kubernetes' ParseQuantity does. No whitespace is allowed anywhere. Like
  // Kubernetes, a number with no digits counts as zero where Kubernetes' int64 path handles it
  // ("Ki", ".", "-", "m" are 0) and is rejected where its exact path does ("Pi", "e-10"). Returns
  // kInvalidArgument, naming the input and what was expected, when the text is not a quantity,
  // its exponent lies outside [-2147483647, 2147483647], or the value would print with a larger
  // exponent than that.
  [[nodiscard]] static StatusOr<Quantity> parse(std::string_view text);

  // `value` units in DecimalSI format, like resource.NewQuantity(value, DecimalSI).
  static Quantity fromInt(int64_t value);

  // `milli` thousandths in DecimalSI format, like resource.NewMilliQuantity(milli, DecimalSI):
  // fromMilli(1500) prints "1500m", fromMilli(2000) prints "2".
  static Quantity fromMilli(int64_t milli);

  // KEDA's conversion of a metric value or target: `value` printed with three decimals ("%.3f",
  // rounding half to even) and parsed as a quantity. NaN, infinities and negative values give zero.
  // fromFloatMilli(1.5) prints "1.500" (Kubernetes keeps that spelling), 0.25 prints "250m".
  static Quantity fromFloatMilli(double value);

  QuantityFormat format() const { return format_; }
  bool isZero() const { return digits_.empty(); }
  // -1, 0 or 1.
  int sign() const;

  // The text Kubernetes' String() returns for this quantity.
  std::string toString() const;

  // The value rounded up to a whole number, away from zero (1.2 -> 2, -1.2 -> -2). Saturates at
  // the int64 limits when the value does not fit.
  int64_t value() const;
  // The value in thousandths, rounded away from zero like value(); saturates likewise.
  int64_t milliValue() const;
  // The value as a double, computed the way Kubernetes' AsApproximateFloat64 does so both give the
  // same bits; ±infinity when out of range.
  double asDouble() const;

  // Compares values: -1, 0 or 1. The format and spelling do not matter ("1k" == "1000").
  int cmp(const Quantity& other) const;
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.cmp(b) == 0; }
  friend std::strong_ordering operator<=>(const Quantity& a, const Quantity& b) {
    return a.cmp(b) <=> 0;
  }

 private:
  Quantity(bool negative, std::string digits, int64_t exponent, int64_t floatExponent,
           QuantityFormat format);

  // value = (negative_ ? -1 : 1) * digits_ * 10^exponent_. digits_ is decimal with no leading
  // zeros (trailing zeros are allowed) and empty for zero. Every value is a whole number of nanos,
  // so exponent_ >= -9 whenever digits_ is not empty.
  bool negative_ = false;
  std::string digits_;
  int64_t exponent_ = 0;
  // Kubernetes converts its integer mantissa to a double before scaling by 10^floatExponent_;
  // asDouble() follows the same two steps so that both round identically.
  int64_t floatExponent_ = 0;
  QuantityFormat format_ = QuantityFormat::kDecimalSI;
  // The input, when Kubernetes would print the input verbatim; empty otherwise.
  std::string verbatim_;
};

}  // namespace tidal::api
