#include "k8s/cache/label_selector.h"

#include <algorithm>
#include <cctype>

#include "common/strings.h"

namespace tidal::k8s {
namespace {

bool isKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '/';
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Status fail(const std::string& expected) const {
    return invalidArgument("label selector \"" + std::string(text_) + "\": at position " +
                           std::to_string(pos_) + ": expected " + expected);
  }
  void skipSpaces() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  bool atEnd() {
    skipSpaces();
    return pos_ >= text_.size();
  }
  bool consume(std::string_view token) {
    skipSpaces();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  // A keyword must be followed by a space or '('.
  bool consumeWord(std::string_view word) {
    skipSpaces();
    if (text_.substr(pos_, word.size()) != word) return false;
    size_t after = pos_ + word.size();
    if (after < text_.size() && (text_[after] == ' ' || text_[after] == '(')) {
      pos_ = after;
      return true;
    }
    return false;
  }
  std::string word() {
    skipSpaces();
    size_t start = pos_;
    while (pos_ < text_.size() && isKeyChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  StatusOr<LabelSelector::Requirement> requirement() {
    LabelSelector::Requirement r;
    if (consume("!")) {
      r.key = word();
      if (r.key.empty()) return fail("a label key after '!'");
      r.op = LabelSelector::Op::kDoesNotExist;
      return r;
    }
    r.key = word();
    if (r.key.empty()) return fail("a label key");
    if (consume("==") || consume("=")) {
      r.op = LabelSelector::Op::kEquals;
      r.values.push_back(word());
      return r;
    }
    if (consume("!=")) {
      r.op = LabelSelector::Op::kNotEquals;
      r.values.push_back(word());
      return r;
    }
    bool in = consumeWord("in");
    bool notIn = !in && consumeWord("notin");
    if (in || notIn) {
      r.op = in ? LabelSelector::Op::kIn : LabelSelector::Op::kNotIn;
      if (!consume("(")) return fail("'(' after \"" + std::string(in ? "in" : "notin") + "\"");
      while (true) {
        std::string v = word();
        if (v.empty()) return fail("a value in the set");
        r.values.push_back(v);
        if (consume(")")) break;
        if (!consume(",")) return fail("',' or ')' in the set");
      }
      return r;
    }
    r.op = LabelSelector::Op::kExists;
    return r;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

StatusOr<LabelSelector> LabelSelector::parse(std::string_view text) {
  LabelSelector selector;
  Parser p(text);
  if (p.atEnd()) return selector;
  while (true) {
    TIDAL_ASSIGN_OR_RETURN(Requirement r, p.requirement());
    selector.requirements_.push_back(std::move(r));
    if (p.atEnd()) break;
    if (!p.consume(",")) return p.fail("',' between requirements");
  }
  return selector;
}

LabelSelector LabelSelector::fromMatchLabels(const api::StringMap& labels) {
  LabelSelector selector;
  for (const auto& [k, v] : labels) selector.requirements_.push_back({k, Op::kEquals, {v}});
  return selector;
}

bool LabelSelector::matches(const api::StringMap& labels) const {
  for (const Requirement& r : requirements_) {
    auto it = labels.find(r.key);
    bool has = it != labels.end();
    auto inValues = [&] {
      return has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    };
    bool ok = false;
    switch (r.op) {
      case Op::kEquals:
      case Op::kIn:
        ok = inValues();
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        ok = !inValues();
        break;
      case Op::kExists:
        ok = has;
        break;
      case Op::kDoesNotExist:
        ok = !has;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

std::string LabelSelector::toString() const {
  std::vector<std::string> parts;
  for (const Requirement& r : requirements_) {
    switch (r.op) {
      case Op::kEquals:
        parts.push_back(r.key + "=" + r.values.at(0));
        break;
      case Op::kNotEquals:
        parts.push_back(r.key + "!=" + r.values.at(0));
        break;
      case Op::kIn:
        parts.push_back(r.key + " in (" + join(r.values, ",") + ")");
        break;
      case Op::kNotIn:
        parts.push_back(r.key + " notin (" + join(r.values, ",") + ")");
        break;
      case Op::kExists:
        parts.push_back(r.key);
        break;
      case Op::kDoesNotExist:
        parts.push_back("!" + r.key);
        break;
    }
  }
  return join(parts, ",");
}

}  // namespace tidal::k8s
