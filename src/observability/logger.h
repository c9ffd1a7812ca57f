// Structured logs: one event per line, JSON by default, human-readable text on request.
//
// Overview
//   A LogSink owns the output (a FILE*, stderr by default), the format, the minimum level and
//   the clock. Loggers are cheap values naming a component (the `logger` field) and optionally
//   carrying fields added to every event; many Loggers share one sink.
//
//   JSON (the operator's default), one object per line, fields in this order:
//     {"level":"info","ts":"2026-11-28T04:30:00.123Z","logger":"scaling","msg":"scaled",
//      "namespace":"default","name":"orders","replicas":"3"}
//   Text (`--log-format text`, for people):
//     2026-11-28T04:30:00.123Z INFO scaling scaled namespace=default name=orders replicas=3
//   Timestamps are RFC 3339 in UTC with milliseconds. Values are strings; JSON escaping covers
//   quotes, backslashes and every control character, and invalid UTF-8 is replaced by U+FFFD,
//   so every line parses. In text, values with spaces, quotes, '=' or control characters are
//   quoted with the same escaping, and the message's control characters are escaped, so one
//   event is always one line. A field key that repeats a fixed one (level, ts, logger, msg) is
//   written with a leading underscore.
//
//   Never log a secret: callers pass values that are safe to show (no passwords, tokens or
//   connection strings with credentials). The logger cannot tell and does not redact.
//
// Example
//   auto sink = std::make_shared<LogSink>(LogSinkOptions{.format = LogFormat::kJson});
//   Logger log(sink, "scaling");
//   log.info("scaled", {{"namespace", ns}, {"name", name}, {"replicas", std::to_string(n)}});
//   TIDAL_LOG_DEBUG(log, "metric", {{"value", expensiveToString()}});  // args not evaluated
//                                                                       // when debug is off
//
// Cost: a disabled level costs one relaxed atomic load (use the macros when building the field
// values is itself expensive). An enabled event is formatted on the caller's thread, then
// written with one fwrite and a flush under the sink's lock, so lines never interleave.
//
// Threading: LogSink and Logger are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace tidal::obs {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kJson, kText };

// "debug", "info", "warn", "error".
std::string_view logLevelName(LogLevel level);
// Accepts debug, info, warn (or warning), error, case-insensitive.
StatusOr<LogLevel> parseLogLevel(std::string_view s);
// Accepts json or text, case-insensitive.
StatusOr<LogFormat> parseLogFormat(std::string_view s);

// One key/value of an event. Views: they must outlive the call only.
struct LogField {
  std::string_view key;
  std::string_view value;
};

struct LogSinkOptions {
  FILE* out = stderr;  // not owned; must outlive the sink
  LogFormat format = LogFormat::kJson;
  LogLevel minLevel = LogLevel::kInfo;
  const Clock* clock = nullptr;  // nullptr = SystemClock::instance(); must outlive the sink
};

class LogSink {
 public:
  explicit LogSink(LogSinkOptions options = {});
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  bool enabled(LogLevel level) const {
    return static_cast<int>(level) >= minLevel_.load(std::memory_order_relaxed);
  }
  void setMinLevel(LogLevel level) {
    minLevel_.store(static_cast<int>(level), std::memory_order_relaxed);
  }
  LogFormat format() const { return format_; }

  // Formats and writes one event if `level` is enabled. `fixed` come before `fields`.
  void write(LogLevel level, std::string_view component, std::string_view msg,
             std::span<const LogField> fixed, std::span<const LogField> fields);

  // The line write() would produce (with the trailing newline); for tests and tools.
  std::string formatLine(LogLevel level, std::string_view component, std::string_view msg,
                         std::span<const LogField> fixed, std::span<const LogField> fields) const;

 private:
  FILE* out_;
  LogFormat format_;
  std::atomic<int> minLevel_;
  const Clock& clock_;
  std::mutex mu_;
};

// A component's handle on a sink. Copyable and cheap; copies share the sink.
class Logger {
 public:
  // A logger that writes nothing (for code under test that does not care).
  Logger() = default;
  Logger(std::shared_ptr<LogSink> sink, std::string component)
      : sink_(std::move(sink)), component_(std::move(component)) {}

  // A logger for another component on the same sink, keeping this one's fixed fields.
  Logger named(std::string component) const;
  // A logger that adds `fields` (copied) to every event, e.g. the object key.
  Logger with(std::initializer_list<LogField> fields) const;

  bool enabled(LogLevel level) const { return sink_ && sink_->enabled(level); }
  const std::string& component() const { return component_; }

  void log(LogLevel level, std::string_view msg,
           std::initializer_list<LogField> fields = {}) const {
    if (!enabled(level)) return;
    write(level, msg, std::span<const LogField>(fields.begin(), fields.size()));
  }
  void debug(std::string_view msg, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::kDebug, msg, fields);
  }
  void info(std::string_view msg, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::kInfo, msg, fields);
  }
  void warn(std::string_view msg, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::kWarn, msg, fields);
  }
  void error(std::string_view msg, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::kError, msg, fields);
  }
  // For callers that build the field list at run time.
  void write(LogLevel level, std::string_view msg, std::span<const LogField> fields) const;

 private:
  std::shared_ptr<LogSink> sink_;
  std::string component_;
  // Owned copies of with() fields, and views onto them.
  std::shared_ptr<const std::vector<std::pair<std::string, std::string>>> fixedStorage_;
  std::vector<LogField> fixed_;
};

// Appends `s` as the inside of a JSON string (no quotes): escapes '"', '\\' and control
// characters, replaces invalid UTF-8 with U+FFFD.
void appendJsonEscaped(std::string& out, std::string_view s);
// RFC 3339 UTC with milliseconds, e.g. "2026-11-28T04:30:00.123Z".
std::string formatTimestamp(std::chrono::system_clock::time_point t);

}  // namespace tidal::obs

// Logs only if the level is enabled, without evaluating the message or fields otherwise.
#define TIDAL_LOG(logger, level, ...)                              \
  do {                                                             \
    if ((logger).enabled(level)) (logger).log(level, __VA_ARGS__); \
  } while (false)
#define TIDAL_LOG_DEBUG(logger, ...) TIDAL_LOG(logger, ::tidal::obs::LogLevel::kDebug, __VA_ARGS__)
#define TIDAL_LOG_INFO(logger, ...) TIDAL_LOG(logger, ::tidal::obs::LogLevel::kInfo, __VA_ARGS__)
#define TIDAL_LOG_WARN(logger, ...) TIDAL_LOG(logger, ::tidal::obs::LogLevel::kWarn, __VA_ARGS__)
#define TIDAL_LOG_ERROR(logger, ...) TIDAL_LOG(logger, ::tidal::obs::LogLevel::kError, __VA_ARGS__)
