#include "observability/logger.h"

#include <cstdio>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tidal::obs {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// 2026-11-28T04:30:00.123Z
const system_clock::time_point kNow = system_clock::time_point(milliseconds(1795840200123LL));

// Captures what a sink writes, through a real FILE*.
class Capture {
 public:
  Capture() : file_(std::tmpfile()) {}
  ~Capture() { std::fclose(file_); }
  FILE* file() const { return file_; }
  std::string text() const {
    std::fflush(file_);
    std::string out;
    std::rewind(file_);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) out.append(buf, n);
    return out;
  }

 private:
  FILE* file_;
};

class LoggerTest : public ::testing::Test {
 protected:
  std::shared_ptr<LogSink> sink(LogFormat format, LogLevel min = LogLevel::kDebug) {
    return std::make_shared<LogSink>(LogSinkOptions{
        .out = capture_.file(), .format = format, .minLevel = min, .clock = &clock_});
  }
  Capture capture_;
  FakeClock clock_{kNow};
};

TEST(FormatTimestamp, Rfc3339UtcMillis) {
  EXPECT_EQ(formatTimestamp(kNow), "2026-11-28T04:30:00.123Z");
  EXPECT_EQ(formatTimestamp(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(formatTimestamp(system_clock::time_point(milliseconds(951782400007LL))),
            "2000-02-29T00:00:00.007Z");  // leap day
}

TEST(ParseLog, LevelsAndFormats) {
  EXPECT_EQ(*parseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*parseLogLevel("INFO"), LogLevel::kInfo);
  EXPECT_EQ(*parseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_EQ(*parseLogLevel("Error"), LogLevel::kError);
  EXPECT_EQ(parseLogLevel("loud").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*parseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(*parseLogFormat("TEXT"), LogFormat::kText);
  EXPECT_EQ(parseLogFormat("xml").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LoggerTest, JsonLineHasFixedFieldsInOrder) {
  Logger log(sink(LogFormat::kJson), "scaling");
  log.info("scaled", {{"namespace", "default"}, {"replicas", "3"}});
  EXPECT_EQ(capture_.text(),
            "{\"level\":\"info\",\"ts\":\"2026-11-28T04:30:00.123Z\",\"logger\":\"scaling\","
            "\"msg\":\"scaled\",\"namespace\":\"default\",\"replicas\":\"3\"}\n");
}

TEST_F(LoggerTest, JsonEscapingParsesBack) {
  Logger log(sink(LogFormat::kJson), "comp\"x");
  struct Case {
    const char* name;
    std::string value;
    std::string parsed;  // what a JSON parser must read back
  };
  const Case cases[] = {
      {"quotes and backslash", "say \"hi\" \\o/", "say \"hi\" \\o/"},
      {"newline tab cr", "a\nb\tc\rd", "a\nb\tc\rd"},
      {"other control chars", std::string("\x01\x1f\b\f", 4) + std::string(1, '\0') + "z",
       std::string("\x01\x1f\b\f", 4) + std::string(1, '\0') + "z"},
      {"utf-8 kept", "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80",
       "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80"},
      {"invalid utf-8 replaced",
       "a\xff"
       "b\xc3",
       "a\xef\xbf\xbd"
       "b\xef\xbf\xbd"},
      {"surrogate replaced", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
      {"overlong replaced", "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},
  };
  for (const auto& c : cases) {
    Capture local;
    auto s = std::make_shared<LogSink>(
        LogSinkOptions{.out = local.file(), .format = LogFormat::kJson, .clock = &clock_});
    Logger l(s, "c");
    l.warn(c.value, {{"k\n", c.value}});
    std::string line = local.text();
    ASSERT_EQ(line.back(), '\n') << c.name;
    ASSERT_EQ(line.find('\n'), line.size() - 1) << c.name << ": one event, one line";
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(j.is_discarded()) << c.name << ": " << line;
    EXPECT_EQ(j["msg"], c.parsed) << c.name;
    EXPECT_EQ(j["k\n"], c.parsed) << c.name;
    EXPECT_EQ(j["level"], "warn");
  }
  log.error("m");
  auto j = nlohmann::json::parse(capture_.text());
  EXPECT_EQ(j["logger"], "comp\"x");
}

TEST_F(LoggerTest, ReservedKeysAreRenamed) {
  Logger log(sink(LogFormat::kJson), "c");
  log.info("real", {{"msg", "fake"}, {"level", "x"}});
  auto j = nlohmann::json::parse(capture_.text());
  EXPECT_EQ(j["msg"], "real");
  EXPECT_EQ(j["_msg"], "fake");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["_level"], "x");
}

TEST_F(LoggerTest, TextFormat) {
  Logger log(sink(LogFormat::kText), "component");
  log.info("msg", {{"key", "value"}});
  log.warn("two\nlines",
           {{"empty", ""}, {"spaced", "a b"}, {"quoted", "say \"x\""}, {"eq", "a=b"}});
  log.debug("d");
  log.error("e");
  EXPECT_EQ(capture_.text(),
            "2026-11-28T04:30:00.123Z INFO component msg key=value\n"
            "2026-11-28T04:30:00.123Z WARN component two\\nlines empty=\"\" spaced=\"a b\" "
            "quoted=\"say \\\"x\\\"\" eq=\"a=b\"\n"
            "2026-11-28T04:30:00.123Z DEBUG component d\n"
            "2026-11-28T04:30:00.123Z ERROR component e\n");
}

TEST_F(LoggerTest, DisabledLevelsWriteNothingAndSkipArguments) {
  auto s = sink(LogFormat::kJson, LogLevel::kWarn);
  Logger log(s, "c");
  log.debug("no");
  log.info("no", {{"k", "v"}});
  int evaluated = 0;
  auto expensive = [&] {
    ++evaluated;
    return std::string("v");
  };
  TIDAL_LOG_INFO(log, "no", {{"k", expensive()}});
  EXPECT_EQ(evaluated, 0);
  EXPECT_FALSE(log.enabled(LogLevel::kInfo));
  EXPECT_TRUE(log.enabled(LogLevel::kWarn));
  EXPECT_EQ(capture_.text(), "");

  TIDAL_LOG_ERROR(log, "yes", {{"k", expensive()}});
  EXPECT_EQ(evaluated, 1);
  s->setMinLevel(LogLevel::kDebug);
  log.debug("now");
  const std::string text = capture_.text();
  EXPECT_NE(text.find("\"msg\":\"yes\",\"k\":\"v\""), std::string::npos);
  EXPECT_NE(text.find("\"msg\":\"now\""), std::string::npos);

  Logger nothing;  // no sink
  EXPECT_FALSE(nothing.enabled(LogLevel::kError));
  nothing.error("dropped");
}

TEST_F(LoggerTest, WithAndNamedCarryFields) {
  Logger base(sink(LogFormat::kJson), "controller");
  Logger obj = base.with({{"namespace", "default"}}).with({{"name", "orders"}});
  Logger other = obj.named("scaling");
  {
    std::string temp = "gone";
    Logger scoped = obj.with({{"tmp", temp}});
    temp = "changed";  // with() copied the value
    scoped.info("a");
  }
  other.info("b", {{"k", "v"}});
  const std::string text = capture_.text();
  size_t nl = text.find('\n');
  auto a = nlohmann::json::parse(text.substr(0, nl));
  auto b = nlohmann::json::parse(text.substr(nl + 1));
  EXPECT_EQ(a["logger"], "controller");
  EXPECT_EQ(a["namespace"], "default");
  EXPECT_EQ(a["name"], "orders");
  EXPECT_EQ(a["tmp"], "gone");
  EXPECT_EQ(b.dump(),
            "{\"k\":\"v\",\"level\":\"info\",\"logger\":\"scaling\",\"msg\":\"b\","
            "\"name\":\"orders\",\"namespace\":\"default\",\"ts\":\"2026-11-28T04:30:00.123Z\"}");
}

TEST_F(LoggerTest, ConcurrentWritersNeverInterleaveLines) {
  Logger log(sink(LogFormat::kJson), "c");
  constexpr int kThreads = 4;
  constexpr int kLines = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string payload(200, static_cast<char>('a' + t));
      for (int i = 0; i < kLines; ++i) log.info("line", {{"payload", payload}});
    });
  }
  for (auto& th : threads) th.join();
  const std::string text = capture_.text();
  size_t pos = 0;
  int lines = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    auto j = nlohmann::json::parse(text.substr(pos, nl - pos), nullptr, false);
    ASSERT_FALSE(j.is_discarded());
    std::string payload = j["payload"];
    EXPECT_EQ(payload, std::string(200, payload[0]));
    ++lines;
    pos = nl + 1;
  }
  EXPECT_EQ(lines, kThreads * kLines);
}

}  // namespace
}  // namespace tidal::obs
