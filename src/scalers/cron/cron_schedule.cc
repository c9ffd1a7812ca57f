#include "scalers/cron/cron_schedule.h"

#include <array>
#include <exception>
#include <vector>

#include <fmt/format.h>

#include "common/strings.h"

namespace tidal::scalers {
namespace {

using std::chrono::sys_seconds;

constexpr std::string_view kFieldOrder = "minute hour day-of-month month day-of-week";

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"sun", "mon", "tue", "wed",
                                                           "thu", "fri", "sat"};

// One of the five fields: its bounds and, for month and day-of-week, the names it accepts (the
// i-th name stands for firstNamed + i).
struct Field {
  std::string_view name;
  int64_t min;
  int64_t max;
  const std::string_view* names = nullptr;
  size_t nameCount = 0;
  int64_t firstNamed = 0;
  std::string_view nameHint;  // e.g. "JAN-DEC", for error messages
};

constexpr Field kMinute{"minute", 0, 59};
constexpr Field kHour{"hour", 0, 23};
constexpr Field kDayOfMonth{"day-of-month", 1, 31};
constexpr Field kMonth{"month", 1, 12, kMonthNames.data(), kMonthNames.size(), 1, "JAN-DEC"};
constexpr Field kDayOfWeek{"day-of-week",        0, 6,        kWeekdayNames.data(),
                           kWeekdayNames.size(), 0, "SUN-SAT"};

// The values a field matches, and whether it was written as "every value" (`*`, `?` or `*/1`),
// which robfig tracks to decide how day-of-month and day-of-week combine.
struct FieldBits {
  uint64_t bits = 0;
  bool every = false;
};

// The byte length of the white-space character starting at s[i], or 0. Go's strings.Fields
// (which robfig uses to split fields) treats Unicode white space as separators, so a
// no-break space pasted from a web page separates fields there too.
size_t spaceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return i + k < s.size() ? static_cast<uint8_t>(s[i + k]) : 0; };
  const uint8_t b0 = byte(0);
  if (b0 == ' ' || (b0 >= '\t' && b0 <= '\r')) return 1;
  if (b0 == 0xC2 && (byte(1) == 0x85 || byte(1) == 0xA0)) return 2;  // U+0085, U+00A0
  if (b0 == 0xE1 && byte(1) == 0x9A && byte(2) == 0x80) return 3;    // U+1680
  if (b0 == 0xE2 && byte(1) == 0x80) {
    const uint8_t b2 = byte(2);
    // U+2000..U+200A, U+2028, U+2029, U+202F
    if ((b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF) return 3;
  }
  if (b0 == 0xE2 && byte(1) == 0x81 && byte(2) == 0x9F) return 3;  // U+205F
  if (b0 == 0xE3 && byte(1) == 0x80 && byte(2) == 0x80) return 3;  // U+3000
  return 0;
}

std::vector<std::string_view> splitOnWhiteSpace(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  size_t start = std::string_view::npos;
  while (i < s.size()) {
    const size_t n = spaceLength(s, i);
    if (n == 0) {
      if (start == std::string_view::npos) start = i;
      ++i;
      continue;
    }
    if (start != std::string_view::npos) out.push_back(s.substr(start, i - start));
    start = std::string_view::npos;
    i += n;
  }
  if (start != std::string_view::npos) out.push_back(s.substr(start));
  return out;
}

std::string_view trimWhiteSpace(std::string_view s) {
  const std::vector<std::string_view> words = splitOnWhiteSpace(s);
  if (words.empty()) return {};
  const char* begin = words.front().data();
  const char* end = words.back().data() + words.back().size();
  return {begin, static_cast<size_t>(end - begin)};
}

// Splits on `sep`, keeping empty parts ("a--b" has three parts), like Go's strings.Split.
std::vector<std::string_view> splitKeepingEmpty(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::string quoted(std::string_view s) {
  return fmt::format("\"{}\"", s);
}

// Reads one number of a token (robfig uses strconv.Atoi: an optional sign, then digits), or
// for month and day-of-week also a name. `problem` receives what is wrong with it.
std::optional<int64_t> readValue(std::string_view text, const Field& field, bool allowNames,
                                 std::string& problem) {
  if (allowNames && field.names != nullptr) {
    const std::string lower = toLower(text);
    for (size_t i = 0; i < field.nameCount; ++i) {
      if (lower == field.names[i]) return field.firstNamed + static_cast<int64_t>(i);
    }
  }
  const std::optional<int64_t> number = parseGoInt(text);
  if (!number) {
    problem = allowNames && field.names != nullptr
                  ? fmt::format("{} is not a number or a name ({})", quoted(text), field.nameHint)
                  : fmt::format("{} is not a number", quoted(text));
    return std::nullopt;
  }
  if (*number < 0) {
    problem = fmt::format("{} is negative", *number);
    return std::nullopt;
  }
  return number;
}

// One comma-separated element of a field: `*`, `?`, `a`, `a-b`, optionally followed by `/n`.
StatusOr<FieldBits> parseElement(std::string_view element, const Field& field) {
  const auto fail = [&](std::string_view problem) {
    return invalidArgument(fmt::format("{} field: {}: {}", field.name, quoted(element), problem));
  };
  const std::vector<std::string_view> rangeAndStep = splitKeepingEmpty(element, '/');
  if (rangeAndStep.size() > 2) return fail("too many '/'");
  const std::vector<std::string_view> bounds = splitKeepingEmpty(rangeAndStep[0], '-');

  std::string problem;
  int64_t low = 0;
  int64_t high = 0;
  bool every = false;
  if (bounds[0] == "*" || bounds[0] == "?") {
    // robfig ignores whatever follows "*-" here; we accept the same inputs KEDA accepts.
    low = field.min;
    high = field.max;
    every = true;
  } else {
    const std::optional<int64_t> first = readValue(bounds[0], field, true, problem);
    if (!first) return fail(problem);
    low = high = *first;
    if (bounds.size() > 2) return fail("too many '-'");
    if (bounds.size() == 2) {
      const std::optional<int64_t> last = readValue(bounds[1], field, true, problem);
      if (!last) return fail(problem);
      high = *last;
    }
  }

  int64_t step = 1;
  if (rangeAndStep.size() == 2) {
    const std::optional<int64_t> n = readValue(rangeAndStep[1], field, false, problem);
    if (!n) return fail(problem);
    step = *n;
    if (bounds.size() == 1) high = field.max;  // "a/n" runs from a to the maximum
    if (step > 1) every = false;
  }

  if (low < field.min) return fail(fmt::format("{} is below the minimum ({})", low, field.min));
  if (high > field.max) return fail(fmt::format("{} is above the maximum ({})", high, field.max));
  // "25/2" in the hour field: robfig reports a reversed range 25-23; the bound is clearer.
  if (low > field.max) return fail(fmt::format("{} is above the maximum ({})", low, field.max));
  if (low > high) return fail(fmt::format("the range starts at {} but ends at {}", low, high));
  if (step == 0) return fail("the step must be a positive number");

  FieldBits out;
  out.every = every;
  // Unsigned: values are at most 59 and the step below 2^63, so the sum cannot overflow.
  const auto stride = static_cast<uint64_t>(step);
  for (auto v = static_cast<uint64_t>(low); v <= static_cast<uint64_t>(high); v += stride) {
    out.bits |= uint64_t{1} << v;
  }
  return out;
}

StatusOr<FieldBits> parseField(std::string_view text, const Field& field) {
  FieldBits out;
  // Empty list elements ("1,,2", ",") are skipped, as robfig's strings.FieldsFunc does.
  for (std::string_view element : splitKeepingEmpty(text, ',')) {
    if (element.empty()) continue;
    TIDAL_ASSIGN_OR_RETURN(FieldBits bits, parseElement(element, field));
    out.bits |= bits.bits;
    out.every = out.every || bits.every;
  }
  return out;
}

bool hasBit(uint64_t bits, int64_t i) {
  return ((bits >> i) & 1U) != 0;
}

// ---- wall-clock arithmetic with Go's time package rules ---------------------------------------

// A reading of the wall clock in some zone.
struct Civil {
  int64_t year = 0;
  int64_t month = 0;     // 1-12
  int64_t day = 0;       // 1-31
  int64_t hour = 0;      // 0-23
  int64_t minute = 0;    // 0-59
  int64_t second = 0;    // 0-59
  unsigned weekday = 0;  // 0 = Sunday
};

// The UTC offset in force at `t`, and the instants where that offset starts and stops applying.
struct OffsetPeriod {
  std::chrono::seconds offset{0};
  sys_seconds begin = sys_seconds::min();
  sys_seconds end = sys_seconds::max();
};

OffsetPeriod offsetAt(sys_seconds t, const date::time_zone* zone) {
  if (zone == nullptr) return {};  // UTC
  const date::sys_info info = zone->get_info(t);
  return {info.offset, info.begin, info.end};
}

Civil wallClock(sys_seconds t, const date::time_zone* zone) {
  const sys_seconds local = t + offsetAt(t, zone).offset;
  const auto midnight = std::chrono::floor<date::days>(local);
  const date::year_month_day ymd{midnight};
  const int64_t secondOfDay = (local - midnight).count();
  Civil c;
  c.year = static_cast<int>(ymd.year());
  c.month = static_cast<unsigned>(ymd.month());
  c.day = static_cast<unsigned>(ymd.day());
  c.hour = secondOfDay / 3600;
  c.minute = secondOfDay / 60 % 60;
  c.second = secondOfDay % 60;
  c.weekday = date::weekday{midnight}.c_encoding();
  return c;
}

int64_t floorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// The instant whose wall clock in `zone` reads the given fields, resolved exactly as Go's
// time.Date does: out-of-range fields carry (month 13 is January next year, day 32 the next
// month's 1st), and a wall time that does not exist or exists twice around a transition takes
// the offset Go would pick. robfig's DST behaviour follows from that choice, so it is kept.
sys_seconds fromWallClock(int64_t year, int64_t month, int64_t day, int64_t hour, int64_t minute,
                          int64_t second, const date::time_zone* zone) {
  const int64_t monthIndex = month - 1;
  const int64_t carry = floorDiv(monthIndex, 12);
  year += carry;
  const auto monthOfYear = static_cast<unsigned>(monthIndex - carry * 12 + 1);
  const date::sys_days firstOfMonth = date::year_month_day{date::year{static_cast<int>(year)},
                                                           date::month{monthOfYear}, date::day{1}};
  // The wall clock reading, pretending the zone were UTC.
  const sys_seconds wall =
      sys_seconds{firstOfMonth.time_since_epoch()} +
      std::chrono::seconds{(day - 1) * 86400 + hour * 3600 + minute * 60 + second};
  // Go first guesses the offset in force at the wall reading taken as UTC; if the instant that
  // guess yields falls outside the guessed offset's period, it uses the offset at that instant.
  const OffsetPeriod guess = offsetAt(wall, zone);
  const sys_seconds candidate = wall - guess.offset;
  if (candidate >= guess.begin && candidate < guess.end) return candidate;
  return wall - offsetAt(candidate, zone).offset;
}

// Bounds the search. A real schedule needs a few thousand steps at most (five years of days);
// this only stops a zone database with pathological transitions from hanging a poll.
constexpr int kMaxSteps = 500'000;

}  // namespace

StatusOr<const date::time_zone*> loadTimeZone(std::string_view name) {
  // Go's LoadLocation: "" and "UTC" mean UTC. "Local" is the process's zone in Go; KEDA runs in a
  // distroless image without /etc/localtime, where that is UTC, and tidal keeps that meaning
  // rather than depend on the host it happens to run on.
  if (name.empty() || name == "Local") name = "UTC";
  if (name.find("..") != std::string_view::npos || name.front() == '/' || name.front() == '\\') {
    return invalidArgument("time: invalid location name");
  }
  try {
    (void)date::get_tzdb();
  } catch (const std::exception& e) {
    return failedPrecondition(
        fmt::format("the time zone database (/usr/share/zoneinfo) is unavailable: {}", e.what()));
  }
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return invalidArgument(fmt::format("unknown time zone {}", name));
  }
}

StatusOr<CronSchedule> CronSchedule::parse(std::string_view spec) {
  CronSchedule out;
  out.spec_ = std::string(spec);
  if (spec.empty()) {
    return invalidArgument(
        fmt::format("the schedule is empty; expected 5 fields ({})", kFieldOrder));
  }

  // An optional "TZ=<zone> " or "CRON_TZ=<zone> " prefix, ended by the first ASCII space.
  if (startsWith(spec, "TZ=") || startsWith(spec, "CRON_TZ=")) {
    const size_t space = spec.find(' ');
    if (space == std::string_view::npos) {
      return invalidArgument(
          fmt::format("{}: a time zone prefix must be followed by a space and 5 fields ({})",
                      quoted(spec), kFieldOrder));
    }
    const size_t eq = spec.find('=');
    const std::string_view zoneName = spec.substr(eq + 1, space - eq - 1);
    StatusOr<const date::time_zone*> zone = loadTimeZone(zoneName);
    if (!zone.isOk()) {
      return invalidArgument(fmt::format("time zone prefix {}: {}", quoted(spec.substr(0, space)),
                                         zone.status().message()));
    }
    // "TZ=Local" keeps the zone of the time given to next(), as Go's time.Local does.
    if (zoneName != "Local") out.zone_ = *zone;
    spec = trimWhiteSpace(spec.substr(space));
  }

  if (startsWith(spec, "@")) {
    return invalidArgument(fmt::format(
        "descriptors such as {} are not accepted; write 5 fields ({})", quoted(spec), kFieldOrder));
  }

  const std::vector<std::string_view> fields = splitOnWhiteSpace(spec);
  if (fields.size() != 5) {
    return invalidArgument(fmt::format("expected exactly 5 fields ({}), found {}: {}", kFieldOrder,
                                       fields.size(), quoted(spec)));
  }
  TIDAL_ASSIGN_OR_RETURN(FieldBits minutes, parseField(fields[0], kMinute));
  TIDAL_ASSIGN_OR_RETURN(FieldBits hours, parseField(fields[1], kHour));
  TIDAL_ASSIGN_OR_RETURN(FieldBits daysOfMonth, parseField(fields[2], kDayOfMonth));
  TIDAL_ASSIGN_OR_RETURN(FieldBits months, parseField(fields[3], kMonth));
  TIDAL_ASSIGN_OR_RETURN(FieldBits daysOfWeek, parseField(fields[4], kDayOfWeek));
  out.minutes_ = minutes.bits;
  out.hours_ = hours.bits;
  out.daysOfMonth_ = daysOfMonth.bits;
  out.months_ = months.bits;
  out.daysOfWeek_ = daysOfWeek.bits;
  out.anyDayOfMonth_ = daysOfMonth.every;
  out.anyDayOfWeek_ = daysOfWeek.every;
  return out;
}

bool CronSchedule::dayMatches(unsigned dayOfMonth, unsigned weekday) const {
  const bool domHit = hasBit(daysOfMonth_, dayOfMonth);
  const bool dowHit = hasBit(daysOfWeek_, weekday);
  if (anyDayOfMonth_ || anyDayOfWeek_) return domHit && dowHit;
  return domHit || dowHit;
}

std::optional<sys_seconds> CronSchedule::next(std::chrono::system_clock::time_point after,
                                              const date::time_zone* zone) const {
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;

  if (zone_ != nullptr) zone = zone_;
  // A field that matches nothing (only possible as "," or similar) never fires; robfig would
  // search for five years and give up, with the same answer.
  if (minutes_ == 0 || hours_ == 0 || months_ == 0 || (daysOfMonth_ == 0 && daysOfWeek_ == 0)) {
    return std::nullopt;
  }

  // The search walks forward from the next whole second, field by field from the month down.
  // When a field does not match, it moves that field forward (resetting the smaller fields the
  // first time anything moves); when the move rolls the field over, every larger field must be
  // checked again, so the search restarts from the month. This is robfig's algorithm, step for
  // step, because its wall-clock arithmetic decides which instant fires around DST transitions.
  sys_seconds t = std::chrono::floor<seconds>(after) + seconds{1};
  Civil c = wallClock(t, zone);
  int steps = 0;
  const auto moveTo = [&](sys_seconds to) {
    t = to;
    c = wallClock(t, zone);
    ++steps;
  };
  bool moved = false;
  const int64_t lastYear = c.year + 5;

  while (steps < kMaxSteps) {
    if (c.year > lastYear) return std::nullopt;

    bool restart = false;
    while (!restart && steps < kMaxSteps && !hasBit(months_, c.month)) {
      if (!moved) {
        moved = true;
        moveTo(fromWallClock(c.year, c.month, 1, 0, 0, 0, zone));
      }
      moveTo(fromWallClock(c.year, c.month + 1, c.day, c.hour, c.minute, c.second, zone));
      restart = c.month == 1;
    }
    if (restart) continue;

    while (!restart && steps < kMaxSteps && !dayMatches(static_cast<unsigned>(c.day), c.weekday)) {
      if (!moved) {
        moved = true;
        moveTo(fromWallClock(c.year, c.month, c.day, 0, 0, 0, zone));
      }
      const sys_seconds before = t;
      moveTo(fromWallClock(c.year, c.month, c.day + 1, c.hour, c.minute, c.second, zone));
      // Where a whole calendar day was skipped (Pacific/Apia dropped 2011-12-30), Go's
      // time.Date resolves "the next day" to the same instant and robfig never returns; stepping
      // a real day instead differs from robfig only where robfig hangs.
      if (t <= before) moveTo(before + hours{24});
      // Where midnight does not exist (or exists twice) the day starts at another hour; robfig
      // pulls the time back to midnight's neighbourhood, forward from late evening and back
      // from early morning.
      if (c.hour != 0) moveTo(t + hours{c.hour > 12 ? 24 - c.hour : -c.hour});
      restart = c.day == 1;
    }
    if (restart) continue;

    while (!restart && steps < kMaxSteps && !hasBit(hours_, c.hour)) {
      if (!moved) {
        moved = true;
        moveTo(fromWallClock(c.year, c.month, c.day, c.hour, 0, 0, zone));
      }
      moveTo(t + hours{1});
      restart = c.hour == 0;
    }
    if (restart) continue;

    while (!restart && steps < kMaxSteps && !hasBit(minutes_, c.minute)) {
      if (!moved) {
        moved = true;
        moveTo(std::chrono::floor<minutes>(t));
      }
      moveTo(t + minutes{1});
      restart = c.minute == 0;
    }
    if (restart) continue;

    if (steps >= kMaxSteps) break;

    // Schedules fire at second 0 only. Reaching it rolls the minute over, so the larger fields
    // are checked again.
    if (c.second != 0) {
      moved = true;
      while (c.second != 0) moveTo(t + seconds{1});
      continue;
    }
    return t;
  }
  return std::nullopt;
}

}  // namespace tidal::scalers
