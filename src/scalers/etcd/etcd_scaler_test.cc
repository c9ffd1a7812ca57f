// The etcd trigger: parameters and KEDA's rules, the gateway client (base64, endpoint failover,
// authentication, watch stream parsing) and the scaler's poll and push paths, all through a fake
// transport (the real etcd is in tests/integration/etcd).
#include "scalers/etcd/etcd_scaler.h"

#include <atomic>
#include <deque>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "scalers/registry.h"

namespace tidal::scalers {
namespace {

using etcd::EtcdClient;
using etcd::EtcdConfig;
using etcd::EtcdRequest;
using etcd::parseEtcdConfig;
using http::HttpResponse;
using nlohmann::json;
using namespace std::chrono_literals;

ScalerConfig trigger(StringMap metadata, StringMap auth = {}) {
  ScalerConfig c;
  c.triggerType = "etcd";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  return c;
}

StringMap basic() {
  return {{"endpoints", "etcd-0:2379, etcd-1:2379"}, {"watchKey", "/jobs/n"}, {"value", "5"}};
}

StringMap with(StringMap base, const StringMap& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

// A transport answering from handlers, recording every request.
class FakeTransport : public etcd::EtcdTransport {
 public:
  std::function<StatusOr<HttpResponse>(const EtcdRequest&)> onPost;
  // Gets the request and a sink for pieces of the answer; returns how the stream ends.
  std::function<Status(const EtcdRequest&, const std::function<void(std::string_view)>&,
                       const std::function<bool()>&)>
      onStream;
  std::vector<EtcdRequest> posts;
  std::vector<EtcdRequest> streams;

  StatusOr<HttpResponse> post(const EtcdRequest& r) override {
    posts.push_back(r);
    return onPost(r);
  }
  Status stream(const EtcdRequest& r, const std::function<void(std::string_view)>& onData,
                const std::function<bool()>& stop, std::chrono::milliseconds) override {
    streams.push_back(r);
    return onStream(r, onData, stop);
  }
};

std::string rangeAnswer(std::optional<std::string> value, int64_t revision = 7) {
  json doc{{"header", {{"revision", std::to_string(revision)}}}};
  if (value) {
    doc["kvs"] = json::array(
        {{{"key", etcd::base64Encode("/jobs/n")}, {"value", etcd::base64Encode(*value)}}});
    doc["count"] = "1";
  }
  return doc.dump();
}

bool endsWith(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

TEST(EtcdParams, DefaultsMetricNameAndUrls) {
  StatusOr<EtcdConfig> cfg = parseEtcdConfig(trigger(basic()));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metricName, "s0-etcd--jobs-n");
  EXPECT_EQ(cfg->urls, (std::vector<std::string>{"http://etcd-0:2379", "http://etcd-1:2379"}));
  EXPECT_EQ(cfg->metadata.activationValue, 0);
  EXPECT_EQ(cfg->metadata.watchProgressNotifyInterval, 600);
  EXPECT_EQ(cfg->metadata.tls, "disable");
  EXPECT_EQ(cfg->targetType, "AverageValue");
  EXPECT_EQ(cfg->timeout, 3000ms);

  ScalerConfig c = trigger(with(basic(), {{"endpoints", "https://a:2379,b:2380"},
                                          {"watchKey", "job.count:(x)"},
                                          {"activationValue", "1.5"}}),
                           {{"tls", "enable"}});
  c.triggerIndex = 2;
  c.metricType = "Value";
  cfg = parseEtcdConfig(c);
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metricName, "s2-etcd-job-count--x-");
  EXPECT_EQ(cfg->urls, (std::vector<std::string>{"https://a:2379", "https://b:2380"}));
  EXPECT_TRUE(cfg->tlsEnabled);
  EXPECT_EQ(cfg->targetType, "Value");
  EXPECT_EQ(cfg->metadata.activationValue, 1.5);
}

TEST(EtcdParams, CredentialsFromAuthParamsOrEnvironment) {
  ScalerConfig c =
      trigger(with(basic(), {{"usernameFromEnv", "ETCD_USER"}, {"passwordFromEnv", "ETCD_PASS"}}));
  c.resolvedEnv = {{"ETCD_USER", "env-user"}, {"ETCD_PASS", "env-pass"}};
  StatusOr<EtcdConfig> cfg = parseEtcdConfig(c);
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metadata.username, "env-user");
  EXPECT_EQ(cfg->metadata.password, "env-pass");

  c.authParams = {{"username", "auth-user"}, {"password", "auth-pass"}};
  cfg = parseEtcdConfig(c);
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->metadata.username, "auth-user");  // authParams come first
  EXPECT_EQ(cfg->secrets(), std::vector<std::string>{"auth-pass"});

  // username in the trigger metadata is not a source.
  cfg = parseEtcdConfig(trigger(with(basic(), {{"username", "u"}, {"password", "p"}})));
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->metadata.username, "");
}

TEST(EtcdParams, Errors) {
  struct Case {
    const char* name;
    StringMap metadata;
    StringMap auth;
    std::string error;
  };
  const std::string p = "error parsing etcd metadata: ";
  const std::vector<Case> cases = {
      {"nothing",
       {},
       {},
       p + "missing required parameter \"endpoints\" in [triggerMetadata]\nmissing required "
           "parameter \"watchKey\" in [triggerMetadata]\nmissing required parameter \"value\" in "
           "[triggerMetadata]"},
      {"bad_value",
       with(basic(), {{"value", "many"}}),
       {},
       p + "unable to set param \"value\" value \"many\": expected a number"},
      {"bad_activation",
       with(basic(), {{"activationValue", "x"}}),
       {},
       p + "unable to set param \"activationValue\" value \"x\": expected a number"},
      {"zero_interval",
       with(basic(), {{"watchProgressNotifyInterval", "0"}}),
       {},
       p + "watchProgressNotifyInterval must be greater than 0"},
      {"negative_interval",
       with(basic(), {{"watchProgressNotifyInterval", "-5"}}),
       {},
       p + "watchProgressNotifyInterval must be greater than 0"},
      {"bad_tls",
       basic(),
       {{"tls", "yes"}},
       p + "parameter \"tls\" value \"yes\" must be one of [enable disable]"},
      {"key_without_cert",
       basic(),
       {{"tls", "enable"}, {"key", "k"}},
       p + "cert must be provided with key"},
      {"cert_without_key",
       basic(),
       {{"tls", "enable"}, {"cert", "c"}},
       p + "key must be provided with cert"},
      {"user_without_password",
       basic(),
       {{"username", "root"}},
       p + "password must be provided with username"},
      {"password_without_user",
       basic(),
       {{"password", "hunter2"}},
       p + "username must be provided with password"},
      {"bad_scheme",
       with(basic(), {{"endpoints", "unix://etcd:2379"}}),
       {},
       p + "endpoints: endpoint unix://etcd:2379: the scheme must be http or https, not unix"},
      {"path",
       with(basic(), {{"endpoints", "http://etcd:2379/v3"}}),
       {},
       p + "endpoints: endpoint http://etcd:2379/v3: expected host:port without a path"},
      {"credentials_in_url",
       with(basic(), {{"endpoints", "http://root:pw@etcd:2379"}}),
       {},
       p + "endpoints: endpoint http://etcd:2379: credentials belong in username and password, "
           "not in the endpoint"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<EtcdConfig> cfg = parseEtcdConfig(trigger(c.metadata, c.auth));
    ASSERT_FALSE(cfg.isOk());
    EXPECT_EQ(cfg.status().message(), c.error);
    EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(cfg.status().message().find("hunter2"), std::string::npos);
  }

  ScalerConfig utilization = trigger(basic());
  utilization.metricType = "Utilization";
  StatusOr<EtcdConfig> cfg = parseEtcdConfig(utilization);
  ASSERT_FALSE(cfg.isOk());
  EXPECT_NE(cfg.status().message().find("'Utilization' metric type is unsupported"),
            std::string::npos);
}

TEST(EtcdParams, RegisteredWithSpecsAndDescribe) {
  StatusOr<std::unique_ptr<Scaler>> s = builtinRegistry().create(
      trigger(with(basic(), {{"value", "2.5"}}), {{"username", "root"}, {"password", "hunter2"}}),
      ScalerContext{});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_NE(dynamic_cast<PushScaler*>(s->get()), nullptr);
  std::vector<MetricSpec> specs = (*s)->metricSpecs();
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].metricName, "s0-etcd--jobs-n");
  EXPECT_EQ(specs[0].targetType, "AverageValue");
  EXPECT_EQ(specs[0].targetString(), "2500m");
  const std::string described = (*s)->describe().dump();
  EXPECT_NE(described.find("\"username\":\"root\""), std::string::npos);
  EXPECT_EQ(described.find("hunter2"), std::string::npos);
  EXPECT_EQ((*s)->activationTarget(), 0.0);
  EXPECT_EQ(builtinRegistry().find("etcd")->metricsLabel, "etcdScaler");
}

TEST(EtcdClient, Base64AndLines) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "/jobs/", "/jobs/n",
                                                       std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(etcd::base64Decode(etcd::base64Encode(s)), s);
  }
  EXPECT_EQ(etcd::base64Encode("/jobs/"), "L2pvYnMv");
  EXPECT_EQ(etcd::base64Decode("MTIuNQ=="), "12.5");
  EXPECT_FALSE(etcd::base64Decode("MTI").has_value());
  EXPECT_FALSE(etcd::base64Decode("M=I=").has_value());
  EXPECT_FALSE(etcd::base64Decode("MT!u").has_value());

  etcd::LineSplitter lines;
  EXPECT_TRUE(lines.feed("{\"a\":").empty());
  EXPECT_EQ(lines.feed("1}\n{\"b\"").size(), 1u);
  EXPECT_EQ(lines.feed(":2}\n\n{\"c\":3}\n"), (std::vector<std::string>{"{\"b\":2}", "{\"c\":3}"}));
}

TEST(EtcdClient, TriesEndpointsInOrderAndRemembersTheOneThatAnswered) {
  auto t = std::make_shared<FakeTransport>();
  t->onPost = [](const EtcdRequest& r) -> StatusOr<HttpResponse> {
    if (r.url.starts_with("http://a")) return unavailable("Connection refused");
    if (r.url.starts_with("http://b")) return Status(StatusCode::kDeadlineExceeded, "timed out");
    return HttpResponse{200, rangeAnswer("12.5", 9)};
  };
  EtcdClient client({"http://a:1", "http://b:2", "http://c:3"}, std::nullopt, t);
  StatusOr<etcd::KeyValue> kv = client.get("/jobs/n", 3000ms);
  ASSERT_TRUE(kv.isOk()) << kv.status().toString();
  EXPECT_TRUE(kv->found);
  EXPECT_EQ(kv->value, "12.5");
  EXPECT_EQ(kv->revision, 9);
  ASSERT_EQ(t->posts.size(), 3u);
  EXPECT_EQ(t->posts[2].url, "http://c:3/v3/kv/range");
  EXPECT_EQ(json::parse(t->posts[2].body), json({{"key", "L2pvYnMvbg=="}}));
  // Each endpoint gets a share of the time left: the first a third.
  EXPECT_LE(t->posts[0].timeout, 1000ms);

  t->onStream = [](const EtcdRequest&, const std::function<void(std::string_view)>&,
                   const std::function<bool()>&) { return Status::ok(); };
  ASSERT_TRUE(client
                  .watch(
                      "/jobs/n", 10, [] {}, [](const etcd::KeyEvent&) {}, [] { return true; },
                      1000ms, 1000ms)
                  .isOk());
  ASSERT_EQ(t->streams.size(), 1u);
  EXPECT_EQ(t->streams[0].url, "http://c:3/v3/watch");
  EXPECT_EQ(
      json::parse(t->streams[0].body),
      json({{"create_request",
             {{"key", "L2pvYnMvbg=="}, {"start_revision", "10"}, {"progress_notify", true}}}}));
}

TEST(EtcdClient, AllEndpointsDownAndAnswersThatStopTheSearch) {
  auto t = std::make_shared<FakeTransport>();
  t->onPost = [](const EtcdRequest&) -> StatusOr<HttpResponse> {
    return unavailable("Connection refused");
  };
  EtcdClient client({"http://a:1", "http://b:2"}, std::nullopt, t);
  StatusOr<etcd::KeyValue> kv = client.get("/k", 1000ms);
  ASSERT_FALSE(kv.isOk());
  EXPECT_EQ(kv.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(kv.status().message(),
            "http://a:1: Connection refused; http://b:2: Connection refused");

  // A server that answers with an error is not skipped for the next one.
  t->posts.clear();
  t->onPost = [](const EtcdRequest&) -> StatusOr<HttpResponse> {
    return HttpResponse{400, R"({"error":"bad","message":"illegal base64 data","code":3})"};
  };
  kv = client.get("/k", 1000ms);
  ASSERT_FALSE(kv.isOk());
  EXPECT_EQ(t->posts.size(), 1u);
  EXPECT_EQ(kv.status().message(), "http://a:1: HTTP 400 Bad Request: illegal base64 data");

  t->onPost = [](const EtcdRequest&) -> StatusOr<HttpResponse> {
    return HttpResponse{200, rangeAnswer(std::nullopt)};
  };
  kv = client.get("/k", 1000ms);
  ASSERT_TRUE(kv.isOk());
  EXPECT_FALSE(kv->found);
}

TEST(EtcdClient, AuthenticatesPerEndpointAndRenewsAnExpiredToken) {
  auto t = std::make_shared<FakeTransport>();
  int tokens = 0;
  std::string valid;
  t->onPost = [&](const EtcdRequest& r) -> StatusOr<HttpResponse> {
    if (endsWith(r.url, "/v3/auth/authenticate")) {
      const json body = json::parse(r.body);
      if (body["password"] != "hunter2") {
        return HttpResponse{
            400, R"({"message":"etcdserver: authentication failed, invalid user ID or password"})"};
      }
      valid = "tok" + std::to_string(++tokens);
      return HttpResponse{200, json{{"token", valid}}.dump()};
    }
    if (r.headers.empty() || r.headers[0].second != valid) {
      return HttpResponse{401, R"({"message":"etcdserver: invalid auth token","code":16})"};
    }
    return HttpResponse{200, rangeAnswer("3")};
  };
  EtcdClient client({"http://a:1"}, etcd::EtcdCredentials{"root", "hunter2"}, t);
  ASSERT_TRUE(client.get("/jobs/n", 1000ms).isOk());
  ASSERT_TRUE(client.get("/jobs/n", 1000ms).isOk());
  EXPECT_EQ(tokens, 1);  // the token is kept
  EXPECT_EQ(t->posts[1].headers.at(0), std::make_pair(std::string("Authorization"), valid));
  valid = "expired";  // the server forgot it
  ASSERT_TRUE(client.get("/jobs/n", 1000ms).isOk());
  EXPECT_EQ(tokens, 2);

  EtcdClient wrong({"http://a:1"}, etcd::EtcdCredentials{"root", "not-the-password"}, t);
  StatusOr<etcd::KeyValue> kv = wrong.get("/jobs/n", 1000ms);
  ASSERT_FALSE(kv.isOk());
  EXPECT_EQ(kv.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(kv.status().message().find("authentication failed"), std::string::npos);
  EXPECT_EQ(kv.status().message().find("not-the-password"), std::string::npos);
}

TEST(EtcdClient, WatchReportsEventsAndCancellation) {
  auto t = std::make_shared<FakeTransport>();
  t->onPost = [](const EtcdRequest&) -> StatusOr<HttpResponse> {
    return HttpResponse{200, rangeAnswer("1")};
  };
  const std::string put =
      json{{"result",
            {{"header", {{"revision", "8"}}},
             {"events",
              json::array(
                  {{{"kv", {{"key", "L2pvYnMvbg=="}, {"value", etcd::base64Encode("42")}}}}})}}}}
          .dump();
  const std::string del =
      R"({"result":{"header":{"revision":"9"},"events":[{"type":"DELETE","kv":{"key":"L2pvYnMvbg=="}}]}})";
  t->onStream = [&](const EtcdRequest&, const std::function<void(std::string_view)>& onData,
                    const std::function<bool()>& stop) {
    onData(R"({"result":{"header":{"revision":"7"},"created":true}})"
           "\n");
    onData(put.substr(0, 20));
    onData(put.substr(20) + "\n" + del + "\n");
    onData(R"({"result":{"header":{"revision":"9"}}})"
           "\n");  // a progress notification
    onData(
        R"({"result":{"canceled":true,"cancel_reason":"mvcc: required revision has been compacted"}})"
        "\n");
    EXPECT_TRUE(stop());  // cancellation ends the stream
    return Status::ok();
  };
  EtcdClient client({"http://a:1"}, std::nullopt, t);
  int created = 0;
  std::vector<etcd::KeyEvent> events;
  Status s = client.watch(
      "/jobs/n", 8, [&] { ++created; }, [&](const etcd::KeyEvent& e) { events.push_back(e); },
      [] { return false; }, 1000ms, 1000ms);
  EXPECT_EQ(created, 1);
  EXPECT_EQ(events, (std::vector<etcd::KeyEvent>{std::string("42"), std::nullopt}));
  ASSERT_FALSE(s.isOk());
  EXPECT_EQ(s.message(),
            "the server cancelled the watch: mvcc: required revision has been compacted");
}

TEST(EtcdScaler, ValueActivityAndErrors) {
  auto t = std::make_shared<FakeTransport>();
  std::optional<std::string> value = "7.5";
  t->onPost = [&](const EtcdRequest&) -> StatusOr<HttpResponse> {
    return HttpResponse{200, rangeAnswer(value)};
  };
  StatusOr<EtcdConfig> cfg = parseEtcdConfig(trigger(with(basic(), {{"activationValue", "7"}})));
  ASSERT_TRUE(cfg.isOk());
  auto client = std::make_shared<EtcdClient>(cfg->urls, std::nullopt, t);
  std::unique_ptr<PushScaler> s = etcd::makeEtcdScaler(*cfg, client, SystemClock::instance());

  StatusOr<MetricsAndActivity> m = s->metricsAndActivity("s0-etcd--jobs-n");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).metricName, "s0-etcd--jobs-n");
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 7500);
  EXPECT_TRUE(m->active);

  value = "7";
  m = s->metricsAndActivity("s0-etcd--jobs-n");
  ASSERT_TRUE(m.isOk());
  EXPECT_FALSE(m->active);  // not above the activation value

  value = "-3";
  m = s->metricsAndActivity("s0-etcd--jobs-n");
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 0);  // negatives report 0, as KEDA

  value = "lots";
  m = s->metricsAndActivity("s0-etcd--jobs-n");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().message(),
            "etcd trigger s0-etcd--jobs-n: the value of key /jobs/n is not a number: \"lots\"");
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);

  value = std::nullopt;
  m = s->metricsAndActivity("s0-etcd--jobs-n");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().message(), "etcd trigger s0-etcd--jobs-n: key /jobs/n not found");
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
}

TEST(EtcdScaler, PushReportsEveryChangeAndStops) {
  auto t = std::make_shared<FakeTransport>();
  t->onPost = [](const EtcdRequest&) -> StatusOr<HttpResponse> {
    return HttpResponse{200, rangeAnswer("0", 20)};
  };
  auto event = [](const char* v) {
    return json{{"result",
                 {{"events", json::array({{{"kv", {{"value", etcd::base64Encode(v)}}}}})}}}}
               .dump() +
           "\n";
  };
  std::atomic<bool> done{false};
  t->onStream = [&](const EtcdRequest& r, const std::function<void(std::string_view)>& onData,
                    const std::function<bool()>& stop) {
    EXPECT_EQ(json::parse(r.body)["create_request"]["start_revision"], "21");
    onData(event("5") + event("1") + event("oops") + event("9"));
    done = true;
    while (!stop()) std::this_thread::sleep_for(1ms);
    return Status::ok();
  };
  StatusOr<EtcdConfig> cfg = parseEtcdConfig(trigger(with(basic(), {{"activationValue", "2"}})));
  ASSERT_TRUE(cfg.isOk());
  auto client = std::make_shared<EtcdClient>(cfg->urls, std::nullopt, t);
  FakeClock clock;
  std::unique_ptr<PushScaler> s = etcd::makeEtcdScaler(*cfg, client, clock);
  std::vector<bool> seen;
  s->run([&](bool active) { seen.push_back(active); }, [&] { return done.load(); });
  // The initial read (0), then 5, 1, "oops" (counts 0) and 9.
  EXPECT_EQ(seen, (std::vector<bool>{false, true, false, false, true}));
}

TEST(EtcdScaler, PushRetriesWithBackoffWhileTheServerIsDown) {
  auto t = std::make_shared<FakeTransport>();
  std::atomic<int> reads{0};
  t->onPost = [&](const EtcdRequest&) -> StatusOr<HttpResponse> {
    ++reads;
    return unavailable("Connection refused");
  };
  StatusOr<EtcdConfig> cfg = parseEtcdConfig(trigger(basic()));
  ASSERT_TRUE(cfg.isOk());
  auto client = std::make_shared<EtcdClient>(cfg->urls, std::nullopt, t);
  FakeClock clock;
  std::unique_ptr<PushScaler> s = etcd::makeEtcdScaler(*cfg, client, clock);
  std::atomic<bool> stop{false};
  std::thread runner([&] { s->run([](bool) {}, [&] { return stop.load(); }); });
  // Both endpoints are tried once, then nothing happens until the clock passes 2 s.
  while (reads < 2) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(reads, 2);
  clock.advance(2100ms);
  while (reads < 4) std::this_thread::sleep_for(1ms);
  clock.advance(2100ms);  // the second wait is 4 s
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(reads, 4);
  stop = true;
  runner.join();
}

}  // namespace
}  // namespace tidal::scalers
