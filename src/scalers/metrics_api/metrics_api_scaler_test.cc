// The metrics-api trigger: parameters and KEDA's rules, metric name and target, and a poll
// through a fake HTTP transport (the real server is in tests/integration/metrics_api).
#include "scalers/metrics_api/metrics_api_scaler.h"

#include <deque>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scalers/registry.h"

namespace tidal::scalers {
namespace {

using http::HttpRequest;
using http::HttpResponse;

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

ScalerConfig trigger(StringMap metadata, StringMap auth = {}, int index = 0) {
  ScalerConfig c;
  c.triggerType = "metrics-api";
  c.triggerIndex = index;
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  return c;
}

StringMap basic() {
  return {{"url", "http://api:8080/stats"}, {"valueLocation", "queue.depth"}, {"targetValue", "5"}};
}

StringMap with(StringMap base, const StringMap& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

TEST(MetricsApiParams, DefaultsAndMetricName) {
  StatusOr<metrics_api::MetricsApiConfig> cfg = metrics_api::parseMetricsApiConfig(
      trigger(with(basic(), {{"valueLocation", "a.0/b:c"}}), {}, 2));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metricName, "s2-metric-api-a-0-b-c");
  EXPECT_EQ(cfg->metadata.format, "json");
  EXPECT_EQ(cfg->metadata.aggregationType, "average");
  EXPECT_EQ(cfg->metadata.activationTargetValue, 0);
  EXPECT_FALSE(cfg->metadata.unsafeSsl);
  EXPECT_EQ(cfg->timeout.count(), 3000);
  EXPECT_EQ(cfg->targetType, "AverageValue");
  EXPECT_EQ(cfg->endpoint, "api:8080");
}

TEST(MetricsApiParams, Errors) {
  struct Case {
    const char* name;
    StringMap metadata;
    StringMap auth;
    std::string error;
    StatusCode code = StatusCode::kInvalidArgument;
  };
  const std::string p = "error parsing metrics-api metadata: ";
  const std::vector<Case> cases = {
      {"no_url",
       {{"valueLocation", "a"}, {"targetValue", "1"}},
       {},
       p + "missing required parameter \"url\" in [triggerMetadata]"},
      {"no_value_location",
       {{"url", "http://a"}, {"targetValue", "1"}},
       {},
       p + "missing required parameter \"valueLocation\" in [triggerMetadata]"},
      {"no_target",
       {{"url", "http://a"}, {"valueLocation", "a"}},
       {},
       p + "no targetValue given in metadata"},
      {"zero_target",
       with(basic(), {{"targetValue", "0"}}),
       {},
       p + "no targetValue given in metadata"},
      {"bad_target",
       with(basic(), {{"targetValue", "five"}}),
       {},
       p + "unable to set param \"targetValue\" value \"five\": expected a number"},
      {"bad_format",
       with(basic(), {{"format", "csv"}}),
       {},
       p + "parameter \"format\" value \"csv\" must be one of [prometheus json xml yaml]"},
      {"bad_aggregation",
       with(basic(), {{"aggregationType", "median"}}),
       {},
       p + "parameter \"aggregationType\" value \"median\" must be one of [average sum max min]"},
      {"bad_unsafe_ssl",
       with(basic(), {{"unsafeSsl", "yes"}}),
       {},
       p + "unable to set param \"unsafeSsl\" value \"yes\": expected a boolean (true, false, 1, "
           "0, t or f)"},
      {"not_http",
       with(basic(), {{"url", "ftp://a/b"}}),
       {},
       p + "url must be an http:// or https:// URL, not ftp://"},
      {"bad_auth_mode",
       with(basic(), {{"authMode", "digest"}}),
       {},
       p + "parameter \"authModes;authMode\" value \"digest\" must be one of [apiKey basic tls "
           "bearer custom oauth]"},
      {"api_key_missing",
       with(basic(), {{"authMode", "apiKey"}}),
       {},
       p + "authModes apiKey needs an apiKey in authParams"},
      {"gjson_query",
       with(basic(), {{"valueLocation", "a.#(b==1)"}}),
       {},
       p + "valueLocation component \"#(b==1)\" uses GJSON queries or modifiers, which tidal does "
           "not support (use keys, indices, '#', '*' and '?')"},
      {"service_endpoints",
       with(basic(), {{"aggregateFromKubeServiceEndpoints", "true"}}),
       {},
       p + "aggregateFromKubeServiceEndpoints is not implemented in tidal yet",
       StatusCode::kUnimplemented},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<metrics_api::MetricsApiConfig> cfg =
        metrics_api::parseMetricsApiConfig(trigger(c.metadata, c.auth));
    ASSERT_FALSE(cfg.isOk());
    EXPECT_EQ(cfg.status().message(), c.error);
    EXPECT_EQ(cfg.status().code(), c.code);
  }
  ScalerConfig utilization = trigger(basic());
  utilization.metricType = "Utilization";
  EXPECT_EQ(metrics_api::parseMetricsApiConfig(utilization).status().message(),
            "error getting scaler metric type: 'Utilization' metric type is unsupported for "
            "external metrics, allowed values are 'Value' or 'AverageValue'");
}

TEST(MetricsApiScaler, SpecValueAndActivity) {
  auto getter = std::make_shared<FakeGetter>(
      std::deque<StatusOr<HttpResponse>>{HttpResponse{200, R"({"queue":{"depth":3}})"},
                                         HttpResponse{200, R"({"queue":{"depth":2}})"}});
  StatusOr<std::unique_ptr<Scaler>> s = newMetricsApiScalerWithGetter(
      trigger(with(basic(), {{"activationTargetValue", "2.5"}, {"targetValue", "1.5"}})), getter);
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  std::vector<MetricSpec> specs = (*s)->metricSpecs();
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].metricName, "s0-metric-api-queue-depth");
  EXPECT_EQ(specs[0].targetString(), "1500m");
  EXPECT_EQ((*s)->activationTarget(), 2.5);

  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s0-metric-api-queue-depth");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 3000);
  EXPECT_TRUE(m->active);
  m = (*s)->metricsAndActivity("s0-metric-api-queue-depth");
  ASSERT_TRUE(m.isOk());
  EXPECT_FALSE(m->active);  // 2 is not above 2.5
  EXPECT_EQ(getter->requests.at(0).url, "http://api:8080/stats");
  EXPECT_EQ(getter->requests.at(0).timeout.count(), 3000);
}

TEST(MetricsApiScaler, AuthModesReachTheRequest) {
  auto getter = std::make_shared<FakeGetter>(
      std::deque<StatusOr<HttpResponse>>{HttpResponse{200, R"({"queue":{"depth":1}})"}});
  StatusOr<std::unique_ptr<Scaler>> s = newMetricsApiScalerWithGetter(
      trigger(with(basic(), {{"authMode", "apiKey"}, {"method", "query"}, {"timeout", "750"}}),
              {{"apiKey", "k&y"}}),
      getter);
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  ASSERT_TRUE((*s)->metricsAndActivity("m").isOk());
  EXPECT_EQ(getter->requests.at(0).url, "http://api:8080/stats?api_key=k%26y");
  EXPECT_EQ(getter->requests.at(0).timeout.count(), 750);

  auto bearer = std::make_shared<FakeGetter>(
      std::deque<StatusOr<HttpResponse>>{HttpResponse{200, R"({"queue":{"depth":1}})"}});
  s = newMetricsApiScalerWithGetter(
      trigger(with(basic(), {{"authModes", "bearer"}}), {{"token", "tok"}}), bearer);
  ASSERT_TRUE(s.isOk());
  ASSERT_TRUE((*s)->metricsAndActivity("m").isOk());
  bool sawBearer = false;
  for (const auto& [name, value] : bearer->requests.at(0).headers) {
    sawBearer = sawBearer || (name == "Authorization" && value == "Bearer tok");
  }
  EXPECT_TRUE(sawBearer);
}

TEST(MetricsApiScaler, ErrorsNameTriggerAndServerButNoSecret) {
  struct Case {
    const char* name;
    StatusOr<HttpResponse> answer;
    StatusCode code;
    std::string message;
  };
  const std::string prefix = "metrics-api trigger s0-metric-api-queue-depth at api:8080: ";
  const std::vector<Case> cases = {
      {"server_error", HttpResponse{503, "token s3cr3t-token rejected"}, StatusCode::kUnavailable,
       prefix + "http://api:8080/stats: api returned 503: token *** rejected"},
      {"not_found", HttpResponse{404, ""}, StatusCode::kNotFound,
       prefix + "http://api:8080/stats: api returned 404"},
      {"unauthorized", HttpResponse{401, ""}, StatusCode::kUnauthenticated,
       prefix + "http://api:8080/stats: api returned 401"},
      {"transport", unavailable("Failed to connect to api port 8080"), StatusCode::kUnavailable,
       prefix + "Failed to connect to api port 8080"},
      {"not_numeric", HttpResponse{200, R"({"queue":{}})"}, StatusCode::kInvalidArgument,
       prefix + "valueLocation \"queue.depth\" must point to a numeric value or a string "
                "parseable as a Quantity, got Null"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto getter = std::make_shared<FakeGetter>(std::deque<StatusOr<HttpResponse>>{c.answer});
    StatusOr<std::unique_ptr<Scaler>> s = newMetricsApiScalerWithGetter(
        trigger(with(basic(), {{"authModes", "bearer"}}), {{"bearerToken", "s3cr3t-token"}}),
        getter);
    ASSERT_TRUE(s.isOk());
    StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("m");
    ASSERT_FALSE(m.isOk());
    EXPECT_EQ(m.status().code(), c.code);
    EXPECT_EQ(m.status().message(), c.message);
  }
}

TEST(MetricsApiScaler, CredentialsInTheUrlAreBasicAuthAndNeverShown) {
  auto getter = std::make_shared<FakeGetter>(
      std::deque<StatusOr<HttpResponse>>{HttpResponse{500, "bad pa55word"}});
  StatusOr<std::unique_ptr<Scaler>> s = newMetricsApiScalerWithGetter(
      trigger(with(basic(), {{"url", "http://user:pa55word@api:8080/stats"}})), getter);
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("m");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().message().find("pa55word"), std::string::npos) << m.status().message();
  EXPECT_EQ(getter->requests.at(0).username, "user");
  EXPECT_EQ(getter->requests.at(0).password, "pa55word");
  EXPECT_EQ((*s)->describe()["url"], "http://api:8080/stats");
}

TEST(MetricsApiScaler, RegisteredWithOauthRefused) {
  const ScalerType* type = builtinRegistry().find("metrics-api");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->metricsLabel, "metricsAPIScaler");
  StatusOr<std::unique_ptr<Scaler>> s =
      builtinRegistry().create(trigger(with(basic(), {{"authModes", "oauth"}}),
                                       {{"oauthTokenURI", "https://idp/token"}, {"clientID", "c"}}),
                               ScalerContext{});
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace tidal::scalers
