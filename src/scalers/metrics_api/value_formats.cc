// The YAML, XML and Prometheus-text readers of ValueLocation (JSON is in value_location.cc).
#include <cctype>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <expat.h>
#include <fmt/format.h>

#include "common/strings.h"
#include "common/yaml.h"
#include "scalers/metrics_api/value_location.h"

namespace tidal::scalers::metrics_api {
namespace {

bool isIndex(std::string_view s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// ---- XML: a small element tree built with expat ----------------------------------------------

struct XmlElement {
  std::string name;
  std::string text;
  std::vector<std::unique_ptr<XmlElement>> children;
  XmlElement* parent = nullptr;
};

struct XmlBuilder {
  XmlElement root;  // a document node whose only child is the root element
  XmlElement* current = &root;
  size_t elements = 0;
};

constexpr size_t kMaxXmlElements = 1'000'000;

void XMLCALL onStart(void* data, const XML_Char* name, const XML_Char** /*attributes*/) {
  auto* b = static_cast<XmlBuilder*>(data);
  auto child = std::make_unique<XmlElement>();
  child->name = name;
  child->parent = b->current;
  XmlElement* raw = child.get();
  b->current->children.push_back(std::move(child));
  b->current = raw;
  ++b->elements;
}

void XMLCALL onEnd(void* data, const XML_Char* /*name*/) {
  auto* b = static_cast<XmlBuilder*>(data);
  if (b->current->parent != nullptr) b->current = b->current->parent;
}

void XMLCALL onText(void* data, const XML_Char* s, int len) {
  auto* b = static_cast<XmlBuilder*>(data);
  b->current->text.append(s, static_cast<size_t>(len));
}

struct ParserFree {
  void operator()(XML_Parser p) const { XML_ParserFree(p); }
};

// ---- Prometheus text exposition ------------------------------------------------------------

struct Sample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

bool isNameChar(char c, bool first) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':' ||
         (!first && std::isdigit(static_cast<unsigned char>(c)) != 0);
}

// Reads `name{l="v",...}` from `s` at `pos`; for samples and selectors alike.
Status readNameAndLabels(std::string_view s, size_t& pos, std::string& name,
                         std::vector<std::pair<std::string, std::string>>& labels) {
  const size_t start = pos;
  while (pos < s.size() && isNameChar(s[pos], pos == start)) ++pos;
  if (pos == start) return invalidArgument("expected a metric name");
  name = std::string(s.substr(start, pos - start));
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
  if (pos >= s.size() || s[pos] != '{') return Status::ok();
  ++pos;
  while (true) {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == ',')) ++pos;
    if (pos < s.size() && s[pos] == '}') {
      ++pos;
      return Status::ok();
    }
    const size_t ls = pos;
    while (pos < s.size() && isNameChar(s[pos], pos == ls) && s[pos] != ':') ++pos;
    if (pos == ls) return invalidArgument("expected a label name");
    std::string label(s.substr(ls, pos - ls));
    while (pos < s.size() && s[pos] == ' ') ++pos;
    if (pos >= s.size() || s[pos] != '=') return invalidArgument("expected '=' after a label name");
    ++pos;
    while (pos < s.size() && s[pos] == ' ') ++pos;
    if (pos >= s.size() || s[pos] != '"') return invalidArgument("expected a quoted label value");
    ++pos;
    std::string value;
    while (pos < s.size() && s[pos] != '"') {
      if (s[pos] == '\\' && pos + 1 < s.size()) {
        const char e = s[++pos];
        value += e == 'n' ? '\n' : e;
      } else {
        value += s[pos];
      }
      ++pos;
    }
    if (pos >= s.size()) return invalidArgument("unterminated label value");
    ++pos;  // the closing quote
    labels.emplace_back(std::move(label), std::move(value));
  }
}

std::optional<double> parseSampleValue(std::string_view v) {
  if (v == "+Inf" || v == "Inf") return std::numeric_limits<double>::infinity();
  if (v == "-Inf") return -std::numeric_limits<double>::infinity();
  if (v == "NaN") return std::numeric_limits<double>::quiet_NaN();
  return parseGoFloat(v);
}

}  // namespace

StatusOr<double> ValueLocation::findYaml(std::string_view body) const {
  // common/yaml.h rather than yaml-cpp: the body comes from the event source, and yaml-cpp 0.7
  // never returns on some inputs (a worker thread lost for good).
  StatusOr<yaml::Document> doc = yaml::parseOne(body);
  if (!doc.isOk()) {
    return invalidArgument(
        fmt::format("the response is not valid YAML: {}", doc.status().message()));
  }
  const yaml::Node* node = doc->root.get();
  for (const std::string& part : path_) {
    const yaml::Node* next = nullptr;
    if (node->isSequence() && isIndex(part) && std::stoul(part) < node->items.size()) {
      next = node->items[std::stoul(part)].get();
    } else if (node->isMapping()) {
      next = node->find(part);
    }
    if (next == nullptr) return notNumericError(text_, "nothing (the path does not exist)");
    node = next;
  }
  if (node->isMapping()) return notNumericError(text_, "map");
  if (node->isSequence()) return notNumericError(text_, "list");
  static const std::set<std::string, std::less<>> kNull = {"", "~", "null", "Null", "NULL"};
  if (node->plain && node->tag.empty() && kNull.count(node->value) > 0) {
    return notNumericError(text_, "null");
  }
  return numberFromText(node->value, text_);
}

StatusOr<double> ValueLocation::findXml(std::string_view body) const {
  std::unique_ptr<XML_ParserStruct, ParserFree> parser(XML_ParserCreate(nullptr));
  if (!parser) return internalError("could not create an XML parser");
  XmlBuilder builder;
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), onStart, onEnd);
  XML_SetCharacterDataHandler(parser.get(), onText);
  if (body.size() > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      XML_Parse(parser.get(), body.data(), static_cast<int>(body.size()), XML_TRUE) !=
          XML_STATUS_OK) {
    return invalidArgument(fmt::format("the response is not valid XML: {} (line {})",
                                       XML_ErrorString(XML_GetErrorCode(parser.get())),
                                       XML_GetCurrentLineNumber(parser.get())));
  }
  if (builder.elements > kMaxXmlElements) return invalidArgument("the XML response is too large");
  // `candidates` are the same-named elements the previous component selected.
  std::vector<const XmlElement*> candidates = {&builder.root};
  for (const std::string& part : path_) {
    if (isIndex(part)) {
      const size_t i = std::stoul(part);
      if (i >= candidates.size()) return notNumericError(text_, "nothing (no such index)");
      candidates = {candidates[i]};
      continue;
    }
    if (candidates.size() != 1) return notNumericError(text_, "list");
    std::vector<const XmlElement*> next;
    for (const auto& child : candidates.front()->children) {
      if (child->name == part) next.push_back(child.get());
    }
    if (next.empty()) return notNumericError(text_, "nothing (the path does not exist)");
    candidates = std::move(next);
  }
  if (candidates.size() != 1) return notNumericError(text_, "list");
  const XmlElement* e = candidates.front();
  if (e == &builder.root) return notNumericError(text_, "the document");
  if (!e->children.empty()) return notNumericError(text_, "map");
  return numberFromText(e->text, text_);
}

Status ValueLocation::parsePrometheusSelector(std::string_view selector) {
  size_t pos = 0;
  std::vector<std::pair<std::string, std::string>> labels;
  std::string_view s = trim(selector);
  Status st = readNameAndLabels(s, pos, metric_, labels);
  if (st.isOk() && pos != s.size()) st = invalidArgument("unexpected text after the selector");
  if (!st.isOk()) {
    return invalidArgument(fmt::format(
        "valueLocation \"{}\" is not a Prometheus selector (name or name{{label=\"value\",...}}): "
        "{}",
        selector, st.message()));
  }
  for (auto& [name, value] : labels) labels_.push_back({std::move(name), std::move(value)});
  return Status::ok();
}

StatusOr<double> ValueLocation::findPrometheus(std::string_view body) const {
  std::string familyType = "untyped";
  bool familySeen = false;
  for (std::string_view line : split(body, '\n', /*trimParts=*/true)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      // "# TYPE name type"
      std::vector<std::string> words = split(line.substr(1), ' ');
      std::erase(words, std::string());
      if (words.size() >= 3 && words[0] == "TYPE" && words[1] == metric_) familyType = words[2];
      continue;
    }
    Sample sample;
    size_t pos = 0;
    if (!readNameAndLabels(line, pos, sample.name, sample.labels).isOk()) {
      return invalidArgument("the response is not in the Prometheus text format");
    }
    if (sample.name != metric_) continue;
    familySeen = true;
    if (familyType != "untyped" && familyType != "counter" && familyType != "gauge") {
      return invalidArgument(fmt::format(
          "valueLocation \"{}\": metric {} is a {}; only counter, gauge and untyped metrics have "
          "a single value",
          text_, metric_, familyType));
    }
    bool matches = true;
    for (const LabelMatcher& m : labels_) {
      bool found = false;
      for (const auto& [name, value] : sample.labels) {
        if (name == m.name && value == m.value) found = true;
      }
      matches = matches && found;
    }
    if (!matches) continue;
    std::vector<std::string> rest = split(line.substr(pos), ' ');
    std::erase(rest, std::string());
    std::optional<double> v = rest.empty() ? std::nullopt : parseSampleValue(rest.front());
    if (!v) return invalidArgument(fmt::format("metric {} has no readable value", metric_));
    return *v;
  }
  if (!familySeen) {
    return invalidArgument(
        fmt::format("valueLocation \"{}\": metric {} not found in the response", text_, metric_));
  }
  return invalidArgument(fmt::format(
      "valueLocation \"{}\": no sample of {} has all the selector's labels", text_, metric_));
}

}  // namespace tidal::scalers::metrics_api
