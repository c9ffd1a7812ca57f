// A YAML reader for text tidal does not control (manifests given to `tidal check`, a
// metrics-api source's YAML answer), built on libyaml's event parser. It yields a small node tree
// and nothing else: no type resolution (the caller applies its schema to plain scalars), aliases
// shared, not copied (a caller that expands them must bound the expansion).
//
// Why not yaml-cpp: version 0.7 never returns from Load/LoadAll on some inputs, malformed
// (a document that is just ",") and valid alike (found by fuzz/manifest_fuzz.cc); libyaml, the
// reference C parser, reads any input in time linear in its size.
//
// Example:
//   StatusOr<std::vector<yaml::Document>> docs = yaml::parseAll("a: [1, 'x']\n---\nb: c\n");
//   const yaml::Node& root = *(*docs)[0].root;          // kMapping, one pair
//   root.pairs[0].first->value == "a";
//   root.pairs[0].second->items[1]->plain == false;     // 'x' was quoted
//   root.find("a") == root.pairs[0].second.get();
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tidal::yaml {

struct Node {
  enum class Kind { kScalar, kSequence, kMapping };
  Kind kind = Kind::kScalar;
  // The explicit tag, with its handle expanded ("!!int" is "tag:yaml.org,2002:int"); empty when
  // the node has none.
  std::string tag;
  // Scalars: the text, and whether it was written plain (no quotes, not a block scalar). A plain
  // scalar without a tag is the one a schema resolves (null, bool, number, string).
  std::string value;
  bool plain = false;
  std::vector<std::shared_ptr<const Node>> items;  // sequences
  std::vector<std::pair<std::shared_ptr<const Node>, std::shared_ptr<const Node>>>
      pairs;     // mappings, in document order
  int line = 0;  // 1-based position of the node's start
  int column = 0;

  bool isScalar() const { return kind == Kind::kScalar; }
  bool isSequence() const { return kind == Kind::kSequence; }
  bool isMapping() const { return kind == Kind::kMapping; }
  // The value of the first pair whose key is the scalar `key`; nullptr if none.
  const Node* find(std::string_view key) const;
};

struct Document {
  std::shared_ptr<const Node> root;  // an empty document is a plain empty scalar
};

struct Limits {
  int maxDepth = 200;  // nesting of sequences and mappings
};

// Every document of `text`. kInvalidArgument "<line>:<column>: <problem>" for a syntax error, an
// alias to an unknown anchor, or nesting deeper than limits.maxDepth.
StatusOr<std::vector<Document>> parseAll(std::string_view text, Limits limits = {});

// The single document of `text` (an empty text is one empty document); more than one document
// is kInvalidArgument.
StatusOr<Document> parseOne(std::string_view text, Limits limits = {});

}  // namespace tidal::yaml
