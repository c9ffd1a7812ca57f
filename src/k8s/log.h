// The logging seam of the Kubernetes client library.
//
// src/k8s/ sits below the observability layer, so it cannot use tidal's structured logger
// directly. Instead every component that logs takes a Logger&; the operator passes an adapter onto
// its JSON logger, tests pass a CapturingLogger, and stderrLogger() is the default. A record is one
// event: a level, a short message and key/value fields (the object key, the resource, the error).
// Records never carry secrets: callers log names, never tokens, keys or Secret data.
//
// StateLog implements the "log once per state change" rule for faults that repeat: a watch that
// fails every second while the API server is down logs one warning when it goes down and one info
// line when it recovers, not one line per attempt.
//
// Example:
//   StateLog state(logger, "informer", {{"resource", "scaledobjects.keda.sh"}});
//   state.set("disconnected", LogLevel::kWarning, "watch failed", {{"error", s.toString()}});
//   ...
//   state.set("connected", LogLevel::kInfo, "watch re-established");
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tidal::k8s {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

std::string_view logLevelName(LogLevel level);

using LogFields = std::vector<std::pair<std::string, std::string>>;

struct LogRecord {
  LogLevel level = LogLevel::kInfo;
  std::string component;  // "informer", "leader-election", "rest-client", ...
  std::string message;
  LogFields fields;
};

// Receives log records. Implementations must be thread-safe: records arrive from informer,
// worker and election threads concurrently. write() must not block for long and must not call
// back into the component that logged.
class Logger {
 public:
  virtual ~Logger() = default;
  virtual void write(const LogRecord& record) = 0;
  // Whether a record of `level` would be written; lets callers skip building costly records.
  virtual bool enabled(LogLevel /*level*/) const { return true; }

  void log(LogLevel level, std::string component, std::string message, LogFields fields = {}) {
    write({level, std::move(component), std::move(message), std::move(fields)});
  }
};

// Writes one human-readable line per record to stderr: "W informer: watch failed key=value ...".
// Debug records are dropped.
// A process-wide instance; thread-safe.
Logger& stderrLogger();

// Drops everything.
Logger& nullLogger();

// Keeps every record in memory, for tests. Thread-safe.
class CapturingLogger : public Logger {
 public:
  void write(const LogRecord& record) override;
  std::vector<LogRecord> records() const;
  // How many records contain `text` in their message.
  size_t count(std::string_view text) const;
  void clear();

 private:
  mutable std::mutex mu_;
  std::vector<LogRecord> records_;
};

// Logs only when a component's state changes. Thread-safe.
class StateLog {
 public:
  // `initialState` is the state assumed before the first set(): setting it logs nothing.
  StateLog(Logger& logger, std::string component, LogFields baseFields = {},
           std::string initialState = "");

  // Logs `message` (with the base fields followed by `fields`) if `state` differs from the state
  // last set; otherwise does nothing. Returns whether it logged.
  bool set(std::string_view state, LogLevel level, std::string message, LogFields fields = {});
  std::string state() const;

 private:
  Logger& logger_;
  const std::string component_;
  const LogFields baseFields_;
  mutable std::mutex mu_;
  std::string state_;
};

}  // namespace tidal::k8s
