#include "common/boxed.h"

#include <string>

#include <gtest/gtest.h>

namespace tidal {
namespace {

struct Big {
  std::string name;
  int value = 0;
  bool operator==(const Big&) const = default;
};

TEST(BoxedTest, IsOnePointerAndBehavesAsAnOptional) {
  static_assert(sizeof(Boxed<Big>) == sizeof(void*));
  Boxed<Big> b;
  EXPECT_FALSE(b.has_value());
  EXPECT_FALSE(static_cast<bool>(b));
  EXPECT_TRUE(b == std::nullopt);
  EXPECT_THROW((void)b.value(), std::bad_optional_access);
  b.emplace().name = "a";
  ASSERT_TRUE(b);
  EXPECT_EQ(b->name, "a");
  EXPECT_EQ((*b).value, 0);
  b = Big{"c", 3};
  EXPECT_EQ(b.value().value, 3);
  b = std::nullopt;
  EXPECT_FALSE(b.has_value());
}

TEST(BoxedTest, CopiesAreDeepAndCompareByValue) {
  Boxed<Big> a = Big{"a", 1};
  Boxed<Big> copy = a;
  ASSERT_TRUE(copy);
  EXPECT_NE(&*copy, &*a);
  EXPECT_TRUE(copy == a);
  copy->value = 2;
  EXPECT_EQ(a->value, 1);
  EXPECT_FALSE(copy == a);
  Boxed<Big> empty;
  EXPECT_FALSE(empty == a);
  EXPECT_TRUE(empty == Boxed<Big>());
  copy = empty;
  EXPECT_FALSE(copy.has_value());
  Boxed<Big> moved = std::move(a);
  EXPECT_EQ(moved->name, "a");
  moved.reset();
  EXPECT_FALSE(moved);
}

}  // namespace
}  // namespace tidal
