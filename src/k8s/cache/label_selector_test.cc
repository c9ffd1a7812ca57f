#include "k8s/cache/label_selector.h"

#include <gtest/gtest.h>

#include "k8s/cache/store.h"

namespace tidal::k8s {
namespace {

TEST(LabelSelectorTest, Matching) {
  struct Case {
    std::string selector;
    api::StringMap labels;
    bool matches;
  };
  const Case cases[] = {
      {"", {}, true},
      {"app=web", {{"app", "web"}}, true},
      {"app==web", {{"app", "web"}}, true},
      {"app=web", {{"app", "db"}}, false},
      {"app=web", {}, false},
      {"app!=web", {{"app", "db"}}, true},
      {"app!=web", {}, true},
      {"tier in (front, back)", {{"tier", "back"}}, true},
      {"tier in (front,back)", {{"tier", "db"}}, false},
      {"tier notin (front)", {}, true},
      {"tier notin (front)", {{"tier", "front"}}, false},
      {"canary", {{"canary", ""}}, true},
      {"!canary", {{"canary", "x"}}, false},
      {"!canary", {}, true},
      {"app=web,tier in (front),!canary", {{"app", "web"}, {"tier", "front"}}, true},
      {"app=web, tier=back", {{"app", "web"}, {"tier", "front"}}, false},
      {"scaledobject.keda.sh/name=so", {{"scaledobject.keda.sh/name", "so"}}, true},
  };
  for (const Case& c : cases) {
    StatusOr<LabelSelector> s = LabelSelector::parse(c.selector);
    ASSERT_TRUE(s.isOk()) << c.selector << ": " << s.status().toString();
    EXPECT_EQ(s->matches(c.labels), c.matches) << c.selector;
  }
}

TEST(LabelSelectorTest, Errors) {
  struct Case {
    std::string selector;
    std::string message;
  };
  const Case cases[] = {
      {"=web", "at position 0: expected a label key"},
      {"app in front", "expected '(' after \"in\""},
      {"app in (a b)", "expected ',' or ')' in the set"},
      {"app in ()", "expected a value in the set"},
      {"a=b c=d", "expected ',' between requirements"},
      {"!", "expected a label key after '!'"},
  };
  for (const Case& c : cases) {
    StatusOr<LabelSelector> s = LabelSelector::parse(c.selector);
    ASSERT_FALSE(s.isOk()) << c.selector;
    EXPECT_NE(s.status().message().find(c.message), std::string::npos)
        << c.selector << ": " << s.status().message();
  }
}

TEST(LabelSelectorTest, CanonicalText) {
  EXPECT_EQ(LabelSelector::parse("a==b, c in (d,e),  !f,g")->toString(), "a=b,c in (d,e),!f,g");
  EXPECT_EQ(LabelSelector::fromMatchLabels({{"app", "web"}, {"x", "y"}}).toString(), "app=web,x=y");
}

CachedObject object(const std::string& ns, const std::string& name, api::StringMap labels,
                    const std::string& rv = "1") {
  auto meta = std::make_shared<api::ObjectMeta>();
  meta->namespace_ = ns;
  meta->name = name;
  meta->labels = std::move(labels);
  meta->resourceVersion = rv;
  const api::ObjectMeta* raw = meta.get();
  return {std::shared_ptr<const void>(meta), raw};
}

std::vector<std::string> names(const std::vector<CachedObject>& objects) {
  std::vector<std::string> out;
  for (const CachedObject& o : objects) out.push_back(o.key().toString());
  std::sort(out.begin(), out.end());
  return out;
}

// The same answers with the label index and without it (select() then scans).
class ObjectStoreTest : public ::testing::TestWithParam<bool> {};

TEST_P(ObjectStoreTest, IndexesFollowUpdatesAndDeletes) {
  ObjectStore store(GetParam());
  store.upsert(object("ab", "web", {{"app", "web"}}));  // a namespace that "a" is a prefix of
  ASSERT_TRUE(store.erase({"ab", "web"}).has_value());
  store.upsert(object("ab", "other", {{"app", "other"}}));
  store.upsert(object("a", "web", {{"app", "web"}}));
  store.upsert(object("a", "db", {{"app", "db"}}));
  store.upsert(object("b", "web", {{"app", "web"}, {"tier", "front"}}));
  EXPECT_EQ(store.size(), 4u);
  EXPECT_EQ(names(store.listNamespace("a")), (std::vector<std::string>{"a/db", "a/web"}));
  EXPECT_EQ(names(store.listNamespace("ab")), (std::vector<std::string>{"ab/other"}));
  EXPECT_EQ(names(store.select(*LabelSelector::parse("app=web"))),
            (std::vector<std::string>{"a/web", "b/web"}));
  EXPECT_EQ(names(store.select(*LabelSelector::parse("app=web"), "b")),
            (std::vector<std::string>{"b/web"}));
  EXPECT_EQ(names(store.select(*LabelSelector::parse("tier notin (back)"), "a")),
            (std::vector<std::string>{"a/db", "a/web"}));

  // Relabelling moves the object between label index entries.
  std::optional<CachedObject> before = store.upsert(object("a", "web", {{"app", "api"}}, "2"));
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->meta->resourceVersion, "1");
  EXPECT_EQ(names(store.select(*LabelSelector::parse("app=web"))),
            (std::vector<std::string>{"b/web"}));
  EXPECT_EQ(names(store.select(*LabelSelector::parse("app=api"))),
            (std::vector<std::string>{"a/web"}));

  EXPECT_TRUE(store.erase({"a", "db"}).has_value());
  EXPECT_FALSE(store.erase({"a", "db"}).has_value());
  EXPECT_TRUE(store.select(*LabelSelector::parse("app=db")).empty());
  EXPECT_TRUE(store.listNamespace("zzz").empty());

  std::map<ObjectKey, CachedObject> previous = store.replaceAll({object("c", "x", {})});
  EXPECT_EQ(previous.size(), 3u);
  EXPECT_EQ(names(store.list()), (std::vector<std::string>{"c/x"}));
  EXPECT_TRUE(store.select(*LabelSelector::parse("app=web")).empty());
}

INSTANTIATE_TEST_SUITE_P(LabelIndex, ObjectStoreTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Indexed" : "Scanned";
                         });

}  // namespace
}  // namespace tidal::k8s
