#include "api/manifest.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "common/yaml.h"

namespace tidal::api {
namespace {

using Json = nlohmann::json;

bool isIdentifier(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return !std::isdigit(static_cast<unsigned char>(key.front()));
}

// go-yaml v2 resolution of integers: strconv.ParseInt(s, 0, 64) (sign, 0x, 0o, leading-0 octal,
// underscores between digits) plus a special case for "0b".
std::optional<int64_t> resolveInt(std::string_view s) {
  std::string digits;
  bool negative = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    negative = s[i] == '-';
    ++i;
  }
  int base = 10;
  std::string_view body = s.substr(i);
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    base = 16;
    body.remove_prefix(2);
  } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
    base = 2;
    body.remove_prefix(2);
  } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) {
    base = 8;
    body.remove_prefix(2);
  } else if (body.size() > 1 && body[0] == '0') {
    base = 8;
    body.remove_prefix(1);
  }
  if (body.empty()) return std::nullopt;
  char prev = '_';
  for (char c : body) {
    if (c == '_') {
      if (prev == '_' && base == 10) return std::nullopt;
      prev = c;
      continue;
    }
    digits.push_back(c);
    prev = c;
  }
  if (digits.empty() || body.back() == '_') return std::nullopt;
  uint64_t magnitude = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  if (negative) {
    if (magnitude > uint64_t{1} << 63) return std::nullopt;
    return static_cast<int64_t>(0 - magnitude);
  }
  if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(magnitude);
}

Json resolvePlainScalar(const std::string& s) {
  static const std::set<std::string, std::less<>> kNull = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string, std::less<>> kTrue = {
      "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const std::set<std::string, std::less<>> kFalse = {
      "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  if (kNull.count(s)) return nullptr;
  if (kTrue.count(s)) return true;
  if (kFalse.count(s)) return false;
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF") {
    return std::numeric_limits<double>::infinity();
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  const char c = s.front();
  if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.') {
    if (auto i = resolveInt(s)) return *i;
    static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
    if (std::regex_match(s, kFloat)) return std::strtod(s.c_str(), nullptr);
  }
  return s;
}

class Converter {
 public:
  // `budget` is the number of values the documents of one input may expand to; it is shared by
  // every document and decremented per value.
  Converter(std::string_view source, ManifestDocument& doc, size_t& budget)
      : source_(source), doc_(doc), budget_(budget) {}

  Status convert(const yaml::Node& node, const std::string& path, Json& out) {
    if (budget_ == 0) {
      // Only aliases make a document expand beyond its size ("billion laughs"); refuse rather
      // than allocate without bound.
      return invalidArgument(fmt::format(
          "{}:{}: the document expands to too many values (YAML aliases repeated too often)",
          source_, node.line));
    }
    --budget_;
    if (++depth_ > kMaxDepth) {
      return invalidArgument(
          fmt::format("{}:{}: nesting deeper than {} levels", source_, node.line, kMaxDepth));
    }
    doc_.fieldLines.emplace(path, node.line);
    Status status;
    switch (node.kind) {
      case yaml::Node::Kind::kScalar:
        out = scalar(node);
        break;
      case yaml::Node::Kind::kSequence: {
        out = Json::array();
        size_t i = 0;
        for (const auto& item : node.items) {
          Json value;
          status = convert(*item, fieldPath(path, i++), value);
          if (!status.isOk()) break;
          out.push_back(std::move(value));
        }
        break;
      }
      case yaml::Node::Kind::kMapping:
        status = mapping(node, path, out);
        break;
    }
    --depth_;
    return status;
  }

 private:
  static constexpr int kMaxDepth = 200;

  static Json scalar(const yaml::Node& node) {
    // Untagged: plain scalars resolve (null, bool, number), quoted and block ones are strings.
    if (node.tag.empty()) return node.plain ? resolvePlainScalar(node.value) : Json(node.value);
    if (node.tag == "!" || node.tag == "tag:yaml.org,2002:str") return node.value;
    // Explicit core tags (!!int, !!bool, ...) resolve as if plain.
    return resolvePlainScalar(node.value);
  }

  Status mapping(const yaml::Node& node, const std::string& path, Json& out) {
    out = Json::object();
    for (const auto& [keyPtr, valuePtr] : node.pairs) {
      const yaml::Node& keyNode = *keyPtr;
      if (!keyNode.isScalar()) {
        return invalidArgument(fmt::format("{}:{}:{}: mapping keys must be scalars", source_,
                                           keyNode.line, keyNode.column));
      }
      const std::string& key = keyNode.value;
      if (key == "<<" && keyNode.plain && keyNode.tag.empty()) {  // YAML merge key, as go-yaml
        TIDAL_RETURN_IF_ERROR(merge(*valuePtr, path, out));
        continue;
      }
      if (out.contains(key) && !merged_.count(fieldPath(path, key))) {
        return invalidArgument(fmt::format("{}:{}:{}: duplicate key \"{}\" in {}", source_,
                                           keyNode.line, keyNode.column, key,
                                           path.empty() ? "the document" : path));
      }
      Json value;
      TIDAL_RETURN_IF_ERROR(convert(*valuePtr, fieldPath(path, key), value));
      out[key] = std::move(value);
    }
    return Status::ok();
  }

  // Keys from a merged mapping never override keys written in the mapping itself.
  Status merge(const yaml::Node& value, const std::string& path, Json& out) {
    std::vector<const yaml::Node*> sources;
    if (value.isMapping()) {
      sources.push_back(&value);
    } else if (value.isSequence()) {
      for (const auto& item : value.items) sources.push_back(item.get());
    }
    for (const yaml::Node* src : sources) {
      if (!src->isMapping()) {
        return invalidArgument(
            fmt::format("{}:{}: a merge key (<<) needs a mapping", source_, src->line));
      }
      Json merged;
      TIDAL_RETURN_IF_ERROR(mapping(*src, path, merged));
      for (auto& [k, v] : merged.items()) {
        if (!out.contains(k)) {
          out[k] = v;
          merged_.insert(fieldPath(path, k));
        }
      }
    }
    return Status::ok();
  }

  std::string_view source_;
  ManifestDocument& doc_;
  size_t& budget_;
  std::set<std::string> merged_;
  int depth_ = 0;
};

}  // namespace

std::string stringField(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::string fieldPath(std::string_view parent, std::string_view key) {
  std::string out(parent);
  if (isIdentifier(key)) {
    if (!out.empty()) out += '.';
    out += key;
  } else {
    out += '[';
    out += key;
    out += ']';
  }
  return out;
}

std::string fieldPath(std::string_view parent, size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

int ManifestDocument::lineOf(std::string_view path) const {
  std::string p(path);
  while (true) {
    if (auto it = fieldLines.find(p); it != fieldLines.end()) return it->second;
    if (p.empty()) return line;
    size_t cut = p.find_last_of(".[");
    p = cut == std::string::npos ? std::string() : p.substr(0, cut);
  }
}

StatusOr<std::vector<ManifestDocument>> parseManifests(std::string_view text,
                                                       std::string_view sourceName) {
  StatusOr<std::vector<yaml::Document>> documents = yaml::parseAll(text);
  if (!documents.isOk()) {
    return invalidArgument(fmt::format("{}:{}", sourceName, documents.status().message()));
  }
  std::vector<ManifestDocument> out;
  // Without aliases a value takes at least two bytes of input; 4 values per byte plus a margin
  // is generous for any real manifest and still bounds what aliases can multiply.
  size_t budget = 10000 + 4 * text.size();
  for (const yaml::Document& document : *documents) {
    const yaml::Node& node = *document.root;
    ManifestDocument doc;
    doc.line = node.line;
    Converter converter(sourceName, doc, budget);
    TIDAL_RETURN_IF_ERROR(converter.convert(node, "", doc.json));
    if (doc.json.is_null()) continue;  // an empty document (a stray "---")
    if (!doc.json.is_object()) {
      return invalidArgument(
          fmt::format("{}:{}: expected a Kubernetes object (a mapping with "
                      "apiVersion and kind), got {}",
                      sourceName, doc.line, doc.json.type_name()));
    }
    // A List (kubectl get -o yaml) holds its objects in items; expand it.
    if (stringField(doc.json, "kind") == "List" && doc.json.contains("items") &&
        doc.json["items"].is_array()) {
      const Json& items = doc.json["items"];
      for (size_t i = 0; i < items.size(); ++i) {
        ManifestDocument item;
        const std::string prefix = fieldPath("items", i);
        item.line = doc.lineOf(prefix);
        item.json = items[i];
        for (const auto& [path, line] : doc.fieldLines) {
          if (path.rfind(prefix, 0) == 0 && path.size() > prefix.size() &&
              path[prefix.size()] == '.') {
            item.fieldLines.emplace(path.substr(prefix.size() + 1), line);
          }
        }
        out.push_back(std::move(item));
      }
      continue;
    }
    out.push_back(std::move(doc));
  }
  return out;
}

}  // namespace tidal::api
