// The etcd scaler against a real etcd 3.4 (scripts/services.d/etcd.sh): values and activity, a
// missing key, a value that is not a number, endpoint failover, a server that is down, the push
// path (a put activates within a short bound) and etcd authentication. The test writes keys
// through the same gateway API the scaler reads with.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include "scalers/etcd/etcd_client.h"
#include "scalers/etcd/etcd_transport.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string endpoint() {
  const char* v = std::getenv("TIDAL_ETCD_ENDPOINT");
  if (v == nullptr) {
    ADD_FAILURE() << "TIDAL_ETCD_ENDPOINT is not set; run under tests/support/with-services etcd";
    return "127.0.0.1:1";
  }
  return v;
}

// A port nothing listens on.
int closedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Calls the gateway directly (writes, auth administration).
json call(const std::string& path, const json& body, const std::string& token = "") {
  static etcd::CurlEtcdTransport transport(http::HttpTlsOptions{});
  etcd::EtcdRequest r;
  r.url = "http://" + endpoint() + path;
  r.body = body.dump();
  if (!token.empty()) r.headers.emplace_back("Authorization", token);
  StatusOr<http::HttpResponse> answer = transport.post(r);
  EXPECT_TRUE(answer.isOk()) << answer.status().toString();
  if (!answer.isOk()) return json();
  EXPECT_EQ(answer->status, 200) << path << ": " << answer->body;
  return json::parse(answer->body, nullptr, false);
}

void put(const std::string& key, const std::string& value, const std::string& token = "") {
  call("/v3/kv/put", {{"key", etcd::base64Encode(key)}, {"value", etcd::base64Encode(value)}},
       token);
}

void remove(const std::string& key) {
  call("/v3/kv/deleterange", {{"key", etcd::base64Encode(key)}});
}

StatusOr<std::unique_ptr<Scaler>> make(StringMap metadata, StringMap auth = {}) {
  ScalerConfig c;
  c.triggerType = "etcd";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  if (!c.triggerMetadata.contains("endpoints")) c.triggerMetadata["endpoints"] = endpoint();
  if (!c.triggerMetadata.contains("value")) c.triggerMetadata["value"] = "5";
  return builtinRegistry().create(c, ScalerContext{});
}

StatusOr<MetricsAndActivity> poll(Scaler& s, const std::string& key) {
  std::string name = "s0-etcd-" + key;
  for (char& ch : name) {
    if (ch == '/' || ch == '.' || ch == ':') ch = '-';
  }
  return s.metricsAndActivity(name);
}

TEST(EtcdIntegration, ValueAndActivityFollowTheKey) {
  put("/tidal/jobs", "3");
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"watchKey", "/tidal/jobs"}, {"activationValue", "4"}});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_EQ((*s)->metricSpecs().at(0).metricName, "s0-etcd--tidal-jobs");
  StatusOr<MetricsAndActivity> m = poll(**s, "/tidal/jobs");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 3000);
  EXPECT_FALSE(m->active);

  put("/tidal/jobs", "12.25");
  m = poll(**s, "/tidal/jobs");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 12250);
  EXPECT_TRUE(m->active);
}

TEST(EtcdIntegration, MissingKeyAndNotANumberAreErrors) {
  remove("/tidal/none");
  StatusOr<std::unique_ptr<Scaler>> s = make({{"watchKey", "/tidal/none"}});
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s, "/tidal/none");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(m.status().message(), "etcd trigger s0-etcd--tidal-none: key /tidal/none not found");

  put("/tidal/text", "many");
  s = make({{"watchKey", "/tidal/text"}});
  ASSERT_TRUE(s.isOk());
  m = poll(**s, "/tidal/text");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().message(),
            "etcd trigger s0-etcd--tidal-text: the value of key /tidal/text is not a number: "
            "\"many\"");
}

TEST(EtcdIntegration, EndpointsAreTriedInOrderAndDownIsUnavailable) {
  put("/tidal/order", "8");
  const std::string dead = "127.0.0.1:" + std::to_string(closedPort());
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"watchKey", "/tidal/order"}, {"endpoints", dead + "," + endpoint()}});
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s, "/tidal/order");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 8000);

  s = make({{"watchKey", "/tidal/order"}, {"endpoints", dead}});
  ASSERT_TRUE(s.isOk());
  const auto start = std::chrono::steady_clock::now();
  m = poll(**s, "/tidal/order");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(m.status().message().find("etcd trigger s0-etcd--tidal-order: http://" + dead),
            std::string::npos)
      << m.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3500ms);
}

TEST(EtcdIntegration, PushActivatesWithinAShortBoundAfterAPut) {
  put("/tidal/push", "0");
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"watchKey", "/tidal/push"}, {"activationValue", "2"}});
  ASSERT_TRUE(s.isOk());
  auto* push = dynamic_cast<PushScaler*>(s->get());
  ASSERT_NE(push, nullptr);
  std::atomic<int> reports{0};
  std::atomic<bool> active{false};
  std::atomic<bool> stop{false};
  std::thread runner([&] {
    push->run(
        [&](bool a) {
          active = a;
          ++reports;
        },
        [&] { return stop.load(); });
  });
  // The initial read reports inactive; then the watch is in place.
  for (int i = 0; i < 100 && reports == 0; ++i) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(reports, 1);
  EXPECT_FALSE(active);
  std::this_thread::sleep_for(300ms);  // let the watch be created

  const auto putAt = std::chrono::steady_clock::now();
  put("/tidal/push", "9");
  while (!active && std::chrono::steady_clock::now() - putAt < 5s) {
    std::this_thread::sleep_for(5ms);
  }
  const auto latency = std::chrono::steady_clock::now() - putAt;
  EXPECT_TRUE(active);
  EXPECT_LT(latency, 1s) << "push took "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(latency).count()
                         << " ms";

  remove("/tidal/push");  // a deleted key counts 0
  for (int i = 0; i < 100 && active; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(active);

  const auto stopAt = std::chrono::steady_clock::now();
  stop = true;
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stopAt, 1s);
}

// Runs last: it turns authentication on for the rest of the binary's life, then off again.
TEST(EtcdIntegration, ZAuthenticationWithUserAndPassword) {
  const std::string password = "etcd-s3cret-pw";
  call("/v3/auth/user/add", {{"name", "root"}, {"password", password}});
  call("/v3/auth/role/add", {{"name", "root"}});
  call("/v3/auth/user/grant", {{"user", "root"}, {"role", "root"}});
  call("/v3/auth/enable", json::object());
  const json login = call("/v3/auth/authenticate", {{"name", "root"}, {"password", password}});
  const std::string rootToken = login.value("token", "");
  ASSERT_FALSE(rootToken.empty());
  put("/tidal/auth", "6", rootToken);

  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"watchKey", "/tidal/auth"}}, {{"username", "root"}, {"password", password}});
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s, "/tidal/auth");
  EXPECT_TRUE(m.isOk()) << m.status().toString();
  if (m.isOk()) {
    EXPECT_EQ(m->metrics.at(0).value.milliValue(), 6000);
  }

  // The watch authenticates too: a put is pushed.
  auto* push = dynamic_cast<PushScaler*>(s->get());
  std::atomic<bool> active{false};
  std::atomic<bool> stop{false};
  std::thread runner([&] { push->run([&](bool a) { active = a; }, [&] { return stop.load(); }); });
  for (int i = 0; i < 100 && !active; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(active);  // 6 > 0 at the first read
  stop = true;
  runner.join();

  StatusOr<std::unique_ptr<Scaler>> wrong =
      make({{"watchKey", "/tidal/auth"}}, {{"username", "root"}, {"password", "wrong-password"}});
  ASSERT_TRUE(wrong.isOk());
  m = poll(**wrong, "/tidal/auth");
  EXPECT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(m.status().message().find("authentication failed"), std::string::npos)
      << m.status().message();
  EXPECT_EQ(m.status().message().find("wrong-password"), std::string::npos);

  StatusOr<std::unique_ptr<Scaler>> anonymous = make({{"watchKey", "/tidal/auth"}});
  ASSERT_TRUE(anonymous.isOk());
  m = poll(**anonymous, "/tidal/auth");
  EXPECT_FALSE(m.isOk());

  call("/v3/auth/disable", json::object(), rootToken);
}

}  // namespace
}  // namespace tidal::scalers
