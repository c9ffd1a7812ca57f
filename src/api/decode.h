// Field-by-field decoding of JSON objects into the API structs, collecting every problem.
//
// An ObjectReader walks one JSON object: each typed accessor reads one key, checks its JSON type,
// records an Issue with the key's field path when the type is wrong, and marks the key as seen.
// remaining() hands back the keys nobody read, which the structs keep in `unknown` (and which
// `tidal check` reports, because the API server would drop them from a structural schema).
//
// Example:
//   Issues issues;
//   ObjectReader r(issues, json, "spec");
//   r.optInt32("pollingInterval", spec.pollingInterval);
//   r.object("advanced", [&](ObjectReader& a) { a.boolean("restore...", ...); });
//   spec.unknown = r.remaining();
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"

namespace tidal::api {

enum class Severity { kError, kWarning };

// One problem found in a manifest, at a field path such as "spec.triggers[1].name".
struct Issue {
  Severity severity = Severity::kError;
  std::string path;
  std::string message;

  friend bool operator==(const Issue&, const Issue&) = default;
};

class Issues {
 public:
  void error(std::string path, std::string message) {
    list_.push_back({Severity::kError, std::move(path), std::move(message)});
  }
  void warning(std::string path, std::string message) {
    list_.push_back({Severity::kWarning, std::move(path), std::move(message)});
  }
  bool hasErrors() const;
  const std::vector<Issue>& all() const { return list_; }
  std::vector<Issue> errors() const;
  std::vector<Issue> warnings() const;
  void append(const Issues& other) {
    list_.insert(list_.end(), other.list_.begin(), other.list_.end());
  }

 private:
  std::vector<Issue> list_;
};

class ObjectReader {
 public:
  // `object` may be null (field absent): every accessor then leaves its output untouched.
  ObjectReader(Issues& issues, const Json* object, std::string path);

  const std::string& path() const { return path_; }
  bool has(std::string_view key) const;
  // The length of the list at `key`, 0 when absent or not a list: decoders reserve it, so that a
  // cached object's vectors hold no spare capacity.
  size_t listSize(std::string_view key) const;

  void string(std::string_view key, std::string& out);
  void optString(std::string_view key, std::optional<std::string>& out);
  void boolean(std::string_view key, bool& out);
  void int32(std::string_view key, int32_t& out);
  void optInt32(std::string_view key, std::optional<int32_t>& out);
  void optInt64(std::string_view key, std::optional<int64_t>& out);
  void stringMap(std::string_view key, StringMap& out);
  void stringList(std::string_view key, std::vector<std::string>& out);
  // Keeps the value verbatim (any JSON type); absent leaves `out` unchanged.
  void raw(std::string_view key, Json& out);
  // Calls `read` with a reader for the nested object, if present and an object.
  void object(std::string_view key, const std::function<void(ObjectReader&)>& read);
  // Calls `read` for each element of an array of objects.
  void objectList(std::string_view key,
                  const std::function<void(ObjectReader&, size_t index)>& read);
  // Calls `read` for each value of a map of objects.
  void objectMap(std::string_view key,
                 const std::function<void(const std::string& name, ObjectReader&)>& read);

  // Reports `key` as an error when it is absent ("field is required").
  void require(std::string_view key);

  // Records an error about `key` of this object.
  void error(std::string_view key, std::string message);

  // The keys no accessor read, as a JSON object (null when there are none); with `reportUnknown`
  // each is reported as a warning "unknown field".
  Json remaining(bool reportUnknown = true);

 private:
  const Json* find(std::string_view key);
  void typeError(std::string_view key, const Json& value, std::string_view expected);

  Issues& issues_;
  const Json* object_;
  std::string path_;
  std::vector<std::string> seen_;
};

// Describes a JSON value for error messages: `string "ten"`, `number 1.5`, `array`, ...
std::string describeJson(const Json& value);

}  // namespace tidal::api
