#include "observability/logger.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace tidal::obs {

std::string_view logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

StatusOr<LogLevel> parseLogLevel(std::string_view s) {
  std::string v = toLower(s);
  if (v == "debug") return LogLevel::kDebug;
  if (v == "info") return LogLevel::kInfo;
  if (v == "warn" || v == "warning") return LogLevel::kWarn;
  if (v == "error") return LogLevel::kError;
  return invalidArgument(
      fmt::format("log level \"{}\" is not known: expected debug, info, warn or error", s));
}

StatusOr<LogFormat> parseLogFormat(std::string_view s) {
  std::string v = toLower(s);
  if (v == "json") return LogFormat::kJson;
  if (v == "text") return LogFormat::kText;
  return invalidArgument(fmt::format("log format \"{}\" is not known: expected json or text", s));
}

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (overlong forms,
// surrogates and code points above U+10FFFF are invalid).
size_t utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return k < s.size() && byte(k) >= lo && byte(k) <= hi;
  };
  unsigned char b = byte(i);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (b == 0xE0) return cont(i + 1, 0xA0) && cont(i + 2) ? 3 : 0;
  if (b == 0xED) return cont(i + 1, 0x80, 0x9F) && cont(i + 2) ? 3 : 0;
  if (b >= 0xE1 && b <= 0xEF) return cont(i + 1) && cont(i + 2) ? 3 : 0;
  if (b == 0xF0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (b >= 0xF1 && b <= 0xF3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (b == 0xF4) return cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  return 0;
}

// The JSON escaping of every control character and the two JSON specials; with `quotes` false,
// '"' and '\\' are left alone (for the text format's bare message).
void appendEscaped(std::string& out, std::string_view s, bool quotes) {
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      size_t n = utf8SequenceLength(s, i);
      if (n == 0) {
        out += kReplacement;
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += quotes ? "\\\"" : "\"";
        break;
      case '\\':
        out += quotes ? "\\\\" : "\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (u < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
        } else {
          out += c;
        }
    }
    ++i;
  }
}

bool isReservedKey(std::string_view key) {
  return key == "level" || key == "ts" || key == "logger" || key == "msg";
}

void appendJsonField(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  if (isReservedKey(key)) out += '_';
  appendJsonEscaped(out, key);
  out += "\":\"";
  appendJsonEscaped(out, value);
  out += '"';
}

bool needsQuoting(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == ' ' || c == '=' || c == '"' || c == '\\' || u == 0x7f) {
      return true;
    }
  }
  return false;
}

void appendTextField(std::string& out, std::string_view key, std::string_view value) {
  out += ' ';
  if (isReservedKey(key)) out += '_';
  appendEscaped(out, key, false);
  out += '=';
  if (needsQuoting(value)) {
    out += '"';
    appendJsonEscaped(out, value);
    out += '"';
  } else {
    out += value;
  }
}

char upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

void appendJsonEscaped(std::string& out, std::string_view s) {
  appendEscaped(out, s, true);
}

std::string formatTimestamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = floor<milliseconds>(t);
  auto day = floor<days>(ms);
  year_month_day ymd{day};
  hh_mm_ss hms{ms - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

LogSink::LogSink(LogSinkOptions options)
    : out_(options.out),
      format_(options.format),
      minLevel_(static_cast<int>(options.minLevel)),
      clock_(options.clock != nullptr ? *options.clock : SystemClock::instance()) {}

std::string LogSink::formatLine(LogLevel level, std::string_view component, std::string_view msg,
                                std::span<const LogField> fixed,
                                std::span<const LogField> fields) const {
  std::string line;
  line.reserve(128 + msg.size());
  std::string ts = formatTimestamp(clock_.now());
  if (format_ == LogFormat::kJson) {
    line += "{\"level\":\"";
    line += logLevelName(level);
    line += "\",\"ts\":\"";
    line += ts;
    line += '"';
    if (!component.empty()) {
      line += ",\"logger\":\"";
      appendJsonEscaped(line, component);
      line += '"';
    }
    line += ",\"msg\":\"";
    appendJsonEscaped(line, msg);
    line += '"';
    for (const LogField& f : fixed) appendJsonField(line, f.key, f.value);
    for (const LogField& f : fields) appendJsonField(line, f.key, f.value);
    line += "}\n";
  } else {
    line += ts;
    line += ' ';
    for (char c : logLevelName(level)) line += upper(c);
    if (!component.empty()) {
      line += ' ';
      appendEscaped(line, component, false);
    }
    line += ' ';
    appendEscaped(line, msg, false);
    for (const LogField& f : fixed) appendTextField(line, f.key, f.value);
    for (const LogField& f : fields) appendTextField(line, f.key, f.value);
    line += '\n';
  }
  return line;
}

void LogSink::write(LogLevel level, std::string_view component, std::string_view msg,
                    std::span<const LogField> fixed, std::span<const LogField> fields) {
  if (!enabled(level)) return;
  std::string line = formatLine(level, component, msg, fixed, fields);
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

Logger Logger::named(std::string component) const {
  Logger copy = *this;
  copy.component_ = std::move(component);
  return copy;
}

Logger Logger::with(std::initializer_list<LogField> fields) const {
  auto storage = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
  if (fixedStorage_) *storage = *fixedStorage_;
  for (const LogField& f : fields) storage->emplace_back(f.key, f.value);
  Logger copy(sink_, component_);
  copy.fixed_.reserve(storage->size());
  for (const auto& [k, v] : *storage) copy.fixed_.push_back(LogField{k, v});
  copy.fixedStorage_ = std::move(storage);
  return copy;
}

void Logger::write(LogLevel level, std::string_view msg, std::span<const LogField> fields) const {
  if (!sink_) return;
  sink_->write(level, component_, msg, fixed_, fields);
}

}  // namespace tidal::obs
