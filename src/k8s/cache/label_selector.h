// Kubernetes label selectors, parsed and matched locally (for cache lookups; the API server
// applies the same syntax to list and watch).
//
// Syntax: requirements separated by commas, each one of
//   key=value  key==value  key!=value  key in (v1,v2)  key notin (v1,v2)  key  !key
// "" selects everything. A `!=` or `notin` requirement also matches objects without the key, as
// in Kubernetes.
//
//   StatusOr<LabelSelector> s = LabelSelector::parse("app=web,tier in (front,back),!canary");
//   s->matches({{"app", "web"}, {"tier", "front"}})  // true
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "common/status.h"

namespace tidal::k8s {

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op = Op::kEquals;
    std::vector<std::string> values;
  };

  // Everything.
  LabelSelector() = default;
  // kInvalidArgument naming the position and what was expected.
  static StatusOr<LabelSelector> parse(std::string_view text);
  // key=value for each entry (a Deployment's spec.selector.matchLabels).
  static LabelSelector fromMatchLabels(const api::StringMap& labels);

  bool matches(const api::StringMap& labels) const;
  bool empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }
  // The canonical text, usable as a labelSelector query parameter.
  std::string toString() const;

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace tidal::k8s
