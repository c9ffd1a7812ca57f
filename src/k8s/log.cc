#include "k8s/log.h"

#include <cctype>
#include <cstdio>

namespace tidal::k8s {

std::string_view logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

namespace {

class StderrLogger : public Logger {
 public:
  void write(const LogRecord& record) override {
    if (!enabled(record.level)) return;
    std::string line;
    line += static_cast<char>(std::toupper(logLevelName(record.level)[0]));
    line += ' ';
    line += record.component;
    line += ": ";
    line += record.message;
    for (const auto& [key, value] : record.fields) {
      line += ' ';
      line += key;
      line += '=';
      // Quote values with spaces so that a line stays machine-splittable.
      if (value.find(' ') != std::string::npos || value.empty()) {
        line += '"';
        line += value;
        line += '"';
      } else {
        line += value;
      }
    }
    line += '\n';
    std::lock_guard lock(mu_);
    std::fputs(line.c_str(), stderr);
  }
  bool enabled(LogLevel level) const override { return level != LogLevel::kDebug; }

 private:
  std::mutex mu_;
};

class NullLogger : public Logger {
 public:
  void write(const LogRecord&) override {}
  bool enabled(LogLevel /*level*/) const override { return false; }
};

}  // namespace

Logger& stderrLogger() {
  static StderrLogger logger;
  return logger;
}

Logger& nullLogger() {
  static NullLogger logger;
  return logger;
}

void CapturingLogger::write(const LogRecord& record) {
  std::lock_guard lock(mu_);
  records_.push_back(record);
}

std::vector<LogRecord> CapturingLogger::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

size_t CapturingLogger::count(std::string_view text) const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& r : records_) {
    if (r.message.find(text) != std::string::npos) ++n;
  }
  return n;
}

void CapturingLogger::clear() {
  std::lock_guard lock(mu_);
  records_.clear();
}

StateLog::StateLog(Logger& logger, std::string component, LogFields baseFields,
                   std::string initialState)
    : logger_(logger),
      component_(std::move(component)),
      baseFields_(std::move(baseFields)),
      state_(std::move(initialState)) {}

bool StateLog::set(std::string_view state, LogLevel level, std::string message, LogFields fields) {
  {
    std::lock_guard lock(mu_);
    if (state_ == state) return false;
    state_ = std::string(state);
  }
  LogFields all = baseFields_;
  all.insert(all.end(), std::make_move_iterator(fields.begin()),
             std::make_move_iterator(fields.end()));
  logger_.log(level, component_, std::move(message), std::move(all));
  return true;
}

std::string StateLog::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

}  // namespace tidal::k8s
