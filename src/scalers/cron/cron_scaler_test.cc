#include "scalers/cron/cron_scaler.h"

#include <vector>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "scalers/builtin.h"
#include "scalers/cron/cron_test_support.h"

namespace tidal::scalers {
namespace {

using testing::instant;

ScalerConfig cronConfig(const StringMap& metadata, int triggerIndex = 0,
                        std::string metricType = "") {
  ScalerConfig config;
  config.triggerType = "cron";
  config.triggerIndex = triggerIndex;
  config.triggerMetadata = metadata;
  config.metricType = std::move(metricType);
  return config;
}

StringMap window(const char* timezone, const char* start, const char* end,
                 const char* desiredReplicas = "10") {
  return {
      {"timezone", timezone}, {"start", start}, {"end", end}, {"desiredReplicas", desiredReplicas}};
}

// ---- activity
// ------------------------------------------------------------------------------------

struct ActivityCase {
  const char* name;
  StringMap metadata;
  const char* now;  // an instant
  bool active;
};

TEST(CronScaler, ActivityFollowsTheWindows) {
  const StringMap business = window("Europe/Berlin", "0 8 * * 1-5", "0 18 * * 1-5");
  const StringMap overnight = window("Etc/UTC", "0 22 * * *", "0 6 * * *");
  const StringMap newYork = window("America/New_York", "0 9 * * MON-FRI", "0 17 * * MON-FRI");
  const std::vector<ActivityCase> cases = {
      // Weekday business hours in Berlin; 2024-06-10 is a Monday (CEST, +02:00).
      {"business_before_opening", business, "2024-06-10 07:59 +02:00", false},
      {"business_at_opening", business, "2024-06-10 08:00 +02:00", true},
      {"business_midday", business, "2024-06-10 12:00 +02:00", true},
      {"business_last_second", business, "2024-06-10 17:59:59 +02:00", true},
      {"business_at_closing", business, "2024-06-10 18:00 +02:00", false},
      {"business_evening", business, "2024-06-10 22:00 +02:00", false},
      {"business_friday_afternoon", business, "2024-06-14 17:00 +02:00", true},
      {"business_saturday", business, "2024-06-15 12:00 +02:00", false},
      {"business_sunday_night", business, "2024-06-16 23:59 +02:00", false},
      {"business_winter_time", business, "2024-01-08 08:30 +01:00", true},
      {"business_utc_instant_before_opening", business, "2024-01-08 06:30 +00:00", false},
      // A window across midnight.
      {"overnight_before", overnight, "2024-06-10 21:59 +00:00", false},
      {"overnight_at_start", overnight, "2024-06-10 22:00 +00:00", true},
      {"overnight_before_midnight", overnight, "2024-06-10 23:30 +00:00", true},
      {"overnight_after_midnight", overnight, "2024-06-11 03:00 +00:00", true},
      {"overnight_last_minute", overnight, "2024-06-11 05:59 +00:00", true},
      {"overnight_at_end", overnight, "2024-06-11 06:00 +00:00", false},
      {"overnight_midday", overnight, "2024-06-11 12:00 +00:00", false},
      // The zone decides: 13:30 UTC is 09:30 EDT in June but 08:30 EST in January.
      {"new_york_summer", newYork, "2024-06-10 13:30 +00:00", true},
      {"new_york_winter", newYork, "2024-01-08 13:30 +00:00", false},
      // Spring forward in Berlin: 02:30 does not exist on 2024-03-31, but the next boundary at
      // 04:00 CEST is still the end, so the window counts as open.
      {"spring_gap_skipped_start", window("Europe/Berlin", "30 2 * * *", "0 5 * * *"),
       "2024-03-31 04:00 +02:00", true},
      // Fall back in Berlin: 02:30 happens twice on 2024-10-27. After the first 02:30 the next
      // boundary is the repeated start, so robfig/KEDA see the window as closed until then.
      {"fall_overlap_first_pass", window("Europe/Berlin", "30 2 * * *", "0 4 * * *"),
       "2024-10-27 02:45 +02:00", false},
      {"fall_overlap_second_pass", window("Europe/Berlin", "30 2 * * *", "0 4 * * *"),
       "2024-10-27 02:45 +01:00", true},
      // Boundaries that never come again count as infinitely far away.
      {"start_never_comes", window("Etc/UTC", "0 0 30 2 *", "0 6 * * *"), "2024-06-10 12:00 +00:00",
       true},
      {"end_never_comes", window("Etc/UTC", "0 6 * * *", "0 0 30 2 *"), "2024-06-10 12:00 +00:00",
       false},
      // Start and end firing at the same minute: not "start first", so active (as in KEDA).
      {"boundaries_coincide", window("Etc/UTC", "0 * * * *", "0 */2 * * *"),
       "2024-06-10 13:30 +00:00", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock(std::chrono::system_clock::time_point(instant(c.now)));
    StatusOr<std::unique_ptr<Scaler>> scaler =
        newCronScaler(cronConfig(c.metadata), ScalerContext{&clock});
    ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
    const std::string name = (*scaler)->metricSpecs().at(0).metricName;
    StatusOr<MetricsAndActivity> result = (*scaler)->metricsAndActivity(name);
    ASSERT_TRUE(result.isOk()) << result.status().toString();
    EXPECT_EQ(result->active, c.active);
    ASSERT_EQ(result->metrics.size(), 1U);
    EXPECT_EQ(result->metrics[0].metricName, name);
    EXPECT_EQ(result->metrics[0].value.milliValue(), c.active ? 10000 : 0);
  }
}

TEST(CronScaler, FollowsTheClockAcrossADay) {
  FakeClock clock(std::chrono::system_clock::time_point(instant("2024-06-10 05:00 +00:00")));
  StatusOr<std::unique_ptr<Scaler>> scaler = newCronScaler(
      cronConfig(window("Etc/UTC", "0 8 * * *", "0 18 * * *", "3")), ScalerContext{&clock});
  ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
  const std::string name = (*scaler)->metricSpecs().at(0).metricName;
  const std::vector<std::pair<int, bool>> hours = {{5, false}, {8, true}, {12, true}, {18, false}};
  for (const auto& [hour, active] : hours) {
    SCOPED_TRACE(hour);
    clock.set(std::chrono::system_clock::time_point(instant("2024-06-10 00:00 +00:00") +
                                                    std::chrono::hours{hour}));
    StatusOr<MetricsAndActivity> result = (*scaler)->metricsAndActivity(name);
    ASSERT_TRUE(result.isOk());
    EXPECT_EQ(result->active, active);
    EXPECT_EQ(result->metrics.at(0).value.milliValue(), active ? 3000 : 0);
  }
}

// ---- metric spec
// ---------------------------------------------------------------------------------

struct MetricNameCase {
  const char* name;
  StringMap metadata;
  int triggerIndex;
  const char* expected;
};

TEST(CronScaler, MetricNameUsesKedaSpelling) {
  const std::vector<MetricNameCase> cases = {
      {"keda_example", window("Etc/UTC", "0 0 * * Thu", "59 23 * * Thu"), 0,
       "s0-cron-Etc-UTC-00xxThu-5923xxThu"},
      {"steps_questions_and_lists",
       window("America/New_York", "*/15 8-17 ? * MON-FRI", "0 18 * * 1,3,5"), 2,
       "s2-cron-America-New_York-xSl158-17QmxMON-FRI-018xx1Cm3Cm5"},
      {"values_are_trimmed", window(" Asia/Kolkata ", "  30 9 * * *", "0 18 * * * "), 1,
       "s1-cron-Asia-Kolkata-309xxx-018xxx"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock;
    StatusOr<std::unique_ptr<Scaler>> scaler =
        newCronScaler(cronConfig(c.metadata, c.triggerIndex), ScalerContext{&clock});
    ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
    const std::vector<MetricSpec> specs = (*scaler)->metricSpecs();
    ASSERT_EQ(specs.size(), 1U);
    EXPECT_EQ(specs[0].metricName, c.expected);
  }
}

TEST(CronScaler, TargetIsOneReplicaOfTheTriggersMetricType) {
  FakeClock clock;
  const StringMap md = window("Etc/UTC", "0 8 * * *", "0 18 * * *");
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"", "AverageValue"}, {"AverageValue", "AverageValue"}, {"Value", "Value"}};
  for (const auto& [metricType, targetType] : cases) {
    SCOPED_TRACE(metricType);
    StatusOr<std::unique_ptr<Scaler>> scaler =
        newCronScaler(cronConfig(md, 0, metricType), ScalerContext{&clock});
    ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
    const MetricSpec spec = (*scaler)->metricSpecs().at(0);
    EXPECT_EQ(spec.source, MetricSpec::Source::kExternal);
    EXPECT_EQ(spec.targetType, targetType);
    EXPECT_EQ(spec.targetString(), "1");
  }
}

TEST(CronScaler, DescribeShowsTheParameters) {
  FakeClock clock;
  StatusOr<std::unique_ptr<Scaler>> scaler =
      newCronScaler(cronConfig(window("Europe/Berlin", "0 8 * * 1-5", "0 18 * * 1-5", "-2")),
                    ScalerContext{&clock});
  ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
  EXPECT_EQ((*scaler)->describe(), (Json{{"timezone", "Europe/Berlin"},
                                         {"start", "0 8 * * 1-5"},
                                         {"end", "0 18 * * 1-5"},
                                         {"desiredReplicas", -2}}));
}

// ---- parse errors
// --------------------------------------------------------------------------------

struct ErrorCase {
  const char* name;
  StringMap metadata;
  std::string metricType;
  const char* message;
};

TEST(CronScaler, RejectsBadParameters) {
  const std::vector<ErrorCase> cases = {
      {"no_metadata",
       {},
       "",
       "error parsing cron metadata: missing required parameter \"start\" in [triggerMetadata]\n"
       "missing required parameter \"end\" in [triggerMetadata]\n"
       "missing required parameter \"timezone\" in [triggerMetadata]\n"
       "missing required parameter \"desiredReplicas\" in [triggerMetadata]"},
      {"missing_timezone",
       {{"start", "0 8 * * *"}, {"end", "0 18 * * *"}, {"desiredReplicas", "1"}},
       "",
       "error parsing cron metadata: missing required parameter \"timezone\" in "
       "[triggerMetadata]"},
      {"blank_start_is_missing", window("Etc/UTC", "   ", "0 18 * * *"), "",
       "error parsing cron metadata: missing required parameter \"start\" in [triggerMetadata]"},
      {"missing_end",
       {{"timezone", "Etc/UTC"}, {"start", "0 8 * * *"}, {"desiredReplicas", "1"}},
       "",
       "error parsing cron metadata: missing required parameter \"end\" in [triggerMetadata]"},
      {"missing_desired_replicas",
       {{"timezone", "Etc/UTC"}, {"start", "0 8 * * *"}, {"end", "0 18 * * *"}},
       "",
       "error parsing cron metadata: missing required parameter \"desiredReplicas\" in "
       "[triggerMetadata]"},
      {"desired_replicas_not_a_number", window("Etc/UTC", "0 8 * * *", "0 18 * * *", "ten"), "",
       "error parsing cron metadata: unable to set param \"desiredReplicas\" value \"ten\": "
       "expected an integer"},
      {"desired_replicas_fraction", window("Etc/UTC", "0 8 * * *", "0 18 * * *", "1.5"), "",
       "error parsing cron metadata: unable to set param \"desiredReplicas\" value \"1.5\": "
       "expected an integer, got a number with a fraction"},
      {"desired_replicas_zero", window("Etc/UTC", "0 8 * * *", "0 18 * * *", "0"), "",
       "error parsing cron metadata: no desiredReplicas specified"},
      {"bad_start", window("Etc/UTC", "0 25 * * *", "0 18 * * *"), "",
       "error parsing cron metadata: error parsing start schedule: hour field: \"25\": 25 is "
       "above the maximum (23)"},
      {"bad_end", window("Etc/UTC", "0 8 * * *", "0 18 * * 7"), "",
       "error parsing cron metadata: error parsing end schedule: day-of-week field: \"7\": 7 is "
       "above the maximum (6)"},
      {"descriptor_start", window("Etc/UTC", "@daily", "0 18 * * *"), "",
       "error parsing cron metadata: error parsing start schedule: descriptors such as "
       "\"@daily\" are not accepted; write 5 fields (minute hour day-of-month month "
       "day-of-week)"},
      {"same_start_and_end", window("Etc/UTC", "0 8 * * *", "0 8 * * *"), "",
       "error parsing cron metadata: start and end can not have exactly same time input"},
      {"unknown_timezone", window("Mars/Olympus", "0 8 * * *", "0 18 * * *"), "",
       "error parsing cron metadata: unable to load timezone: unknown time zone Mars/Olympus"},
      {"every_problem_listed", window("Europe/Berln", "0 8 * *", "0 8 * *", "0"), "",
       "error parsing cron metadata: error parsing start schedule: expected exactly 5 fields "
       "(minute hour day-of-month month day-of-week), found 4: \"0 8 * *\"\n"
       "error parsing end schedule: expected exactly 5 fields (minute hour day-of-month month "
       "day-of-week), found 4: \"0 8 * *\"\n"
       "start and end can not have exactly same time input\n"
       "no desiredReplicas specified\n"
       "unable to load timezone: unknown time zone Europe/Berln"},
      {"utilization_metric_type", window("Etc/UTC", "0 8 * * *", "0 18 * * *"), "Utilization",
       "error getting scaler metric type: 'Utilization' metric type is unsupported for external "
       "metrics, allowed values are 'Value' or 'AverageValue'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock;
    StatusOr<std::unique_ptr<Scaler>> scaler =
        newCronScaler(cronConfig(c.metadata, 0, c.metricType), ScalerContext{&clock});
    ASSERT_FALSE(scaler.isOk());
    EXPECT_EQ(scaler.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(scaler.status().message(), c.message);
  }
}

// ---- registration
// --------------------------------------------------------------------------------

TEST(CronScaler, RegistersAsCron) {
  ScalerRegistry registry;
  registerCronScaler(registry);
  const ScalerType* type = registry.find("cron");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->metricsLabel, "cronScaler");
  std::vector<std::string> names;
  for (const ParamInfo& p : type->params) {
    names.push_back(p.names.at(0));
    EXPECT_FALSE(p.optional) << p.names.at(0);
    EXPECT_FALSE(p.description.empty()) << p.names.at(0);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"start", "end", "timezone", "desiredReplicas"}));

  FakeClock clock(std::chrono::system_clock::time_point(instant("2024-06-10 12:00 +00:00")));
  ScalerConfig config = cronConfig(window("Etc/UTC", "0 8 * * *", "0 18 * * *"));
  StatusOr<std::unique_ptr<Scaler>> scaler = registry.create(config, ScalerContext{&clock});
  ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
  StatusOr<MetricsAndActivity> result = (*scaler)->metricsAndActivity("s0-cron");
  ASSERT_TRUE(result.isOk());
  EXPECT_TRUE(result->active);
}

}  // namespace
}  // namespace tidal::scalers
