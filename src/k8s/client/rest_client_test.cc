#include "k8s/client/rest_client.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "k8s/testing/fake_transport.h"

namespace tidal::k8s {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using testing::FakeReply;
using testing::FakeTransport;

struct Harness {
  explicit Harness(RestConfig config = baseConfig(), RetryPolicy retry = noJitter(),
                   std::function<void(std::string_view, std::optional<int>)> onAttempt = {}) {
    transport = std::make_shared<FakeTransport>();
    RestClientOptions options;
    options.onAttempt = std::move(onAttempt);
    options.clock = &clock;
    options.sleeper = &sleeper;
    options.logger = &logger;
    options.retry = retry;
    client = std::make_unique<RestClient>(std::move(config), transport, options);
  }
  static RestConfig baseConfig() {
    RestConfig c;
    c.server = "https://k8s:6443";
    c.bearerToken = "tok";
    c.qps = 0;  // unlimited unless a test asks
    return c;
  }
  static RetryPolicy noJitter() {
    RetryPolicy p;
    p.jitter = 0;
    return p;
  }

  FakeClock clock;
  FakeSleeper sleeper{clock};
  CapturingLogger logger;
  std::shared_ptr<FakeTransport> transport;
  std::unique_ptr<RestClient> client;
};

FakeReply reply(int status, std::map<std::string, std::string> headers = {}) {
  FakeReply r = FakeReply::json(status, status == 200 ? R"({"kind":"Pod"})" : "");
  r.headers = std::move(headers);
  return r;
}

TEST(RestClientTest, RetryDecisions) {
  struct Case {
    std::string name;
    std::string method;
    std::string contentType;
    std::vector<FakeReply> replies;
    size_t wantAttempts;
    int wantStatus;  // 0: a transport failure is returned
    std::vector<nanoseconds> wantSleeps;
  };
  const Status refused = unavailable(std::string(kNotSentPrefix) + "connect refused");
  const Status reset = unavailable("connection reset by peer");
  const std::vector<Case> cases = {
      {"429 waits Retry-After",
       "GET",
       "",
       {reply(429, {{"retry-after", "3"}}), reply(200)},
       2,
       200,
       {seconds(3)}},
      {"429 on POST too",
       "POST",
       "application/json",
       {reply(429, {{"retry-after", "1"}}), reply(201)},
       2,
       201,
       {seconds(1)}},
      {"Retry-After is capped",
       "GET",
       "",
       {reply(429, {{"retry-after", "3600"}}), reply(200)},
       2,
       200,
       {seconds(60)}},
      {"503 on GET backs off",
       "GET",
       "",
       {reply(503), reply(503), reply(200)},
       3,
       200,
       {milliseconds(200), milliseconds(400)}},
      {"503 on POST is not retried", "POST", "application/json", {reply(503)}, 1, 503, {}},
      {"503 with Retry-After on POST",
       "POST",
       "application/json",
       {reply(503, {{"retry-after", "2"}}), reply(201)},
       2,
       201,
       {seconds(2)}},
      {"merge patch is idempotent",
       "PATCH",
       "application/merge-patch+json",
       {reply(502), reply(200)},
       2,
       200,
       {milliseconds(200)}},
      {"json patch is not", "PATCH", "application/json-patch+json", {reply(502)}, 1, 502, {}},
      {"refused connection on POST",
       "POST",
       "application/json",
       {FakeReply::failure(refused), reply(201)},
       2,
       201,
       {milliseconds(200)}},
      {"reset mid-request on POST",
       "POST",
       "application/json",
       {FakeReply::failure(reset)},
       1,
       0,
       {}},
      {"reset mid-request on GET",
       "GET",
       "",
       {FakeReply::failure(reset), reply(200)},
       2,
       200,
       {milliseconds(200)}},
      {"409 is the caller's", "PUT", "application/json", {reply(409)}, 1, 409, {}},
      {"404 is final", "GET", "", {reply(404)}, 1, 404, {}},
      {"gives up after maxAttempts",
       "GET",
       "",
       {reply(500), reply(500), reply(500), reply(500), reply(500), reply(200)},
       5,
       500,
       {milliseconds(200), milliseconds(400), milliseconds(800), milliseconds(1600)}},
  };
  for (const Case& c : cases) {
    Harness h;
    for (const FakeReply& r : c.replies) h.transport->push(r);
    RestRequest request;
    request.method = c.method;
    request.path = "/api/v1/namespaces/a/pods";
    if (!c.contentType.empty()) {
      request.contentType = c.contentType;
      request.body = "{}";
    }
    StatusOr<HttpResponse> result = h.client->send(request);
    EXPECT_EQ(h.transport->requestCount(), c.wantAttempts) << c.name;
    if (c.wantStatus == 0) {
      EXPECT_FALSE(result.isOk()) << c.name;
    } else {
      ASSERT_TRUE(result.isOk()) << c.name << ": " << result.status().toString();
      EXPECT_EQ(result->status, c.wantStatus) << c.name;
    }
    EXPECT_EQ(h.sleeper.sleeps(), c.wantSleeps) << c.name;
  }
}

TEST(RestClientTest, BuildsTheRequest) {
  Harness h;
  h.transport->push(reply(200));
  RestRequest request;
  request.method = "PATCH";
  request.path = "/apis/keda.sh/v1alpha1/namespaces/web/scaledobjects/api";
  request.query = {{"fieldManager", "tidal"}, {"labelSelector", "a=b,c in (d)"}};
  request.contentType = "application/merge-patch+json";
  request.body = R"({"spec":{}})";
  ASSERT_TRUE(h.client->call(request).isOk());
  HttpRequest sent = h.transport->requests().at(0);
  EXPECT_EQ(sent.method, "PATCH");
  EXPECT_EQ(sent.url,
            "https://k8s:6443/apis/keda.sh/v1alpha1/namespaces/web/scaledobjects/api"
            "?fieldManager=tidal&labelSelector=a%3Db%2Cc%20in%20%28d%29");
  EXPECT_EQ(sent.body, R"({"spec":{}})");
  EXPECT_EQ(sent.timeout, seconds(30));
  auto has = [&](const std::string& name, const std::string& value) {
    for (const auto& [n, v] : sent.headers) {
      if (n == name && v == value) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("Authorization", "Bearer tok"));
  EXPECT_TRUE(has("Content-Type", "application/merge-patch+json"));
  EXPECT_TRUE(has("Accept", "application/json"));
}

TEST(RestClientTest, CallMapsErrorsAndParsesJson) {
  Harness h;
  h.transport->push(FakeReply::json(
      422, R"({"kind":"Status","code":422,"reason":"Invalid","message":"spec: Invalid value"})"));
  h.transport->push(FakeReply::json(200, "not json"));
  h.transport->push(FakeReply::json(200, ""));
  RestRequest request;
  request.path = "/x";
  StatusOr<Json> invalid = h.client->call(request);
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(invalid.status().message(), "GET /x: 422 Invalid: spec: Invalid value");
  EXPECT_EQ(h.client->call(request).status().code(), StatusCode::kInternal);
  StatusOr<Json> empty = h.client->call(request);
  ASSERT_TRUE(empty.isOk());
  EXPECT_TRUE(empty->is_null());
}

TEST(RestClientTest, EveryAttemptIsReportedWithItsStatus) {
  std::vector<std::string> seen;
  Harness h(Harness::baseConfig(), Harness::noJitter(),
            [&](std::string_view method, std::optional<int> status) {
              seen.push_back(std::string(method) + " " +
                             (status ? std::to_string(*status) : std::string("<error>")));
            });
  // A 503 then a connection failure then 200: three attempts of one idempotent GET.
  h.transport->push(reply(503));
  h.transport->push(FakeReply::failure({StatusCode::kUnavailable, "connection refused"}));
  h.transport->push(reply(200));
  h.transport->push(reply(404));
  RestRequest request;
  request.path = "/x";
  ASSERT_TRUE(h.client->call(request).isOk());
  request.method = "DELETE";
  EXPECT_EQ(h.client->call(request).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(seen, (std::vector<std::string>{"GET 503", "GET <error>", "GET 200", "DELETE 404"}));
}

TEST(RestClientTest, RateLimitAppliesToEveryRequest) {
  RestConfig config = Harness::baseConfig();
  config.qps = 2;
  config.burst = 1;
  Harness h(config);
  h.transport->setHandler([](const HttpRequest&) { return reply(200); });
  RestRequest request;
  request.path = "/x";
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.client->send(request).isOk());
  EXPECT_EQ(h.sleeper.sleeps(), (std::vector<nanoseconds>{milliseconds(500), milliseconds(500)}));
}

TEST(RestClientTest, UnauthorizedRereadsTheTokenFileOnce) {
  std::string file =
      std::filesystem::temp_directory_path() / ("tidal-token-" + std::to_string(::getpid()));
  std::ofstream(file) << "old";
  RestConfig config = Harness::baseConfig();
  config.bearerToken = "";
  config.tokenFile = file;
  Harness h(config);
  RestRequest request;
  request.path = "/x";
  h.transport->push(reply(200));
  ASSERT_TRUE(h.client->call(request).isOk());  // caches "old"
  std::ofstream(file) << "new";
  h.transport->push(reply(401));
  h.transport->push(reply(200));
  ASSERT_TRUE(h.client->call(request).isOk()) << "401, re-read, retried with the new token";
  h.transport->push(reply(401));
  h.transport->push(reply(401));
  EXPECT_EQ(h.client->call(request).status().code(), StatusCode::kUnauthenticated)
      << "only one re-read per request";
  std::vector<std::string> tokens;
  for (const HttpRequest& r : h.transport->requests()) {
    for (const auto& [name, value] : r.headers) {
      if (name == "Authorization") tokens.push_back(value);
    }
  }
  EXPECT_EQ(tokens, (std::vector<std::string>{"Bearer old", "Bearer old", "Bearer new",
                                              "Bearer new", "Bearer new"}));
  std::filesystem::remove(file);
}

TEST(RestClientTest, ConnectivityIsLoggedOncePerChange) {
  Harness h;
  const Status refused = unavailable(std::string(kNotSentPrefix) + "refused");
  for (int i = 0; i < 5; ++i) h.transport->push(FakeReply::failure(refused));
  h.transport->push(reply(200));
  h.transport->push(reply(200));
  RestRequest request;
  request.path = "/x";
  EXPECT_EQ(h.client->send(request).status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(h.client->send(request).isOk());
  ASSERT_TRUE(h.client->send(request).isOk());
  EXPECT_EQ(h.logger.count("API server unreachable"), 1u);
  EXPECT_EQ(h.logger.count("API server reachable again"), 1u);
  for (const LogRecord& r : h.logger.records()) {
    for (const auto& [key, value] : r.fields) {
      EXPECT_EQ(value.find("tok"), std::string::npos) << "no credentials in logs";
    }
  }
}

TEST(RestClientTest, CancelledBeforeSending) {
  Harness h;
  std::stop_source stop;
  stop.request_stop();
  RestRequest request;
  request.path = "/x";
  EXPECT_EQ(h.client->send(request, stop.get_token()).status().code(), StatusCode::kCancelled);
  EXPECT_EQ(h.transport->requestCount(), 0u);
}

}  // namespace
}  // namespace tidal::k8s
