#include "common/strings.h"

#include <cmath>

#include <gtest/gtest.h>

namespace tidal {
namespace {

TEST(StringsTest, TrimSplitJoin) {
  EXPECT_EQ(trim("  a b \t\n"), "a b");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(split("a, b ,c", ','), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(split("a, b", ',', false), (std::vector<std::string>{"a", " b"}));
  EXPECT_EQ(split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(join({"a", "b"}, ";"), "a;b");
  EXPECT_EQ(toLower("QueueLength"), "queuelength");
  EXPECT_TRUE(startsWith("s0-rabbitmq", "s0-"));
  EXPECT_TRUE(endsWith("hostFromEnv", "FromEnv"));
  EXPECT_FALSE(endsWith("Env", "FromEnv"));
}

TEST(StringsTest, ParseGoInt) {
  struct Case {
    const char* name;
    const char* in;
    std::optional<int64_t> want;
  };
  const Case cases[] = {
      {"plain", "10", 10},
      {"negative", "-7", -7},
      {"plus sign", "+7", 7},
      {"zero", "0", 0},
      {"max", "9223372036854775807", INT64_MAX},
      {"overflow", "9223372036854775808", std::nullopt},
      {"float", "1.5", std::nullopt},
      {"letters", "AA", std::nullopt},
      {"space", " 1", std::nullopt},
      {"empty", "", std::nullopt},
      {"double sign", "+-1", std::nullopt},
      {"hex is not base 10", "0x10", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(parseGoInt(c.in), c.want) << c.name;
}

TEST(StringsTest, ParseGoFloat) {
  struct Case {
    const char* name;
    const char* in;
    std::optional<double> want;
  };
  const Case cases[] = {
      {"int", "5", 5.0},
      {"decimal", "2.5", 2.5},
      {"leading dot", ".5", 0.5},
      {"trailing dot", "5.", 5.0},
      {"exponent", "1e3", 1000.0},
      {"negative exponent", "15E-1", 1.5},
      {"negative", "-0.25", -0.25},
      {"inf", "+Inf", INFINITY},
      {"letters", "ten", std::nullopt},
      {"empty", "", std::nullopt},
      {"lone dot", ".", std::nullopt},
      {"dangling exponent", "1e", std::nullopt},
      {"two dots", "1.2.3", std::nullopt},
      {"space", "1 ", std::nullopt},
      {"overflow", "1e400", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(parseGoFloat(c.in), c.want) << c.name;
  EXPECT_TRUE(std::isnan(*parseGoFloat("NaN")));
}

TEST(StringsTest, EditDistance) {
  EXPECT_EQ(editDistance("rabbitmq", "rabbitmq"), 0u);
  EXPECT_EQ(editDistance("rabitmq", "rabbitmq"), 1u);
  EXPECT_EQ(editDistance("kafak", "kafka"), 2u);
  EXPECT_EQ(editDistance("", "cpu"), 3u);
}

}  // namespace
}  // namespace tidal
