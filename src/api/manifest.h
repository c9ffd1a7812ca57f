// Reading Kubernetes manifests: YAML (one or many documents separated by `---`) or JSON text,
// turned into JSON values the way kubectl does (sigs.k8s.io/yaml on go-yaml v2): plain scalars are
// resolved to null, bool, int or float by YAML 1.1's rules (`yes`, `on` and `off` are booleans,
// `0x1f` is an int), quoted scalars stay strings. A top-level `kind: List` is expanded into its
// items.
//
// Each document remembers the source line of every value, keyed by field path (see fieldPath()), so
// that an error about `spec.triggers[0].metadata.value` can point at line 14 of the file.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace tidal::api {

struct ManifestDocument {
  nlohmann::json json;
  int line = 0;                           // 1-based line where the document starts
  std::map<std::string, int> fieldLines;  // field path -> 1-based line

  // The line of `path`, or of its nearest ancestor that has one; 0 if unknown.
  int lineOf(std::string_view path) const;
};

// Parses every document in `text`. Empty documents (a lone `---`, comments only) are skipped. A
// syntax error or a duplicate mapping key fails the whole text with a message naming `sourceName`
// and the line, e.g. "app.yaml:7:3: duplicate key \"spec\"".
StatusOr<std::vector<ManifestDocument>> parseManifests(std::string_view text,
                                                       std::string_view sourceName);

// The string at `key` of a JSON object, or "" when `object` is not an object, the key is absent,
// or its value is not a string. Never throws (nlohmann's value() does on a type mismatch).
std::string stringField(const nlohmann::json& object, std::string_view key);

// Appends one path element to a field path the way Kubernetes prints them: identifiers as `.key`,
// anything else (dots, slashes, ...) as `[key]`; array indices as `[3]`.
//   fieldPath("spec", "pollingInterval") == "spec.pollingInterval"
//   fieldPath("metadata.annotations", "autoscaling.keda.sh/paused")
//       == "metadata.annotations[autoscaling.keda.sh/paused]"
std::string fieldPath(std::string_view parent, std::string_view key);
std::string fieldPath(std::string_view parent, size_t index);

}  // namespace tidal::api
