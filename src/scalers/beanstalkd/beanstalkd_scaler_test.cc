// The beanstalkd trigger: parameters and KEDA's rules (including the millisecond `timeout`), the
// stats-tube answer, the job count and activity, through a fake reader (the real server and the
// socket client are in tests/integration/beanstalkd).
#include "scalers/beanstalkd/beanstalkd_scaler.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scalers/registry.h"

namespace tidal::scalers {
namespace {

using beanstalkd::BeanstalkdConfig;
using beanstalkd::parseBeanstalkdConfig;
using beanstalkd::TubeStats;

class FakeReader : public beanstalkd::TubeStatsReader {
 public:
  StatusOr<std::optional<TubeStats>> statsTube(const std::string& tube,
                                               std::chrono::milliseconds connectTimeout,
                                               std::chrono::milliseconds ioTimeout) override {
    tubes.push_back(tube);
    connectTimeouts.push_back(connectTimeout);
    ioTimeouts.push_back(ioTimeout);
    return answer;
  }
  StatusOr<std::optional<TubeStats>> answer = std::optional<TubeStats>();
  std::vector<std::string> tubes;
  std::vector<std::chrono::milliseconds> connectTimeouts, ioTimeouts;
};

ScalerConfig trigger(StringMap metadata) {
  ScalerConfig c;
  c.triggerType = "beanstalkd";
  c.triggerIndex = 1;
  c.triggerMetadata = std::move(metadata);
  return c;
}

StringMap basic() {
  return {{"server", "beanstalkd.jobs.svc:11300"}, {"tube", "emails"}, {"value", "5"}};
}

StringMap with(StringMap base, const StringMap& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

TEST(BeanstalkdParams, DefaultsAndMetricName) {
  StatusOr<BeanstalkdConfig> cfg = parseBeanstalkdConfig(trigger(basic()));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metricName, "s1-beanstalkd-emails");
  EXPECT_EQ(cfg->host, "beanstalkd.jobs.svc");
  EXPECT_EQ(cfg->port, "11300");
  EXPECT_EQ(cfg->metadata.timeout, std::chrono::milliseconds(30));  // KEDA: "30" is 30 ms
  EXPECT_EQ(cfg->metadata.activationValue, 0);
  EXPECT_FALSE(cfg->metadata.includeDelayed);
  EXPECT_EQ(cfg->ioTimeout, std::chrono::milliseconds(3000));
  EXPECT_EQ(cfg->targetType, "AverageValue");
}

TEST(BeanstalkdParams, MetricNameEscapesTheTube) {
  struct Case {
    const char* tube;
    const char* metric;
  };
  for (const Case& c :
       {Case{"a/b", "s1-beanstalkd-a-2Fb"}, Case{"x.y", "s1-beanstalkd-x-y"},
        Case{"q(1)", "s1-beanstalkd-q-281-29"}, Case{"a$b", "s1-beanstalkd-a-24b"}}) {
    SCOPED_TRACE(c.tube);
    StatusOr<BeanstalkdConfig> cfg =
        parseBeanstalkdConfig(trigger(with(basic(), {{"tube", c.tube}})));
    ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
    EXPECT_EQ(cfg->metricName, c.metric);
  }
}

TEST(BeanstalkdParams, TimeoutAndServerForms) {
  struct Case {
    const char* timeout;
    int64_t ms;
  };
  for (const Case& c : {Case{"1000", 1000}, Case{"2s", 2000}, Case{"250ms", 250}}) {
    StatusOr<BeanstalkdConfig> cfg =
        parseBeanstalkdConfig(trigger(with(basic(), {{"timeout", c.timeout}})));
    ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
    EXPECT_EQ(cfg->metadata.timeout.count(), c.ms);
  }
  StatusOr<BeanstalkdConfig> v6 =
      parseBeanstalkdConfig(trigger(with(basic(), {{"server", "[::1]:11300"}})));
  ASSERT_TRUE(v6.isOk()) << v6.status().toString();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "11300");
}

TEST(BeanstalkdParams, Errors) {
  struct Case {
    const char* name;
    StringMap metadata;
    std::string error;
  };
  const std::string p = "error parsing beanstalkd metadata: ";
  const std::vector<Case> cases = {
      {"no_server",
       {{"tube", "t"}, {"value", "1"}},
       p + "missing required parameter \"server\" in [triggerMetadata]"},
      {"no_tube",
       {{"server", "b:1"}, {"value", "1"}},
       p + "missing required parameter \"tube\" in [triggerMetadata]"},
      {"no_value",
       {{"server", "b:1"}, {"tube", "t"}},
       p + "missing required parameter \"value\" in [triggerMetadata]"},
      {"bad_value", with(basic(), {{"value", "five"}}),
       p + "unable to set param \"value\" value \"five\": expected a number"},
      {"bad_delayed", with(basic(), {{"includeDelayed", "maybe"}}),
       p + "unable to set param \"includeDelayed\" value \"maybe\": expected a boolean (true, "
           "false, 1, 0, t or f)"},
      {"no_port", with(basic(), {{"server", "beanstalkd"}}),
       p + "server must be host:port, got \"beanstalkd\""},
      {"bad_port", with(basic(), {{"server", "b:99999"}}),
       p + "server must be host:port, got \"b:99999\""},
      {"tube_injection", with(basic(), {{"tube", "a\r\nkick 100"}}),
       p + "tube must be 1 to 200 of the characters A-Z a-z 0-9 - + / ; . $ _ ( ) and must not "
           "start with -"},
      {"tube_dash", with(basic(), {{"tube", "-t"}}),
       p + "tube must be 1 to 200 of the characters A-Z a-z 0-9 - + / ; . $ _ ( ) and must not "
           "start with -"},
      {"zero_timeout", with(basic(), {{"timeout", "0"}}),
       p + "timeout must be a positive duration"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<BeanstalkdConfig> cfg = parseBeanstalkdConfig(trigger(c.metadata));
    ASSERT_FALSE(cfg.isOk());
    EXPECT_EQ(cfg.status().message(), c.error);
    EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(BeanstalkdStats, ParsesTheStatsTubeDictionary) {
  StatusOr<TubeStats> s = beanstalkd::parseTubeStats(
      "---\nname: emails\ncurrent-jobs-urgent: 1\ncurrent-jobs-ready: 4\n"
      "current-jobs-reserved: 2\ncurrent-jobs-delayed: 3\ncurrent-jobs-buried: 9\n"
      "total-jobs: 30\ncurrent-using: 1\n");
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_EQ(s->ready, 4);
  EXPECT_EQ(s->reserved, 2);
  EXPECT_EQ(s->delayed, 3);
  EXPECT_EQ(s->buried, 9);
  EXPECT_EQ(beanstalkd::jobCount(*s, false), 6);
  EXPECT_EQ(beanstalkd::jobCount(*s, true), 9);
  StatusOr<TubeStats> missing = beanstalkd::parseTubeStats("---\nname: x\n");
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status().message(), "stats-tube answer has no current-jobs-ready");
}

TEST(BeanstalkdScaler, CountActivityAndMissingTube) {
  auto reader = std::make_shared<FakeReader>();
  StatusOr<std::unique_ptr<Scaler>> s = newBeanstalkdScalerWithReader(
      trigger(
          with(basic(), {{"activationValue", "5"}, {"includeDelayed", "true"}, {"timeout", "2s"}})),
      reader);
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_EQ((*s)->metricSpecs().at(0).metricName, "s1-beanstalkd-emails");
  EXPECT_EQ((*s)->metricSpecs().at(0).targetString(), "5");
  EXPECT_EQ((*s)->activationTarget(), 5.0);

  TubeStats st;
  st.ready = 2;
  st.reserved = 1;
  st.delayed = 2;
  st.buried = 7;  // never counted
  reader->answer = std::optional<TubeStats>(st);
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s1-beanstalkd-emails");
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 5000);
  EXPECT_FALSE(m->active);  // 5 is not above 5
  st.delayed = 3;
  reader->answer = std::optional<TubeStats>(st);
  m = (*s)->metricsAndActivity("s1-beanstalkd-emails");
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 6000);
  EXPECT_TRUE(m->active);
  EXPECT_EQ(reader->tubes.back(), "emails");
  EXPECT_EQ(reader->connectTimeouts.back(), std::chrono::milliseconds(2000));
  EXPECT_EQ(reader->ioTimeouts.back(), std::chrono::milliseconds(3000));

  reader->answer = std::optional<TubeStats>();  // NOT_FOUND: 0, as in KEDA
  m = (*s)->metricsAndActivity("s1-beanstalkd-emails");
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 0);
  EXPECT_FALSE(m->active);

  reader->answer = Status(StatusCode::kUnavailable, "connect: Connection refused");
  m = (*s)->metricsAndActivity("s1-beanstalkd-emails");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(m.status().message(),
            "error interacting with beanstalkd: trigger s1-beanstalkd-emails at "
            "beanstalkd.jobs.svc:11300: connect: Connection refused");
}

TEST(BeanstalkdRegistry, RegisteredAndSharesConnectionsPerServer) {
  const ScalerType* t = builtinRegistry().find("beanstalkd");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->metricsLabel, "BeanstalkdScaler");
  const size_t before = beanstalkd::BeanstalkdConnection::pool().liveCount();
  StatusOr<std::unique_ptr<Scaler>> a = builtinRegistry().create(trigger(basic()), {});
  StatusOr<std::unique_ptr<Scaler>> b =
      builtinRegistry().create(trigger(with(basic(), {{"tube", "other"}})), {});
  StatusOr<std::unique_ptr<Scaler>> c =
      builtinRegistry().create(trigger(with(basic(), {{"server", "elsewhere:11300"}})), {});
  ASSERT_TRUE(a.isOk() && b.isOk() && c.isOk());
  EXPECT_EQ(beanstalkd::BeanstalkdConnection::pool().liveCount(), before + 2);
  EXPECT_EQ((*a)->describe()["timeout"], 30);
}

}  // namespace
}  // namespace tidal::scalers
