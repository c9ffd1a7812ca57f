#include "api/decode.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "api/manifest.h"

namespace tidal::api {

bool Issues::hasErrors() const {
  return std::any_of(list_.begin(), list_.end(),
                     [](const Issue& i) { return i.severity == Severity::kError; });
}

std::vector<Issue> Issues::errors() const {
  std::vector<Issue> out;
  std::copy_if(list_.begin(), list_.end(), std::back_inserter(out),
               [](const Issue& i) { return i.severity == Severity::kError; });
  return out;
}

std::vector<Issue> Issues::warnings() const {
  std::vector<Issue> out;
  std::copy_if(list_.begin(), list_.end(), std::back_inserter(out),
               [](const Issue& i) { return i.severity == Severity::kWarning; });
  return out;
}

std::string describeJson(const Json& value) {
  constexpr size_t kMaxShown = 40;
  switch (value.type()) {
    case Json::value_t::string: {
      std::string s = value.get<std::string>();
      if (s.size() > kMaxShown) s = s.substr(0, kMaxShown) + "...";
      return fmt::format("string \"{}\"", s);
    }
    case Json::value_t::boolean:
      return fmt::format("boolean {}", value.get<bool>());
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return fmt::format("number {}", value.dump());
    case Json::value_t::null:
      return "null";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::object:
      return "an object";
    default:
      return value.type_name();
  }
}

ObjectReader::ObjectReader(Issues& issues, const Json* object, std::string path)
    : issues_(issues), object_(object), path_(std::move(path)) {
  if (object_ != nullptr && !object_->is_object()) {
    if (!object_->is_null()) {
      issues_.error(path_, fmt::format("expected an object, got {}", describeJson(*object_)));
    }
    object_ = nullptr;
  }
}

bool ObjectReader::has(std::string_view key) const {
  return object_ != nullptr && object_->find(key) != object_->end() &&
         !object_->find(key)->is_null();
}

size_t ObjectReader::listSize(std::string_view key) const {
  if (object_ == nullptr) return 0;
  auto it = object_->find(key);
  return it != object_->end() && it->is_array() ? it->size() : 0;
}

const Json* ObjectReader::find(std::string_view key) {
  if (object_ == nullptr) return nullptr;
  auto it = object_->find(key);
  if (it == object_->end()) return nullptr;
  seen_.emplace_back(key);
  if (it->is_null()) return nullptr;  // JSON null is "unset", as in Go's decoder
  return &*it;
}

void ObjectReader::typeError(std::string_view key, const Json& value, std::string_view expected) {
  issues_.error(fieldPath(path_, key),
                fmt::format("expected {}, got {}", expected, describeJson(value)));
}

void ObjectReader::string(std::string_view key, std::string& out) {
  const Json* v = find(key);
  if (v == nullptr) return;
  if (!v->is_string()) {
    typeError(key, *v, "a string");
    return;
  }
  out = v->get<std::string>();
}

void ObjectReader::optString(std::string_view key, std::optional<std::string>& out) {
  const Json* v = find(key);
  if (v == nullptr) return;
  if (!v->is_string()) {
    typeError(key, *v, "a string");
    return;
  }
  out = v->get<std::string>();
}

void ObjectReader::boolean(std::string_view key, bool& out) {
  const Json* v = find(key);
  if (v == nullptr) return;
  if (!v->is_boolean()) {
    typeError(key, *v, "a boolean (true or false)");
    return;
  }
  out = v->get<bool>();
}

namespace {

std::optional<int64_t> asInteger(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

}  // namespace

void ObjectReader::optInt32(std::string_view key, std::optional<int32_t>& out) {
  const Json* v = find(key);
  if (v == nullptr) return;
  auto i = asInteger(*v);
  if (!i) {
    typeError(key, *v, "an integer");
    return;
  }
  if (*i < std::numeric_limits<int32_t>::min() || *i > std::numeric_limits<int32_t>::max()) {
    issues_.error(fieldPath(path_, key), fmt::format("value {} does not fit a 32-bit integer", *i));
    return;
  }
  out = static_cast<int32_t>(*i);
}

void ObjectReader::int32(std::string_view key, int32_t& out) {
  std::optional<int32_t> v;
  optInt32(key, v);
  if (v) out = *v;
}

void ObjectReader::optInt64(std::string_view key, std::optional<int64_t>& out) {
  const Json* v = find(key);
  if (v == nullptr) return;
  auto i = asInteger(*v);
  if (!i) {
    typeError(key, *v, "an integer");
    return;
  }
  out = *i;
}

void ObjectReader::stringMap(std::string_view key, StringMap& out) {
  const Json* v = find(key);
  if (v == nullptr) return;
  if (!v->is_object()) {
    typeError(key, *v, "a map of strings");
    return;
  }
  const std::string base = fieldPath(path_, key);
  for (const auto& [k, value] : v->items()) {
    if (value.is_string()) {
      out[k] = value.get<std::string>();
    } else if (value.is_null()) {
      out[k] = "";
    } else {
      std::string hint;
      if (value.is_number() || value.is_boolean()) {
        hint = fmt::format("; quote it: \"{}\"", value.dump());
      }
      issues_.error(fieldPath(base, k),
                    fmt::format("expected a string, got {}{}", describeJson(value), hint));
    }
  }
}

void ObjectReader::stringList(std::string_view key, std::vector<std::string>& out) {
  const Json* v = find(key);
  if (v == nullptr) return;
  if (!v->is_array()) {
    typeError(key, *v, "a list of strings");
    return;
  }
  const std::string base = fieldPath(path_, key);
  out.reserve(out.size() + v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    if (!item.is_string()) {
      issues_.error(fieldPath(base, i),
                    fmt::format("expected a string, got {}", describeJson(item)));
      continue;
    }
    out.push_back(item.get<std::string>());
  }
}

void ObjectReader::raw(std::string_view key, Json& out) {
  const Json* v = find(key);
  if (v != nullptr) out = *v;
}

void ObjectReader::object(std::string_view key, const std::function<void(ObjectReader&)>& read) {
  const Json* v = find(key);
  if (v == nullptr) return;
  if (!v->is_object()) {
    typeError(key, *v, "an object");
    return;
  }
  ObjectReader nested(issues_, v, fieldPath(path_, key));
  read(nested);
}

void ObjectReader::objectList(std::string_view key,
                              const std::function<void(ObjectReader&, size_t)>& read) {
  const Json* v = find(key);
  if (v == nullptr) return;
  if (!v->is_array()) {
    typeError(key, *v, "a list");
    return;
  }
  const std::string base = fieldPath(path_, key);
  for (size_t i = 0; i < v->size(); ++i) {
    const Json& item = (*v)[i];
    if (!item.is_object()) {
      issues_.error(fieldPath(base, i),
                    fmt::format("expected an object, got {}", describeJson(item)));
      continue;
    }
    ObjectReader nested(issues_, &item, fieldPath(base, i));
    read(nested, i);
  }
}

void ObjectReader::objectMap(std::string_view key,
                             const std::function<void(const std::string&, ObjectReader&)>& read) {
  const Json* v = find(key);
  if (v == nullptr) return;
  if (!v->is_object()) {
    typeError(key, *v, "a map");
    return;
  }
  const std::string base = fieldPath(path_, key);
  for (const auto& [name, item] : v->items()) {
    ObjectReader nested(issues_, &item, fieldPath(base, name));
    read(name, nested);
  }
}

void ObjectReader::require(std::string_view key) {
  if (object_ == nullptr) return;
  auto it = object_->find(key);
  if (it == object_->end() || it->is_null()) {
    issues_.error(fieldPath(path_, key), "required field is missing");
  }
}

void ObjectReader::error(std::string_view key, std::string message) {
  issues_.error(fieldPath(path_, key), std::move(message));
}

Json ObjectReader::remaining(bool reportUnknown) {
  Json out;  // null unless a key is left: most objects have none, and {} would allocate
  if (object_ == nullptr) return out;
  for (const auto& [k, v] : object_->items()) {
    if (std::find(seen_.begin(), seen_.end(), k) != seen_.end()) continue;
    if (reportUnknown) {
      issues_.warning(fieldPath(path_, k),
                      "unknown field; the API server drops it (check the spelling)");
    }
    out[k] = v;
  }
  return out;
}

}  // namespace tidal::api
