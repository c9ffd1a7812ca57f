#include "observability/metrics.h"

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tidal::obs {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(FormatPromFloat, MatchesGoFormatFloatShortest) {
  struct Case {
    const char* name;
    double value;
    const char* want;
  };
  const Case cases[] = {
      {"zero", 0.0, "0"},
      {"negative zero", -0.0, "0"},
      {"one", 1.0, "1"},
      {"minus one", -1.0, "-1"},
      {"half", 0.5, "0.5"},
      {"tenth", 0.1, "0.1"},
      {"integer", 42.0, "42"},
      {"six digits stays fixed", 123456.0, "123456"},
      {"fraction below 1e6", 123456.5, "123456.5"},
      {"one million", 1e6, "1e+06"},
      {"seven digits", 1234567.0, "1.234567e+06"},
      {"unix time", 1712345678.5, "1.7123456785e+09"},
      {"1e-4 stays fixed", 0.0001, "0.0001"},
      {"1e-5 goes exponent", 0.00001, "1e-05"},
      {"small", 1.5e-7, "1.5e-07"},
      {"large exponent", 1e100, "1e+100"},
      {"negative", -2.5, "-2.5"},
      {"third", 1.0 / 3.0, "0.3333333333333333"},
      {"max", std::numeric_limits<double>::max(), "1.7976931348623157e+308"},
      {"NaN", kNaN, "NaN"},
      {"+Inf", kInf, "+Inf"},
      {"-Inf", -kInf, "-Inf"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(formatPromFloat(c.value), c.want) << c.name;
  }
}

TEST(Escaping, LabelValuesEscapeBackslashQuoteNewline) {
  std::string out;
  appendEscapedLabelValue(out, "a\\b\"c\nd\te");
  EXPECT_EQ(out, "a\\\\b\\\"c\\nd\te");
}

TEST(Escaping, HelpEscapesBackslashAndNewlineOnly) {
  std::string out;
  appendEscapedHelp(out, "a\\b\"c\nd");
  EXPECT_EQ(out, "a\\\\b\"c\\nd");
}

TEST(Names, Validation) {
  EXPECT_TRUE(isValidMetricName("keda_scaler_active"));
  EXPECT_TRUE(isValidMetricName("ns:rule_total"));
  EXPECT_TRUE(isValidMetricName("_x"));
  EXPECT_FALSE(isValidMetricName(""));
  EXPECT_FALSE(isValidMetricName("1abc"));
  EXPECT_FALSE(isValidMetricName("a-b"));
  EXPECT_TRUE(isValidLabelName("scaledObject"));
  EXPECT_FALSE(isValidLabelName("__name__"));
  EXPECT_FALSE(isValidLabelName("a:b"));
  EXPECT_FALSE(isValidLabelName("9a"));
  EXPECT_FALSE(isValidLabelName(""));
}

TEST(Registry, RejectsBadRegistrations) {
  Registry r;
  ASSERT_TRUE(r.counter("ok_total", "h", {"a"}).isOk());

  auto dup = r.gauge("ok_total", "h");
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);

  auto badName = r.counter("bad-name", "h");
  EXPECT_EQ(badName.status().code(), StatusCode::kInvalidArgument);

  auto badLabel = r.counter("x_total", "h", {"__reserved"});
  EXPECT_EQ(badLabel.status().code(), StatusCode::kInvalidArgument);

  auto repeated = r.counter("y_total", "h", {"a", "a"});
  EXPECT_EQ(repeated.status().code(), StatusCode::kInvalidArgument);

  auto le = r.histogram("h_seconds", "h", {"le"}, {1});
  EXPECT_EQ(le.status().code(), StatusCode::kInvalidArgument);

  auto unsorted = r.histogram("h2_seconds", "h", {}, {1, 0.5});
  EXPECT_EQ(unsorted.status().code(), StatusCode::kInvalidArgument);
  auto equal = r.histogram("h3_seconds", "h", {}, {1, 1});
  EXPECT_EQ(equal.status().code(), StatusCode::kInvalidArgument);
  auto nan = r.histogram("h4_seconds", "h", {}, {kNaN});
  EXPECT_EQ(nan.status().code(), StatusCode::kInvalidArgument);
}

TEST(Registry, EmptyRegistryAndEmptyFamiliesRenderNothing) {
  Registry r;
  EXPECT_EQ(r.render(), "");
  ASSERT_TRUE(r.counter("unused_total", "never used", {"a"}).isOk());
  EXPECT_EQ(r.render(), "");
}

TEST(Registry, CounterExposition) {
  Registry r;
  auto family = r.counter("requests_total", "Requests served.", {"method", "code"});
  ASSERT_TRUE(family.isOk());
  (*family)->withLabels({"GET", "200"})->inc();
  (*family)->withLabels({"GET", "200"})->inc(2);
  (*family)->withLabels({"POST", "500"})->inc(0.5);
  (*family)->withLabels({"GET", "404"});             // created at 0
  (*family)->withLabels({"GET", "404"})->inc(-3);    // ignored: counters only go up
  (*family)->withLabels({"GET", "404"})->inc(kNaN);  // ignored

  // Labels sorted by name (code before method), series sorted by those values.
  EXPECT_EQ(r.render(),
            "# HELP requests_total Requests served.\n"
            "# TYPE requests_total counter\n"
            "requests_total{code=\"200\",method=\"GET\"} 3\n"
            "requests_total{code=\"404\",method=\"GET\"} 0\n"
            "requests_total{code=\"500\",method=\"POST\"} 0.5\n");
}

TEST(Registry, GaugeExpositionWithoutLabelsAndSpecialValues) {
  Registry r;
  auto g = r.gauge("temperature_celsius", "Line one\nline \\two");
  auto h = r.gauge("big_bytes", "Big.", {"k"});
  ASSERT_TRUE(g.isOk());
  ASSERT_TRUE(h.isOk());
  auto child = (*g)->withLabels({});
  child->set(21.5);
  child->inc();
  child->dec();
  child->add(-0.25);
  (*h)->withLabels({"a"})->set(1e6);
  (*h)->withLabels({"b"})->set(kInf);
  (*h)->withLabels({"c"})->set(kNaN);
  (*h)->withLabels({"d"})->set(-kInf);

  EXPECT_EQ(r.render(),
            "# HELP big_bytes Big.\n"
            "# TYPE big_bytes gauge\n"
            "big_bytes{k=\"a\"} 1e+06\n"
            "big_bytes{k=\"b\"} +Inf\n"
            "big_bytes{k=\"c\"} NaN\n"
            "big_bytes{k=\"d\"} -Inf\n"
            "# HELP temperature_celsius Line one\\nline \\\\two\n"
            "# TYPE temperature_celsius gauge\n"
            "temperature_celsius 21.25\n");
}

TEST(Registry, HistogramExposition) {
  Registry r;
  auto family = r.histogram("latency_seconds", "Latency.", {"path"}, {0.125, 0.5, 1, kInf});
  ASSERT_TRUE(family.isOk());
  auto h = (*family)->withLabels({"/x"});
  h->observe(0.0625);  // <= 0.125
  h->observe(0.125);   // bounds are inclusive
  h->observe(0.25);    // <= 0.5
  h->observe(2);       // +Inf only
  EXPECT_EQ(r.render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{path=\"/x\",le=\"0.125\"} 2\n"
            "latency_seconds_bucket{path=\"/x\",le=\"0.5\"} 3\n"
            "latency_seconds_bucket{path=\"/x\",le=\"1\"} 3\n"
            "latency_seconds_bucket{path=\"/x\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{path=\"/x\"} 2.4375\n"
            "latency_seconds_count{path=\"/x\"} 4\n");
}

TEST(Registry, HistogramWithoutLabelsOrBounds) {
  Registry r;
  auto family = r.histogram("h_seconds", "H.", {}, {});
  ASSERT_TRUE(family.isOk());
  (*family)->withLabels({})->observe(3);
  EXPECT_EQ(r.render(),
            "# HELP h_seconds H.\n"
            "# TYPE h_seconds histogram\n"
            "h_seconds_bucket{le=\"+Inf\"} 1\n"
            "h_seconds_sum 3\n"
            "h_seconds_count 1\n");
}

TEST(Histogram, BucketMath) {
  auto bounds = std::make_shared<const std::vector<double>>(std::vector<double>{1, 2, 5});
  Histogram h(bounds);
  for (double v : {-1.0, 0.0, 1.0, 1.0000001, 2.0, 4.9, 5.0, 5.1, 100.0, kNaN}) h.observe(v);
  Histogram::Snapshot s = h.snapshot();
  // <=1: -1, 0, 1; <=2: +1.0000001, 2; <=5: +4.9, 5; +Inf: +5.1, 100, NaN.
  EXPECT_EQ(s.cumulative, (std::vector<uint64_t>{3, 5, 7, 10}));
  EXPECT_EQ(s.count, 10u);
  EXPECT_TRUE(std::isnan(s.sum));  // NaN poisons the sum, as in Prometheus

  Histogram g(bounds);
  g.observe(0.5);
  g.observe(1.5);
  g.observe(-kInf);
  EXPECT_EQ(g.snapshot().cumulative, (std::vector<uint64_t>{2, 3, 3, 3}));
  EXPECT_EQ(g.snapshot().sum, -kInf);
}

TEST(Registry, LabelValueEscapingInOutput) {
  Registry r;
  auto family = r.gauge("g", "G.", {"v"});
  ASSERT_TRUE(family.isOk());
  (*family)->withLabels({"quote\" back\\ nl\n"})->set(1);
  EXPECT_EQ(r.render(),
            "# HELP g G.\n"
            "# TYPE g gauge\n"
            "g{v=\"quote\\\" back\\\\ nl\\n\"} 1\n");
}

TEST(Registry, FamiliesSortedByName) {
  Registry r;
  auto b = r.gauge("b_metric", "B.");
  auto a = r.gauge("a_metric", "A.");
  ASSERT_TRUE(a.isOk() && b.isOk());
  (*b)->withLabels({})->set(2);
  (*a)->withLabels({})->set(1);
  EXPECT_EQ(r.render(),
            "# HELP a_metric A.\n# TYPE a_metric gauge\na_metric 1\n"
            "# HELP b_metric B.\n# TYPE b_metric gauge\nb_metric 2\n");
}

TEST(Family, WithLabelsReturnsTheSameChildAndVectorOverloadAgrees) {
  Registry r;
  auto family = r.counter("c_total", "C.", {"a", "b"});
  ASSERT_TRUE(family.isOk());
  auto one = (*family)->withLabels({"x", "y"});
  auto two = (*family)->withLabels(std::vector<std::string>{"x", "y"});
  EXPECT_EQ(one.get(), two.get());
  EXPECT_EQ((*family)->size(), 1u);
}

TEST(Family, RemoveDetachesHandles) {
  Registry r;
  auto family = r.gauge("g", "G.", {"a"});
  ASSERT_TRUE(family.isOk());
  auto old = (*family)->withLabels({"x"});
  old->set(5);
  EXPECT_TRUE((*family)->remove({"x"}));
  EXPECT_FALSE((*family)->remove({"x"}));
  old->set(7);  // still safe, but no longer exported
  EXPECT_EQ(r.render(), "");
  auto fresh = (*family)->withLabels({"x"});
  EXPECT_NE(fresh.get(), old.get());
  EXPECT_EQ(fresh->value(), 0);
}

TEST(Family, RemoveMatching) {
  Registry r;
  auto family = r.gauge("v", "V.", {"namespace", "scaledObject", "type", "triggerIndex"});
  ASSERT_TRUE(family.isOk());
  auto& f = **family;
  f.withLabels({"ns1", "so", "scaledobject", "0"})->set(1);
  f.withLabels({"ns1", "so", "scaledobject", "1"})->set(2);
  f.withLabels({"ns1", "so", "scaledjob", "0"})->set(3);     // same name, other kind
  f.withLabels({"ns2", "so", "scaledobject", "0"})->set(4);  // other namespace
  f.withLabels({"ns1", "so2", "scaledobject", "0"})->set(5);

  struct Case {
    const char* name;
    std::vector<LabelPair> match;
    size_t removed;
  };
  // Applied in order on the same family.
  const Case cases[] = {
      {"unknown label matches nothing", {{"namespace", "ns1"}, {"nope", "x"}}, 0},
      {"no value match", {{"namespace", "ns3"}}, 0},
      {"object of one kind",
       {{"namespace", "ns1"}, {"scaledObject", "so"}, {"type", "scaledobject"}},
       2},
      {"again is a no-op",
       {{"namespace", "ns1"}, {"scaledObject", "so"}, {"type", "scaledobject"}},
       0},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(f.removeMatching(c.match), c.removed) << c.name;
  }
  EXPECT_EQ(f.size(), 3u);
  EXPECT_EQ(
      r.render(),
      "# HELP v V.\n"
      "# TYPE v gauge\n"
      "v{namespace=\"ns1\",scaledObject=\"so\",triggerIndex=\"0\",type=\"scaledjob\"} 3\n"
      "v{namespace=\"ns1\",scaledObject=\"so2\",triggerIndex=\"0\",type=\"scaledobject\"} 5\n"
      "v{namespace=\"ns2\",scaledObject=\"so\",triggerIndex=\"0\",type=\"scaledobject\"} 4\n");
  EXPECT_EQ(f.removeMatching({}), 3u);  // the empty match selects everything
  EXPECT_EQ(f.size(), 0u);
}

TEST(Family, PackedValuesKeepPrefixesEmptyValuesAndNulApart) {
  Registry r;
  auto family = r.gauge("p", "P.", {"a", "b"});
  ASSERT_TRUE(family.isOk());
  auto& f = **family;
  // One packed string per series: ("a", "b") and ("a\0b" would-be) and prefixes must stay apart.
  f.withLabels({"x", "yz"})->set(1);
  f.withLabels({"xy", "z"})->set(2);
  f.withLabels({"x", ""})->set(3);
  f.withLabels({"", "x"})->set(4);
  f.withLabels({std::string_view("n\0l", 3), "v"})->set(5);  // a NUL is stored as U+FFFD
  EXPECT_EQ(f.size(), 5u);
  EXPECT_EQ(f.withLabels({"x", "yz"})->value(), 1);
  EXPECT_EQ(f.withLabels({"xy", "z"})->value(), 2);
  EXPECT_EQ(f.withLabels({"x", ""})->value(), 3);
  EXPECT_EQ(f.withLabels({std::string_view("n\0l", 3), "v"})->value(), 5);
  EXPECT_EQ(f.size(), 5u);
  EXPECT_EQ(r.render(),
            "# HELP p P.\n# TYPE p gauge\n"
            "p{a=\"\",b=\"x\"} 4\n"
            "p{a=\"n\xEF\xBF\xBDl\",b=\"v\"} 5\n"
            "p{a=\"x\",b=\"\"} 3\n"
            "p{a=\"x\",b=\"yz\"} 1\n"
            "p{a=\"xy\",b=\"z\"} 2\n");
  EXPECT_TRUE(f.remove({std::string_view("n\0l", 3), "v"}));
  EXPECT_EQ(f.removeMatching({{"a", "x"}}), 2u);
  EXPECT_EQ(f.size(), 2u);
}

TEST(Family, SeriesSortedByExpositionOrderNotDeclarationOrder) {
  Registry r;
  // Declared (z, a); exposed as (a, z); series must sort by the a value first.
  auto family = r.gauge("g", "G.", {"z", "a"});
  ASSERT_TRUE(family.isOk());
  (*family)->withLabels({"1", "b"})->set(1);
  (*family)->withLabels({"2", "a"})->set(2);
  EXPECT_EQ(r.render(),
            "# HELP g G.\n# TYPE g gauge\n"
            "g{a=\"a\",z=\"2\"} 2\n"
            "g{a=\"b\",z=\"1\"} 1\n");
}

TEST(FamilyDeathTest, WrongLabelCountIsAProgrammingError) {
  Registry r;
  auto family = r.counter("c_total", "C.", {"a"});
  ASSERT_TRUE(family.isOk());
  EXPECT_DEBUG_DEATH((*family)->withLabels({"x", "y"}), "wrong number of label values");
}

TEST(Registry, ConcurrentIncrementsAreExact) {
  Registry r;
  auto counters = r.counter("hits_total", "Hits.", {"worker"});
  auto hist = r.histogram("obs_seconds", "Obs.", {}, {0.5});
  auto gauge = r.gauge("level", "Level.");
  ASSERT_TRUE(counters.isOk() && hist.isOk() && gauge.isOk());
  constexpr int kThreads = 8;
  constexpr int kIters = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto shared = (*counters)->withLabels({"shared"});
      auto h = (*hist)->withLabels({});
      auto g = (*gauge)->withLabels({});
      for (int i = 0; i < kIters; ++i) {
        shared->inc();
        // Lookups and inserts race each other and the renderer too.
        (*counters)->withLabels({std::to_string(t)})->inc();
        h->observe(i % 2 == 0 ? 0.25 : 1.0);
        g->inc();
        if (i % 2500 == 0) (void)r.render();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ((*counters)->withLabels({"shared"})->value(), kThreads * kIters);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ((*counters)->withLabels({std::to_string(t)})->value(), kIters);
  }
  auto snap = (*hist)->withLabels({})->snapshot();
  EXPECT_EQ(snap.count, static_cast<uint64_t>(kThreads * kIters));
  EXPECT_EQ(snap.cumulative[0], static_cast<uint64_t>(kThreads * kIters / 2));
  EXPECT_EQ(snap.sum, kThreads * (kIters / 2) * 1.25);
  EXPECT_EQ((*gauge)->withLabels({})->value(), kThreads * kIters);
}

TEST(Registry, CollectorsMergeSortedAndRegisteredNamesWin) {
  Registry r;
  auto g = r.gauge("m_registered", "Registered.");
  ASSERT_TRUE(g.isOk());
  (*g)->withLabels({})->set(1);
  r.addCollector([] {
    return std::vector<CollectedFamily>{
        {"z_collected_total", "Z.", MetricType::kCounter, {{{}, 7}}},
        {"m_registered", "Shadowed.", MetricType::kGauge, {{{}, 99}}},
        {"a_collected",
         "A.",
         MetricType::kGauge,
         {{{{"y", "2"}, {"x", "b"}}, 2}, {{{"x", "a"}, {"y", "1"}}, 1}}},
        {"bad name", "Skipped.", MetricType::kGauge, {{{}, 1}}},
        {"empty", "No samples.", MetricType::kGauge, {}},
    };
  });
  EXPECT_EQ(r.render(),
            "# HELP a_collected A.\n# TYPE a_collected gauge\n"
            "a_collected{x=\"a\",y=\"1\"} 1\n"
            "a_collected{x=\"b\",y=\"2\"} 2\n"
            "# HELP m_registered Registered.\n# TYPE m_registered gauge\n"
            "m_registered 1\n"
            "# HELP z_collected_total Z.\n# TYPE z_collected_total counter\n"
            "z_collected_total 7\n");
}

}  // namespace
}  // namespace tidal::obs
