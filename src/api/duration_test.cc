// parseGoDuration and formatGoDuration must agree with Go's time.ParseDuration and
// Duration.String(), error messages included; the expectations below were checked against Go 1.26.
// parseDurationOrMillis follows KEDA's typed-config rule for time.Duration fields.
#include "api/duration.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace tidal::api {
namespace {

using std::chrono::nanoseconds;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMicro = 1'000;
constexpr int64_t kMilli = 1'000'000;
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;

template <typename Case>
std::string caseName(const testing::TestParamInfo<Case>& info) {
  return std::string(info.param.name);
}

// ---- parseGoDuration: accepted ----

struct ParseCase {
  std::string_view name;
  std::string_view input;
  int64_t nanos;
};

const auto kParseCases = std::to_array<ParseCase>({
    {"Milliseconds", "300ms", 300 * kMilli},
    {"FractionalHours", "1.5h", 90 * kMinute},
    {"HoursAndMinutes", "1h30m", 90 * kMinute},
    {"Negative", "-1.5h", -90 * kMinute},
    {"ExplicitPlus", "+5s", 5 * kSecond},
    {"ThreeTerms", "2h45m30.5s", 2 * kHour + 45 * kMinute + 30 * kSecond + 500 * kMilli},
    {"Nanoseconds", "1ns", 1},
    {"MicrosecondsAscii", "1us", kMicro},
    {"MicrosecondsMicroSign", "1\u00b5s", kMicro},
    {"MicrosecondsGreekMu", "1\u03bcs", kMicro},
    {"Seconds", "1s", kSecond},
    {"Minutes", "1m", kMinute},
    {"BareZero", "0", 0},
    {"NegativeBareZero", "-0", 0},
    {"PlusBareZero", "+0", 0},
    {"ZeroWithUnit", "0s", 0},
    {"LeadingPointFraction", ".5s", 500 * kMilli},
    {"TrailingPoint", "5.s", 5 * kSecond},
    {"RepeatedUnit", "1h1h", 2 * kHour},
    {"UnitsInAnyOrder", "1s1h", kHour + kSecond},
    {"FractionBelowNanosecondTruncates", "1.9999999999ns", 1},
    {"TinyFractionOfHour", "1.0000000001h", kHour + 360},
    // Go scales the fraction through a double: exactly 50.35649112 s, but Go (and tidal) say
    // 50.356491119 s once the trailing zeros make the scale inexact.
    {"FractionThroughDouble", "0.83927485200000m", 50'356'491'119},
    {"FractionWithoutTrailingZeros", "0.839274852m", 50'356'491'120},
    {"LongFractionIgnoresExtraDigits", "1.00000000000000000000000000000000000001s", kSecond},
    {"LargestDuration", "2562047h47m16.854775807s", kMax},
    {"LargestInNanoseconds", "9223372036854775807ns", kMax},
    {"SmallestDuration", "-2562047h47m16.854775808s", kMin},
    {"SmallestInNanoseconds", "-9223372036854775808ns", kMin},
});

// Failure messages name the case rather than dumping its bytes; gtest finds PrintTo by name.
// NOLINTNEXTLINE(readability-identifier-naming)
void PrintTo(const ParseCase& c, std::ostream* os) {
  *os << c.name;
}

class GoDurationParseTest : public testing::TestWithParam<ParseCase> {};

TEST_P(GoDurationParseTest, AcceptsLikeGo) {
  const ParseCase& c = GetParam();
  StatusOr<nanoseconds> d = parseGoDuration(c.input);
  ASSERT_TRUE(d.isOk()) << d.status().toString();
  EXPECT_EQ(d->count(), c.nanos);
}

INSTANTIATE_TEST_SUITE_P(Go, GoDurationParseTest, testing::ValuesIn(kParseCases),
                         caseName<ParseCase>);

// ---- parseGoDuration: rejected ----

struct RejectCase {
  std::string_view name;
  std::string_view input;
  std::string_view message;
};

const auto kRejectCases = std::to_array<RejectCase>({
    {"Empty", "", "time: invalid duration \"\""},
    {"BareSign", "-", "time: invalid duration \"-\""},
    {"NumberWithoutUnit", "1", "time: missing unit in duration \"1\""},
    {"NegativeNumberWithoutUnit", "-5", "time: missing unit in duration \"-5\""},
    {"DoubleZero", "00", "time: missing unit in duration \"00\""},
    {"MillisecondsWithoutUnit", "1000", "time: missing unit in duration \"1000\""},
    {"TrailingNumber", "1s2", "time: missing unit in duration \"1s2\""},
    {"UnknownUnitDays", "1d", R"(time: unknown unit "d" in duration "1d")"},
    {"UnitIsCaseSensitive", "1H", R"(time: unknown unit "H" in duration "1H")"},
    {"SpaceInUnit", "1 s", R"(time: unknown unit " s" in duration "1 s")"},
    {"NonAsciiUnitEscaped", "3\u00b5", R"(time: unknown unit "\xc2\xb5" in duration "3\xc2\xb5")"},
    {"ScientificNotation", "1e3s", R"(time: unknown unit "e" in duration "1e3s")"},
    {"UnitOnly", "s", "time: invalid duration \"s\""},
    {"PointOnly", ".s", "time: invalid duration \".s\""},
    {"SignedPointOnly", "-.s", "time: invalid duration \"-.s\""},
    {"LeadingSpace", " 1s", "time: invalid duration \" 1s\""},
    {"TwoPoints", "1..5s", "time: missing unit in duration \"1..5s\""},
    {"QuoteEscaped", "1\"s", R"(time: unknown unit "\"s" in duration "1\"s")"},
    {"OverflowPositive", "9223372036854775808ns",
     "time: invalid duration \"9223372036854775808ns\""},
    {"OverflowNegative", "-9223372036854775809ns",
     "time: invalid duration \"-9223372036854775809ns\""},
    {"OverflowHours", "2562048h", "time: invalid duration \"2562048h\""},
    {"OverflowFraction", "2562047h47m16.854775808s",
     "time: invalid duration \"2562047h47m16.854775808s\""},
    {"OverflowHugeNumber", "10000000000000000000s",
     "time: invalid duration \"10000000000000000000s\""},
});

// Failure messages name the case rather than dumping its bytes; gtest finds PrintTo by name.
// NOLINTNEXTLINE(readability-identifier-naming)
void PrintTo(const RejectCase& c, std::ostream* os) {
  *os << c.name;
}

class GoDurationRejectTest : public testing::TestWithParam<RejectCase> {};

TEST_P(GoDurationRejectTest, ReportsGoMessage) {
  const RejectCase& c = GetParam();
  StatusOr<nanoseconds> d = parseGoDuration(c.input);
  ASSERT_FALSE(d.isOk()) << "parsed as " << d->count();
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(Go, GoDurationRejectTest, testing::ValuesIn(kRejectCases),
                         caseName<RejectCase>);

// ---- formatGoDuration ----

struct FormatCase {
  std::string_view name;
  int64_t nanos;
  std::string_view text;
};

const auto kFormatCases = std::to_array<FormatCase>({
    {"Zero", 0, "0s"},
    {"Nanoseconds", 1, "1ns"},
    {"JustBelowMicrosecond", 999, "999ns"},
    {"Microsecond", kMicro, "1\u00b5s"},
    {"FractionalMicroseconds", 1'500, "1.5\u00b5s"},
    {"Milliseconds", 300 * kMilli, "300ms"},
    {"FractionalMilliseconds", 1'000'001, "1.000001ms"},
    {"Seconds", kSecond, "1s"},
    {"FractionalSeconds", 1'500 * kMilli, "1.5s"},
    {"MinutesShowSeconds", kMinute, "1m0s"},
    {"HoursShowAllUnits", 90 * kMinute, "1h30m0s"},
    {"HoursMinutesFraction", 2 * kHour + 45 * kMinute + 30 * kSecond + 500 * kMilli, "2h45m30.5s"},
    {"DaysStayHours", 48 * kHour, "48h0m0s"},
    {"SubSecondAfterMinutes", kMinute + 1, "1m0.000000001s"},
    {"NegativeMilliseconds", -300 * kMilli, "-300ms"},
    {"NegativeMinutes", -(2 * kMinute + 3 * kSecond), "-2m3s"},
    {"Largest", kMax, "2562047h47m16.854775807s"},
    {"Smallest", kMin, "-2562047h47m16.854775808s"},
});

// Failure messages name the case rather than dumping its bytes; gtest finds PrintTo by name.
// NOLINTNEXTLINE(readability-identifier-naming)
void PrintTo(const FormatCase& c, std::ostream* os) {
  *os << c.name;
}

class GoDurationFormatTest : public testing::TestWithParam<FormatCase> {};

TEST_P(GoDurationFormatTest, FormatsLikeGo) {
  const FormatCase& c = GetParam();
  EXPECT_EQ(formatGoDuration(nanoseconds(c.nanos)), c.text);
  // What Go prints, Go parses back to the same duration.
  StatusOr<nanoseconds> back = parseGoDuration(c.text);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(back->count(), c.nanos);
}

INSTANTIATE_TEST_SUITE_P(Go, GoDurationFormatTest, testing::ValuesIn(kFormatCases),
                         caseName<FormatCase>);

// ---- parseDurationOrMillis (KEDA typed config) ----

struct KedaCase {
  std::string_view name;
  std::string_view input;
  int64_t nanos;        // when message is empty
  std::string message;  // the expected error, or empty
};

constexpr std::string_view kNotDuration =
    ": must be either a duration string (e.g. '30s', '5m') or a number of milliseconds";

std::string notDuration(std::string_view quoted) {
  return "unable to parse duration value " + std::string(quoted) + std::string(kNotDuration);
}

const auto kKedaCases = std::to_array<KedaCase>({
    {"GoDuration", "30s", 30 * kSecond, ""},
    {"GoDurationMinutes", "5m", 5 * kMinute, ""},
    {"IntegerIsMilliseconds", "1000", kSecond, ""},
    {"TimeoutThirtyIsMilliseconds", "30", 30 * kMilli, ""},
    {"PlusSignedMilliseconds", "+5", 5 * kMilli, ""},
    {"ZeroIsGoDuration", "0", 0, ""},
    {"NegativeZeroMilliseconds", "-0", 0, ""},
    {"LargestMilliseconds", "9223372036854", 9223372036854 * kMilli, ""},
    {"NegativeGoDuration", "-5s", 0, "duration cannot be negative: \"-5s\""},
    {"NegativeMilliseconds", "-5", 0, "duration cannot be negative: -5 milliseconds"},
    {"MostNegativeMilliseconds", "-9223372036854775808", 0,
     "duration cannot be negative: -9223372036854775808 milliseconds"},
    {"Empty", "", 0, notDuration("\"\"")},
    {"Words", "soon", 0, notDuration("\"soon\"")},
    {"FractionalMilliseconds", "1.5", 0, notDuration("\"1.5\"")},
    {"UnknownUnit", "1d", 0, notDuration("\"1d\"")},
    {"InnerSpace", "1 s", 0, notDuration("\"1 s\"")},
    {"ControlCharacterEscaped", "1\n", 0, notDuration(R"("1\n")")},
    {"BeyondInt64", "9223372036854775808", 0, notDuration("\"9223372036854775808\"")},
    // KEDA multiplies without checking and wraps around; tidal refuses.
    {"MillisecondsOverflowNanoseconds", "9223372036855", 0,
     "duration value \"9223372036855\" is out of range: at most 9223372036854 milliseconds fit"},
});

// Failure messages name the case rather than dumping its bytes; gtest finds PrintTo by name.
// NOLINTNEXTLINE(readability-identifier-naming)
void PrintTo(const KedaCase& c, std::ostream* os) {
  *os << c.name;
}

class KedaDurationTest : public testing::TestWithParam<KedaCase> {};

TEST_P(KedaDurationTest, ReadsLikeKedaTypedConfig) {
  const KedaCase& c = GetParam();
  StatusOr<nanoseconds> d = parseDurationOrMillis(c.input);
  if (c.message.empty()) {
    ASSERT_TRUE(d.isOk()) << d.status().toString();
    EXPECT_EQ(d->count(), c.nanos);
  } else {
    ASSERT_FALSE(d.isOk()) << "parsed as " << d->count();
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(d.status().message(), c.message);
  }
}

INSTANTIATE_TEST_SUITE_P(Keda, KedaDurationTest, testing::ValuesIn(kKedaCases), caseName<KedaCase>);

}  // namespace
}  // namespace tidal::api
