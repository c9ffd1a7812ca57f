// The watch stream's wire format: newline-delimited JSON events.
//
// The API server answers `?watch=1` with a chunked body of `{"type":...,"object":...}` objects,
// one per line. Chunks do not align with events: one chunk may hold several events or a part of
// one, so LineSplitter buffers the unfinished tail until its newline arrives. parseWatchEvent()
// then reads one line. BOOKMARK events carry only metadata.resourceVersion; ERROR events carry a
// meta/v1 Status whose code 410 means the requested resourceVersion is too old (relist).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace tidal::k8s {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

std::string_view watchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  nlohmann::json object;

  // metadata.resourceVersion of the object ("" if absent).
  std::string resourceVersion() const;
};

// Parses one event line. kInvalidArgument when the line is not JSON, lacks `type` or `object`, or
// names an unknown type; the message quotes at most the first 120 characters of the line.
StatusOr<WatchEvent> parseWatchEvent(std::string_view line);

// Splits a byte stream into lines. Not thread-safe (one per stream).
class LineSplitter {
 public:
  explicit LineSplitter(size_t maxLineBytes = 64u << 20) : maxLineBytes_(maxLineBytes) {}

  // Feeds one chunk; calls `onLine` for each complete line (without its '\n'; a trailing '\r' is
  // kept out too; empty lines are skipped). Stops early and returns false when `onLine` returns
  // false. kResourceExhausted when an unfinished line grows past the limit.
  StatusOr<bool> feed(std::string_view chunk, const std::function<bool(std::string_view)>& onLine);

  // Bytes of an unfinished line held back (non-zero at the end of a stream means it was cut
  // mid-event).
  size_t pending() const { return buffer_.size(); }

 private:
  const size_t maxLineBytes_;
  std::string buffer_;
};

}  // namespace tidal::k8s
