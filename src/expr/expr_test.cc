// Tests for the expression engine (program.h): what each expression evaluates to, and what each
// broken expression reports. The expected values follow expr-lang's semantics.
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expr/program.h"
#include "expr/value.h"

namespace tidal::expr {
namespace {

using ::testing::HasSubstr;

Value intOf(int64_t i) {
  return Value::ofInt(i);
}
Value floatOf(double d) {
  return Value::ofFloat(d);
}
Value boolOf(bool b) {
  return Value::ofBool(b);
}
Value strOf(std::string s) {
  return Value::ofString(std::move(s));
}
Value arrayOf(Array elements) {
  return Value::ofArray(std::move(elements));
}
const Value kNil = Value::nil();

// The variables every case may use.
const Environment& testEnvironment() {
  static const Environment* env = new Environment{
      {"i", intOf(7)},     {"f", floatOf(2.5)},
      {"n", kNil},         {"s", strOf("abc")},
      {"t", boolOf(true)}, {"arr", arrayOf({intOf(1), floatOf(2.5), intOf(3)})},
  };
  return *env;
}

StatusOr<Value> evaluate(std::string_view source) {
  TIDAL_ASSIGN_OR_RETURN(Program program, Program::compile(source));
  return program.run(testEnvironment());
}

// ---------------------------------------------------------------------------------------------
// Expressions that evaluate.

struct EvalCase {
  std::string name;
  std::string source;
  Value expected;
};

std::ostream& operator<<(std::ostream& os, const EvalCase& c) {
  return os << c.source;
}

class EvalTest : public ::testing::TestWithParam<EvalCase> {};

TEST_P(EvalTest, Evaluates) {
  const EvalCase& c = GetParam();
  StatusOr<Value> got = evaluate(c.source);
  ASSERT_TRUE(got.isOk()) << c.source << ": " << got.status().toString();
  EXPECT_EQ(*got, c.expected) << c.source << " gave " << got->debugString();
}

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// clang-format off
const std::vector<EvalCase> kEvalCases = {
    // Precedence and associativity.
    {"mul_before_add", "1 + 2 * 3", intOf(7)},
    {"parens_first", "(1 + 2) * 3", intOf(9)},
    {"sub_left_assoc", "10 - 4 - 3", intOf(3)},
    {"div_left_assoc", "100 / 10 / 5", floatOf(2)},
    {"pow_right_assoc", "2 ** 3 ** 2", floatOf(512)},
    {"pow_before_unary_minus", "-2 ** 2", floatOf(-4)},
    {"parenthesised_negative_base", "(-2) ** 2", floatOf(4)},
    {"mod_and_mul_same_level", "i % 4 * 2", intOf(6)},
    {"arith_before_compare", "1 + 2 == 3", boolOf(true)},
    {"not_before_compare", "!true == false", boolOf(true)},
    {"and_before_or", "true || false && false", boolOf(true)},
    {"keyword_not_and", "not false and true", boolOf(true)},
    {"keyword_or", "false or t", boolOf(true)},
    {"coalesce_binds_tightest", "1 + n ?? 2", intOf(3)},
    {"coalesce_under_unary_minus", "-n ?? 4", intOf(-4)},
    {"chained_less", "1 < 2 < 3", boolOf(true)},
    {"chained_greater", "3 > 2 > 1", boolOf(true)},
    {"chained_fails_on_second", "1 < 3 < 2", boolOf(false)},
    {"chain_compares_neighbours", "1 < 2 == true", boolOf(false)},
    // Unary operators.
    {"negate_int", "-i", intOf(-7)},
    {"unary_plus_float", "+f", floatOf(2.5)},
    {"double_negation", "- -3", intOf(3)},
    {"bang", "!false", boolOf(true)},
    {"not_keyword", "not t", boolOf(false)},
    // int and float arithmetic.
    {"int_plus_int_is_int", "7 + 2", intOf(9)},
    {"int_plus_float_is_float", "7 + 2.0", floatOf(9)},
    {"float_minus", "7 - 2.5", floatOf(4.5)},
    {"int_times_int", "3 * 4", intOf(12)},
    {"int_times_float", "3 * 0.5", floatOf(1.5)},
    {"division_is_always_float", "7 / 2", floatOf(3.5)},
    {"exact_division_still_float", "6 / 3", floatOf(2)},
    {"modulo_ints", "7 % 3", intOf(1)},
    {"modulo_truncates_toward_zero", "-7 % 3", intOf(-1)},
    {"modulo_min_by_minus_one", "(-9223372036854775807 - 1) % -1", intOf(0)},
    {"float_division_by_zero_is_inf", "1 / 0", floatOf(kInf)},
    {"negative_division_by_zero", "-1 / 0.0", floatOf(-kInf)},
    {"zero_over_zero_is_nan", "0 / 0", floatOf(kNaN)},
    {"int_overflow_wraps", "9223372036854775807 + 1", intOf(std::numeric_limits<int64_t>::min())},
    {"pow_is_float", "2 ** 3", floatOf(8)},
    {"caret_is_pow", "2 ^ 3", floatOf(8)},
    {"fractional_pow", "4 ** 0.5", floatOf(2)},
    {"string_concat", "'ab' + \"cd\"", strOf("abcd")},
    // Comparison and equality.
    {"int_equals_float", "1 == 1.0", boolOf(true)},
    {"not_equal", "1 != 2", boolOf(true)},
    {"strings_equal", "'a' == \"a\"", boolOf(true)},
    {"strings_order", "'apple' < 'banana'", boolOf(true)},
    {"number_never_equals_string", "1 == '1'", boolOf(false)},
    {"bool_never_equals_int", "true == 1", boolOf(false)},
    {"nil_equals_nil", "n == nil", boolOf(true)},
    {"nil_not_equal_zero", "nil != 0", boolOf(true)},
    {"arrays_equal_elementwise", "[1, 2] == [1, 2.0]", boolOf(true)},
    {"float_ge_int", "2.5 >= 2", boolOf(true)},
    {"nan_compares_false", "0 / 0 < 1", boolOf(false)},
    {"in_array", "2 in [1, 2, 3]", boolOf(true)},
    {"not_in_array", "5 not in [1, 2]", boolOf(true)},
    {"in_nil", "1 in nil", boolOf(false)},
    // Logic short-circuits, so the right side need not be valid.
    {"and_short_circuit", "false && undefinedName", boolOf(false)},
    {"or_short_circuit", "true || 1 % 0 == 1", boolOf(true)},
    // Ternary.
    {"ternary_true", "i > 5 ? 'big' : 'small'", strOf("big")},
    {"ternary_right_assoc", "f > 5 ? 1 : f > 2 ? 2 : 3", intOf(2)},
    {"ternary_evaluates_one_branch", "true ? 1 : 1 % 0", intOf(1)},
    {"ternary_with_coalesce_condition", "n ?? false ? 1 : 2", intOf(2)},
    // Nil-coalescing.
    {"coalesce_nil", "n ?? 5", intOf(5)},
    {"coalesce_non_nil", "f ?? 5", floatOf(2.5)},
    {"coalesce_chain", "n ?? n ?? 8", intOf(8)},
    {"coalesce_keeps_false", "false ?? true", boolOf(false)},
    {"coalesce_unevaluated_right", "f ?? (1 % 0)", floatOf(2.5)},
    {"coalesce_parenthesised_then_add", "(n ?? 2) + 1", intOf(3)},
    // Literals.
    {"hex", "0x1F", intOf(31)},
    {"octal", "0o17", intOf(15)},
    {"binary", "0b101", intOf(5)},
    {"underscores", "1_000_000", intOf(1000000)},
    {"leading_dot_float", ".5", floatOf(0.5)},
    {"exponent_float", "1e3", floatOf(1000)},
    {"negative_exponent", "25e-2", floatOf(0.25)},
    {"trailing_dot_float", "2.", floatOf(2)},
    {"escaped_quote", "'it\\'s'", strOf("it's")},
    {"unicode_escape", R"("\u00e9\t")", strOf("\xC3\xA9\t")},
    {"raw_string", "`a\\n`", strOf("a\\n")},
    {"array_literal", "[1, 'a', nil, [true]]",
     arrayOf({intOf(1), strOf("a"), kNil, arrayOf({boolOf(true)})})},
    {"empty_array", "[]", arrayOf({})},
    {"array_trailing_comma", "[1, 2,]", arrayOf({intOf(1), intOf(2)})},
    {"comments", "1 /* one */ + 2 // two", intOf(3)},
    {"multi_line", "1 +\n  2", intOf(3)},
    // Indexing.
    {"index_first", "arr[0]", intOf(1)},
    {"index_from_end", "arr[-1]", intOf(3)},
    {"index_literal", "[10, 20][1]", intOf(20)},
    // Builtins.
    {"len_array", "len(arr)", intOf(3)},
    {"len_string_bytes", "len('h\xC3\xA9')", intOf(3)},
    {"abs_int", "abs(-3)", intOf(3)},
    {"abs_float", "abs(-2.5)", floatOf(2.5)},
    {"ceil", "ceil(1.2)", floatOf(2)},
    {"floor_negative", "floor(-1.5)", floatOf(-2)},
    {"round_half_away", "round(2.5)", floatOf(3)},
    {"round_negative_half_away", "round(-2.5)", floatOf(-3)},
    {"ceil_of_int_is_float", "ceil(3)", floatOf(3)},
    {"float_of_int", "float(3)", floatOf(3)},
    {"float_of_string", "float('2.5')", floatOf(2.5)},
    {"int_truncates", "int(2.9)", intOf(2)},
    {"int_truncates_negative", "int(-2.9)", intOf(-2)},
    {"int_of_string", "int('42')", intOf(42)},
    {"min_variadic", "min(3, 1, 2)", intOf(1)},
    {"max_mixed_types", "max(1, 2.5)", floatOf(2.5)},
    {"max_looks_into_arrays", "max([1, 5], 3)", intOf(5)},
    {"max_first_of_equals_wins", "max(1, 1.0)", intOf(1)},
    {"min_of_empty_array_is_nil", "min([])", kNil},
    {"max_of_lone_nil_is_nil", "max(n)", kNil},
    {"mean", "mean([1, 2, 3, 4])", floatOf(2.5)},
    {"avg_alias", "avg(1, 2)", floatOf(1.5)},
    {"mean_of_nothing", "mean([])", floatOf(0)},
    {"median_odd", "median([3, 1, 2])", floatOf(2)},
    {"median_even", "median([4, 1, 3, 2])", floatOf(2.5)},
    {"sum_ints", "sum([1, 2, 3])", intOf(6)},
    {"sum_mixed", "sum([1, 2.5])", floatOf(3.5)},
    {"sum_empty_is_int_zero", "sum([])", intOf(0)},
    {"sum_with_predicate", "sum([1, 2, 3], # * 2)", intOf(12)},
    {"count_predicate", "count([1, 5, 7], {# > 2})", intOf(2)},
    {"count_bare_predicate", "count(arr, # > 1)", intOf(2)},
    {"count_true_elements", "count([true, false, true])", intOf(2)},
    {"all", "all([1, 2], {# > 0})", boolOf(true)},
    {"all_of_empty", "all([], {# > 0})", boolOf(true)},
    {"any", "any([1, 2], {# > 1})", boolOf(true)},
    {"none", "none([1, 2], {# > 5})", boolOf(true)},
    {"one", "one([1, 2], {# > 1})", boolOf(true)},
    {"filter", "filter([1, 2, 3], {# % 2 == 1})", arrayOf({intOf(1), intOf(3)})},
    {"map", "map([1, 2], {# * 10})", arrayOf({intOf(10), intOf(20)})},
    {"map_index", "map([5, 6], {#index})", arrayOf({intOf(0), intOf(1)})},
    {"nested_predicates", "count([[1, 2], [0]], {count(#, {# > 1}) > 0})", intOf(1)},
    {"predicate_sees_variables", "count(arr, {# < i - 4})", intOf(2)},
    // let.
    {"let_chain", "let x = 2; let y = x * 3; x + y", intOf(8)},
    {"let_shadows_variable", "let f = 1; f", intOf(1)},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Expressions, EvalTest, ::testing::ValuesIn(kEvalCases),
                         [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------------
// Expressions that fail, at compile time or when run.

enum class Phase { kCompile, kRun };

struct ErrorCase {
  std::string name;
  std::string source;
  Phase phase;
  std::string message;  // expected in the error, including the position
};

std::ostream& operator<<(std::ostream& os, const ErrorCase& c) {
  return os << c.source;
}

class ErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorTest, Fails) {
  const ErrorCase& c = GetParam();
  StatusOr<Program> program = Program::compile(c.source);
  if (c.phase == Phase::kCompile) {
    ASSERT_FALSE(program.isOk()) << c.source << " compiled";
    EXPECT_EQ(program.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(program.status().message(), HasSubstr(c.message));
    return;
  }
  ASSERT_TRUE(program.isOk()) << program.status().toString();
  StatusOr<Value> result = program->run(testEnvironment());
  ASSERT_FALSE(result.isOk()) << c.source << " gave " << result->debugString();
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr(c.message));
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

// clang-format off
const std::vector<ErrorCase> kErrorCases = {
    // Syntax.
    {"unexpected_paren", "(a + )", Phase::kCompile, "unexpected token \")\" at column 6"},
    {"stray_close_paren", "(1 + 2))", Phase::kCompile, "unexpected token \")\" at column 8"},
    {"unexpected_end", "1 +", Phase::kCompile, "unexpected end of expression at column 4"},
    {"unclosed_array", "[1, 2", Phase::kCompile, "unexpected end of expression at column 6"},
    {"missing_else", "a ? b", Phase::kCompile, "unexpected end of expression at column 6"},
    {"empty", "  ", Phase::kCompile, "expression is empty"},
    {"bad_character", "1 @ 2", Phase::kCompile, "unrecognized character \"@\" at column 3"},
    {"unterminated_string", "'abc", Phase::kCompile, "unterminated string literal at column 1"},
    {"bad_escape", "'a\\q'", Phase::kCompile, "invalid escape sequence in string at column 3"},
    {"unclosed_comment", "1 /* x", Phase::kCompile, "unclosed comment at column 3"},
    {"bad_number", "12abc", Phase::kCompile, "bad number syntax \"12abc\" at column 1"},
    {"integer_too_large", "99999999999999999999", Phase::kCompile, "integer literal is too large"},
    {"float_too_large", "1e999", Phase::kCompile, "invalid float literal"},
    {"second_line", "a +\n  )", Phase::kCompile, "unexpected token \")\" at line 2, column 3"},
    {"coalesce_mixed", "a ?? b + 1", Phase::kCompile,
     R"(operator "+" cannot be mixed with "??" without parentheses)"},
    {"coalesce_mixed_compare", "a ?? b > 1", Phase::kCompile, "at column 8"},
    {"unknown_function", "foo(1)", Phase::kCompile, "unknown function \"foo\" at column 1"},
    {"too_many_args", "abs(1, 2)", Phase::kCompile,
     "wrong number of arguments for abs: expected 1, got 2"},
    {"too_few_args", "min()", Phase::kCompile,
     "wrong number of arguments for min: expected at least 1, got 0"},
    {"missing_predicate", "all([1])", Phase::kCompile,
     "wrong number of arguments for all: expected 2 (an array and a predicate), got 1"},
    {"pointer_outside_predicate", "# > 1", Phase::kCompile,
     "# can only be used inside a predicate"},
    {"unknown_pointer", "count([1], {#acc})", Phase::kCompile, "unknown predicate variable"},
    {"member_access", "a.b", Phase::kCompile, "member access is not supported"},
    {"map_literal", "{a: 1}", Phase::kCompile, "map literals are not supported"},
    {"string_operator", "s contains 'a'", Phase::kCompile,
     "operator \"contains\" is not supported"},
    {"range_operator", "1..3", Phase::kCompile, "operator \"..\" is not supported"},
    {"pipe_operator", "arr | len()", Phase::kCompile, "operator \"|\" is not supported"},
    {"short_ternary", "a ?: b", Phase::kCompile, "\"?:\" is not supported"},
    {"slice", "arr[1:2]", Phase::kCompile, "slices are not supported"},
    {"let_without_name", "let = 1; 2", Phase::kCompile, "expected a variable name after let"},
    {"reserved_word_as_name", "in + 1", Phase::kCompile, "unexpected token \"in\""},
    {"deep_parentheses", repeat("(", 250) + "1" + repeat(")", 250), Phase::kCompile,
     "expression is nested too deeply (the limit is 200 levels)"},
    {"deep_unary", repeat("-", 300) + "1", Phase::kCompile, "nested too deeply"},
    {"long_left_chain", "1" + repeat(" + 1", 300), Phase::kCompile, "nested too deeply"},
    {"long_right_chain", "2" + repeat(" ** 2", 300), Phase::kCompile, "nested too deeply"},
    {"too_long", std::string(70000, ' ') + "1", Phase::kCompile, "expression is too long"},
    // Run-time type errors.
    {"bool_plus_int", "t + 1", Phase::kRun, "invalid operation: bool + int at column 3"},
    {"string_times_int", "s * 2", Phase::kRun, "invalid operation: string * int"},
    {"nil_plus_float", "n + f", Phase::kRun, "invalid operation: nil + float"},
    {"float_modulo", "f % 2", Phase::kRun, "invalid operation: float % int"},
    {"modulo_by_zero", "7 % 0", Phase::kRun, "integer divide by zero at column 3"},
    {"pow_of_bool", "t ** 2", Phase::kRun, "invalid operation: bool ** int"},
    {"negate_bool", "-t", Phase::kRun, "invalid operation: - bool"},
    {"not_int", "!i", Phase::kRun, "invalid operation: ! int"},
    {"order_mixed", "i < s", Phase::kRun, "invalid operation: int < string"},
    {"order_in_chain", "1 < 2 < 'x'", Phase::kRun, "invalid operation: int < string at column 7"},
    {"unknown_name", "i + nope", Phase::kRun, "unknown name nope at column 5"},
    {"non_bool_condition", "i ? 1 : 2", Phase::kRun,
     "the condition before ? must be bool (got int)"},
    {"non_bool_and_left", "i && true", Phase::kRun,
     "the left operand of && must be bool (got int)"},
    {"non_bool_or_right", "false || i", Phase::kRun,
     "the right operand of || must be bool (got int)"},
    {"count_without_predicate_needs_bools", "count([1, 2])", Phase::kRun,
     "without a predicate, each element of count must be bool (got int)"},
    {"predicate_must_be_bool", "count([1], {# + 1})", Phase::kRun,
     "the predicate of count must be bool (got int)"},
    {"count_needs_array", "count(i, # > 1)", Phase::kRun,
     "builtin count takes only array (got int)"},
    {"sum_of_strings_and_ints", "sum([1, 'a'])", Phase::kRun, "invalid operation: int + string"},
    {"abs_of_string", "abs('x')", Phase::kRun, "invalid argument for abs (type string)"},
    {"len_of_int", "len(1)", Phase::kRun, "invalid argument for len (type int)"},
    {"float_of_bad_string", "float('abc')", Phase::kRun, "invalid operation: float(\"abc\")"},
    {"float_of_nil", "float(n)", Phase::kRun, "invalid operation: float(nil)"},
    {"int_of_bool", "int(t)", Phase::kRun, "invalid operation: int(bool)"},
    {"max_of_string", "max(1, 'a')", Phase::kRun, "invalid argument for max (type string)"},
    {"max_of_nil_element", "max([1, nil])", Phase::kRun, "invalid argument for max (type nil)"},
    {"mean_of_string", "mean(['a'])", Phase::kRun, "invalid argument for mean (type string)"},
    {"index_out_of_range", "arr[5]", Phase::kRun, "index out of range: 5 (array length is 3)"},
    {"index_non_array", "i[0]", Phase::kRun, "cannot index int"},
    {"in_non_array", "1 in 2", Phase::kRun, "the right side of in must be an array"},
    {"step_limit", "let a = [" + repeat("1,", 1000) + "]; count(a, {count(a, {true}) > 0})",
     Phase::kRun, "expression is too expensive to evaluate"},
};
// clang-format on

INSTANTIATE_TEST_SUITE_P(Expressions, ErrorTest, ::testing::ValuesIn(kErrorCases),
                         [](const auto& info) { return info.param.name; });

// ---------------------------------------------------------------------------------------------
// Error messages, program metadata and concurrency.

TEST(ErrorMessage, QuotesTheLineWithACaret) {
  StatusOr<Program> p = Program::compile("(a + )");
  ASSERT_FALSE(p.isOk());
  EXPECT_EQ(p.status().message(), "unexpected token \")\" at column 6\n | (a + )\n |      ^");
}

TEST(ErrorMessage, RunTimeErrorsPointAtTheOperator) {
  StatusOr<Program> p = Program::compile("i * 2 + t");
  ASSERT_TRUE(p.isOk());
  StatusOr<Value> v = p->run(testEnvironment());
  ASSERT_FALSE(v.isOk());
  EXPECT_EQ(v.status().message(),
            "invalid operation: int + bool at column 7\n | i * 2 + t\n |       ^");
}

TEST(ErrorMessage, ColumnsCountCharactersNotBytes) {
  // "é" is two bytes but one column.
  StatusOr<Program> p = Program::compile("'\xC3\xA9' + )");
  ASSERT_FALSE(p.isOk());
  EXPECT_THAT(p.status().message(), HasSubstr("at column 7"));
  EXPECT_THAT(p.status().message(), HasSubstr("\n |       ^"));
}

TEST(ErrorMessage, LongLinesAreCutAroundTheCaret) {
  StatusOr<Program> p = Program::compile("x + " + std::string(200, 'a') + " + )");
  ASSERT_FALSE(p.isOk());
  const std::string& message = p.status().message();
  EXPECT_THAT(message, HasSubstr("at column 208"));
  EXPECT_THAT(message, HasSubstr(" | ..."));
  EXPECT_LT(message.size(), 250u);
}

TEST(Program, ListsFreeVariablesSortedWithoutLetOrPredicateNames) {
  StatusOr<Program> p = Program::compile("let k = 2; b + a * k + count([c], {# > d}) + a");
  ASSERT_TRUE(p.isOk()) << p.status().toString();
  EXPECT_EQ(p->variables(), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(p->source(), "let k = 2; b + a * k + count([c], {# > d}) + a");
}

TEST(Program, RunsManyTimesWithDifferentBindings) {
  StatusOr<Program> p = Program::compile("x * 2");
  ASSERT_TRUE(p.isOk());
  for (int i = 0; i < 10; ++i) {
    Environment env{{"x", intOf(i)}};
    StatusOr<Value> v = p->run(env);
    ASSERT_TRUE(v.isOk());
    EXPECT_EQ(*v, intOf(int64_t{2} * i));
  }
}

TEST(Program, IsSafeToRunFromManyThreads) {
  StatusOr<Program> p = Program::compile("let y = x * 2; count([x, y, 3], {# > 2}) + sum([x, y])");
  ASSERT_TRUE(p.isOk());
  const Program program = *p;  // copies share the compiled tree
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        Environment env{{"x", intOf(i)}};
        StatusOr<Value> v = program.run(env);
        const int64_t expected = (i > 2 ? 1 : 0) + (2 * i > 2 ? 1 : 0) + 1 + int64_t{3} * i;
        if (!v.isOk() || !(*v == intOf(expected))) {
          ++failures[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (std::thread& th : threads) {
    th.join();
  }
  EXPECT_EQ(failures, (std::vector<int>{0, 0, 0, 0}));
}

TEST(Value, DebugStringsKeepIntAndFloatApart) {
  EXPECT_EQ(intOf(3).debugString(), "3");
  EXPECT_EQ(floatOf(3).debugString(), "3.0");
  EXPECT_EQ(floatOf(0.25).debugString(), "0.25");
  EXPECT_EQ(floatOf(kInf).debugString(), "+Inf");
  EXPECT_EQ(arrayOf({kNil, strOf("x"), boolOf(false)}).debugString(), "[nil, \"x\", false]");
  EXPECT_FALSE(intOf(1) == floatOf(1));
  EXPECT_TRUE(floatOf(kNaN) == floatOf(kNaN));
}

TEST(Environment, LookupDistinguishesUnboundFromNil) {
  Environment env{{"a", kNil}};
  EXPECT_EQ(env.lookup("a"), std::optional<Value>(kNil));
  EXPECT_EQ(env.lookup("b"), std::nullopt);
  env.set("a", intOf(1));
  EXPECT_EQ(env.lookup("a"), std::optional<Value>(intOf(1)));
  EXPECT_EQ(env.size(), 1u);
}

}  // namespace
}  // namespace tidal::expr
