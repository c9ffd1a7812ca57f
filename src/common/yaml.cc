#include "common/yaml.h"

#include <map>

#include <fmt/format.h>
#include <yaml.h>

namespace tidal::yaml {
namespace {

// Owns one libyaml parser over `text`.
class EventReader {
 public:
  explicit EventReader(std::string_view text) {
    ok_ = yaml_parser_initialize(&parser_) != 0;
    if (ok_) {
      yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()),
                                   text.size());
    }
  }
  ~EventReader() {
    if (ok_) yaml_parser_delete(&parser_);
  }
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  // The next event; the caller deletes it with yaml_event_delete.
  Status next(yaml_event_t& event) {
    if (!ok_) return internalError("libyaml: could not create a parser");
    if (yaml_parser_parse(&parser_, &event) != 0) return Status::ok();
    std::string problem = parser_.problem != nullptr ? parser_.problem : "invalid YAML";
    if (parser_.context != nullptr) problem = std::string(parser_.context) + ": " + problem;
    return invalidArgument(fmt::format("{}:{}: {}", parser_.problem_mark.line + 1,
                                       parser_.problem_mark.column + 1, problem));
  }

 private:
  yaml_parser_t parser_{};
  bool ok_ = false;
};

struct Event {
  yaml_event_t e{};
  ~Event() { yaml_event_delete(&e); }
};

std::string text(const yaml_char_t* s) {
  return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(s));
}

// Builds one document's tree from the events between DOCUMENT-START and DOCUMENT-END.
class Builder {
 public:
  Builder(EventReader& reader, Limits limits) : reader_(reader), limits_(limits) {}

  // The node that starts with `event` (already read).
  StatusOr<std::shared_ptr<const Node>> node(const yaml_event_t& event, int depth) {
    const int line = static_cast<int>(event.start_mark.line) + 1;
    const int column = static_cast<int>(event.start_mark.column) + 1;
    switch (event.type) {
      case YAML_ALIAS_EVENT: {
        const auto it = anchors_.find(text(event.data.alias.anchor));
        if (it == anchors_.end()) {
          return invalidArgument(fmt::format("{}:{}: alias *{} names no anchor before it", line,
                                             column, text(event.data.alias.anchor)));
        }
        return it->second;
      }
      case YAML_SCALAR_EVENT: {
        auto n = std::make_shared<Node>();
        n->kind = Node::Kind::kScalar;
        n->line = line;
        n->column = column;
        n->tag = text(event.data.scalar.tag);
        n->value.assign(reinterpret_cast<const char*>(event.data.scalar.value),
                        event.data.scalar.length);
        n->plain = event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        remember(event.data.scalar.anchor, n);
        return std::shared_ptr<const Node>(std::move(n));
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        if (depth >= limits_.maxDepth) {
          return invalidArgument(
              fmt::format("{}:{}: nesting deeper than {} levels", line, column, limits_.maxDepth));
        }
        const bool sequence = event.type == YAML_SEQUENCE_START_EVENT;
        auto n = std::make_shared<Node>();
        n->kind = sequence ? Node::Kind::kSequence : Node::Kind::kMapping;
        n->line = line;
        n->column = column;
        n->tag = text(sequence ? event.data.sequence_start.tag : event.data.mapping_start.tag);
        // The anchor is recorded once the collection is complete, so an alias inside it cannot
        // name it: the tree never has a cycle.
        const yaml_char_t* anchor =
            sequence ? event.data.sequence_start.anchor : event.data.mapping_start.anchor;
        const yaml_event_type_t end = sequence ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT;
        while (true) {
          Event child;
          TIDAL_RETURN_IF_ERROR(reader_.next(child.e));
          if (child.e.type == end) break;
          TIDAL_ASSIGN_OR_RETURN(std::shared_ptr<const Node> item, node(child.e, depth + 1));
          if (sequence) {
            n->items.push_back(std::move(item));
            continue;
          }
          Event valueEvent;
          TIDAL_RETURN_IF_ERROR(reader_.next(valueEvent.e));
          TIDAL_ASSIGN_OR_RETURN(std::shared_ptr<const Node> value, node(valueEvent.e, depth + 1));
          n->pairs.emplace_back(std::move(item), std::move(value));
        }
        remember(anchor, n);
        return std::shared_ptr<const Node>(std::move(n));
      }
      default:
        return invalidArgument(fmt::format("{}:{}: unexpected YAML event {}", line, column,
                                           static_cast<int>(event.type)));
    }
  }

 private:
  void remember(const yaml_char_t* anchor, const std::shared_ptr<Node>& n) {
    if (anchor != nullptr) anchors_[text(anchor)] = n;
  }

  EventReader& reader_;
  Limits limits_;
  std::map<std::string, std::shared_ptr<const Node>> anchors_;  // per document, as YAML says
};

}  // namespace

const Node* Node::find(std::string_view key) const {
  for (const auto& [k, v] : pairs) {
    if (k->isScalar() && k->value == key) return v.get();
  }
  return nullptr;
}

StatusOr<std::vector<Document>> parseAll(std::string_view input, Limits limits) {
  EventReader reader(input);
  std::vector<Document> out;
  while (true) {
    Event event;
    TIDAL_RETURN_IF_ERROR(reader.next(event.e));
    switch (event.e.type) {
      case YAML_STREAM_END_EVENT:
        return out;
      case YAML_DOCUMENT_START_EVENT: {
        Builder builder(reader, limits);
        Event first;
        TIDAL_RETURN_IF_ERROR(reader.next(first.e));
        TIDAL_ASSIGN_OR_RETURN(std::shared_ptr<const Node> root, builder.node(first.e, 0));
        Event end;
        TIDAL_RETURN_IF_ERROR(reader.next(end.e));
        if (end.e.type != YAML_DOCUMENT_END_EVENT) {
          return invalidArgument("expected the end of a YAML document");
        }
        out.push_back(Document{std::move(root)});
        break;
      }
      default:
        break;  // STREAM-START
    }
  }
}

StatusOr<Document> parseOne(std::string_view input, Limits limits) {
  TIDAL_ASSIGN_OR_RETURN(std::vector<Document> docs, parseAll(input, limits));
  if (docs.empty()) {
    auto empty = std::make_shared<Node>();
    empty->plain = true;
    empty->line = 1;
    empty->column = 1;
    return Document{std::move(empty)};
  }
  if (docs.size() > 1) {
    return invalidArgument(fmt::format("expected one YAML document, found {}", docs.size()));
  }
  return std::move(docs.front());
}

}  // namespace tidal::yaml
