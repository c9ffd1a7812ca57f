#include "metrics_server/external_metrics_api.h"

#include <mutex>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tidal::metrics_server {
namespace {

using namespace std::chrono_literals;

// 2026-01-01T00:00:00Z
const auto kNow = std::chrono::system_clock::from_time_t(1767225600);

// Knows metrics by (namespace, ScaledObject, metric name); records the calls it gets.
class FakeProvider : public ExternalMetricsProvider {
 public:
  struct Call {
    std::string ns, scaledObject, metricName;
  };
  StatusOr<std::vector<ExternalMetricValue>> getMetrics(std::string_view ns,
                                                        std::string_view scaledObject,
                                                        std::string_view metricName,
                                                        const std::stop_token&) override {
    std::lock_guard lock(mu_);
    calls.push_back({std::string(ns), std::string(scaledObject), std::string(metricName)});
    if (!error.isOk()) return error;
    std::vector<ExternalMetricValue> found;  // every entry under the key, in order
    for (const auto& [key, value] : metrics) {
      if (key.ns == ns && key.scaledObject == scaledObject &&
          sameMetricName(key.metricName, metricName)) {
        found.push_back(value);
      }
    }
    if (!found.empty()) return found;
    return notFound(
        fmt::format("no metric {} for ScaledObject {}/{}", metricName, ns, scaledObject));
  }

  std::vector<std::pair<Call, ExternalMetricValue>> metrics;
  Status error;
  std::vector<Call> calls;

 private:
  std::mutex mu_;
};

class ExternalMetricsApiTest : public ::testing::Test {
 protected:
  ExternalMetricsApiTest() {
    provider_.metrics.push_back({{"default", "web", "s0-RabbitMQ-Hello"},
                                 ExternalMetricValue{.metricName = "s0-RabbitMQ-Hello",
                                                     .value = api::Quantity::fromInt(42)}});
    provider_.metrics.push_back({{"team-a", "worker", "s1-cron"},
                                 ExternalMetricValue{.metricName = "s1-cron",
                                                     .metricLabels = {{"zone", "a"}},
                                                     .value = api::Quantity::fromMilli(2500),
                                                     .timestamp = kNow - 30s,
                                                     .windowSeconds = 60}});
  }

  net::Response get(std::string_view path, std::string_view query = "",
                    const ExternalMetricsApi* api = nullptr) {
    net::Request request;
    request.method = "GET";
    request.path = path;
    request.rawQuery = query;
    if (!query.empty()) {
      size_t eq = query.find('=');
      request.query.emplace_back(net::decodeQueryComponent(query.substr(0, eq)),
                                 net::decodeQueryComponent(query.substr(eq + 1)));
    }
    return (api ? *api : api_).handle(request);
  }

  FakeProvider provider_;
  FakeClock clock_{kNow};
  k8s::CapturingLogger logger_;
  ExternalMetricsApi api_{provider_, {}, clock_, logger_};
};

constexpr std::string_view kMetricPath =
    "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s0-rabbitmq-hello";
constexpr std::string_view kSelector = "labelSelector=scaledobject.keda.sh%2Fname%3Dweb";

TEST_F(ExternalMetricsApiTest, DiscoveryDocuments) {
  struct Case {
    std::string path, body;
  };
  for (
      const Case& c : std::vector<Case>{
          {"/apis/external.metrics.k8s.io/v1beta1",
           R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"external.metrics.k8s.io/v1beta1",)"
           R"("resources":[{"name":"externalmetric","singularName":"","namespaced":true,)"
           R"("kind":"ExternalMetricValueList","verbs":["get"]}]})"},
          {"/apis/external.metrics.k8s.io",
           R"({"kind":"APIGroup","apiVersion":"v1","name":"external.metrics.k8s.io",)"
           R"("versions":[{"groupVersion":"external.metrics.k8s.io/v1beta1","version":"v1beta1"}],)"
           R"("preferredVersion":{"groupVersion":"external.metrics.k8s.io/v1beta1","version":"v1beta1"}})"},
          {"/apis",
           R"({"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"external.metrics.k8s.io",)"
           R"("versions":[{"groupVersion":"external.metrics.k8s.io/v1beta1","version":"v1beta1"}],)"
           R"("preferredVersion":{"groupVersion":"external.metrics.k8s.io/v1beta1","version":"v1beta1"}}]})"},
      }) {
    net::Response r = get(c.path);
    EXPECT_EQ(r.status, 200) << c.path;
    EXPECT_EQ(r.contentType, "application/json") << c.path;
    EXPECT_EQ(r.body, c.body) << c.path;
  }
}

TEST_F(ExternalMetricsApiTest, ProbesAndOpenApi) {
  for (std::string_view path : {"/healthz", "/readyz", "/livez"}) {
    net::Response r = get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "ok") << path;
  }
  for (std::string_view path : {"/openapi/v2", "/openapi/v3", "/apis/other.group", "/"}) {
    net::Response r = get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_NE(r.body.find(R"("reason":"NotFound","code":404})"), std::string::npos) << r.body;
  }
}

TEST_F(ExternalMetricsApiTest, MetricValueListExactShape) {
  net::Response r = get(kMetricPath, kSelector);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1",)"
            R"("metadata":{},"items":[{"metricName":"s0-RabbitMQ-Hello","metricLabels":null,)"
            R"("timestamp":"2026-01-01T00:00:00Z","value":"42"}]})");
  ASSERT_EQ(provider_.calls.size(), 1u);
  EXPECT_EQ(provider_.calls[0].ns, "default");
  EXPECT_EQ(provider_.calls[0].scaledObject, "web");
  EXPECT_EQ(provider_.calls[0].metricName, "s0-rabbitmq-hello");  // as the HPA sent it
}

TEST_F(ExternalMetricsApiTest, LabelsWindowAndProviderTimestamp) {
  net::Response r = get("/apis/external.metrics.k8s.io/v1beta1/namespaces/team-a/s1-cron",
                        "labelSelector=scaledobject.keda.sh/name==worker");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1",)"
            R"("metadata":{},"items":[{"metricName":"s1-cron","metricLabels":{"zone":"a"},)"
            R"("timestamp":"2025-12-31T23:59:30Z","window":60,"value":"2500m"}]})");
}

// The list is written as text, not through a JSON tree: strings with quotes, backslashes,
// control characters, non-ASCII and bytes that are not UTF-8 must still come out as valid JSON
// that reads back as what the provider gave (invalid bytes as U+FFFD), and several items join.
TEST_F(ExternalMetricsApiTest, StringsAreEscaped) {
  const std::string odd = "q\"b\\s\n\t\r\x01\x1f end";
  provider_.metrics.push_back(
      {{"team-b", "odd", "s0-odd"},
       ExternalMetricValue{.metricName = "s0-odd",
                           .metricLabels = {{"k\"1", odd}, {"zone", "z\xc3\xa9"}},
                           .value = api::Quantity::fromInt(1)}});
  provider_.metrics.push_back(
      {{"team-b", "odd", "s0-odd"},
       ExternalMetricValue{.metricName = "s0-odd", .value = api::Quantity::fromInt(3)}});
  provider_.metrics.push_back({{"team-b", "bad", "s0-bad"},
                               ExternalMetricValue{.metricName = "s0-bad",
                                                   .metricLabels = {{"v", "a\xff"}},
                                                   .value = api::Quantity::fromInt(2)}});
  net::Response r = get("/apis/external.metrics.k8s.io/v1beta1/namespaces/team-b/s0-odd",
                        "labelSelector=scaledobject.keda.sh/name=odd");
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json list = nlohmann::json::parse(r.body);  // throws (fails the test) if invalid
  ASSERT_EQ(list["items"].size(), 2u) << r.body;
  EXPECT_EQ(list["items"][0]["metricLabels"]["k\"1"], odd);
  EXPECT_EQ(list["items"][1]["metricName"], "s0-odd");
  EXPECT_EQ(list["items"][1]["value"], "3");
  EXPECT_EQ(list["items"][0]["metricLabels"]["zone"], "z\xc3\xa9");
  r = get("/apis/external.metrics.k8s.io/v1beta1/namespaces/team-b/s0-bad",
          "labelSelector=scaledobject.keda.sh/name=bad");
  ASSERT_EQ(r.status, 200) << r.body;
  list = nlohmann::json::parse(r.body);
  EXPECT_EQ(list["items"][0]["metricLabels"]["v"], "a\xef\xbf\xbd");
}

TEST_F(ExternalMetricsApiTest, CaseInsensitiveMetricNames) {
  for (std::string_view name : {"s0-rabbitmq-hello", "S0-RABBITMQ-HELLO", "s0-RabbitMQ-Hello"}) {
    net::Response r =
        get(fmt::format("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/{}", name),
            kSelector);
    EXPECT_EQ(r.status, 200) << name;
  }
  EXPECT_TRUE(sameMetricName("ABC-1", "abc-1"));
  EXPECT_FALSE(sameMetricName("abc", "abd"));
  EXPECT_FALSE(sameMetricName("abc", "abcd"));
}

TEST_F(ExternalMetricsApiTest, SelectorErrors) {
  struct Case {
    std::string name, query, message;
  };
  for (const Case& c : std::vector<Case>{
           {"no selector", "", "scaledObject name is not specified"},
           {"other label", "labelSelector=app%3Dweb", "scaledObject name is not specified"},
           {"not equals", "labelSelector=scaledobject.keda.sh%2Fname!%3Dweb",
            "scaledObject name is not specified"},
           {"malformed", "labelSelector=a+in+(", "invalid labelSelector"},
       }) {
    net::Response r = get(kMetricPath, c.query);
    EXPECT_EQ(r.status, 400) << c.name;
    EXPECT_NE(r.body.find(c.message), std::string::npos) << c.name << ": " << r.body;
    EXPECT_NE(r.body.find(R"("reason":"BadRequest","code":400)"), std::string::npos) << r.body;
  }
  EXPECT_TRUE(provider_.calls.empty());
}

TEST_F(ExternalMetricsApiTest, ProviderErrorsBecomeStatusObjects) {
  struct Case {
    Status error;
    int code;
    std::string reason;
  };
  for (const Case& c : std::vector<Case>{
           {notFound("no metric x"), 404, "NotFound"},
           {invalidArgument("bad"), 400, "BadRequest"},
           {unavailable("rabbitmq down"), 503, "ServiceUnavailable"},
           {Status(StatusCode::kDeadlineExceeded, "slow"), 503, "ServiceUnavailable"},
           {Status(StatusCode::kResourceExhausted, "busy"), 429, "TooManyRequests"},
           {internalError("bug"), 500, "InternalError"},
           {failedPrecondition("paused"), 500, "InternalError"},
       }) {
    provider_.error = c.error;
    net::Response r = get(kMetricPath, kSelector);
    EXPECT_EQ(r.status, c.code) << c.error.toString();
    EXPECT_EQ(r.body, fmt::format(R"({{"kind":"Status","apiVersion":"v1","metadata":{{}},)"
                                  R"("status":"Failure","message":"{}","reason":"{}","code":{}}})",
                                  c.error.message(), c.reason, c.code));
  }
}

TEST_F(ExternalMetricsApiTest, UnknownMetricIs404) {
  net::Response r =
      get("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/s9-nothing", kSelector);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("no metric s9-nothing for ScaledObject default/web"), std::string::npos);
}

TEST_F(ExternalMetricsApiTest, BadPaths) {
  for (std::string_view path : {
           "/apis/external.metrics.k8s.io/v1beta1/namespaces/default",
           "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/m/extra",
           "/apis/external.metrics.k8s.io/v1beta1/namespaces//m",
           "/apis/external.metrics.k8s.io/v1beta1/s0-metric",
           "/apis/external.metrics.k8s.io/v1beta1x",
           "/apis/external.metrics.k8s.io/v2/namespaces/default/m",
       }) {
    EXPECT_EQ(get(path, kSelector).status, 404) << path;
  }
  EXPECT_TRUE(provider_.calls.empty());
  EXPECT_EQ(get("/apis/external.metrics.k8s.io/v1beta1/namespaces/de%zzfault/m", kSelector).status,
            400);
  // Escapes in segments are decoded after splitting.
  get("/apis/external.metrics.k8s.io/v1beta1/namespaces/d%65fault/m", kSelector);
  ASSERT_EQ(provider_.calls.size(), 1u);
  EXPECT_EQ(provider_.calls[0].ns, "default");
}

TEST_F(ExternalMetricsApiTest, OnlyGet) {
  for (std::string_view method : {"POST", "PUT", "DELETE", "PATCH"}) {
    net::Request request;
    request.method = method;
    request.path = kMetricPath;
    net::Response r = api_.handle(request);
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_NE(r.body.find(R"("reason":"MethodNotAllowed","code":405)"), std::string::npos);
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Allow", "GET"}));
  }
}

TEST_F(ExternalMetricsApiTest, FrontProxyAuthentication) {
  RequestHeaderAuthConfig auth{.clientCaPem = "unused here",
                               .allowedNames = {"front-proxy-client"}};
  ExternalMetricsApi api(provider_, {.auth = auth}, clock_, logger_);
  struct Case {
    std::string name;
    bool tls;
    net::PeerCertificate peer;
    int code;
  };
  for (const Case& c : std::vector<Case>{
           {"plain http", false, {}, 401},
           {"no certificate", true, {}, 401},
           {"unverified",
            true,
            {.presented = true, .commonName = "front-proxy-client", .verifyError = "bad"},
            401},
           {"wrong name", true, {.presented = true, .verified = true, .commonName = "admin"}, 403},
           {"aggregator",
            true,
            {.presented = true, .verified = true, .commonName = "front-proxy-client"},
            200},
       }) {
    for (std::string_view path : {std::string_view("/apis"), kMetricPath}) {
      net::Request request;
      request.method = "GET";
      request.path = path;
      request.tls = c.tls;
      request.peer = &c.peer;
      request.query.emplace_back("labelSelector", "scaledobject.keda.sh/name=web");
      net::Response r = api.handle(request);
      EXPECT_EQ(r.status, c.code) << c.name << " " << path << ": " << r.body;
    }
    net::Request probe;
    probe.method = "GET";
    probe.path = "/healthz";
    probe.tls = c.tls;
    probe.peer = &c.peer;
    EXPECT_EQ(api.handle(probe).status, 200) << c.name;
  }
}

}  // namespace
}  // namespace tidal::metrics_server
