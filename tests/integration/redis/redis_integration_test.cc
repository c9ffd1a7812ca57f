// The Redis scalers against real Redis 7 servers, started by tests/support/with-services
// (scripts/services.d/redis.sh, redis-sentinel.sh, redis-cluster.sh), which export
// TIDAL_REDIS_ADDRESS, TIDAL_REDIS_SENTINEL_{ADDRESS,MASTER,MASTER_ADDRESS} and
// TIDAL_REDIS_CLUSTER_ADDRESSES. Tests that stop a server or need a password start their own
// redis-server (RedisServerProcess) so they disturb nothing else.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "redis_test_server.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {
namespace {

using std::chrono::milliseconds;
using testing::RedisAdmin;
using testing::RedisServerProcess;
using testing::requiredEnv;

std::string redisAddress() {
  return requiredEnv("TIDAL_REDIS_ADDRESS");
}

// A key unique to this process and test.
std::string uniqueKey(const std::string& base) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return base + "-" + info->name() + "-" + std::to_string(::getpid());
}

std::unique_ptr<Scaler> makeScaler(const std::string& type, StringMap metadata, StringMap auth = {},
                                   milliseconds timeout = milliseconds(3000)) {
  ScalerConfig config;
  config.triggerType = type;
  config.triggerMetadata = std::move(metadata);
  config.authParams = std::move(auth);
  config.globalHttpTimeout = timeout;
  StatusOr<std::unique_ptr<Scaler>> scaler = builtinRegistry().create(config, ScalerContext{});
  EXPECT_TRUE(scaler.isOk()) << scaler.status().toString();
  return scaler.isOk() ? *std::move(scaler) : nullptr;
}

StatusOr<MetricsAndActivity> poll(Scaler& scaler) {
  return scaler.metricsAndActivity(scaler.metricSpecs().at(0).metricName);
}

// The value (in whole units) and activity, or a test failure.
std::pair<int64_t, bool> valueOf(Scaler& scaler) {
  StatusOr<MetricsAndActivity> m = poll(scaler);
  EXPECT_TRUE(m.isOk()) << m.status().toString();
  if (!m.isOk()) return {-1, false};
  return {m->metrics.at(0).value.milliValue() / 1000, m->active};
}

void push(RedisAdmin& admin, const std::string& key, int n) {
  for (int i = 0; i < n; ++i) admin.run({"RPUSH", key, "item" + std::to_string(i)});
}

// ---- lists -------------------------------------------------------------------------------------

TEST(RedisListIntegration, ValueIsTheNumberOfItems) {
  RedisAdmin admin(redisAddress());
  for (int n : {0, 1, 10, 250}) {
    SCOPED_TRACE(n);
    const std::string key = uniqueKey("jobs") + "-" + std::to_string(n);
    push(admin, key, n);
    auto scaler = makeScaler("redis", {{"address", redisAddress()}, {"listName", key}});
    ASSERT_NE(scaler, nullptr);
    EXPECT_EQ(valueOf(*scaler), std::make_pair(int64_t{n}, n > 0));
  }
}

TEST(RedisListIntegration, ActivationAroundTheThreshold) {
  RedisAdmin admin(redisAddress());
  const std::string key = uniqueKey("jobs");
  auto scaler = makeScaler(
      "redis", {{"address", redisAddress()}, {"listName", key}, {"activationListLength", "3"}});
  ASSERT_NE(scaler, nullptr);
  push(admin, key, 3);
  EXPECT_EQ(valueOf(*scaler), std::make_pair(int64_t{3}, false));
  push(admin, key, 1);
  EXPECT_EQ(valueOf(*scaler), std::make_pair(int64_t{4}, true));
  admin.run({"LPOP", key});
  EXPECT_EQ(valueOf(*scaler), std::make_pair(int64_t{3}, false));
}

TEST(RedisListIntegration, CountsSetsSortedSetsAndHashesButNotStrings) {
  RedisAdmin admin(redisAddress());
  const std::string set = uniqueKey("set");
  const std::string zset = uniqueKey("zset");
  const std::string hash = uniqueKey("hash");
  const std::string text = uniqueKey("text");
  admin.run({"SADD", set, "a", "b", "c"});
  admin.run({"ZADD", zset, "1", "a", "2", "b"});
  admin.run({"HSET", hash, "f1", "v", "f2", "v", "f3", "v", "f4", "v"});
  admin.run({"SET", text, "hello"});
  const std::vector<std::pair<std::string, int64_t>> cases = {{set, 3}, {zset, 2}, {hash, 4}};
  for (const auto& [key, count] : cases) {
    SCOPED_TRACE(key);
    auto scaler = makeScaler("redis", {{"address", redisAddress()}, {"listName", key}});
    EXPECT_EQ(valueOf(*scaler).first, count);
  }
  auto scaler = makeScaler("redis", {{"address", redisAddress()}, {"listName", text}});
  StatusOr<MetricsAndActivity> m = poll(*scaler);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(m.status().message().find("unsupported key type string"), std::string::npos)
      << m.status().message();
}

TEST(RedisListIntegration, DatabaseIndexSelectsTheDatabase) {
  RedisAdmin admin(redisAddress());
  const std::string key = uniqueKey("jobs");
  admin.run({"SELECT", "3"});
  push(admin, key, 6);
  auto db3 =
      makeScaler("redis", {{"address", redisAddress()}, {"listName", key}, {"databaseIndex", "3"}});
  auto db0 = makeScaler("redis", {{"address", redisAddress()}, {"listName", key}});
  EXPECT_EQ(valueOf(*db3).first, 6);
  EXPECT_EQ(valueOf(*db0).first, 0);
}

// ---- streams -----------------------------------------------------------------------------------

TEST(RedisStreamsIntegration, PendingLengthAndLag) {
  RedisAdmin admin(redisAddress());
  const std::string stream = uniqueKey("orders");
  ASSERT_EQ(admin.run({"XGROUP", "CREATE", stream, "workers", "$", "MKSTREAM"}), "OK");
  for (int i = 1; i <= 8; ++i) admin.run({"XADD", stream, std::to_string(i) + "-1", "n", "v"});
  // A consumer reads 5 and acknowledges none: 5 pending, 3 not yet delivered.
  admin.run({"XREADGROUP", "GROUP", "workers", "c1", "COUNT", "5", "STREAMS", stream, ">"});

  auto pending =
      makeScaler("redis-streams",
                 {{"address", redisAddress()}, {"stream", stream}, {"consumerGroup", "workers"}});
  auto length = makeScaler("redis-streams", {{"address", redisAddress()}, {"stream", stream}});
  auto lag = makeScaler("redis-streams", {{"address", redisAddress()},
                                          {"stream", stream},
                                          {"consumerGroup", "workers"},
                                          {"lagCount", "2"},
                                          {"activationLagCount", "3"}});
  EXPECT_EQ(valueOf(*pending), std::make_pair(int64_t{5}, true));
  EXPECT_EQ(valueOf(*length), std::make_pair(int64_t{8}, true));
  EXPECT_EQ(valueOf(*lag), std::make_pair(int64_t{3}, false));  // 3 is not above 3

  // Acknowledge two; deliver the rest.
  ASSERT_EQ(admin.run({"XACK", stream, "workers", "1-1", "2-1"}), "2");
  admin.run({"XREADGROUP", "GROUP", "workers", "c1", "STREAMS", stream, ">"});
  EXPECT_EQ(valueOf(*pending).first, 6);  // 5 - 2 acknowledged + 3 newly delivered
  EXPECT_EQ(valueOf(*lag), std::make_pair(int64_t{0}, false));
  admin.run({"XADD", stream, "*", "n", "x"});
  admin.run({"XADD", stream, "*", "n", "y"});
  admin.run({"XADD", stream, "*", "n", "z"});
  admin.run({"XADD", stream, "*", "n", "w"});
  EXPECT_EQ(valueOf(*lag), std::make_pair(int64_t{4}, true));
  EXPECT_EQ(valueOf(*length).first, 12);
}

TEST(RedisStreamsIntegration, LagWithoutGroupOrStream) {
  RedisAdmin admin(redisAddress());
  const std::string stream = uniqueKey("orders");
  auto lag = makeScaler("redis-streams", {{"address", redisAddress()},
                                          {"stream", stream},
                                          {"consumerGroup", "workers"},
                                          {"lagCount", "1"}});
  // No stream at all: lag 0.
  EXPECT_EQ(valueOf(*lag), std::make_pair(int64_t{0}, false));
  // A stream but no group yet (its consumers have not started): the whole stream.
  for (int i = 0; i < 4; ++i) admin.run({"XADD", stream, "*", "n", std::to_string(i)});
  EXPECT_EQ(valueOf(*lag), std::make_pair(int64_t{4}, true));
  // Pending mode has no such rule: a missing group is an error.
  auto pending =
      makeScaler("redis-streams",
                 {{"address", redisAddress()}, {"stream", stream}, {"consumerGroup", "workers"}});
  StatusOr<MetricsAndActivity> m = poll(*pending);
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.status().message().find("NOGROUP"), std::string::npos) << m.status().message();
}

TEST(RedisStreamsIntegration, LagRedisCannotTellReportsZero) {
  RedisAdmin admin(redisAddress());
  const std::string stream = uniqueKey("orders");
  admin.run({"XADD", stream, "1-1", "n", "1"});
  admin.run({"XADD", stream, "2-1", "n", "2"});
  admin.run({"XADD", stream, "3-1", "n", "3"});
  admin.run({"XGROUP", "CREATE", stream, "workers", "0"});
  // Deleting an entry the group has not read yet leaves Redis unable to count the lag (nil).
  admin.run({"XDEL", stream, "2-1"});
  ASSERT_NE(admin.run({"XINFO", "GROUPS", stream}).find("lag, nil"), std::string::npos)
      << admin.run({"XINFO", "GROUPS", stream});
  auto lag = makeScaler("redis-streams", {{"address", redisAddress()},
                                          {"stream", stream},
                                          {"consumerGroup", "workers"},
                                          {"lagCount", "1"}});
  EXPECT_EQ(valueOf(*lag), std::make_pair(int64_t{0}, false));  // KEDA's rule
}

// ---- authentication, outage, sharing, timeouts -------------------------------------------------

constexpr const char* kPassword = "Sup3r-S3cret-pw";

TEST(RedisAuthIntegration, PasswordAndAclUser) {
  RedisServerProcess server({"--requirepass", kPassword});
  ASSERT_TRUE(server.start(kPassword));
  RedisAdmin admin(server.address(), kPassword);
  ASSERT_EQ(admin.run({"ACL", "SETUSER", "app", "on", ">app-pass-123", "~*", "+@all"}), "OK");
  push(admin, "jobs", 3);

  auto withPassword = makeScaler("redis", {{"address", server.address()}, {"listName", "jobs"}},
                                 {{"password", kPassword}});
  EXPECT_EQ(valueOf(*withPassword).first, 3);
  auto withUser = makeScaler("redis", {{"address", server.address()}, {"listName", "jobs"}},
                             {{"username", "app"}, {"password", "app-pass-123"}});
  EXPECT_EQ(valueOf(*withUser).first, 3);

  auto none = makeScaler("redis", {{"address", server.address()}, {"listName", "jobs"}});
  StatusOr<MetricsAndActivity> m = poll(*none);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnauthenticated) << m.status().toString();
  EXPECT_NE(m.status().message().find("NOAUTH"), std::string::npos) << m.status().message();

  auto wrong = makeScaler("redis", {{"address", server.address()}, {"listName", "jobs"}},
                          {{"password", "wrong-password-42"}});
  m = poll(*wrong);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnauthenticated) << m.status().toString();
  EXPECT_NE(m.status().message().find(server.address()), std::string::npos);
  EXPECT_EQ(m.status().message().find("wrong-password-42"), std::string::npos);
}

TEST(RedisOutageIntegration, DownIsRetryableWithoutThePasswordAndRecovers) {
  RedisServerProcess server({"--requirepass", kPassword});
  ASSERT_TRUE(server.start(kPassword));
  {
    RedisAdmin admin(server.address(), kPassword);
    push(admin, "jobs", 2);
  }
  auto scaler = makeScaler("redis", {{"address", server.address()}, {"listName", "jobs"}},
                           {{"password", kPassword}}, milliseconds(1000));
  EXPECT_EQ(valueOf(*scaler).first, 2);

  server.stop();
  const auto before = std::chrono::steady_clock::now();
  StatusOr<MetricsAndActivity> m = poll(*scaler);
  ASSERT_FALSE(m.isOk());
  EXPECT_TRUE(m.status().retryable()) << m.status().toString();
  EXPECT_NE(m.status().message().find("redis " + server.address()), std::string::npos)
      << m.status().message();
  EXPECT_EQ(m.status().message().find(kPassword), std::string::npos) << m.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
  // During the backoff, polls fail at once with the same error.
  StatusOr<MetricsAndActivity> again = poll(*scaler);
  ASSERT_FALSE(again.isOk());
  EXPECT_TRUE(again.status().retryable());

  ASSERT_TRUE(server.start(kPassword));  // same port; data is gone (no persistence)
  {
    RedisAdmin admin(server.address(), kPassword);
    push(admin, "jobs", 5);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  StatusOr<MetricsAndActivity> back = poll(*scaler);
  while (!back.isOk() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(100));
    back = poll(*scaler);
  }
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(back->metrics.at(0).value.milliValue(), 5000);
}

// How many connections named "tidal" the server has.
int tidalConnections(RedisAdmin& admin) {
  const std::string list = admin.run({"CLIENT", "LIST"});
  int n = 0;
  for (size_t at = list.find("name=tidal "); at != std::string::npos;
       at = list.find("name=tidal ", at + 1)) {
    ++n;
  }
  return n;
}

TEST(RedisSharingIntegration, FiftyScalersShareOneConnection) {
  RedisServerProcess server;
  ASSERT_TRUE(server.start());
  RedisAdmin admin(server.address());
  push(admin, "jobs", 7);
  admin.run({"XADD", "orders", "*", "n", "1"});

  std::vector<std::unique_ptr<Scaler>> scalers;
  for (int i = 0; i < 50; ++i) {
    if (i % 2 == 0) {
      scalers.push_back(makeScaler("redis", {{"address", server.address()}, {"listName", "jobs"}}));
    } else {
      scalers.push_back(
          makeScaler("redis-streams", {{"address", server.address()}, {"stream", "orders"}}));
    }
  }
  // Polled from several threads at once, as the scale loops' workers do.
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int w = 0; w < 5; ++w) {
    workers.emplace_back([&, w] {
      for (int i = w; i < 50; i += 5) {
        StatusOr<MetricsAndActivity> m = poll(*scalers[i]);
        if (!m.isOk() || m->metrics.at(0).value.milliValue() != (i % 2 == 0 ? 7000 : 1000)) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(tidalConnections(admin), 1);

  // A different database is a different connection.
  auto db1 = makeScaler(
      "redis", {{"address", server.address()}, {"listName", "jobs"}, {"databaseIndex", "1"}});
  EXPECT_EQ(valueOf(*db1).first, 0);
  EXPECT_EQ(tidalConnections(admin), 2);

  // When the last scaler lets go, the connection closes.
  for (auto& s : scalers) s->close();
  scalers.clear();
  db1->close();
  db1.reset();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (tidalConnections(admin) > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(tidalConnections(admin), 0);
}

TEST(RedisTimeoutIntegration, ASilentServerTimesOut) {
  // A socket that accepts connections (the kernel's backlog) but never answers.
  const int port = testing::freePort();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 16), 0);

  auto scaler =
      makeScaler("redis", {{"address", "127.0.0.1:" + std::to_string(port)}, {"listName", "jobs"}},
                 {}, milliseconds(300));
  const auto before = std::chrono::steady_clock::now();
  StatusOr<MetricsAndActivity> m = poll(*scaler);
  const auto took = std::chrono::steady_clock::now() - before;
  ::close(fd);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kDeadlineExceeded) << m.status().toString();
  EXPECT_TRUE(m.status().retryable());
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

// ---- push --------------------------------------------------------------------------------------

TEST(RedisPushIntegration, ActivityWithinMillisecondsOfAPush) {
  // The service runs with notify-keyspace-events KEA, so list pushes are published.
  RedisAdmin admin(redisAddress());
  const std::string key = uniqueKey("jobs");
  auto scaler = makeScaler(
      "redis", {{"address", redisAddress()}, {"listName", key}, {"activationListLength", "1"}});
  auto* push = dynamic_cast<PushScaler*>(scaler.get());
  ASSERT_NE(push, nullptr);

  std::atomic<bool> stop{false};
  std::atomic<int> activity{0};
  std::atomic<int64_t> activeAtNanos{0};
  std::thread watcher([&] {
    push->run(
        [&](bool active) {
          if (!active) return;
          if (activity.fetch_add(1) == 0) {
            activeAtNanos = std::chrono::steady_clock::now().time_since_epoch().count();
          }
        },
        [&] { return stop.load(); });
  });
  // Wait until the watcher is subscribed.
  const std::string channel = "__keyspace@0__:" + key;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (admin.run({"PUBSUB", "NUMSUB", channel}) != "[" + channel + ", 1]" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_EQ(admin.run({"PUBSUB", "NUMSUB", channel}), "[" + channel + ", 1]");

  admin.run({"RPUSH", key, "one"});  // 1 is not above the activation target
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(activity.load(), 0);

  const auto pushedAt = std::chrono::steady_clock::now();
  admin.run({"RPUSH", key, "two"});
  while (activity.load() == 0 &&
         std::chrono::steady_clock::now() < pushedAt + std::chrono::seconds(2)) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_GT(activity.load(), 0);
  const auto latency = std::chrono::steady_clock::time_point(
                           std::chrono::steady_clock::duration(activeAtNanos.load())) -
                       pushedAt;
  EXPECT_LT(latency, milliseconds(500));
  std::cout << "push-to-activity latency: "
            << std::chrono::duration_cast<std::chrono::microseconds>(latency).count() << " us\n";

  const auto stopAt = std::chrono::steady_clock::now();
  stop = true;
  watcher.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stopAt, std::chrono::seconds(1));
}

// ---- TLS ---------------------------------------------------------------------------------------

class RedisTlsIntegration : public ::testing::Test {
 protected:
  static constexpr const char* kKeyPassword = "kp-Secret-77";

  void SetUp() override {
    const char* base = std::getenv("TIDAL_SERVICES_DIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/redis-tls.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ASSERT_TRUE(testing::makeTestCertificates(dir_, kKeyPassword))
        << testing::readFile(dir_ + "/openssl.log");
    ca_ = testing::readFile(dir_ + "/ca.pem");
    cert_ = testing::readFile(dir_ + "/client.pem");
    key_ = testing::readFile(dir_ + "/client.key");
    encryptedKey_ = testing::readFile(dir_ + "/client-enc.key");
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::vector<std::string> tlsArgs(const char* authClients) const {
    return {"--tls-cert-file",    dir_ + "/server.pem", "--tls-key-file",     dir_ + "/server.key",
            "--tls-ca-cert-file", dir_ + "/ca.pem",     "--tls-auth-clients", authClients};
  }
  // Puts `n` items in `key` through redis-cli over TLS.
  bool push(int port, const std::string& key, int n) const {
    std::string items;
    for (int i = 0; i < n; ++i) items += " i" + std::to_string(i);
    const std::string full = "redis-cli --tls --cacert '" + dir_ + "/ca.pem' --cert '" + dir_ +
                             "/client.pem' --key '" + dir_ + "/client.key' -p " +
                             std::to_string(port) + " RPUSH " + key + items + " > /dev/null";
    return std::system(full.c_str()) == 0;
  }

  std::string dir_, ca_, cert_, key_, encryptedKey_;
};

TEST_F(RedisTlsIntegration, VerifiedUnsafeAndRefused) {
  RedisServerProcess server(tlsArgs("optional"), /*tls=*/true);
  ASSERT_TRUE(server.start());
  ASSERT_TRUE(push(server.port(), "jobs", 4));
  const StringMap md = {{"address", server.address()}, {"listName", "jobs"}, {"enableTLS", "true"}};

  auto verified = makeScaler("redis", md, {{"ca", ca_}});
  EXPECT_EQ(valueOf(*verified).first, 4);

  StringMap unsafeMd = md;
  unsafeMd["unsafeSsl"] = "true";
  auto unsafe = makeScaler("redis", unsafeMd);
  EXPECT_EQ(valueOf(*unsafe).first, 4);

  // The system trust store does not know the test CA.
  auto untrusted = makeScaler("redis", md);
  StatusOr<MetricsAndActivity> m = poll(*untrusted);
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.status().message().find("certificate verify failed"), std::string::npos)
      << m.status().message();

  // A plain-TCP trigger on a TLS port gets no answer it understands.
  auto plain = makeScaler("redis", {{"address", server.address()}, {"listName", "jobs"}}, {},
                          milliseconds(500));
  EXPECT_FALSE(poll(*plain).isOk());
}

TEST_F(RedisTlsIntegration, ClientCertificatesAndStreams) {
  RedisServerProcess server(tlsArgs("yes"), /*tls=*/true);
  ASSERT_TRUE(server.start());
  ASSERT_TRUE(push(server.port(), "jobs", 2));
  const StringMap md = {{"address", server.address()}, {"listName", "jobs"}};

  // The `tls` authentication parameter switches TLS on, as `enableTLS` does.
  auto withCert =
      makeScaler("redis", md, {{"tls", "enable"}, {"ca", ca_}, {"cert", cert_}, {"key", key_}});
  EXPECT_EQ(valueOf(*withCert).first, 2);
  auto encrypted = makeScaler("redis", md,
                              {{"tls", "enable"},
                               {"ca", ca_},
                               {"Cert", cert_},
                               {"key", encryptedKey_},
                               {"keyPassword", kKeyPassword}});
  EXPECT_EQ(valueOf(*encrypted).first, 2);
  auto streams = makeScaler("redis-streams", {{"address", server.address()}, {"stream", "none"}},
                            {{"tls", "enable"}, {"ca", ca_}, {"cert", cert_}, {"key", key_}});
  EXPECT_EQ(valueOf(*streams).first, 0);

  // Without a client certificate the server refuses the handshake.
  auto noCert = makeScaler("redis", md, {{"tls", "enable"}, {"ca", ca_}});
  StatusOr<MetricsAndActivity> m = poll(*noCert);
  ASSERT_FALSE(m.isOk());
  EXPECT_TRUE(m.status().retryable()) << m.status().toString();

  // A wrong key password is caught when the trigger is built.
  ScalerConfig config;
  config.triggerType = "redis";
  config.triggerMetadata = md;
  config.authParams = {
      {"tls", "enable"}, {"cert", cert_}, {"key", encryptedKey_}, {"keyPassword", "wrong"}};
  StatusOr<std::unique_ptr<Scaler>> bad = builtinRegistry().create(config, ScalerContext{});
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find(kKeyPassword), std::string::npos);
}

// ---- sentinel and cluster ----------------------------------------------------------------------

TEST(RedisSentinelIntegration, ListsAndStreamsOnTheMaster) {
  const std::string sentinel = requiredEnv("TIDAL_REDIS_SENTINEL_ADDRESS");
  const std::string master = requiredEnv("TIDAL_REDIS_SENTINEL_MASTER");
  RedisAdmin admin(requiredEnv("TIDAL_REDIS_SENTINEL_MASTER_ADDRESS"));
  const std::string key = uniqueKey("jobs");
  admin.run({"SELECT", "2"});
  push(admin, key, 9);
  admin.run({"XADD", key + "-stream", "*", "n", "1"});

  auto list = makeScaler("redis-sentinel", {{"addresses", sentinel},
                                            {"sentinelMaster", master},
                                            {"listName", key},
                                            {"databaseIndex", "2"}});
  EXPECT_EQ(valueOf(*list), std::make_pair(int64_t{9}, true));
  auto stream = makeScaler("redis-sentinel-streams", {{"addresses", sentinel},
                                                      {"sentinelMaster", master},
                                                      {"stream", key + "-stream"},
                                                      {"databaseIndex", "2"}});
  EXPECT_EQ(valueOf(*stream).first, 1);

  // A dead sentinel first in the list is skipped.
  auto skip = makeScaler(
      "redis-sentinel",
      {{"addresses", "127.0.0.1:" + std::to_string(testing::freePort()) + "," + sentinel},
       {"sentinelMaster", master},
       {"listName", key},
       {"databaseIndex", "2"}});
  EXPECT_EQ(valueOf(*skip).first, 9);

  auto unknown = makeScaler(
      "redis-sentinel",
      {{"addresses", sentinel}, {"sentinelMaster", "no-such-master"}, {"listName", key}});
  StatusOr<MetricsAndActivity> m = poll(*unknown);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(m.status().message().find("no master named \"no-such-master\""), std::string::npos)
      << m.status().message();
}

TEST(RedisClusterIntegration, KeysOnEveryNode) {
  const std::string addresses = requiredEnv("TIDAL_REDIS_CLUSTER_ADDRESSES");
  const std::string seed = addresses.substr(0, addresses.find(','));
  RedisAdmin admin(seed);
  // Keys whose slots fall on different masters of a three-node cluster.
  const std::vector<std::pair<std::string, int>> keys = {{"{a}" + uniqueKey("jobs"), 2},
                                                         {"{b}" + uniqueKey("jobs"), 3},
                                                         {"{c}" + uniqueKey("jobs"), 4}};
  for (const auto& [key, n] : keys) {
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(admin.runClustered({"RPUSH", key, "x"}), std::to_string(i + 1));
    }
  }
  for (const auto& [key, n] : keys) {
    SCOPED_TRACE(key);
    // Only one seed is given: the client discovers the rest.
    auto scaler = makeScaler("redis-cluster", {{"addresses", seed}, {"listName", key}});
    EXPECT_EQ(valueOf(*scaler), std::make_pair(int64_t{n}, true));
  }

  const std::string stream = "{c}" + uniqueKey("orders");
  admin.runClustered({"XGROUP", "CREATE", stream, "workers", "$", "MKSTREAM"});
  for (int i = 0; i < 6; ++i) admin.runClustered({"XADD", stream, "*", "n", "1"});
  admin.runClustered({"XREADGROUP", "GROUP", "workers", "c", "COUNT", "4", "STREAMS", stream, ">"});
  auto pending =
      makeScaler("redis-cluster-streams",
                 {{"addresses", addresses}, {"stream", stream}, {"consumerGroup", "workers"}});
  auto lag = makeScaler("redis-cluster-streams", {{"addresses", addresses},
                                                  {"stream", stream},
                                                  {"consumerGroup", "workers"},
                                                  {"lagCount", "1"}});
  EXPECT_EQ(valueOf(*pending).first, 4);
  EXPECT_EQ(valueOf(*lag).first, 2);
}

}  // namespace
}  // namespace tidal::scalers
