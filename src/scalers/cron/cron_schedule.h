// Cron schedules as KEDA's `cron` trigger reads them: the five-field crontab syntax of
// robfig/cron v3 (the parser KEDA builds with Minute | Hour | Dom | Month | Dow, no descriptors),
// and the "next activation" computation with robfig's exact wall-clock and daylight-saving rules.
//
// Syntax, per field (minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
// day-of-week 0-6 or SUN-SAT; names are case-insensitive, 7 is not Sunday):
//   *  or  ?          every value
//   a  a-b            one value, an inclusive range
//   a-b/n  */n  a/n   every n-th value of the range; `a/n` runs from a to the field's maximum
//   x,y,z             a list of any of the above
// An optional `TZ=<zone> ` or `CRON_TZ=<zone> ` prefix pins the schedule to that zone.
// When day-of-month and day-of-week are both restricted (neither is `*`/`?` nor `*/1`), a day
// matches when EITHER matches, as in classic cron; otherwise both must match.
//
// Daylight saving (robfig's behaviour, kept so tidal and KEDA scale at the same instants):
//   - a time inside a spring-forward gap does not fire that day (02:30 on the last Sunday of
//     March in Europe/Berlin is skipped; the next run is a day later);
//   - a time inside a fall-back overlap fires twice, once per occurrence of the wall time;
//   - hourly and finer schedules step in real elapsed time across either transition.
//
// Example:
//   TIDAL_ASSIGN_OR_RETURN(CronSchedule s, CronSchedule::parse("0 8 * * MON-FRI"));
//   TIDAL_ASSIGN_OR_RETURN(const date::time_zone* berlin, loadTimeZone("Europe/Berlin"));
//   std::optional<std::chrono::sys_seconds> at = s.next(clock.now(), berlin);
//
// Time zones come from Howard Hinnant's date library built against the OS tz database
// (/usr/share/zoneinfo); the build must define USE_OS_TZDB=1 to match Debian's libdate-tz.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <date/tz.h>

#include "common/status.h"

namespace tidal::scalers {

// Loads an IANA time zone with Go's time.LoadLocation rules: "" and "UTC" are UTC; "Local" is
// also UTC (tidal runs in containers without a local zone; see the .cc); names containing ".."
// or starting with '/' or '\' are refused. Returns InvalidArgument with Go's text ("unknown time
// zone X") when the zone does not exist. The pointer is owned by the date library's process-wide
// database and stays valid for the life of the process. Thread-safe.
StatusOr<const date::time_zone*> loadTimeZone(std::string_view name);

// A parsed five-field cron expression. Immutable after parse(); copyable; thread-safe to share.
class CronSchedule {
 public:
  // Parses `spec`. Errors are InvalidArgument naming the field and the offending token, e.g.
  // `day-of-week field: "MON-8": 8 is above the maximum (6)`. Accepts everything robfig's
  // standard five-field parser accepts (including its leniencies: `+5`, empty list elements,
  // and anything after `*-` in `*-x`), and nothing it refuses.
  [[nodiscard]] static StatusOr<CronSchedule> parse(std::string_view spec);

  // The first minute at which the schedule fires strictly after `after`, evaluated on the wall
  // clock of `zone` (or of the spec's own TZ= prefix when it has one; a null `zone` means UTC).
  // Returns nullopt when nothing matches within five years (e.g. "0 0 30 2 *"), where robfig
  // returns Go's zero time.
  std::optional<std::chrono::sys_seconds> next(std::chrono::system_clock::time_point after,
                                               const date::time_zone* zone) const;

  // The expression as given to parse().
  const std::string& spec() const { return spec_; }

 private:
  // Whether a calendar day (day of month 1-31, weekday 0-6 from Sunday) is in the schedule.
  bool dayMatches(unsigned dayOfMonth, unsigned weekday) const;

  std::string spec_;
  uint64_t minutes_ = 0;  // bit i set: minute i matches
  uint64_t hours_ = 0;
  uint64_t daysOfMonth_ = 0;
  uint64_t months_ = 0;
  uint64_t daysOfWeek_ = 0;  // bit 0 = Sunday
  // Whether the day fields were written as "every day" (`*`, `?`, `*/1`): that decides whether
  // day-of-month and day-of-week combine with AND or with OR.
  bool anyDayOfMonth_ = false;
  bool anyDayOfWeek_ = false;
  const date::time_zone* zone_ = nullptr;  // from a TZ=/CRON_TZ= prefix; null when absent
};

}  // namespace tidal::scalers
