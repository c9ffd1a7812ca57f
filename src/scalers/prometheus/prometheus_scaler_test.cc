// The prometheus trigger: parameters and KEDA's rules, the query URL, the answer rules
// (ignoreNullValues, multiple elements, NaN), and a poll through a fake HTTP transport (the real
// Prometheus is in tests/integration/prometheus).
#include "scalers/prometheus/prometheus_scaler.h"

#include <deque>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scalers/registry.h"
#include "scalers/upstream_signals.h"

namespace tidal::scalers {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using prometheus::parsePrometheusConfig;
using prometheus::parseQueryResponse;
using prometheus::PrometheusConfig;

class FakeGetter : public http::HttpGetter {
 public:
  explicit FakeGetter(std::deque<StatusOr<HttpResponse>> answers) : answers_(std::move(answers)) {}
  StatusOr<HttpResponse> get(const HttpRequest& request) override {
    requests.push_back(request);
    StatusOr<HttpResponse> next = answers_.front();
    if (answers_.size() > 1) answers_.pop_front();
    return next;
  }
  std::vector<HttpRequest> requests;

 private:
  std::deque<StatusOr<HttpResponse>> answers_;
};

ScalerConfig trigger(StringMap metadata, StringMap auth = {}) {
  ScalerConfig c;
  c.triggerType = "prometheus";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  return c;
}

StringMap basic() {
  return {{"serverAddress", "http://prom:9090"},
          {"query", "sum(up{job=\"a b\"})"},
          {"threshold", "10"}};
}

StringMap with(StringMap base, const StringMap& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

std::string vector1(const std::string& v) {
  return R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.5,")" +
         v + R"("]}]}})";
}

const std::string kEmpty = R"({"status":"success","data":{"resultType":"vector","result":[]}})";

// 2023-11-14T22:13:20Z
const std::chrono::system_clock::time_point kNow{std::chrono::seconds(1700000000)};

TEST(PrometheusParams, DefaultsMetricNameAndUrl) {
  StatusOr<PrometheusConfig> cfg = parsePrometheusConfig(
      trigger(with(basic(), {{"namespace", "team a"},
                             {"queryParameters", "dedup=true,partial=false"},
                             {"serverAddress", "https://prom.example/prefix/"}})));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metricName, "s0-prometheus");
  EXPECT_TRUE(cfg->metadata.ignoreNullValues);
  EXPECT_FALSE(cfg->metadata.unsafeSsl);
  EXPECT_EQ(cfg->metadata.activationThreshold, 0);
  EXPECT_EQ(cfg->endpoint, "prom.example:443");
  EXPECT_EQ(prometheus::queryUrl(*cfg, kNow),
            "https://prom.example/prefix/api/v1/query?query=sum%28up%7Bjob%3D%22a+b%22%7D%29"
            "&time=2023-11-14T22%3A13%3A20Z&namespace=team+a&dedup=true&partial=false");
}

TEST(PrometheusParams, Errors) {
  struct Case {
    const char* name;
    StringMap metadata;
    StringMap auth;
    std::string error;
    StatusCode code = StatusCode::kInvalidArgument;
  };
  const std::string p = "error parsing prometheus metadata: ";
  const std::vector<Case> cases = {
      {"no_server",
       {{"query", "up"}, {"threshold", "1"}},
       {},
       p + "missing required parameter \"serverAddress\" in [triggerMetadata]"},
      {"no_query",
       {{"serverAddress", "http://p"}, {"threshold", "1"}},
       {},
       p + "missing required parameter \"query\" in [triggerMetadata]"},
      {"no_threshold",
       {{"serverAddress", "http://p"}, {"query", "up"}},
       {},
       p + "missing required parameter \"threshold\" in [triggerMetadata]"},
      {"all_three_missing",
       {},
       {},
       p + "missing required parameter \"serverAddress\" in [triggerMetadata]\nmissing required "
           "parameter \"query\" in [triggerMetadata]\nmissing required parameter \"threshold\" in "
           "[triggerMetadata]"},
      {"bad_threshold",
       with(basic(), {{"threshold", "ten"}}),
       {},
       p + "unable to set param \"threshold\" value \"ten\": expected a number"},
      {"bad_ignore_null",
       with(basic(), {{"ignoreNullValues", "maybe"}}),
       {},
       p + "unable to set param \"ignoreNullValues\" value \"maybe\": expected a boolean (true, "
           "false, 1, 0, t or f)"},
      {"bad_headers",
       with(basic(), {{"customHeaders", "X-Scope-OrgID"}}),
       {},
       p + "unable to set param \"customHeaders\" value \"X-Scope-OrgID\": expected format "
           "key=value, got \"X-Scope-OrgID\""},
      {"bearer_and_basic",
       with(basic(), {{"authModes", "bearer,basic"}}),
       {},
       p + "parameter \"authModes;authMode\" value \"bearer,basic\" must contain only one of "
           "[bearer basic oauth]"},
      {"bearer_without_token",
       with(basic(), {{"authModes", "bearer"}}),
       {},
       p + "authModes bearer needs a bearerToken (or token) in authParams"},
      {"custom_without_value",
       with(basic(), {{"authModes", "custom"}}),
       {{"customAuthHeader", "X-Auth"}},
       p + "authModes custom needs customAuthHeader and customAuthValue in authParams"},
      {"not_http",
       with(basic(), {{"serverAddress", "tcp://p:9090"}}),
       {},
       p + "serverAddress must be an http:// or https:// URL, not tcp://"},
      {"aws",
       with(basic(), {{"awsRegion", "eu-west-1"}}),
       {},
       p + "AWS SigV4 authentication (awsRegion) is not implemented in tidal yet",
       StatusCode::kUnimplemented},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<PrometheusConfig> cfg = parsePrometheusConfig(trigger(c.metadata, c.auth));
    ASSERT_FALSE(cfg.isOk());
    EXPECT_EQ(cfg.status().message(), c.error);
    EXPECT_EQ(cfg.status().code(), c.code);
  }
}

TEST(PrometheusAnswer, KedaRules) {
  struct Case {
    const char* name;
    std::string body;
    bool ignoreNull;
    double want;
    std::string error;  // "" when valid
    bool empty = false;
  };
  const std::vector<Case> cases = {
      {"one_sample", vector1("42.5"), true, 42.5, ""},
      {"empty_ignored", kEmpty, true, 0, "", true},
      {"empty_error", kEmpty, false, 0,
       "prometheus metrics 'prometheus' target may be lost, the result is empty", true},
      {"two_samples",
       R"({"data":{"resultType":"vector","result":[{"value":[1,"1"]},{"value":[1,"2"]}]}})", true,
       0, "prometheus query q returned multiple elements"},
      {"empty_value_ignored", R"({"data":{"result":[{"value":[]}]}})", true, 0, ""},
      {"empty_value_error", R"({"data":{"result":[{"value":[]}]}})", false, 0,
       "prometheus metrics 'prometheus' target may be lost, the value list is empty"},
      {"short_value", R"({"data":{"result":[{"value":[1]}]}})", true, 0,
       "prometheus query q didn't return enough values"},
      {"nan_ignored", vector1("NaN"), true, 0, ""},
      {"inf_error", vector1("+Inf"), false, 0, "promtheus query returns +Inf"},
      {"not_a_number", vector1("abc"), true, 0,
       "prometheus query q: the value \"abc\" is not a number"},
      {"scalar", R"({"data":{"resultType":"scalar","result":[1700000000,"7"]}})", true, 7, ""},
      {"not_prometheus", "<html>", true, 0,
       "the answer is not a Prometheus query response (no data.result)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    bool empty = false;
    StatusOr<double> v = parseQueryResponse(c.body, "q", c.ignoreNull, empty);
    EXPECT_EQ(empty, c.empty);
    if (c.error.empty()) {
      ASSERT_TRUE(v.isOk()) << v.status().toString();
      EXPECT_DOUBLE_EQ(*v, c.want);
    } else {
      ASSERT_FALSE(v.isOk());
      EXPECT_EQ(v.status().message(), c.error);
    }
  }
}

TEST(PrometheusScaler, PollSendsHeadersAuthAndTime) {
  FakeClock clock(kNow);
  auto getter = std::make_shared<FakeGetter>(
      std::deque<StatusOr<HttpResponse>>{HttpResponse{200, vector1("12")}});
  StatusOr<std::unique_ptr<Scaler>> s = newPrometheusScalerWithGetter(
      trigger(with(basic(), {{"customHeaders", "X-Scope-OrgID=tenant1"},
                             {"authModes", "bearer"},
                             {"activationThreshold", "11.5"},
                             {"threshold", "2.5"}}),
              {{"bearerToken", "tok"}}),
      ScalerContext{&clock}, getter);
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_EQ((*s)->metricSpecs().at(0).targetString(), "2500m");
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s0-prometheus");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 12000);
  EXPECT_TRUE(m->active);
  const HttpRequest& r = getter->requests.at(0);
  EXPECT_NE(r.url.find("&time=2023-11-14T22%3A13%3A20Z"), std::string::npos) << r.url;
  using Headers = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.headers, (Headers{{"X-Scope-OrgID", "tenant1"}, {"Authorization", "Bearer tok"}}));
  EXPECT_EQ((*s)->describe()["customHeaders"], Json::array({"X-Scope-OrgID"}));
}

TEST(PrometheusScaler, EmptyAnswersAreCounted) {
  FakeClock clock(kNow);
  auto getter =
      std::make_shared<FakeGetter>(std::deque<StatusOr<HttpResponse>>{HttpResponse{200, kEmpty}});
  StatusOr<std::unique_ptr<Scaler>> s =
      newPrometheusScalerWithGetter(trigger(basic()), ScalerContext{&clock}, getter);
  ASSERT_TRUE(s.isOk());
  auto* reporter = dynamic_cast<const EmptyUpstreamReporter*>(s->get());
  ASSERT_NE(reporter, nullptr);
  EXPECT_TRUE(reporter->ignoresNullValues());
  EXPECT_EQ(reporter->emptyUpstreamResponses(), 0u);
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s0-prometheus");
  ASSERT_TRUE(m.isOk());
  EXPECT_FALSE(m->active);
  ASSERT_TRUE((*s)->metricsAndActivity("s0-prometheus").isOk());
  EXPECT_EQ(reporter->emptyUpstreamResponses(), 2u);
}

TEST(PrometheusScaler, ErrorsNameTriggerAndServerButNoSecret) {
  FakeClock clock(kNow);
  struct Case {
    const char* name;
    StatusOr<HttpResponse> answer;
    StatusCode code;
    std::string message;
  };
  const std::string prefix = "prometheus trigger s0-prometheus at prom:9090: ";
  const std::vector<Case> cases = {
      {"server_error", HttpResponse{503, "basic pa55word / header t0k3n-val"},
       StatusCode::kUnavailable,
       prefix + "prometheus query api returned error. status: 503 response: basic *** / header "
                "***"},
      {"bad_request", HttpResponse{400, R"({"error":"parse error"})"},
       StatusCode::kFailedPrecondition,
       prefix +
           R"(prometheus query api returned error. status: 400 response: {"error":"parse error"})"},
      {"timeout", Status(StatusCode::kDeadlineExceeded, "timed out after 3000 ms"),
       StatusCode::kDeadlineExceeded, prefix + "timed out after 3000 ms"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto getter = std::make_shared<FakeGetter>(std::deque<StatusOr<HttpResponse>>{c.answer});
    StatusOr<std::unique_ptr<Scaler>> s = newPrometheusScalerWithGetter(
        trigger(with(basic(), {{"authModes", "basic"}, {"customHeaders", "X-Token=t0k3n-val"}}),
                {{"username", "u"}, {"password", "pa55word"}}),
        ScalerContext{&clock}, getter);
    ASSERT_TRUE(s.isOk()) << s.status().toString();
    StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s0-prometheus");
    ASSERT_FALSE(m.isOk());
    EXPECT_EQ(m.status().code(), c.code);
    EXPECT_EQ(m.status().message(), c.message);
    EXPECT_EQ(getter->requests.at(0).username, "u");
  }
}

TEST(PrometheusScaler, Registered) {
  const ScalerType* type = builtinRegistry().find("prometheus");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->metricsLabel, "prometheusScaler");
}

}  // namespace
}  // namespace tidal::scalers
