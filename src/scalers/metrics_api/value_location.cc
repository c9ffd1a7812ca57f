#include "scalers/metrics_api/value_location.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/quantity.h"
#include "common/strings.h"

namespace tidal::scalers::metrics_api {
namespace {

using OrderedJson = nlohmann::ordered_json;

bool isIndex(std::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// GJSON's wildcard match: '*' any run of characters, '?' one character.
bool wildcardMatch(std::string_view pattern, std::string_view s) {
  size_t p = 0;
  size_t i = 0;
  size_t star = std::string_view::npos;
  size_t mark = 0;
  while (i < s.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == s[i])) {
      ++p;
      ++i;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Splits a GJSON path on unescaped '.' (and '|', which behaves the same for plain paths).
// Escaped wildcards are kept escaped as "\*" so the matcher can tell them apart; other escapes
// are resolved.
StatusOr<std::vector<std::string>> splitGjsonPath(std::string_view path) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '\\' && i + 1 < path.size()) {
      const char next = path[++i];
      if (next == '*' || next == '?') out.back() += '\\';
      out.back() += next;
    } else if (c == '.' || c == '|') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  for (const std::string& part : out) {
    if (part.empty()) return invalidArgument("valueLocation has an empty path component");
    if (part[0] == '@' || startsWith(part, "#(")) {
      return invalidArgument(fmt::format(
          "valueLocation component \"{}\" uses GJSON queries or modifiers, which tidal does not "
          "support (use keys, indices, '#', '*' and '?')",
          part));
    }
  }
  return out;
}

std::string unescapeWildcards(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

// The pattern contains an unescaped '*' or '?'.
bool hasLiveWildcard(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '*' || s[i] == '?') {
      return true;
    }
  }
  return false;
}

// Wildcard match where "\*" and "\?" stand for themselves.
bool gjsonKeyMatch(std::string_view pattern, std::string_view key) {
  if (!hasLiveWildcard(pattern)) return unescapeWildcards(pattern) == key;
  if (pattern.find('\\') == std::string_view::npos) return wildcardMatch(pattern, key);
  // Rare: mixed escaped and live wildcards. Compare with escaped ones as literal characters by
  // matching the literal-only segments one character at a time.
  std::string p;
  std::vector<bool> literal;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      p += pattern[++i];
      literal.push_back(true);
    } else {
      p += pattern[i];
      literal.push_back(false);
    }
  }
  // Simple recursive matcher honouring `literal`.
  auto match = [&](auto&& self, size_t pi, size_t si) -> bool {
    if (pi == p.size()) return si == key.size();
    if (!literal[pi] && p[pi] == '*') {
      for (size_t k = si; k <= key.size(); ++k) {
        if (self(self, pi + 1, k)) return true;
      }
      return false;
    }
    if (si == key.size()) return false;
    if ((!literal[pi] && p[pi] == '?') || p[pi] == key[si]) return self(self, pi + 1, si + 1);
    return false;
  };
  return match(match, 0, 0);
}

std::string_view gjsonTypeName(const OrderedJson& v) {
  if (v.is_null()) return "Null";
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_number()) return "Number";
  if (v.is_string()) return "String";
  return "JSON";
}

}  // namespace

std::string_view valueFormatName(ValueFormat format) {
  switch (format) {
    case ValueFormat::kJson:
      return "json";
    case ValueFormat::kYaml:
      return "yaml";
    case ValueFormat::kXml:
      return "xml";
    case ValueFormat::kPrometheus:
      return "prometheus";
  }
  return "json";
}

StatusOr<ValueFormat> valueFormatFromName(std::string_view name) {
  for (ValueFormat f :
       {ValueFormat::kJson, ValueFormat::kYaml, ValueFormat::kXml, ValueFormat::kPrometheus}) {
    if (valueFormatName(f) == name) return f;
  }
  return invalidArgument(
      fmt::format("format {} is not supported (json, yaml, xml or prometheus)", name));
}

Status notNumericError(std::string_view location, std::string_view type) {
  return invalidArgument(
      fmt::format("valueLocation \"{}\" must point to a numeric value or a string parseable as a "
                  "Quantity, got {}",
                  location, type));
}

StatusOr<double> numberFromText(std::string_view text, std::string_view location) {
  const std::string_view t = trim(text);
  if (std::optional<double> v = parseGoFloat(t); v && std::isfinite(*v)) return *v;
  StatusOr<api::Quantity> q = api::Quantity::parse(t);
  if (!q.isOk()) {
    return invalidArgument(fmt::format(
        "valueLocation \"{}\" holds \"{}\", which is neither a number nor a Quantity", location,
        t.size() > 64 ? std::string(t.substr(0, 64)) + "..." : std::string(t)));
  }
  return q->asDouble();
}

StatusOr<ValueLocation> ValueLocation::parse(ValueFormat format, std::string_view location) {
  ValueLocation out;
  out.format_ = format;
  out.text_ = std::string(location);
  switch (format) {
    case ValueFormat::kJson: {
      TIDAL_ASSIGN_OR_RETURN(out.path_, splitGjsonPath(location));
      break;
    }
    case ValueFormat::kYaml:
    case ValueFormat::kXml:
      out.path_ = split(location, '.', /*trimParts=*/false);
      for (const std::string& part : out.path_) {
        if (part.empty()) return invalidArgument("valueLocation has an empty path component");
      }
      break;
    case ValueFormat::kPrometheus:
      TIDAL_RETURN_IF_ERROR(out.parsePrometheusSelector(location));
      break;
  }
  return out;
}

StatusOr<double> ValueLocation::find(std::string_view body) const {
  switch (format_) {
    case ValueFormat::kJson:
      return findJson(body);
    case ValueFormat::kYaml:
      return findYaml(body);
    case ValueFormat::kXml:
      return findXml(body);
    case ValueFormat::kPrometheus:
      return findPrometheus(body);
  }
  return internalError("unknown format");
}

StatusOr<double> ValueLocation::findJson(std::string_view body) const {
  OrderedJson doc = OrderedJson::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalidArgument("the response is not valid JSON");
  const OrderedJson* cur = &doc;
  static const OrderedJson kNull;
  OrderedJson length;  // holds the result of '#'
  for (size_t i = 0; i < path_.size() && cur != &kNull; ++i) {
    const std::string& part = path_[i];
    if (cur->is_array()) {
      if (part == "#") {
        if (i + 1 != path_.size()) return notNumericError(text_, "JSON");
        length = cur->size();
        cur = &length;
      } else if (isIndex(part) && std::stoul(part) < cur->size()) {
        cur = &(*cur)[std::stoul(part)];
      } else {
        cur = &kNull;
      }
    } else if (cur->is_object()) {
      const OrderedJson* next = &kNull;
      for (auto it = cur->begin(); it != cur->end(); ++it) {
        if (gjsonKeyMatch(part, it.key())) {
          next = &it.value();
          break;
        }
      }
      cur = next;
    } else {
      cur = &kNull;
    }
  }
  if (cur->is_number()) return cur->get<double>();
  if (cur->is_string()) {
    StatusOr<api::Quantity> q = api::Quantity::parse(cur->get<std::string>());
    if (!q.isOk()) {
      return invalidArgument(fmt::format("valueLocation \"{}\" points to invalid quantity: {}",
                                         text_, q.status().message()));
    }
    return q->asDouble();
  }
  return notNumericError(text_, gjsonTypeName(*cur));
}

}  // namespace tidal::scalers::metrics_api
