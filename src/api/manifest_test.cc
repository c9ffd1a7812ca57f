#include "api/manifest.h"

#include <gtest/gtest.h>

namespace tidal::api {
namespace {

TEST(ManifestTest, ScalarResolutionLikeKubectl) {
  struct Case {
    const char* name;
    const char* yaml;
    nlohmann::json want;
  };
  const Case cases[] = {
      {"int", "v: 5", 5},
      {"quoted int stays string", "v: \"5\"", "5"},
      {"single quoted", "v: '5'", "5"},
      {"negative", "v: -3", -3},
      {"hex", "v: 0x1f", 31},
      {"octal", "v: 0755", 493},
      {"float", "v: 2.5", 2.5},
      {"exponent", "v: 1e3", 1000.0},
      {"true", "v: true", true},
      {"yaml 1.1 yes", "v: yes", true},
      {"yaml 1.1 off", "v: off", false},
      {"null tilde", "v: ~", nullptr},
      {"empty is null", "v:", nullptr},
      {"plain string", "v: hello", "hello"},
      {"string with colon", "v: \"amqp://guest:guest@h:5672/\"", "amqp://guest:guest@h:5672/"},
      {"version-like", "v: 1.2.3", "1.2.3"},
      {"explicit str tag", "v: !!str 10", "10"},
  };
  for (const auto& c : cases) {
    auto docs = parseManifests(c.yaml, "t.yaml");
    ASSERT_TRUE(docs.isOk()) << c.name << ": " << docs.status().message();
    ASSERT_EQ(docs->size(), 1u) << c.name;
    EXPECT_EQ((*docs)[0].json["v"], c.want) << c.name;
  }
}

TEST(ManifestTest, MultipleDocumentsAndLines) {
  const char* text = R"(# leading comment
apiVersion: v1
kind: Secret
---
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: x
spec:
  triggers:
  - type: rabbitmq
    metadata:
      value: 5
)";
  auto docs = parseManifests(text, "t.yaml");
  ASSERT_TRUE(docs.isOk()) << docs.status().message();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0].json["kind"], "Secret");
  EXPECT_EQ((*docs)[1].json["kind"], "ScaledObject");
  EXPECT_EQ((*docs)[1].lineOf("spec.triggers[0].metadata.value"), 14);
  EXPECT_EQ((*docs)[1].lineOf("spec.triggers[0].type"), 12);
  // An unknown path falls back to its nearest known ancestor.
  EXPECT_EQ((*docs)[1].lineOf("spec.triggers[0].metadata.missing"), 14);
}

TEST(ManifestTest, JsonInput) {
  auto docs = parseManifests(R"({"apiVersion":"keda.sh/v1alpha1","kind":"ScaledObject",
    "spec":{"pollingInterval":10,"flag":true,"name":"5"}})",
                             "t.json");
  ASSERT_TRUE(docs.isOk());
  EXPECT_EQ((*docs)[0].json["spec"]["pollingInterval"], 10);
  EXPECT_EQ((*docs)[0].json["spec"]["flag"], true);
  EXPECT_EQ((*docs)[0].json["spec"]["name"], "5");
}

TEST(ManifestTest, ListIsExpanded) {
  auto docs = parseManifests(R"(apiVersion: v1
kind: List
items:
- apiVersion: keda.sh/v1alpha1
  kind: ScaledObject
  metadata: {name: a}
- apiVersion: keda.sh/v1alpha1
  kind: ScaledJob
  metadata:
    name: b
)",
                             "t.yaml");
  ASSERT_TRUE(docs.isOk());
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[1].json["kind"], "ScaledJob");
  EXPECT_EQ((*docs)[1].lineOf("metadata.name"), 10);
}

TEST(ManifestTest, MergeKeys) {
  auto docs = parseManifests(R"(base: &b {x: 1, y: 2}
v:
  <<: *b
  y: 3
)",
                             "t.yaml");
  ASSERT_TRUE(docs.isOk()) << docs.status().message();
  EXPECT_EQ((*docs)[0].json["v"], (nlohmann::json{{"x", 1}, {"y", 3}}));
}

TEST(ManifestTest, Errors) {
  struct Case {
    const char* name;
    const char* yaml;
    const char* want;
  };
  const Case cases[] = {
      {"duplicate key", "spec:\n  a: 1\n  a: 2\n", "t.yaml:3:3: duplicate key \"a\" in spec"},
      {"syntax", "spec: [1, 2\n", "t.yaml:"},
      {"bad indentation", "a: b\n c: d\n", "t.yaml:"},
      {"not a mapping", "- 1\n- 2\n", "t.yaml:1: expected a Kubernetes object"},
      {"scalar document", "hello\n", "expected a Kubernetes object"},
      // yaml-cpp 0.7 never returned on these (common/yaml.h reads manifests now).
      {"lone flow indicator", ",", "t.yaml:1:1: "},
      {"flow indicator document", "a: 1\n---\n,\n", "t.yaml:3:1: "},
  };
  for (const auto& c : cases) {
    auto docs = parseManifests(c.yaml, "t.yaml");
    ASSERT_FALSE(docs.isOk()) << c.name;
    EXPECT_NE(docs.status().message().find(c.want), std::string::npos)
        << c.name << ": " << docs.status().message();
  }
}

TEST(ManifestTest, DeepNestingIsRefusedNotCrashed) {
  std::string deep;
  for (int i = 0; i < 500; ++i) deep += "[";
  for (int i = 0; i < 500; ++i) deep += "]";
  auto docs = parseManifests("v: " + deep + "\n", "t.yaml");
  EXPECT_FALSE(docs.isOk());
}

TEST(ManifestTest, AliasExpansionIsBounded) {
  // "Billion laughs": each level repeats the previous one ten times; nine levels would be 10^9
  // values. The parser refuses instead of allocating.
  std::string yaml = "apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) yaml += (j ? ", " : "") + prev;
    yaml += "]\n";
  }
  auto docs = parseManifests(yaml, "laughs.yaml");
  ASSERT_FALSE(docs.isOk());
  EXPECT_NE(docs.status().message().find("too many values"), std::string::npos)
      << docs.status().message();
  // A few aliases in an ordinary manifest are fine.
  auto ok =
      parseManifests("apiVersion: v1\nkind: ConfigMap\nx: &v [1, 2]\ny: *v\nz: *v\n", "ok.yaml");
  ASSERT_TRUE(ok.isOk()) << ok.status().message();
}

TEST(ManifestTest, NonStringKindIsNotAList) {
  // Found by fuzzing: `kind: 5` made the List check throw.
  auto docs = parseManifests("kind: 5\nitems: [1]\n", "t.yaml");
  ASSERT_TRUE(docs.isOk());
  EXPECT_EQ(stringField((*docs)[0].json, "kind"), "");
  EXPECT_EQ(stringField(nlohmann::json::array(), "kind"), "");
}

TEST(ManifestTest, FieldPaths) {
  EXPECT_EQ(fieldPath("", "spec"), "spec");
  EXPECT_EQ(fieldPath("spec", "pollingInterval"), "spec.pollingInterval");
  EXPECT_EQ(fieldPath("metadata.annotations", "autoscaling.keda.sh/paused"),
            "metadata.annotations[autoscaling.keda.sh/paused]");
  EXPECT_EQ(fieldPath("spec.triggers", size_t{2}), "spec.triggers[2]");
}

}  // namespace
}  // namespace tidal::api
