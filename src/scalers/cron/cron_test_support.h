// Test helpers for the cron scaler: instants written as wall-clock text with an explicit UTC
// offset ("2024-03-31 03:30 +02:00"), so every case states exactly which instant it means, even
// inside a daylight-saving overlap.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <date/tz.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

namespace tidal::scalers::testing {

// Parses "YYYY-MM-DD HH:MM[:SS] ±HH:MM" into the instant it names. Aborts the test binary on a
// malformed literal (a typo in a table, not a behaviour under test).
inline std::chrono::sys_seconds instant(std::string_view text) {
  const std::string s(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, oh = 0, om = 0;
  char sign = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%d %c%d:%d", &y, &mo, &d, &h, &mi, &sec, &sign, &oh,
                  &om) != 9) {
    sec = 0;
    if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d %c%d:%d", &y, &mo, &d, &h, &mi, &sign, &oh, &om) !=
        8) {
      ADD_FAILURE() << "bad instant literal: " << s;
      std::abort();
    }
  }
  const date::sys_days day =
      date::year_month_day{date::year{y}, date::month{unsigned(mo)}, date::day{unsigned(d)}};
  const std::chrono::seconds offset{(oh * 3600 + om * 60) * (sign == '-' ? -1 : 1)};
  return std::chrono::sys_seconds{day.time_since_epoch()} +
         std::chrono::seconds{h * 3600 + mi * 60 + sec} - offset;
}

// The instant as wall-clock text in `zone` with its offset, in instant()'s format (seconds shown
// only when not zero); "never" for nullopt.
inline std::string wallClock(std::optional<std::chrono::sys_seconds> t,
                             const date::time_zone* zone) {
  if (!t) return "never";
  const std::chrono::seconds offset = zone->get_info(*t).offset;
  const std::chrono::sys_seconds local = *t + offset;
  const auto midnight = std::chrono::floor<date::days>(local);
  const date::year_month_day ymd{midnight};
  const long long sod = (local - midnight).count();
  const long long off = offset.count();
  std::string out =
      fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", int(ymd.year()), unsigned(ymd.month()),
                  unsigned(ymd.day()), sod / 3600, sod / 60 % 60);
  if (sod % 60 != 0) out += fmt::format(":{:02}", sod % 60);
  out += fmt::format(" {}{:02}:{:02}", off < 0 ? '-' : '+', std::abs(off) / 3600,
                     std::abs(off) / 60 % 60);
  return out;
}

inline const date::time_zone* zone(std::string_view name) {
  return date::locate_zone(name);
}

}  // namespace tidal::scalers::testing
