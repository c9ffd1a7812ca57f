#include "scalers/cron/cron_schedule.h"

#include <vector>

#include <gtest/gtest.h>

#include "scalers/cron/cron_test_support.h"

namespace tidal::scalers {
namespace {

using testing::instant;
using testing::wallClock;
using testing::zone;

// ---- time zones --------------------------------------------------------------------------------

struct OffsetCase {
  const char* name;
  const char* zone;
  const char* at;  // an instant
  int offsetSeconds;
};

TEST(CronTimeZone, LoadsZonesWithCorrectOffsets) {
  const std::vector<OffsetCase> cases = {
      {"berlin_winter", "Europe/Berlin", "2024-01-15 12:00 +00:00", 3600},
      {"berlin_summer", "Europe/Berlin", "2024-07-15 12:00 +00:00", 7200},
      {"berlin_before_spring_forward", "Europe/Berlin", "2024-03-31 00:59 +00:00", 3600},
      {"berlin_after_spring_forward", "Europe/Berlin", "2024-03-31 01:00 +00:00", 7200},
      {"new_york_winter", "America/New_York", "2024-01-15 12:00 +00:00", -18000},
      {"new_york_summer", "America/New_York", "2024-07-15 12:00 +00:00", -14400},
      {"new_york_after_fall_back", "America/New_York", "2024-11-03 06:00 +00:00", -18000},
      // The date library reads only the transitions listed in the TZif files; Debian ships them
      // "fat" (listed up to 2037). A "slim" zoneinfo would stop listing US transitions in 2007
      // and this case would fail.
      {"new_york_summer_2030", "America/New_York", "2030-07-01 12:00 +00:00", -14400},
      {"kolkata_half_hour", "Asia/Kolkata", "2024-07-15 12:00 +00:00", 19800},
      {"utc", "UTC", "2024-07-15 12:00 +00:00", 0},
      {"etc_utc", "Etc/UTC", "2024-07-15 12:00 +00:00", 0},
      {"empty_is_utc", "", "2024-07-15 12:00 +00:00", 0},
      {"local_is_utc", "Local", "2024-07-15 12:00 +00:00", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<const date::time_zone*> z = loadTimeZone(c.zone);
    ASSERT_TRUE(z.isOk()) << z.status().toString();
    EXPECT_EQ((*z)->get_info(instant(c.at)).offset.count(), c.offsetSeconds);
  }
}

TEST(CronTimeZone, RejectsUnknownAndPathLikeNames) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"Mars/Olympus", "unknown time zone Mars/Olympus"},
      {"europe/berlin", "unknown time zone europe/berlin"},
      {"../../etc/passwd", "time: invalid location name"},
      {"/usr/share/zoneinfo/UTC", "time: invalid location name"},
  };
  for (const auto& [name, message] : cases) {
    SCOPED_TRACE(name);
    StatusOr<const date::time_zone*> z = loadTimeZone(name);
    ASSERT_FALSE(z.isOk());
    EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(z.status().message(), message);
  }
}

// ---- parsing
// -------------------------------------------------------------------------------------

struct RejectCase {
  const char* name;
  const char* spec;
  const char* message;
};

TEST(CronScheduleParse, RejectsWithFieldAndToken) {
  const std::vector<RejectCase> cases = {
      {"empty", "",
       "the schedule is empty; expected 5 fields (minute hour day-of-month month day-of-week)"},
      {"four_fields", "* * * *",
       "expected exactly 5 fields (minute hour day-of-month month day-of-week), found 4: "
       "\"* * * *\""},
      {"six_fields_with_seconds", "0 30 * * * *",
       "expected exactly 5 fields (minute hour day-of-month month day-of-week), found 6: "
       "\"0 30 * * * *\""},
      {"descriptor", "@daily",
       "descriptors such as \"@daily\" are not accepted; write 5 fields (minute hour "
       "day-of-month month day-of-week)"},
      {"minute_above_max", "60 * * * *", "minute field: \"60\": 60 is above the maximum (59)"},
      {"hour_above_max", "0 24 * * *", "hour field: \"24\": 24 is above the maximum (23)"},
      {"dom_below_min", "0 0 0 * *", "day-of-month field: \"0\": 0 is below the minimum (1)"},
      {"dom_above_max", "0 0 32 * *", "day-of-month field: \"32\": 32 is above the maximum (31)"},
      {"month_below_min", "0 0 1 0 *", "month field: \"0\": 0 is below the minimum (1)"},
      {"month_above_max", "0 0 1 13 *", "month field: \"13\": 13 is above the maximum (12)"},
      {"dow_seven_is_not_sunday", "0 0 * * 7",
       "day-of-week field: \"7\": 7 is above the maximum (6)"},
      {"dow_range_above_max", "0 0 * * MON-8",
       "day-of-week field: \"MON-8\": 8 is above the maximum (6)"},
      {"bad_month_name", "0 0 * FOO *",
       "month field: \"FOO\": \"FOO\" is not a number or a name (JAN-DEC)"},
      {"long_month_name", "0 0 * January *",
       "month field: \"January\": \"January\" is not a number or a name (JAN-DEC)"},
      {"bad_weekday_name", "0 0 * * funday",
       "day-of-week field: \"funday\": \"funday\" is not a number or a name (SUN-SAT)"},
      {"names_only_in_month_and_dow", "0 MON * * *",
       "hour field: \"MON\": \"MON\" is not a number"},
      {"not_a_number", "x * * * *", "minute field: \"x\": \"x\" is not a number"},
      {"list_with_bad_element", "0,15,6O * * * *", "minute field: \"6O\": \"6O\" is not a number"},
      {"reversed_range", "30-10 * * * *",
       "minute field: \"30-10\": the range starts at 30 but ends at 10"},
      {"reversed_named_range", "0 0 * * FRI-MON",
       "day-of-week field: \"FRI-MON\": the range starts at 5 but ends at 1"},
      {"zero_step", "*/0 * * * *", "minute field: \"*/0\": the step must be a positive number"},
      {"negative_step", "*/-5 * * * *", "minute field: \"*/-5\": -5 is negative"},
      {"named_step", "0 0 * * MON/TUE", "day-of-week field: \"MON/TUE\": \"TUE\" is not a number"},
      {"open_range", "5- * * * *", "minute field: \"5-\": \"\" is not a number"},
      {"negative_value", "-5 * * * *", "minute field: \"-5\": \"\" is not a number"},
      {"too_many_hyphens", "1-2-3 * * * *", "minute field: \"1-2-3\": too many '-'"},
      {"too_many_slashes", "*/2/3 * * * *", "minute field: \"*/2/3\": too many '/'"},
      {"step_from_value_above_max", "0 25/2 * * *",
       "hour field: \"25/2\": 25 is above the maximum (23)"},
      {"bad_zone_prefix", "TZ=Mars/Olympus 0 * * * *",
       "time zone prefix \"TZ=Mars/Olympus\": unknown time zone Mars/Olympus"},
      {"zone_prefix_without_fields", "CRON_TZ=UTC",
       "\"CRON_TZ=UTC\": a time zone prefix must be followed by a space and 5 fields (minute "
       "hour day-of-month month day-of-week)"},
      {"zone_prefix_with_descriptor", "CRON_TZ=UTC @hourly",
       "descriptors such as \"@hourly\" are not accepted; write 5 fields (minute hour "
       "day-of-month month day-of-week)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<CronSchedule> s = CronSchedule::parse(c.spec);
    ASSERT_FALSE(s.isOk()) << "accepted: " << c.spec;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.status().message(), c.message);
  }
}

// ---- next()
// --------------------------------------------------------------------------------------

struct NextCase {
  const char* name;
  const char* spec;
  const char* zone;
  const char* after;     // an instant (any offset)
  const char* expected;  // wall clock in `zone`, or "never"
};

void runNextCases(const std::vector<NextCase>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.name) + ": " + c.spec);
    StatusOr<CronSchedule> s = CronSchedule::parse(c.spec);
    ASSERT_TRUE(s.isOk()) << s.status().toString();
    const date::time_zone* z = zone(c.zone);
    EXPECT_EQ(wallClock(s->next(instant(c.after), z), z), c.expected);
  }
}

TEST(CronScheduleNext, BasicsAndCalendarEnds) {
  runNextCases({
      {"every_minute_is_strictly_after", "* * * * *", "Etc/UTC", "2024-01-01 00:00 +00:00",
       "2024-01-01 00:01 +00:00"},
      {"every_minute_from_mid_minute", "* * * * *", "Etc/UTC", "2024-01-01 00:00:30 +00:00",
       "2024-01-01 00:01 +00:00"},
      {"same_minute_not_repeated", "30 * * * *", "Etc/UTC", "2024-01-01 10:30 +00:00",
       "2024-01-01 11:30 +00:00"},
      {"one_second_before", "30 * * * *", "Etc/UTC", "2024-01-01 10:29:59 +00:00",
       "2024-01-01 10:30 +00:00"},
      {"month_end", "0 0 1 * *", "Etc/UTC", "2024-01-31 12:00 +00:00", "2024-02-01 00:00 +00:00"},
      {"skips_short_months", "0 0 31 * *", "Etc/UTC", "2024-04-01 00:00 +00:00",
       "2024-05-31 00:00 +00:00"},
      {"year_end", "0 0 1 1 *", "Etc/UTC", "2024-12-31 23:59:30 +00:00", "2025-01-01 00:00 +00:00"},
      {"last_minute_of_year_next_year", "59 23 31 12 *", "Etc/UTC", "2024-12-31 23:59 +00:00",
       "2025-12-31 23:59 +00:00"},
      {"leap_day", "0 12 29 2 *", "Etc/UTC", "2024-03-01 00:00 +00:00", "2028-02-29 12:00 +00:00"},
      {"never_within_five_years", "0 0 30 2 *", "Etc/UTC", "2024-01-01 00:00 +00:00", "never"},
      {"empty_list_matches_nothing", ", * * * *", "Etc/UTC", "2024-01-01 00:00 +00:00", "never"},
      {"evaluated_on_zone_wall_clock", "0 9 * * *", "Asia/Kolkata", "2024-07-15 04:00 +00:00",
       "2024-07-16 09:00 +05:30"},
      {"zone_prefix_overrides_zone", "CRON_TZ=America/New_York 0 9 * * *", "Europe/Berlin",
       "2024-07-15 12:00 +00:00", "2024-07-15 15:00 +02:00"},
      {"tz_prefix", "TZ=Asia/Kolkata 30 9 * * *", "Etc/UTC", "2024-07-15 00:00 +00:00",
       "2024-07-15 04:00 +00:00"},
  });
}

TEST(CronScheduleNext, NamesStepsAndLists) {
  runNextCases({
      {"quarter_hours", "*/15 * * * *", "Etc/UTC", "2024-01-01 10:16 +00:00",
       "2024-01-01 10:30 +00:00"},
      {"value_slash_step_runs_to_max", "5/20 * * * *", "Etc/UTC", "2024-01-01 10:26 +00:00",
       "2024-01-01 10:45 +00:00"},
      {"range_with_step", "10-30/10 * * * *", "Etc/UTC", "2024-01-01 10:31 +00:00",
       "2024-01-01 11:10 +00:00"},
      {"hour_step", "0 */6 * * *", "Etc/UTC", "2024-01-01 07:00 +00:00", "2024-01-01 12:00 +00:00"},
      {"lists", "0,30 9,17 * * *", "Etc/UTC", "2024-01-01 09:30 +00:00", "2024-01-01 17:00 +00:00"},
      {"weekday_range", "0 9 * * MON-FRI", "Etc/UTC", "2024-03-08 10:00 +00:00",  // a Friday
       "2024-03-11 09:00 +00:00"},
      {"numeric_weekday_range", "0 9 * * 1-5", "Etc/UTC", "2024-03-08 10:00 +00:00",
       "2024-03-11 09:00 +00:00"},
      {"sunday_is_zero", "0 0 * * 0", "Etc/UTC", "2024-03-06 00:00 +00:00",  // a Wednesday
       "2024-03-10 00:00 +00:00"},
      {"sunday_by_name", "0 0 * * SUN", "Etc/UTC", "2024-03-06 00:00 +00:00",
       "2024-03-10 00:00 +00:00"},
      {"names_are_case_insensitive", "0 9 * jul mOn", "Etc/UTC", "2024-06-15 00:00 +00:00",
       "2024-07-01 09:00 +00:00"},
      {"month_name_list", "0 0 1 JAN,Jul *", "Etc/UTC", "2024-02-01 00:00 +00:00",
       "2024-07-01 00:00 +00:00"},
      {"question_mark_is_any", "0 0 ? * ?", "Etc/UTC", "2024-01-01 00:00 +00:00",
       "2024-01-02 00:00 +00:00"},
      // robfig's leniencies, accepted because KEDA accepts them.
      {"plus_sign", "+5 * * * *", "Etc/UTC", "2024-01-01 10:00 +00:00", "2024-01-01 10:05 +00:00"},
      {"empty_list_element", "1,,2 * * * *", "Etc/UTC", "2024-01-01 10:01 +00:00",
       "2024-01-01 10:02 +00:00"},
      {"star_ignores_range_end", "*-99 * * * *", "Etc/UTC", "2024-01-01 10:00 +00:00",
       "2024-01-01 10:01 +00:00"},
      {"any_white_space_separates", "0\t9\n*  * \xC2\xA0MON", "Etc/UTC", "2024-03-06 00:00 +00:00",
       "2024-03-11 09:00 +00:00"},
  });
}

// Classic cron: when both day fields are restricted, a day matches if EITHER does; when either
// is "every day" (`*`, `?`, `*/1`), both must.
TEST(CronScheduleNext, DayOfMonthAndDayOfWeek) {
  runNextCases({
      // 2024-05-28 is a Tuesday; 2024-06-01 a Saturday; 2024-06-03 a Monday.
      {"both_restricted_first_of_month", "0 0 1 * MON", "Etc/UTC", "2024-05-28 00:00 +00:00",
       "2024-06-01 00:00 +00:00"},
      {"both_restricted_monday", "0 0 1 * MON", "Etc/UTC", "2024-06-01 01:00 +00:00",
       "2024-06-03 00:00 +00:00"},
      {"dom_star_means_and", "0 0 * * MON", "Etc/UTC", "2024-05-28 00:00 +00:00",
       "2024-06-03 00:00 +00:00"},
      {"dom_question_mark_means_and", "0 0 ? * MON", "Etc/UTC", "2024-05-28 00:00 +00:00",
       "2024-06-03 00:00 +00:00"},
      {"dom_star_step_one_means_and", "0 0 */1 * MON", "Etc/UTC", "2024-05-28 00:00 +00:00",
       "2024-06-03 00:00 +00:00"},
      // */2 is odd days: a restriction, so Mondays OR odd days (June 5 is a Wednesday).
      {"dom_star_step_two_means_or", "0 0 */2 * MON", "Etc/UTC", "2024-06-03 00:00 +00:00",
       "2024-06-05 00:00 +00:00"},
      {"dow_star_means_and", "0 0 13 * *", "Etc/UTC", "2024-06-01 00:00 +00:00",
       "2024-06-13 00:00 +00:00"},
      {"friday_the_13th_or", "0 0 13 * FRI", "Etc/UTC", "2024-09-01 00:00 +00:00",
       "2024-09-06 00:00 +00:00"},
  });
}

// Daylight saving, as robfig/cron (and so KEDA) handles it.
TEST(CronScheduleNext, DaylightSavingEuropeBerlin) {
  runNextCases({
      // 2024-03-31: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist and is skipped.
      {"spring_gap_skips_the_day", "30 2 * * *", "Europe/Berlin", "2024-03-31 00:00 +01:00",
       "2024-04-01 02:30 +02:00"},
      {"spring_gap_yearly_skips_the_year", "30 2 31 3 *", "Europe/Berlin",
       "2024-03-30 12:00 +01:00", "2025-03-31 02:30 +02:00"},
      // "Last Sunday" cannot be written in cron: with both day fields restricted they combine
      // with OR, so this fires on every Sunday of March and on the 25th to the 31st.
      {"last_sunday_idiom_is_or", "30 2 25-31 3 SUN", "Europe/Berlin", "2024-03-01 00:00 +01:00",
       "2024-03-03 02:30 +01:00"},
      {"spring_hourly_before", "0 * * * *", "Europe/Berlin", "2024-03-31 00:30 +01:00",
       "2024-03-31 01:00 +01:00"},
      {"spring_hourly_across_gap", "0 * * * *", "Europe/Berlin", "2024-03-31 01:00 +01:00",
       "2024-03-31 03:00 +02:00"},
      {"spring_after_gap", "0 3 * * *", "Europe/Berlin", "2024-03-31 00:00 +01:00",
       "2024-03-31 03:00 +02:00"},
      // 2024-10-27: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice and fires twice.
      {"fall_overlap_first", "30 2 * * *", "Europe/Berlin", "2024-10-27 00:00 +02:00",
       "2024-10-27 02:30 +02:00"},
      {"fall_overlap_second", "30 2 * * *", "Europe/Berlin", "2024-10-27 02:30 +02:00",
       "2024-10-27 02:30 +01:00"},
      {"fall_overlap_then_next_day", "30 2 * * *", "Europe/Berlin", "2024-10-27 02:30 +01:00",
       "2024-10-28 02:30 +01:00"},
      {"fall_hourly_repeats_hour", "0 * * * *", "Europe/Berlin", "2024-10-27 02:00 +02:00",
       "2024-10-27 02:00 +01:00"},
      {"fall_after_overlap", "0 4 * * *", "Europe/Berlin", "2024-10-27 00:00 +02:00",
       "2024-10-27 04:00 +01:00"},
  });
}

TEST(CronScheduleNext, DaylightSavingAmericas) {
  runNextCases({
      // 2024-03-10: 02:00 EST jumps to 03:00 EDT.
      {"ny_spring_gap_skips_the_day", "30 2 * * *", "America/New_York", "2024-03-10 00:00 -05:00",
       "2024-03-11 02:30 -04:00"},
      {"ny_spring_hourly_across_gap", "0 * * * *", "America/New_York", "2024-03-10 01:00 -05:00",
       "2024-03-10 03:00 -04:00"},
      {"ny_spring_daily_before_gap", "0 1 * * *", "America/New_York", "2024-03-10 00:00 -05:00",
       "2024-03-10 01:00 -05:00"},
      // 2024-11-03: 02:00 EDT falls back to 01:00 EST; 01:30 fires twice.
      {"ny_fall_overlap_first", "30 1 * * *", "America/New_York", "2024-11-03 00:00 -04:00",
       "2024-11-03 01:30 -04:00"},
      {"ny_fall_overlap_second", "30 1 * * *", "America/New_York", "2024-11-03 01:30 -04:00",
       "2024-11-03 01:30 -05:00"},
      {"ny_fall_overlap_then_next_day", "30 1 * * *", "America/New_York", "2024-11-03 01:30 -05:00",
       "2024-11-04 01:30 -05:00"},
      {"ny_fall_hourly", "0 * * * *", "America/New_York", "2024-11-03 01:00 -05:00",
       "2024-11-03 02:00 -05:00"},
      {"ny_business_hours_in_winter", "0 9 * * MON-FRI", "America/New_York",
       "2024-11-01 14:00 +00:00", "2024-11-04 09:00 -05:00"},
      // 2018-11-04 in Sao Paulo: midnight did not exist (00:00 -03 became 01:00 -02).
      {"sao_paulo_missing_midnight_daily", "0 9 * * *", "America/Sao_Paulo",
       "2018-11-03 10:00 -03:00", "2018-11-04 09:00 -02:00"},
      {"sao_paulo_missing_midnight_dated", "0 9 4 11 *", "America/Sao_Paulo",
       "2018-11-01 12:00 -03:00", "2018-11-04 09:00 -02:00"},
  });
}

// Pacific/Apia skipped 2011-12-30 entirely (UTC-10 became UTC+14). robfig never returns here;
// tidal steps over the missing day.
TEST(CronScheduleNext, SkippedCalendarDayTerminates) {
  runNextCases({
      {"apia_2011", "0 0 3 * *", "Pacific/Apia", "2011-12-17 12:00 -10:00",
       "2012-01-03 00:00 +14:00"},
      {"apia_2011_every_minute_on_the_31st", "* * 31 12 *", "Pacific/Apia",
       "2011-12-29 23:59 -10:00", "2011-12-31 00:00 +14:00"},
  });
}

TEST(CronScheduleNext, NullZoneIsUtcAndSpecIsKept) {
  StatusOr<CronSchedule> s = CronSchedule::parse("15 10 * * *");
  ASSERT_TRUE(s.isOk());
  EXPECT_EQ(s->spec(), "15 10 * * *");
  EXPECT_EQ(wallClock(s->next(instant("2024-01-01 10:00 +00:00"), nullptr), zone("UTC")),
            "2024-01-01 10:15 +00:00");
}

}  // namespace
}  // namespace tidal::scalers
