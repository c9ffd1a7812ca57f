// The YAML reader: the tree it builds (kinds, tags, plain or quoted, positions), anchors and
// aliases shared and never cyclic, errors with positions, the depth limit, and inputs that hung
// yaml-cpp 0.7.
#include "common/yaml.h"

#include <string>

#include <gtest/gtest.h>

namespace tidal::yaml {
namespace {

TEST(Yaml, BuildsTheTree) {
  auto docs = parseAll("a: [1, 'x', \"y\"]\nb:\n  c: ~\n  d: |\n    text\n");
  ASSERT_TRUE(docs.isOk()) << docs.status().toString();
  ASSERT_EQ(docs->size(), 1u);
  const Node& root = *(*docs)[0].root;
  ASSERT_TRUE(root.isMapping());
  ASSERT_EQ(root.pairs.size(), 2u);
  const Node* a = root.find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->isSequence());
  ASSERT_EQ(a->items.size(), 3u);
  EXPECT_EQ(a->items[0]->value, "1");
  EXPECT_TRUE(a->items[0]->plain);
  EXPECT_FALSE(a->items[1]->plain);
  EXPECT_FALSE(a->items[2]->plain);
  const Node* b = root.find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->line, 3);
  EXPECT_EQ(b->column, 3);
  EXPECT_EQ(b->find("c")->value, "~");
  EXPECT_EQ(b->find("d")->value, "text\n");
  EXPECT_FALSE(b->find("d")->plain);  // a block scalar is not resolved
  EXPECT_EQ(root.find("zzz"), nullptr);
}

TEST(Yaml, TagsAreExpanded) {
  auto doc = parseOne("a: !!str 1\nb: !custom x\nc: 2\n");
  ASSERT_TRUE(doc.isOk()) << doc.status().toString();
  EXPECT_EQ(doc->root->find("a")->tag, "tag:yaml.org,2002:str");
  EXPECT_EQ(doc->root->find("b")->tag, "!custom");
  EXPECT_EQ(doc->root->find("c")->tag, "");
}

TEST(Yaml, SeveralDocumentsAndEmptyOnes) {
  auto docs = parseAll("a: 1\n---\n---\nb: 2\n");
  ASSERT_TRUE(docs.isOk()) << docs.status().toString();
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_TRUE((*docs)[1].root->isScalar());
  EXPECT_EQ((*docs)[1].root->value, "");
  EXPECT_EQ((*docs)[2].root->find("b")->value, "2");
  EXPECT_TRUE(parseAll("")->empty());
  auto one = parseOne("");
  ASSERT_TRUE(one.isOk());
  EXPECT_TRUE(one->root->plain);
  EXPECT_FALSE(parseOne("a: 1\n---\nb: 2\n").isOk());
}

TEST(Yaml, AliasesShareTheAnchoredNode) {
  auto doc = parseOne("base: &b {x: 1}\nuse: *b\n");
  ASSERT_TRUE(doc.isOk()) << doc.status().toString();
  EXPECT_EQ(doc->root->find("base"), doc->root->find("use"));
}

TEST(Yaml, AnAliasInsideItsOwnAnchorIsRefused) {
  // A cycle would make every reader of the tree loop; the anchor is only known once complete.
  auto doc = parseOne("a: &loop [1, *loop]\n");
  ASSERT_FALSE(doc.isOk());
  EXPECT_NE(doc.status().message().find("alias *loop names no anchor before it"), std::string::npos)
      << doc.status().message();
}

TEST(Yaml, SyntaxErrorsHaveAPosition) {
  auto doc = parseAll("a: [1, 2\n");
  ASSERT_FALSE(doc.isOk());
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(doc.status().message().rfind("2:1: ", 0), 0u) << doc.status().message();
}

TEST(Yaml, DepthIsLimited) {
  std::string deep;
  for (int i = 0; i < 50; ++i) deep += "[";
  for (int i = 0; i < 50; ++i) deep += "]";
  EXPECT_TRUE(parseOne(deep, Limits{.maxDepth = 50}).isOk());
  auto refused = parseOne(deep, Limits{.maxDepth = 49});
  ASSERT_FALSE(refused.isOk());
  EXPECT_NE(refused.status().message().find("nesting deeper than 49 levels"), std::string::npos);
}

TEST(Yaml, InputsThatHungYamlCpp) {
  // yaml-cpp 0.7's LoadAll never returned on these (the second is valid YAML; found by
  // fuzz/manifest_fuzz.cc).
  EXPECT_FALSE(parseAll(",").isOk());
  auto valid = parseAll("&0nlnnlnl:0!/nll:0l:_:Y,jY,K,jY/0nl0!. 0");
  ASSERT_TRUE(valid.isOk()) << valid.status().toString();
  ASSERT_EQ(valid->size(), 1u);
  EXPECT_EQ((*valid)[0].root->value, ":0!/nll:0l:_:Y,jY,K,jY/0nl0!. 0");
}

}  // namespace
}  // namespace tidal::yaml
