// Quantity must agree with k8s.io/apimachinery's resource.Quantity. The expected values below were
// checked against apimachinery v0.37.2 (String(), MilliValue(), Value(), Format), except where a
// comment says tidal deliberately differs.
#include "api/quantity.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tidal::api {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr auto kSI = QuantityFormat::kDecimalSI;
constexpr auto kBin = QuantityFormat::kBinarySI;
constexpr auto kExp = QuantityFormat::kDecimalExponent;

template <typename Case>
std::string caseName(const testing::TestParamInfo<Case>& info) {
  return std::string(info.param.name);
}

// ---- Parsing, printing and scaling ----

struct ParseCase {
  std::string_view name;
  std::string_view input;
  std::string_view printed;  // String()
  int64_t milli;             // MilliValue()
  int64_t value;             // Value()
  QuantityFormat format;
};

const auto kParseCases = std::to_array<ParseCase>({
    // Plain decimal numbers and decimal SI suffixes.
    {"Zero", "0", "0", 0, 0, kSI},
    {"NegativeZero", "-0", "0", 0, 0, kSI},
    {"Integer", "7", "7", 7000, 7, kSI},
    {"Milli", "2500m", "2500m", 2500, 3, kSI},
    {"WholeMilliBecomesUnits", "1000m", "1", 1000, 1, kSI},
    {"HalfBecomesMilli", "0.5", "500m", 500, 1, kSI},
    {"FractionBecomesMilli", "1.5", "1500m", 1500, 2, kSI},
    {"TenthBecomesMilli", "0.1", "100m", 100, 1, kSI},
    {"LeadingZeroFractionIsRewritten", "0.100", "100m", 100, 1, kSI},
    {"Kilo", "100k", "100k", 100000000, 100000, kSI},
    {"Mega", "1M", "1M", 1000000000, 1000000, kSI},
    {"FractionalKiloBecomesUnits", "1.5k", "1500", 1500000, 1500, kSI},
    {"ThousandMegaBecomesGiga", "1000M", "1G", 1000000000000, 1000000000, kSI},
    {"Micro", "4u", "4u", 1, 1, kSI},
    {"Nano", "5n", "5n", 1, 1, kSI},
    {"LeadingPoint", ".5", "500m", 500, 1, kSI},
    {"ExaIsNotCapped", "12E", "12E", kMax, kMax, kSI},
    {"LongIntegerIsExact", "123456789012345678901234567890", "123456789012345678901234567890", kMax,
     kMax, kSI},
    {"MaxInt64", "9223372036854775807", "9223372036854775807", kMax, kMax, kSI},
    // Kubernetes prints "1"; there is no decimal SI suffix above E, so tidal uses an exponent.
    {"PastExaUsesExponent", "1000E", "1e21", kMax, kMax, kSI},

    // Kubernetes reuses the input as the printed form when the digits carry no removable zeros
    // and the scale is a multiple of 3, even when the spelling is unusual.
    {"VerbatimTrailingZeros", "1.500", "1.500", 1500, 2, kSI},
    {"VerbatimFractionalMega", "10.035M", "10.035M", 10035000000, 10035000, kSI},
    {"VerbatimFractionalMegaLong", "7.123456M", "7.123456M", 7123456000, 7123456, kSI},
    {"VerbatimFractionalKilo", "100.035k", "100.035k", 100035000, 100035, kSI},
    {"VerbatimPlusSign", "+5", "+5", 5000, 5, kSI},
    {"VerbatimLeadingZero", "01", "01", 1000, 1, kSI},
    {"VerbatimTrailingPoint", "1.", "1.", 1000, 1, kSI},
    {"VerbatimPointBeforeSuffix", "1.G", "1.G", 1000000000000, 1000000000, kSI},
    {"PlusSignDroppedWhenRewritten", "+1.5", "1500m", 1500, 2, kSI},

    // Decimal exponents.
    {"Exponent", "1e3", "1e3", 1000000, 1000, kExp},
    {"ExponentUpperCaseKept", "1E3", "1E3", 1000000, 1000, kExp},
    {"ExponentZeroKept", "5e0", "5e0", 5000, 5, kExp},
    {"NegativeExponent", "1e-3", "1e-3", 1, 1, kExp},
    {"FractionalNegativeExponent", "1.5E-2", "1.5E-2", 15, 1, kExp},
    {"ExponentRewrittenToMultipleOf3", "1.3E+6", "1300e3", 1300000000, 1300000, kExp},
    {"ExponentRewrittenToUnits", "12e2", "1200", 1200000, 1200, kExp},
    {"LargeExponent", "1e300", "1e300", kMax, kMax, kExp},
    {"LargestExponent", "1e2147483647", "10e2147483646", kMax, kMax, kExp},

    // Rounding up to whole nanos.
    {"HalfNanoRoundsUp", "0.5n", "1n", 1, 1, kSI},
    {"FractionOfNanoRoundsUp", "3.001n", "4n", 1, 1, kSI},
    {"TinyExponentRoundsUpToOneNano", "1e-30", "1e-9", 1, 1, kExp},
    {"SmallestExponentRoundsUpToOneNano", "1e-2147483647", "1e-9", 1, 1, kExp},
    {"ManyFractionDigitsRoundUp", "0.00000012345", "124n", 1, 1, kSI},

    // Binary suffixes.
    {"Kibi", "1Ki", "1Ki", 1024000, 1024, kBin},
    {"MebiNotMultipleOf1024", "1500Mi", "1500Mi", 1572864000000, 1572864000, kBin},
    {"FractionalGibiBecomesMebi", "1.5Gi", "1536Mi", 1610612736000, 1610612736, kBin},
    {"ThousandTwentyFourMebiIsGibi", "1024Mi", "1Gi", 1073741824000, 1073741824, kBin},
    {"MultipleOf8IsRecomputed", "8Ki", "8Ki", 8192000, 8192, kBin},
    {"NegativeKibi", "-1Ki", "-1Ki", -1024000, -1024, kBin},
    {"BelowKibiPrintsDecimal", "0.5Ki", "512", 512000, 512, kBin},
    {"FractionalKibiPrintsMilli", ".001Ki", "1024m", 1024, 2, kBin},
    {"NonIntegerBinaryPrintsDecimal", "1.0001Ki", "1024102400u", 1024103, 1025, kBin},
    {"VerbatimBinaryTrailingPoint", "1.Ki", "1.Ki", 1024000, 1024, kBin},
    {"PebiPlusSignDropped", "+1Pi", "1Pi", 1125899906842624000, 1125899906842624, kBin},
    {"Exbi", "4Ei", "4Ei", kMax, 4611686018427387904, kBin},
    {"BinaryCappedAtMaxInt64", "9Ei", "9223372036854775807", kMax, kMax, kBin},
    {"BinaryBelowOneNanoBecomesDecimal", "0.000000000001Ki", "2n", 1, 1, kSI},
    {"ZeroKibiKeepsFormat", "0Ki", "0", 0, 0, kBin},

    // Negative values round away from zero. (Kubernetes rounds some negative values that took its
    // arbitrary-precision path toward +inf instead, e.g. Value() of -9.5000000001Gi is
    // -10200547328; later upstream versions round away from zero as here.)
    {"NegativeMilli", "-2500m", "-2500m", -2500, -3, kSI},
    {"NegativeFraction", "-1.5", "-1500m", -1500, -2, kSI},
    {"NegativeMicroRoundsAwayFromZero", "-0.0005", "-500u", -1, -1, kSI},
    {"NegativeBinaryFraction", "-9.5000000001Gi", "-10200547328107374183n", -10200547328108,
     -10200547329, kBin},
    {"MicroRoundsUpToOneMilli", "0.0001", "100u", 1, 1, kSI},
    {"MilliValueRoundsUp", "1.0001", "1000100u", 1001, 2, kSI},

    // Kubernetes accepts a number with no digits as zero when it takes its int64 path.
    {"BareBinarySuffixIsZero", "Ki", "0", 0, 0, kBin},
    {"BareMilliSuffixIsZero", "m", "0", 0, 0, kSI},
    {"BarePointIsZero", ".", "0", 0, 0, kSI},
    {"BareSignIsZero", "-", "0", 0, 0, kSI},
});

// Failure messages name the case rather than dumping its bytes; gtest finds PrintTo by name.
// NOLINTNEXTLINE(readability-identifier-naming)
void PrintTo(const ParseCase& c, std::ostream* os) {
  *os << c.name;
}

class QuantityParseTest : public testing::TestWithParam<ParseCase> {};

TEST_P(QuantityParseTest, PrintsAndScalesLikeKubernetes) {
  const ParseCase& c = GetParam();
  StatusOr<Quantity> q = Quantity::parse(c.input);
  ASSERT_TRUE(q.isOk()) << q.status().toString();
  EXPECT_EQ(q->toString(), c.printed);
  EXPECT_EQ(q->milliValue(), c.milli);
  EXPECT_EQ(q->value(), c.value);
  EXPECT_EQ(quantityFormatName(q->format()), quantityFormatName(c.format));

  // What is printed parses back to the same value and prints the same way again.
  StatusOr<Quantity> again = Quantity::parse(q->toString());
  ASSERT_TRUE(again.isOk()) << again.status().toString();
  EXPECT_EQ(*again, *q);
  EXPECT_EQ(again->toString(), c.printed);
}

INSTANTIATE_TEST_SUITE_P(Kubernetes, QuantityParseTest, testing::ValuesIn(kParseCases),
                         caseName<ParseCase>);

// ---- Rejected input ----

struct RejectCase {
  std::string_view name;
  std::string_view input;
  std::string message;
};

constexpr std::string_view kExpected =
    R"(expected a number with an optional suffix, such as "250m", "1.5Gi" or "2e3")";
constexpr std::string_view kExpectedSuffix =
    "expected Ki, Mi, Gi, Ti, Pi or Ei (powers of 2), n, u, m, k, M, G, T, P or E (powers of 10), "
    "or an exponent such as e3";

std::string message(std::string_view input, std::string_view problem, std::string_view expected) {
  std::string out = "invalid quantity ";
  out.append(input).append(": ").append(problem);
  if (!expected.empty()) {
    out.append("; ").append(expected);
  }
  return out;
}

const auto kRejectCases = std::to_array<RejectCase>({
    {"Empty", "", message("\"\"", "the string is empty", kExpected)},
    {"LeadingSpace", " 1", message("\" 1\"", "whitespace at offset 0 is not allowed", kExpected)},
    {"TrailingSpace", "1 ", message("\"1 \"", "whitespace at offset 1 is not allowed", kExpected)},
    {"SpaceBeforeSuffix", "1 Ki",
     message("\"1 Ki\"", "whitespace at offset 1 is not allowed", kExpected)},
    {"TrailingTab", "1\t",
     message(R"("1\x09")", "whitespace at offset 1 is not allowed", kExpected)},
    {"TwoPoints", "1.2.3", message("\"1.2.3\"", "unexpected '.' at offset 3", kExpected)},
    {"DoubleMinus", "--1",
     message("\"--1\"", "unexpected '-' at offset 1; expected at most one sign, before the number",
             "")},
    {"PlusMinus", "+-1",
     message("\"+-1\"", "unexpected '-' at offset 1; expected at most one sign, before the number",
             "")},
    {"SignAfterNumber", "1-",
     message("\"1-\"", "unexpected '-' at offset 1; expected at most one sign, before the number",
             "")},
    {"Letters", "abc", message("\"abc\"", "unexpected 'a' at offset 0", kExpected)},
    {"NotANumber", "NaN", message("\"NaN\"", "unexpected 'N' at offset 0", kExpected)},
    {"Comma", "1,5", message("\"1,5\"", "unexpected ',' at offset 1", kExpected)},
    {"HexNumber", "0x10", message("\"0x10\"", "unexpected 'x' at offset 1", kExpected)},
    {"NonAscii", "\xe2\x88\x9e",
     message(R"("\xe2\x88\x9e")", "unexpected byte 0xe2 at offset 0", kExpected)},
    {"FractionalExponent", "1e3.5", message("\"1e3.5\"", "unexpected '.' at offset 3", kExpected)},
    {"LowerCaseKibi", "1ki", message("\"1ki\"", "unknown suffix \"ki\"", kExpectedSuffix)},
    {"MilliBinary", "0.1mi", message("\"0.1mi\"", "unknown suffix \"mi\"", kExpectedSuffix)},
    {"DigitsAfterSuffix", "1Ki5", message("\"1Ki5\"", "unknown suffix \"Ki5\"", kExpectedSuffix)},
    {"BareExponentMarker", "5e", message("\"5e\"", "unknown suffix \"e\"", kExpectedSuffix)},
    {"ExponentWithoutDigits", "1e+", message("\"1e+\"", "unknown suffix \"e+\"", kExpectedSuffix)},
    {"UnknownBinaryLetter", "1Zi", message("\"1Zi\"", "unexpected 'Z' at offset 1", kExpected)},
    // Kubernetes' arbitrary-precision path needs a digit, unlike its int64 path ("Ki" is zero).
    {"BarePebi", "Pi", message("\"Pi\"", "no digits before the suffix", kExpected)},
    {"BareTinyExponent", "e-10", message("\"e-10\"", "no digits before the suffix", kExpected)},
    // Kubernetes wraps these exponents to int32 (1e4294967296 would be 1); tidal rejects them.
    {"ExponentAboveInt32", "1e2147483648",
     message("\"1e2147483648\"",
             "exponent 2147483648 is out of range; expected an integer from -2147483647 to "
             "2147483647",
             "")},
    {"ExponentBelowInt32", "1e-2147483648",
     message("\"1e-2147483648\"",
             "exponent -2147483648 is out of range; expected an integer from -2147483647 to "
             "2147483647",
             "")},
    {"ExponentBeyondInt64", "1e99999999999999999999",
     message("\"1e99999999999999999999\"",
             "exponent 99999999999999999999 is out of range; expected an integer from "
             "-2147483647 to 2147483647",
             "")},
    {"ValueBeyondPrintableExponent", "10e2147483647",
     message("\"10e2147483647\"", "the value is too large; its exponent would exceed 2147483647",
             "")},
});

// Failure messages name the case rather than dumping its bytes; gtest finds PrintTo by name.
// NOLINTNEXTLINE(readability-identifier-naming)
void PrintTo(const RejectCase& c, std::ostream* os) {
  *os << c.name;
}

class QuantityRejectTest : public testing::TestWithParam<RejectCase> {};

TEST_P(QuantityRejectTest, NamesTheInputAndWhatWasExpected) {
  const RejectCase& c = GetParam();
  StatusOr<Quantity> q = Quantity::parse(c.input);
  ASSERT_FALSE(q.isOk()) << "parsed as " << q->toString();
  EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(q.status().message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(Kubernetes, QuantityRejectTest, testing::ValuesIn(kRejectCases),
                         caseName<RejectCase>);

// ---- Constructors used by the autoscaler ----

struct BuiltCase {
  std::string_view name;
  Quantity quantity;
  std::string_view printed;
  int64_t milli;
};

const auto kBuiltCases = std::to_array<BuiltCase>({
    {"IntZero", Quantity::fromInt(0), "0", 0},
    {"IntSmall", Quantity::fromInt(42), "42", 42000},
    {"IntThousandIsKilo", Quantity::fromInt(1000), "1k", 1000000},
    {"IntNegative", Quantity::fromInt(-1234000), "-1234k", -1234000000},
    {"IntMin", Quantity::fromInt(kMin), "-9223372036854775808", kMin},
    {"MilliOne", Quantity::fromMilli(1), "1m", 1},
    {"MilliWhole", Quantity::fromMilli(2000), "2", 2000},
    {"MilliFraction", Quantity::fromMilli(1500), "1500m", 1500},
    {"MilliLarge", Quantity::fromMilli(1234000000), "1234k", 1234000000},
    {"MilliNegative", Quantity::fromMilli(-250), "-250m", -250},
    {"MilliMax", Quantity::fromMilli(kMax), "9223372036854775807m", kMax},
    // KEDA prints the float with "%.3f" and parses the text, so Kubernetes keeps "1.500".
    {"FloatFraction", Quantity::fromFloatMilli(1.5), "1.500", 1500},
    {"FloatWhole", Quantity::fromFloatMilli(2.0), "2", 2000},
    {"FloatBelowOne", Quantity::fromFloatMilli(0.25), "250m", 250},
    {"FloatThreeDecimals", Quantity::fromFloatMilli(12.345), "12.345", 12345},
    {"FloatRoundsHalfUpAboveTie", Quantity::fromFloatMilli(0.0015), "2m", 2},
    {"FloatRoundsExactTieToEven", Quantity::fromFloatMilli(0.0625), "62m", 62},
    {"FloatBelowHalfMilliIsZero", Quantity::fromFloatMilli(0.0004), "0", 0},
    {"FloatHuge", Quantity::fromFloatMilli(1e20), "100E", kMax},
    {"FloatNaN", Quantity::fromFloatMilli(std::nan("")), "0", 0},
    {"FloatInfinity", Quantity::fromFloatMilli(std::numeric_limits<double>::infinity()), "0", 0},
    {"FloatNegativeInfinity", Quantity::fromFloatMilli(-std::numeric_limits<double>::infinity()),
     "0", 0},
    {"FloatNegative", Quantity::fromFloatMilli(-3.5), "0", 0},
    {"FloatNegativeZero", Quantity::fromFloatMilli(-0.0), "0", 0},
});

// Failure messages name the case rather than dumping its bytes; gtest finds PrintTo by name.
// NOLINTNEXTLINE(readability-identifier-naming)
void PrintTo(const BuiltCase& c, std::ostream* os) {
  *os << c.name;
}

class QuantityBuiltTest : public testing::TestWithParam<BuiltCase> {};

TEST_P(QuantityBuiltTest, PrintsLikeKubernetes) {
  const BuiltCase& c = GetParam();
  EXPECT_EQ(c.quantity.toString(), c.printed);
  EXPECT_EQ(c.quantity.milliValue(), c.milli);
  EXPECT_EQ(c.quantity.format(), QuantityFormat::kDecimalSI);
  StatusOr<Quantity> again = Quantity::parse(c.quantity.toString());
  ASSERT_TRUE(again.isOk()) << again.status().toString();
  EXPECT_EQ(*again, c.quantity);
}

INSTANTIATE_TEST_SUITE_P(Autoscaler, QuantityBuiltTest, testing::ValuesIn(kBuiltCases),
                         caseName<BuiltCase>);

// ---- Comparison ----

struct CompareCase {
  std::string_view name;
  std::string_view a;
  std::string_view b;
  int expected;
};

const auto kCompareCases = std::to_array<CompareCase>({
    {"SpellingDoesNotMatter", "1k", "1000", 0},
    {"MilliAndFraction", "500m", "0.5", 0},
    {"ExponentAndSuffix", "1e3", "1k", 0},
    {"ZeroAndNegativeZero", "0", "-0", 0},
    {"BinaryIsLarger", "1Ki", "1k", 1},
    {"LargerDecimalUnit", "10000T", "100Gi", 1},
    {"FractionsDiffer", "100m", "50m", 1},
    {"NanoAboveZero", "1n", "0", 1},
    {"NegativeBelowPositive", "-1", "1", -1},
    {"MoreNegativeIsSmaller", "-2", "-1", -1},
    {"HugeValues", "1e21", "999E", 1},
    {"LongDigitsDifferLast", "123456789012345678901", "123456789012345678902", -1},
});

// Failure messages name the case rather than dumping its bytes; gtest finds PrintTo by name.
// NOLINTNEXTLINE(readability-identifier-naming)
void PrintTo(const CompareCase& c, std::ostream* os) {
  *os << c.name;
}

class QuantityCompareTest : public testing::TestWithParam<CompareCase> {};

TEST_P(QuantityCompareTest, OrdersByValue) {
  const CompareCase& c = GetParam();
  const Quantity a = *Quantity::parse(c.a);
  const Quantity b = *Quantity::parse(c.b);
  EXPECT_EQ(a.cmp(b), c.expected);
  EXPECT_EQ(b.cmp(a), -c.expected);
  EXPECT_EQ(a == b, c.expected == 0);
  EXPECT_EQ(a < b, c.expected < 0);
  EXPECT_EQ(a > b, c.expected > 0);
}

INSTANTIATE_TEST_SUITE_P(Kubernetes, QuantityCompareTest, testing::ValuesIn(kCompareCases),
                         caseName<CompareCase>);

// ---- Conversion to double ----

struct DoubleCase {
  std::string_view name;
  std::string_view input;
  double expected;  // AsApproximateFloat64() in Kubernetes, bit for bit
};

const auto kDoubleCases = std::to_array<DoubleCase>({
    {"Integer", "7", 7.0},
    {"Milli", "2500m", 2.5},
    // 3 * 0.1 in doubles, as Kubernetes computes it for the int64 form of "0.3".
    {"TenthsRoundLikeKubernetes", "0.3", 0.30000000000000004},
    {"MilliRoundsLikeKubernetes", "300m", 0.3},
    {"NanoPathRoundsLikeKubernetes", "-9.5000000001Gi", -10200547328.107376},
    {"Binary", "1.5Gi", 1610612736.0},
    {"Huge", "1e300", 1e300},
    {"BeyondDouble", "1e400", std::numeric_limits<double>::infinity()},
    {"NegativeBeyondDouble", "-1e400", -std::numeric_limits<double>::infinity()},
    {"Zero", "0", 0.0},
});

// Failure messages name the case rather than dumping its bytes; gtest finds PrintTo by name.
// NOLINTNEXTLINE(readability-identifier-naming)
void PrintTo(const DoubleCase& c, std::ostream* os) {
  *os << c.name;
}

class QuantityDoubleTest : public testing::TestWithParam<DoubleCase> {};

TEST_P(QuantityDoubleTest, MatchesKubernetesBits) {
  const DoubleCase& c = GetParam();
  EXPECT_EQ(Quantity::parse(c.input)->asDouble(), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Kubernetes, QuantityDoubleTest, testing::ValuesIn(kDoubleCases),
                         caseName<DoubleCase>);

// ---- Saturation and defaults ----

TEST(QuantityTest, IntegerAccessorsSaturateOutsideInt64) {
  const Quantity big = *Quantity::parse("1e30");
  EXPECT_EQ(big.value(), kMax);
  EXPECT_EQ(big.milliValue(), kMax);
  const Quantity small = *Quantity::parse("-1e30");
  EXPECT_EQ(small.value(), kMin);
  EXPECT_EQ(small.milliValue(), kMin);
  // The most negative value fits exactly.
  EXPECT_EQ(Quantity::parse("-9223372036854775808")->value(), kMin);
  EXPECT_EQ(Quantity::parse("-9223372036854775809")->value(), kMin);
  EXPECT_EQ(Quantity::parse("9223372036854775808")->value(), kMax);
}

TEST(QuantityTest, DefaultIsDecimalZero) {
  const Quantity zero;
  EXPECT_TRUE(zero.isZero());
  EXPECT_EQ(zero.sign(), 0);
  EXPECT_EQ(zero.toString(), "0");
  EXPECT_EQ(zero.format(), QuantityFormat::kDecimalSI);
  EXPECT_EQ(zero, *Quantity::parse("0Ki"));
}

TEST(QuantityTest, FormatNamesMatchKubernetes) {
  EXPECT_EQ(quantityFormatName(QuantityFormat::kDecimalExponent), "DecimalExponent");
  EXPECT_EQ(quantityFormatName(QuantityFormat::kBinarySI), "BinarySI");
  EXPECT_EQ(quantityFormatName(QuantityFormat::kDecimalSI), "DecimalSI");
}

TEST(QuantityTest, SignFollowsValue) {
  EXPECT_EQ(Quantity::parse("-1n")->sign(), -1);
  EXPECT_EQ(Quantity::parse("1e-100")->sign(), 1);
  EXPECT_EQ(Quantity::parse("-0.0")->sign(), 0);
}

}  // namespace
}  // namespace tidal::api
