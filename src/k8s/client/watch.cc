#include "k8s/client/watch.h"

namespace tidal::k8s {

std::string_view watchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      return "ERROR";
  }
  return "?";
}

std::string WatchEvent::resourceVersion() const {
  if (!object.is_object()) return "";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto rv = meta->find("resourceVersion");
  return rv != meta->end() && rv->is_string() ? rv->get<std::string>() : "";
}

StatusOr<WatchEvent> parseWatchEvent(std::string_view line) {
  auto excerpt = [&] {
    return "\"" + std::string(line.substr(0, 120)) + (line.size() > 120 ? "...\"" : "\"");
  };
  nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return invalidArgument("watch event is not JSON: " + excerpt());
  if (!json.is_object() || !json.contains("type") || !json["type"].is_string() ||
      !json.contains("object") || !json["object"].is_object()) {
    return invalidArgument("watch event lacks a string type or an object: " + excerpt());
  }
  const std::string& type = json["type"].get_ref<const std::string&>();
  WatchEvent event;
  if (type == "ADDED") {
    event.type = WatchEventType::kAdded;
  } else if (type == "MODIFIED") {
    event.type = WatchEventType::kModified;
  } else if (type == "DELETED") {
    event.type = WatchEventType::kDeleted;
  } else if (type == "BOOKMARK") {
    event.type = WatchEventType::kBookmark;
  } else if (type == "ERROR") {
    event.type = WatchEventType::kError;
  } else {
    return invalidArgument("watch event has unknown type \"" + type + "\"");
  }
  event.object = std::move(json["object"]);
  return event;
}

StatusOr<bool> LineSplitter::feed(std::string_view chunk,
                                  const std::function<bool(std::string_view)>& onLine) {
  while (!chunk.empty()) {
    size_t newline = chunk.find('\n');
    if (newline == std::string_view::npos) {
      if (buffer_.size() + chunk.size() > maxLineBytes_) {
        return Status(StatusCode::kResourceExhausted,
                      "watch event longer than " + std::to_string(maxLineBytes_) + " bytes");
      }
      buffer_.append(chunk);
      return true;
    }
    std::string_view line;
    if (buffer_.empty()) {
      line = chunk.substr(0, newline);  // the common case: no copy
    } else {
      buffer_.append(chunk.substr(0, newline));
      line = buffer_;
    }
    chunk.remove_prefix(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool more = line.empty() || onLine(line);
    buffer_.clear();
    if (!more) return false;
  }
  return true;
}

}  // namespace tidal::k8s
