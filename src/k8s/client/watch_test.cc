#include "k8s/client/watch.h"

#include <gtest/gtest.h>

namespace tidal::k8s {
namespace {

TEST(LineSplitterTest, ReassemblesLinesAcrossChunks) {
  struct Case {
    std::string name;
    std::vector<std::string> chunks;
    std::vector<std::string> lines;
    size_t pending;
  };
  const Case cases[] = {
      {"one line per chunk", {"a\n", "b\n"}, {"a", "b"}, 0},
      {"two lines in a chunk", {"a\nb\n"}, {"a", "b"}, 0},
      {"a line over three chunks", {"ab", "cd", "ef\n"}, {"abcdef"}, 0},
      {"a tail is held back", {"a\nbc"}, {"a"}, 2},
      {"CRLF and blank lines", {"a\r\n\n\nb\n"}, {"a", "b"}, 0},
      {"split right after the newline", {"a\n", "", "b", "\n"}, {"a", "b"}, 0},
  };
  for (const Case& c : cases) {
    LineSplitter splitter;
    std::vector<std::string> lines;
    for (const std::string& chunk : c.chunks) {
      StatusOr<bool> more = splitter.feed(chunk, [&](std::string_view line) {
        lines.emplace_back(line);
        return true;
      });
      ASSERT_TRUE(more.isOk() && *more) << c.name;
    }
    EXPECT_EQ(lines, c.lines) << c.name;
    EXPECT_EQ(splitter.pending(), c.pending) << c.name;
  }
}

TEST(LineSplitterTest, StopsWhenAskedAndLimitsLineLength) {
  LineSplitter splitter(8);
  int seen = 0;
  StatusOr<bool> more = splitter.feed("a\nb\nc\n", [&](std::string_view) { return ++seen < 2; });
  ASSERT_TRUE(more.isOk());
  EXPECT_FALSE(*more);
  EXPECT_EQ(seen, 2);
  StatusOr<bool> tooLong = splitter.feed("0123456789", [](std::string_view) { return true; });
  EXPECT_EQ(tooLong.status().code(), StatusCode::kResourceExhausted);
}

TEST(ParseWatchEventTest, Types) {
  struct Case {
    std::string line;
    WatchEventType type;
    std::string rv;
  };
  const Case cases[] = {
      {R"({"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}})",
       WatchEventType::kAdded, "5"},
      {R"({"type":"MODIFIED","object":{"metadata":{"resourceVersion":"6"}}})",
       WatchEventType::kModified, "6"},
      {R"({"type":"DELETED","object":{"metadata":{"resourceVersion":"7"}}})",
       WatchEventType::kDeleted, "7"},
      {R"({"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"9"}}})",
       WatchEventType::kBookmark, "9"},
      {R"({"type":"ERROR","object":{"kind":"Status","code":410}})", WatchEventType::kError, ""},
  };
  for (const Case& c : cases) {
    StatusOr<WatchEvent> event = parseWatchEvent(c.line);
    ASSERT_TRUE(event.isOk()) << c.line << ": " << event.status().toString();
    EXPECT_EQ(event->type, c.type) << c.line;
    EXPECT_EQ(event->resourceVersion(), c.rv) << c.line;
  }
}

TEST(ParseWatchEventTest, Malformed) {
  struct Case {
    std::string name;
    std::string line;
    std::string message;
  };
  const Case cases[] = {
      {"not json", R"({"type":"ADDED","object":{"metadata")", "watch event is not JSON"},
      {"no object", R"({"type":"ADDED"})", "lacks a string type or an object"},
      {"object not an object", R"({"type":"ADDED","object":[]})", "lacks a string type"},
      {"type not a string", R"({"type":1,"object":{}})", "lacks a string type"},
      {"unknown type", R"({"type":"RENAMED","object":{}})", "unknown type \"RENAMED\""},
  };
  for (const Case& c : cases) {
    StatusOr<WatchEvent> event = parseWatchEvent(c.line);
    EXPECT_EQ(event.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(event.status().message().find(c.message), std::string::npos)
        << c.name << ": " << event.status().message();
  }
}

}  // namespace
}  // namespace tidal::k8s
