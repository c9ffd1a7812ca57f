// The rabbitmq scaler against a real RabbitMQ 3.10 with the management plugin, started by
// tests/support/with-services (scripts/services.d/rabbitmq.sh), which exports its addresses:
// TIDAL_RABBITMQ_{AMQP,HTTP,AMQPS,HTTPS}_URL, TIDAL_RABBITMQ_{AMQP,HTTP}_PORT,
// TIDAL_RABBITMQ_TLS_DIR and TIDAL_RABBITMQ_DIR (stop-broker / start-broker for the outage test).
//
// The management API's numbers trail reality by a few seconds (statistics are sampled), so HTTP
// checks poll until the expected value shows up; AMQP checks expect it at once.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "rabbitmq_admin.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::AmqpClient;
using testing::RabbitAdmin;
using testing::requiredEnv;

constexpr auto kStatsLag = std::chrono::seconds(20);  // generous: 2-5 s seen, more on 2 busy cores

struct Env {
  std::string amqpUrl = requiredEnv("TIDAL_RABBITMQ_AMQP_URL");
  std::string httpUrl = requiredEnv("TIDAL_RABBITMQ_HTTP_URL");
  std::string amqpsUrl = requiredEnv("TIDAL_RABBITMQ_AMQPS_URL");
  std::string httpsUrl = requiredEnv("TIDAL_RABBITMQ_HTTPS_URL");
  int amqpPort = std::atoi(requiredEnv("TIDAL_RABBITMQ_AMQP_PORT").c_str());
  int httpPort = std::atoi(requiredEnv("TIDAL_RABBITMQ_HTTP_PORT").c_str());
  std::string tlsDir = requiredEnv("TIDAL_RABBITMQ_TLS_DIR");
  std::string serviceDir = requiredEnv("TIDAL_RABBITMQ_DIR");
};

const Env& env() {
  static const Env e;
  return e;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A queue name unique to this process and test.
std::string uniqueQueue(const std::string& stem) {
  return "it-" + stem + "-" + std::to_string(::getpid());
}

std::unique_ptr<Scaler> makeScaler(StringMap metadata, StringMap auth = {}) {
  ScalerConfig c;
  c.triggerType = "rabbitmq";
  c.scalableObjectName = "it";
  c.scalableObjectNamespace = "default";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  auto s = builtinRegistry().create(c, ScalerContext{});
  EXPECT_TRUE(s.isOk()) << s.status().toString();
  return s.isOk() ? *std::move(s) : nullptr;
}

std::string metricOf(const Scaler& s) {
  return s.metricSpecs().at(0).metricName;
}

StatusOr<MetricsAndActivity> poll(Scaler& s) {
  return s.metricsAndActivity(metricOf(s));
}

double valueOf(const MetricsAndActivity& m) {
  return m.metrics.at(0).value.asDouble();
}

// Polls until `want` holds or `limit` passes; returns the last answer.
StatusOr<MetricsAndActivity> pollUntil(Scaler& s,
                                       const std::function<bool(const MetricsAndActivity&)>& want,
                                       std::chrono::steady_clock::duration limit = kStatsLag) {
  const auto end = steady_clock::now() + limit;
  for (;;) {
    StatusOr<MetricsAndActivity> got = poll(s);
    if ((got.isOk() && want(*got)) || steady_clock::now() > end) return got;
    std::this_thread::sleep_for(milliseconds(250));
  }
}

auto valueIs(double v) {
  return [v](const MetricsAndActivity& m) { return valueOf(m) == v; };
}

class RabbitMqIntegration : public ::testing::Test {
 protected:
  RabbitAdmin admin{env().httpPort};
};

TEST_F(RabbitMqIntegration, AmqpCountsMessagesAtOnce) {
  const std::string q = uniqueQueue("amqp-count");
  admin.createQueue("/", q);
  auto idle = makeScaler({{"queueName", q}, {"host", env().amqpUrl}});
  auto empty = poll(*idle);
  ASSERT_TRUE(empty.isOk()) << empty.status().toString();
  EXPECT_EQ(valueOf(*empty), 0);
  EXPECT_FALSE(empty->active);

  AmqpClient(env().amqpPort).publish(q, 10);
  auto got = poll(*idle);
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(valueOf(*got), 10);  // exact and immediate, no polling
  EXPECT_TRUE(got->active);

  // Activation strictly above activationValue.
  auto at = makeScaler({{"queueName", q}, {"host", env().amqpUrl}, {"activationValue", "10"}});
  auto below = makeScaler({{"queueName", q}, {"host", env().amqpUrl}, {"activationValue", "9"}});
  EXPECT_FALSE(poll(*at)->active);
  EXPECT_TRUE(poll(*below)->active);
  idle->close();
  at->close();
  below->close();
  admin.deleteQueue("/", q);
}

TEST_F(RabbitMqIntegration, HttpCountsMessagesAfterTheStatisticsCatchUp) {
  const std::string q = uniqueQueue("http-count");
  admin.createQueue("/", q);
  auto s = makeScaler({{"queueName", q}, {"host", env().httpUrl}, {"activationValue", "6"}});
  const auto start = steady_clock::now();
  AmqpClient(env().amqpPort).publish(q, 7);
  auto got = pollUntil(*s, valueIs(7));
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(valueOf(*got), 7);
  EXPECT_TRUE(got->active);
  std::cout << "[measure] management API showed 7 messages after "
            << std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count()
            << " ms\n";
  auto at = makeScaler({{"queueName", q}, {"host", env().httpUrl}, {"activationValue", "7"}});
  EXPECT_FALSE(poll(*at)->active);
  s->close();
  at->close();
  admin.deleteQueue("/", q);
}

TEST_F(RabbitMqIntegration, RegexOperationsOverThreeQueues) {
  const std::string stem = uniqueQueue("rx");
  AmqpClient client(env().amqpPort);
  const std::vector<std::pair<std::string, int>> queues = {
      {stem + "-a", 2}, {stem + "-b", 5}, {stem + "-c", 8}};
  for (const auto& [name, n] : queues) {
    admin.createQueue("/", name);
    client.publish(name, n);
  }
  const std::string other = stem + "x-other";  // does not match the pattern below
  admin.createQueue("/", other);
  client.publish(other, 100);
  const std::string pattern = "^" + stem + "-[abc]$";
  struct Case {
    const char* operation;
    const char* pageSize;
    double want;
  };
  for (const Case& c : {Case{"sum", "100", 15}, Case{"max", "100", 8}, Case{"avg", "100", 5},
                        Case{"sum", "1", 15}}) {  // pageSize 1: three pages, all read
    SCOPED_TRACE(std::string(c.operation) + " pageSize " + c.pageSize);
    auto s = makeScaler({{"queueName", pattern},
                         {"host", env().httpUrl},
                         {"useRegex", "true"},
                         {"operation", c.operation},
                         {"pageSize", c.pageSize}});
    auto got = pollUntil(*s, valueIs(c.want));
    ASSERT_TRUE(got.isOk()) << got.status().toString();
    EXPECT_EQ(valueOf(*got), c.want);
    s->close();
  }
  for (const auto& [name, n] : queues) admin.deleteQueue("/", name);
  admin.deleteQueue("/", other);
}

TEST_F(RabbitMqIntegration, MessageRateWhilePublishing) {
  const std::string q = uniqueQueue("rate");
  admin.createQueue("/", q);
  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    AmqpClient client(env().amqpPort);
    while (!stop) {
      client.publish(q, 10);
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  auto s = makeScaler({{"queueName", q},
                       {"host", env().httpUrl},
                       {"mode", "MessageRate"},
                       {"value", "50"},
                       {"activationValue", "1"}});
  auto got = pollUntil(*s, [](const MetricsAndActivity& m) { return valueOf(m) > 1; });
  stop = true;
  publisher.join();
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_GT(valueOf(*got), 1);
  EXPECT_TRUE(got->active);
  std::cout << "[measure] publish rate seen by MessageRate: " << valueOf(*got) << " msg/s\n";
  // MessageRate over AMQP is refused up front, as in KEDA.
  ScalerConfig amqp;
  amqp.triggerType = "rabbitmq";
  amqp.triggerMetadata = {
      {"queueName", q}, {"host", env().amqpUrl}, {"mode", "MessageRate"}, {"value", "5"}};
  EXPECT_FALSE(builtinRegistry().create(amqp, ScalerContext{}).isOk());
  s->close();
  admin.deleteQueue("/", q);
}

TEST_F(RabbitMqIntegration, ExcludeUnacknowledged) {
  const std::string q = uniqueQueue("unacked");
  admin.createQueue("/", q);
  AmqpClient(env().amqpPort).publish(q, 6);
  AmqpClient worker(env().amqpPort);
  worker.takeWithoutAck(q, 4);  // 4 delivered and unacknowledged, 2 ready

  auto all = makeScaler({{"queueName", q}, {"host", env().httpUrl}});
  auto ready =
      makeScaler({{"queueName", q}, {"host", env().httpUrl}, {"excludeUnacknowledged", "true"}});
  auto amqp = makeScaler({{"queueName", q}, {"host", env().amqpUrl}});
  auto gotAll = pollUntil(*all, valueIs(6));
  ASSERT_TRUE(gotAll.isOk()) << gotAll.status().toString();
  EXPECT_EQ(valueOf(*gotAll), 6);
  auto gotReady = pollUntil(*ready, valueIs(2));
  ASSERT_TRUE(gotReady.isOk()) << gotReady.status().toString();
  EXPECT_EQ(valueOf(*gotReady), 2);
  auto gotAmqp = poll(*amqp);  // a passive declare counts ready messages only
  ASSERT_TRUE(gotAmqp.isOk()) << gotAmqp.status().toString();
  EXPECT_EQ(valueOf(*gotAmqp), 2);
  all->close();
  ready->close();
  amqp->close();
}

TEST_F(RabbitMqIntegration, Vhosts) {
  const std::string vh = "tidal-it-" + std::to_string(::getpid());
  admin.createVhost(vh);
  const std::string q = uniqueQueue("vh");
  admin.createQueue(vh, q);
  {
    AmqpClient client(env().amqpPort, vh);
    client.publish(q, 3);
  }
  const std::string amqpRoot = env().amqpUrl;  // ends in '/': the default vhost
  const std::string httpRoot = env().httpUrl;
  struct Case {
    const char* name;
    StringMap metadata;
  };
  const std::vector<Case> cases = {
      {"amqp_vhost_in_url", {{"host", amqpRoot + vh}}},
      {"amqp_vhostName", {{"host", amqpRoot}, {"vhostName", vh}}},
      {"http_vhost_in_url", {{"host", httpRoot + vh}}},
      {"http_vhostName", {{"host", httpRoot}, {"vhostName", vh}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StringMap md = c.metadata;
    md["queueName"] = q;
    auto s = makeScaler(md);
    auto got = pollUntil(*s, valueIs(3));
    ASSERT_TRUE(got.isOk()) << got.status().toString();
    EXPECT_EQ(valueOf(*got), 3);
    s->close();
  }
  // The same queue name in the default vhost does not exist.
  for (const std::string& host : {amqpRoot, httpRoot}) {
    SCOPED_TRACE(host);
    auto s = makeScaler({{"queueName", q}, {"host", host}});
    auto got = poll(*s);
    ASSERT_FALSE(got.isOk());
    EXPECT_EQ(got.status().code(), StatusCode::kNotFound) << got.status().toString();
    EXPECT_NE(got.status().message().find("queue \"" + q + "\""), std::string::npos);
    s->close();
  }
}

TEST_F(RabbitMqIntegration, MissingQueueClosesOnlyTheChannel) {
  const std::string q = uniqueQueue("present");
  admin.createQueue("/", q);
  AmqpClient(env().amqpPort).publish(q, 4);
  auto missing = makeScaler({{"queueName", uniqueQueue("absent")}, {"host", env().amqpUrl}});
  auto present = makeScaler({{"queueName", q}, {"host", env().amqpUrl}});
  for (int i = 0; i < 3; ++i) {
    auto err = poll(*missing);
    ASSERT_FALSE(err.isOk());
    EXPECT_EQ(err.status().code(), StatusCode::kNotFound);
    EXPECT_NE(err.status().message().find("NOT_FOUND"), std::string::npos)
        << err.status().message();
    auto ok = poll(*present);  // same shared connection, new channel
    ASSERT_TRUE(ok.isOk()) << ok.status().toString();
    EXPECT_EQ(valueOf(*ok), 4);
  }
  missing->close();
  present->close();
  admin.deleteQueue("/", q);
}

TEST_F(RabbitMqIntegration, FiftyScalersShareOneConnection) {
  const std::string q = uniqueQueue("shared");
  admin.createQueue("/", q);
  AmqpClient(env().amqpPort).publish(q, 5);
  ASSERT_EQ(admin.connectionsNamed("tidal"), 0);
  std::vector<std::unique_ptr<Scaler>> scalers;
  for (int i = 0; i < 50; ++i) {
    scalers.push_back(makeScaler({{"queueName", q}, {"host", env().amqpUrl}}));
  }
  const auto start = steady_clock::now();
  for (int round = 0; round < 20; ++round) {
    for (auto& s : scalers) {
      auto got = poll(*s);
      ASSERT_TRUE(got.isOk()) << got.status().toString();
      ASSERT_EQ(valueOf(*got), 5);
    }
  }
  const auto perPoll =
      std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - start) /
      (20 * 50);
  std::cout << "[measure] AMQP poll over the shared connection: " << perPoll.count()
            << " us per call (1000 calls)\n";
  // The management API lists connections a moment after they open.
  int seen = 0;
  for (int i = 0; i < 40 && seen == 0; ++i) {
    std::this_thread::sleep_for(milliseconds(250));
    seen = admin.connectionsNamed("tidal");
  }
  EXPECT_EQ(seen, 1);
  // Different credentials: a second connection.
  admin.createUser("tidal-it-other", "0ther-Pa55", "/");
  const std::string port = std::to_string(env().amqpPort);
  auto other = makeScaler(
      {{"queueName", q}, {"host", "amqp://tidal-it-other:0ther-Pa55@127.0.0.1:" + port + "/"}});
  ASSERT_TRUE(poll(*other).isOk());
  for (int i = 0; i < 40 && seen < 2; ++i) {
    std::this_thread::sleep_for(milliseconds(250));
    seen = admin.connectionsNamed("tidal");
  }
  EXPECT_EQ(seen, 2);
  // Closing every scaler closes the connections.
  for (auto& s : scalers) s->close();
  scalers.clear();
  other->close();
  other.reset();
  for (int i = 0; i < 40 && seen > 0; ++i) {
    std::this_thread::sleep_for(milliseconds(250));
    seen = admin.connectionsNamed("tidal");
  }
  EXPECT_EQ(seen, 0);
  admin.deleteQueue("/", q);
}

TEST_F(RabbitMqIntegration, HttpLatency) {
  const std::string q = uniqueQueue("latency");
  admin.createQueue("/", q);
  auto http = makeScaler({{"queueName", q}, {"host", env().httpUrl}});
  auto amqp = makeScaler({{"queueName", q}, {"host", env().amqpUrl}});
  ASSERT_TRUE(poll(*http).isOk());
  ASSERT_TRUE(poll(*amqp).isOk());
  auto measure = [](Scaler& s) {
    const auto start = steady_clock::now();
    for (int i = 0; i < 200; ++i) EXPECT_TRUE(poll(s).isOk());
    return std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - start) / 200;
  };
  const auto amqpUs = measure(*amqp);
  const auto httpUs = measure(*http);
  std::cout << "[measure] one poll, kept-open connection: AMQP " << amqpUs.count() << " us, HTTP "
            << httpUs.count() << " us (200 calls each, debug build with sanitizers)\n";
  http->close();
  amqp->close();
  admin.deleteQueue("/", q);
}

TEST_F(RabbitMqIntegration, Tls) {
  const std::string q = uniqueQueue("tls");
  admin.createQueue("/", q);
  AmqpClient(env().amqpPort).publish(q, 2);
  const std::string dir = env().tlsDir;
  const StringMap withCa = {{"tls", "enable"}, {"ca", readFile(dir + "/ca.pem")}};
  StringMap clientCert = withCa;
  clientCert["cert"] = readFile(dir + "/client.pem");
  clientCert["key"] = readFile(dir + "/client.key");
  admin.createUser("tidal-client", "", "/");  // the client certificate's CN, no password

  const std::string amqpsNoCreds =
      "amqps://localhost:" + env().amqpsUrl.substr(env().amqpsUrl.rfind(':') + 1);
  struct Case {
    const char* name;
    StringMap metadata;
    StringMap auth;
  };
  const std::vector<Case> good = {
      {"amqps_with_ca", {{"host", env().amqpsUrl}}, withCa},
      {"amqps_unsafe_without_ca",
       {{"host", env().amqpsUrl}, {"unsafeSsl", "true"}},
       {{"tls", "enable"}}},
      {"amqps_client_certificate_external", {{"host", amqpsNoCreds}}, clientCert},
      {"https_with_ca", {{"host", env().httpsUrl}}, withCa},
      {"https_unsafe", {{"host", env().httpsUrl}, {"unsafeSsl", "true"}}, {}},
  };
  for (const auto& c : good) {
    SCOPED_TRACE(c.name);
    StringMap md = c.metadata;
    md["queueName"] = q;
    auto s = makeScaler(md, c.auth);
    auto got = pollUntil(*s, valueIs(2));
    ASSERT_TRUE(got.isOk()) << got.status().toString();
    EXPECT_EQ(valueOf(*got), 2);
    s->close();
  }
  // Without our CA the server's certificate is not trusted.
  for (const std::string& host : {env().amqpsUrl, env().httpsUrl}) {
    SCOPED_TRACE(host);
    auto s = makeScaler({{"queueName", q}, {"host", host}});
    auto got = poll(*s);
    ASSERT_FALSE(got.isOk());
    EXPECT_NE(got.status().code(), StatusCode::kOk);
    std::cout << "[info] untrusted server certificate: " << got.status().toString() << "\n";
    s->close();
  }
  admin.deleteQueue("/", q);
}

// Last: stops and restarts the broker.
TEST_F(RabbitMqIntegration, ServerDownIsRetryableNamesTheHostHidesThePasswordAndRecovers) {
  const std::string password = "Sup3r-S3cret-pw";
  admin.createUser("tidal-it", password, "/");
  const std::string q = uniqueQueue("outage");
  admin.createQueue("/", q, /*durable=*/true);
  AmqpClient(env().amqpPort).publish(q, 3, /*persistent=*/true);
  const std::string amqpPort = std::to_string(env().amqpPort);
  const std::string httpPort = std::to_string(env().httpPort);
  auto amqp = makeScaler(
      {{"queueName", q}, {"host", "amqp://tidal-it:" + password + "@127.0.0.1:" + amqpPort + "/"}});
  auto http = makeScaler(
      {{"queueName", q}, {"host", "http://tidal-it:" + password + "@127.0.0.1:" + httpPort + "/"}});
  ASSERT_TRUE(poll(*amqp).isOk());
  ASSERT_TRUE(pollUntil(*http, valueIs(3)).isOk());
  EXPECT_EQ(amqp->describe().dump().find(password), std::string::npos);
  EXPECT_EQ(http->describe().dump().find(password), std::string::npos);

  ASSERT_EQ(std::system((env().serviceDir + "/stop-broker").c_str()), 0);
  struct Case {
    Scaler* scaler;
    std::string endpoint;
  };
  for (const Case& c :
       {Case{amqp.get(), "127.0.0.1:" + amqpPort}, Case{http.get(), "127.0.0.1:" + httpPort}}) {
    SCOPED_TRACE(c.endpoint);
    auto first = poll(*c.scaler);
    ASSERT_FALSE(first.isOk());
    const Status& s = first.status();
    std::cout << "[info] broker down: " << s.toString() << "\n";
    EXPECT_TRUE(s.retryable()) << s.toString();
    EXPECT_NE(s.message().find(c.endpoint), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("queue \"" + q + "\""), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find(password), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find("tidal-it:"), std::string::npos) << s.message();
  }
  // Within the reconnect backoff the AMQP scaler fails fast, without dialling again.
  const auto t0 = steady_clock::now();
  auto fast = poll(*amqp);
  ASSERT_FALSE(fast.isOk());
  EXPECT_LT(steady_clock::now() - t0, milliseconds(100));
  EXPECT_NE(fast.status().message().find("not retrying for another"), std::string::npos)
      << fast.status().message();

  ASSERT_EQ(std::system((env().serviceDir + "/start-broker").c_str()), 0);
  const auto back = steady_clock::now();
  auto amqpBack = pollUntil(*amqp, valueIs(3), std::chrono::seconds(60));
  ASSERT_TRUE(amqpBack.isOk()) << amqpBack.status().toString();
  std::cout << "[measure] AMQP scaler recovered "
            << std::chrono::duration_cast<milliseconds>(steady_clock::now() - back).count()
            << " ms after the broker was back\n";
  auto httpBack = pollUntil(*http, valueIs(3), std::chrono::seconds(60));
  ASSERT_TRUE(httpBack.isOk()) << httpBack.status().toString();
  amqp->close();
  http->close();
  admin.deleteQueue("/", q);
}

}  // namespace
}  // namespace tidal::scalers
