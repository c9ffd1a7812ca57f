// Tests for KEDA's scaling-modifier formulas (formula.h): the examples from KEDA's documentation,
// nil handling for triggers past their fallback threshold, result conversion, and the admission
// webhook's validation.
#include "expr/formula.h"

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tidal::expr {
namespace {

using ::testing::HasSubstr;
using Values = Formula::TriggerValues;

constexpr std::optional<double> kNoValue = std::nullopt;

// ---------------------------------------------------------------------------------------------
// evaluate()

struct EvaluateCase {
  std::string name;
  std::string formula;
  Values values;
  std::optional<double> expected;  // ignored when `error` is set
  std::string error = {};          // expected in the error message
};

std::ostream& operator<<(std::ostream& os, const EvaluateCase& c) {
  return os << c.formula;
}

class FormulaEvaluateTest : public ::testing::TestWithParam<EvaluateCase> {};

TEST_P(FormulaEvaluateTest, Evaluates) {
  const EvaluateCase& c = GetParam();
  StatusOr<Formula> formula = Formula::compile(c.formula);
  ASSERT_TRUE(formula.isOk()) << formula.status().toString();
  StatusOr<std::optional<double>> got = formula->evaluate(c.values);
  if (!c.error.empty()) {
    ASSERT_FALSE(got.isOk()) << c.formula << " evaluated";
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(got.status().message(), HasSubstr(c.error));
    return;
  }
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(*got, c.expected);
}

const double kInf = std::numeric_limits<double>::infinity();

// clang-format off
const std::vector<EvaluateCase> kEvaluateCases = {
    // The examples in KEDA's scaling-modifiers documentation.
    {"average_of_two", "(trigger1 + trigger2)/2", {{"trigger1", 3.0}, {"trigger2", 6.0}}, 4.5},
    {"conditional_taken", "trigger1 > 2 ? trigger2 : 0",
     {{"trigger1", 3.0}, {"trigger2", 7.0}}, 7.0},
    {"conditional_int_branch_becomes_float", "trigger1 > 2 ? trigger2 : 0",
     {{"trigger1", 1.0}, {"trigger2", 7.0}}, 0.0},
    {"min_of_two", "min(a, b)", {{"a", 4.0}, {"b", 2.5}}, 2.5},
    {"max_times_factor", "max(a, b) * 2", {{"a", 4.0}, {"b", 2.5}}, 8.0},
    {"count_over_threshold", "count([trig_one, trig_two, trig_three], {# > 1}) > 1 ? 5 : 0",
     {{"trig_one", 2.0}, {"trig_two", 0.0}, {"trig_three", 3.0}}, 5.0},
    {"count_of_true_comparisons", "count([a > 1, b > 1, c > 1])",
     {{"a", 2.0}, {"b", 0.0}, {"c", 3.0}}, 2.0},
    {"sum_of_triggers", "sum([a, b, c])", {{"a", 1.0}, {"b", 2.0}, {"c", 3.5}}, 6.5},
    {"mean_of_triggers", "mean([a, b])", {{"a", 1.0}, {"b", 2.0}}, 1.5},
    {"float_division_by_zero", "a / b", {{"a", 1.0}, {"b", 0.0}}, kInf},
    // Triggers past their fallback threshold are nil; ?? picks a substitute.
    {"coalesce_uses_value", "a ?? 5", {{"a", 2.0}}, 2.0},
    {"coalesce_uses_default", "a ?? 5", {{"a", kNoValue}}, 5.0},
    {"coalesce_chain_second", "a ?? b ?? 8", {{"a", kNoValue}, {"b", 3.0}}, 3.0},
    {"coalesce_chain_default", "a ?? b ?? 8", {{"a", kNoValue}, {"b", kNoValue}}, 8.0},
    {"coalesce_may_give_nil", "a ?? b", {{"a", kNoValue}, {"b", kNoValue}}, kNoValue},
    {"coalesce_inside_arithmetic", "(a ?? 0) + (b ?? 0)", {{"a", kNoValue}, {"b", 4.0}}, 4.0},
    {"nil_comparison", "a == nil ? b : a", {{"a", kNoValue}, {"b", 9.0}}, 9.0},
    // Results go through float().
    {"int_result", "1 + 2", {}, 3.0},
    {"numeric_string_result", "'3.5'", {}, 3.5},
    {"nil_without_coalesce", "a", {{"a", kNoValue}}, kNoValue,
     "the formula evaluated to nil; only a formula that uses ?? may produce no value"},
    {"nil_in_arithmetic", "a + 1", {{"a", kNoValue}}, kNoValue, "invalid operation: nil + int"},
    {"bool_result", "a > 1", {{"a", 2.0}}, kNoValue,
     "the formula must produce a number, but it produced bool"},
    {"array_result", "[a]", {{"a", 2.0}}, kNoValue, "but it produced array"},
    {"non_numeric_string_result", "'many'", {}, kNoValue, "it produced the string \"many\""},
    {"missing_trigger", "a + missing", {{"a", 1.0}}, kNoValue, "unknown name missing at column 5"},
    {"float_modulo", "a % 2", {{"a", 5.0}}, kNoValue, "invalid operation: float % int"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Formulas, FormulaEvaluateTest, ::testing::ValuesIn(kEvaluateCases),
                         [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------------
// validate(): KEDA's webhook check.

struct ValidateCase {
  std::string name;
  std::string formula;
  std::vector<std::string> triggers;
  std::string error;  // empty when the formula is valid
};

std::ostream& operator<<(std::ostream& os, const ValidateCase& c) {
  return os << c.formula;
}

class FormulaValidateTest : public ::testing::TestWithParam<ValidateCase> {};

TEST_P(FormulaValidateTest, Validates) {
  const ValidateCase& c = GetParam();
  Status status = Formula::validate(c.formula, c.triggers);
  if (c.error.empty()) {
    EXPECT_TRUE(status.isOk()) << status.toString();
    return;
  }
  ASSERT_FALSE(status.isOk()) << c.formula << " passed validation";
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(c.error));
}

// clang-format off
const std::vector<ValidateCase> kValidateCases = {
    {"valid_average", "(t1 + t2) / 2", {"t1", "t2"}, ""},
    {"valid_coalesce", "t1 ?? t2 ?? 8", {"t1", "t2"}, ""},
    {"valid_unused_trigger", "t1 * 2", {"t1", "t2"}, ""},
    {"valid_count_predicate", "count([t1, t2], {# > 0})", {"t1", "t2"}, ""},
    {"unknown_trigger", "t1 + t3", {"t1", "t2"},
     "the formula fails with every trigger set to -1.0: unknown name t3 at column 6"},
    {"syntax_error", "t1 +", {"t1"}, "unexpected end of expression at column 5"},
    {"empty", "", {"t1"}, "formula is empty"},
    {"bool_result", "t1 > 0", {"t1"}, "the formula must produce a number, but it produced bool"},
    {"modulo_of_float", "t1 % 2", {"t1"}, "invalid operation: float % int"},
    {"unknown_function", "median2(t1)", {"t1"}, "unknown function \"median2\""},
    {"no_triggers", "t1", {}, "unknown name t1"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Formulas, FormulaValidateTest, ::testing::ValuesIn(kValidateCases),
                         [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------------

TEST(Formula, ReportsTheTriggersItUses) {
  StatusOr<Formula> f = Formula::compile("b ?? a ?? max(c, a)");
  ASSERT_TRUE(f.isOk());
  EXPECT_EQ(f->variables(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(f->source(), "b ?? a ?? max(c, a)");
}

TEST(Formula, AllowsNilOnlyWhenTheTextHasCoalescing) {
  StatusOr<Formula> with = Formula::compile("a ?? 1");
  StatusOr<Formula> without = Formula::compile("a + 1");
  ASSERT_TRUE(with.isOk());
  ASSERT_TRUE(without.isOk());
  EXPECT_TRUE(with->allowsNil());
  EXPECT_FALSE(without->allowsNil());
}

TEST(Formula, CompileErrorsPointAtTheProblem) {
  StatusOr<Formula> f = Formula::compile("min(a, b))");
  ASSERT_FALSE(f.isOk());
  EXPECT_EQ(f.status().message(),
            "unexpected token \")\" at column 10\n | min(a, b))\n |          ^");
}

TEST(Formula, CopiesEvaluateIndependently) {
  StatusOr<Formula> f = Formula::compile("x * 10");
  ASSERT_TRUE(f.isOk());
  const Formula copy = *f;
  StatusOr<std::optional<double>> a = f->evaluate({{"x", 1.0}});
  StatusOr<std::optional<double>> b = copy.evaluate({{"x", 2.0}});
  ASSERT_TRUE(a.isOk());
  ASSERT_TRUE(b.isOk());
  EXPECT_EQ(*a, std::optional<double>(10.0));
  EXPECT_EQ(*b, std::optional<double>(20.0));
}

}  // namespace
}  // namespace tidal::expr
