#include "scalers/redis/redis_client.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "scalers/redis/redis_client_impl.h"
#include "scalers/redis/redis_test_support.h"

namespace tidal::scalers::redis {
namespace {

using Args = std::vector<std::string>;
using testing::FakeNetwork;

const Deadline kDeadline = Deadline::max();

RedisReply integer(int64_t v) {
  return RedisReply::integerReply(v);
}
RedisReply str(std::string s) {
  return RedisReply::string(std::move(s));
}
RedisReply arr(std::vector<RedisReply> e) {
  return RedisReply::array(std::move(e));
}

TEST(ClusterKeySlot, MatchesRedis) {
  struct Case {
    const char* key;
    int slot;
  };
  const std::vector<Case> cases = {
      {"123456789", 0x31C3},  // the CRC16-CCITT (XMODEM) check value
      {"foo", 12182},
      {"bar", 5061},
      {"", 0},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key);
    EXPECT_EQ(clusterKeySlot(c.key), c.slot);
  }
  // Hash tags: only the part inside the first {...} counts, when it is not empty.
  EXPECT_EQ(clusterKeySlot("{user1000}.following"), clusterKeySlot("user1000"));
  EXPECT_EQ(clusterKeySlot("{user1000}.followers"), clusterKeySlot("user1000"));
  EXPECT_EQ(clusterKeySlot("foo{}{bar}"), clusterKeySlot("foo{}{bar}"));
  EXPECT_NE(clusterKeySlot("foo{}{bar}"), clusterKeySlot("bar"));
  EXPECT_EQ(clusterKeySlot("foo{{bar}}zap"), clusterKeySlot("{bar"));
  EXPECT_EQ(clusterKeySlot("foo{bar}{zap}"), clusterKeySlot("bar"));
  EXPECT_EQ(clusterKeySlot("{}"), clusterKeySlot("{}"));
}

TEST(ClusterSlots, ParsesRanges) {
  const RedisReply reply = arr({
      arr({integer(5461), integer(10922), arr({str("10.0.0.2"), integer(7001), str("id2")}),
           arr({str("10.0.0.5"), integer(7004), str("id5")})}),
      arr({integer(0), integer(5460), arr({str(""), integer(7000), str("id1")})}),
  });
  StatusOr<std::vector<SlotRange>> ranges = parseClusterSlots(reply, HostPort{"seed", 7000});
  ASSERT_TRUE(ranges.isOk()) << ranges.status().toString();
  ASSERT_EQ(ranges->size(), 2U);
  EXPECT_EQ((*ranges)[0].first, 0);
  EXPECT_EQ((*ranges)[0].last, 5460);
  EXPECT_EQ((*ranges)[0].master, (HostPort{"seed", 7000}));  // empty host: the node asked
  EXPECT_EQ((*ranges)[1].master, (HostPort{"10.0.0.2", 7001}));

  EXPECT_FALSE(parseClusterSlots(integer(1), HostPort{"s", 1}).isOk());
  EXPECT_FALSE(parseClusterSlots(arr({arr({integer(0)})}), HostPort{"s", 1}).isOk());
  EXPECT_FALSE(parseClusterSlots(arr({arr({integer(0), integer(1), arr({str("h"), integer(0)})})}),
                                 HostPort{"s", 1})
                   .isOk());
}

TEST(ClusterRedirect, ParsesMovedAndAsk) {
  EXPECT_EQ(redirectTarget(RedisReply::error("MOVED 3999 127.0.0.1:6381")),
            (HostPort{"127.0.0.1", 6381}));
  EXPECT_EQ(redirectTarget(RedisReply::error("ASK 3999 10.0.0.1:7000")),
            (HostPort{"10.0.0.1", 7000}));
  EXPECT_FALSE(redirectTarget(RedisReply::error("ERR nope")).has_value());
  EXPECT_FALSE(redirectTarget(RedisReply::string("MOVED 1 a:1")).has_value());
  EXPECT_FALSE(redirectTarget(RedisReply::error("MOVED 1")).has_value());
}

// A provider over the fake network that makes a fresh connection per endpoint and records them.
struct Provider {
  FakeNetwork* net;
  FakeClock* clock;
  std::vector<RedisEndpoint> endpoints;
  ConnectionProvider get() {
    return [this](RedisEndpoint e) {
      endpoints.push_back(e);
      return std::make_shared<RedisConnection>(e, net->factory(), clock);
    };
  }
};

RedisConnectionConfig clusterConfig() {
  RedisConnectionConfig c;
  c.mode = RedisMode::kCluster;
  c.addresses = {HostPort{"seed", 7000}};
  c.username = "u";
  c.password = "p";
  return c;
}

// Two masters: a (slots 0-8191, where "bar" lives) and b (8192-16383, where "foo" lives).
RedisReply twoNodeSlots() {
  return arr({arr({integer(0), integer(8191), arr({str("a"), integer(7000)})}),
              arr({integer(8192), integer(16383), arr({str("b"), integer(7001)})})});
}

TEST(ClusterRedisClient, RoutesByKeySlot) {
  FakeNetwork net;
  FakeClock clock;
  net.server("seed:7000").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "CLUSTER") return twoNodeSlots();
    return RedisReply::status("OK");
  };
  net.server("a:7000").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "LLEN") return integer(1);
    return RedisReply::status("OK");
  };
  net.server("b:7001").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "LLEN") return integer(2);
    return RedisReply::status("OK");
  };
  Provider provider{&net, &clock, {}};
  ClusterRedisClient client(clusterConfig(), provider.get());

  StatusOr<RedisReply> foo = client.run({{"LLEN", "foo"}, "foo"}, kDeadline);
  ASSERT_TRUE(foo.isOk()) << foo.status().toString();
  EXPECT_EQ(foo->integer, 2);
  StatusOr<RedisReply> bar = client.run({{"LLEN", "bar"}, "bar"}, kDeadline);
  ASSERT_TRUE(bar.isOk());
  EXPECT_EQ(bar->integer, 1);
  // The map was read once; every node connection carries the trigger's credentials, database 0.
  EXPECT_EQ(net.server("seed:7000").received.size(), 3U);  // AUTH, SETNAME, CLUSTER SLOTS
  for (const RedisEndpoint& e : provider.endpoints) {
    EXPECT_EQ(e.username, "u");
    EXPECT_EQ(e.password, "p");
    EXPECT_EQ(e.database, 0);
  }
}

TEST(ClusterRedisClient, FollowsMovedAndRereadsTheMap) {
  FakeNetwork net;
  FakeClock clock;
  bool moved = false;
  net.server("seed:7000").handle = [&moved](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] != "CLUSTER") return RedisReply::status("OK");
    if (!moved) return twoNodeSlots();
    return arr({arr({integer(0), integer(16383), arr({str("a"), integer(7000)})})});
  };
  net.server("a:7000").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "LLEN") return integer(5);
    if (args[0] == "CLUSTER") {
      return arr({arr({integer(0), integer(16383), arr({str("a"), integer(7000)})})});
    }
    return RedisReply::status("OK");
  };
  net.server("b:7001").handle = [&moved](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "LLEN") {
      moved = true;
      return RedisReply::error("MOVED 12182 a:7000");
    }
    return RedisReply::status("OK");
  };
  Provider provider{&net, &clock, {}};
  ClusterRedisClient client(clusterConfig(), provider.get());
  StatusOr<RedisReply> r = client.run({{"LLEN", "foo"}, "foo"}, kDeadline);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->integer, 5);
  // The next command goes straight to a: the map was read again.
  const size_t before = net.server("b:7001").received.size();
  ASSERT_TRUE(client.run({{"LLEN", "foo"}, "foo"}, kDeadline).isOk());
  EXPECT_EQ(net.server("b:7001").received.size(), before);
}

TEST(ClusterRedisClient, FollowsAskWithAsking) {
  FakeNetwork net;
  FakeClock clock;
  net.server("seed:7000").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "CLUSTER") return twoNodeSlots();
    return RedisReply::status("OK");
  };
  net.server("b:7001").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "LLEN") return RedisReply::error("ASK 12182 a:7000");
    return RedisReply::status("OK");
  };
  net.server("a:7000").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "LLEN") return integer(8);
    return RedisReply::status("OK");
  };
  Provider provider{&net, &clock, {}};
  ClusterRedisClient client(clusterConfig(), provider.get());
  StatusOr<RedisReply> r = client.run({{"LLEN", "foo"}, "foo"}, kDeadline);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->integer, 8);
  const auto& received = net.server("a:7000").received;
  ASSERT_GE(received.size(), 2U);
  EXPECT_EQ(received[received.size() - 2], (Args{"ASKING"}));
  EXPECT_EQ(received.back(), (Args{"LLEN", "foo"}));
}

TEST(ClusterRedisClient, NoReachableNodeIsUnavailable) {
  FakeNetwork net;
  FakeClock clock;
  RedisConnectionConfig config = clusterConfig();
  config.password = "Sup3rS3cret";
  Provider provider{&net, &clock, {}};
  ClusterRedisClient client(config, provider.get());
  StatusOr<RedisReply> r = client.run({{"LLEN", "foo"}, "foo"}, kDeadline);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            "cannot read the cluster's slot map: redis seed:7000: connect: Connection refused");
}

RedisConnectionConfig sentinelConfig() {
  RedisConnectionConfig c;
  c.mode = RedisMode::kSentinel;
  c.addresses = {HostPort{"s1", 26379}, HostPort{"s2", 26379}};
  c.sentinelMaster = "mymaster";
  c.sentinelUsername = "su";
  c.sentinelPassword = "sp";
  c.username = "mu";
  c.password = "mp";
  c.databaseIndex = 2;
  return c;
}

TEST(SentinelRedisClient, AsksTheSentinelsForTheMaster) {
  FakeNetwork net;
  FakeClock clock;
  net.server("s1:26379").up = false;  // the first sentinel is down: the second answers
  net.server("s2:26379").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "SENTINEL") return arr({str("master"), str("6380")});
    return RedisReply::status("OK");
  };
  net.server("master:6380").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "LLEN") return integer(4);
    return RedisReply::status("OK");
  };
  Provider provider{&net, &clock, {}};
  SentinelRedisClient client(sentinelConfig(), provider.get());
  StatusOr<RedisReply> r = client.run({{"LLEN", "jobs"}, "jobs"}, kDeadline);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->integer, 4);

  const std::vector<Args> sentinelSaw = {{"AUTH", "su", "sp"},
                                         {"CLIENT", "SETNAME", "tidal"},
                                         {"SENTINEL", "get-master-addr-by-name", "mymaster"}};
  EXPECT_EQ(net.server("s2:26379").received, sentinelSaw);
  const std::vector<Args> masterSaw = {
      {"AUTH", "mu", "mp"}, {"CLIENT", "SETNAME", "tidal"}, {"SELECT", "2"}, {"LLEN", "jobs"}};
  EXPECT_EQ(net.server("master:6380").received, masterSaw);
}

TEST(SentinelRedisClient, FollowsAFailover) {
  FakeNetwork net;
  FakeClock clock;
  std::string master = "old";
  net.server("s1:26379").handle = [&master](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "SENTINEL") return arr({str(master), str("6379")});
    return RedisReply::status("OK");
  };
  for (const char* name : {"old:6379", "new:6379"}) {
    const int64_t value = std::string(name) == "old:6379" ? 1 : 2;
    net.server(name).handle = [value](const Args& args) -> StatusOr<RedisReply> {
      if (args[0] == "LLEN") return integer(value);
      return RedisReply::status("OK");
    };
  }
  Provider provider{&net, &clock, {}};
  SentinelRedisClient client(sentinelConfig(), provider.get());
  EXPECT_EQ(client.run({{"LLEN", "jobs"}, "jobs"}, kDeadline)->integer, 1);
  master = "new";
  EXPECT_EQ(client.run({{"LLEN", "jobs"}, "jobs"}, kDeadline)->integer, 2);
}

TEST(SentinelRedisClient, UnknownMasterIsUnavailable) {
  FakeNetwork net;
  FakeClock clock;
  net.server("s1:26379").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "SENTINEL") return RedisReply::nil();
    return RedisReply::status("OK");
  };
  Provider provider{&net, &clock, {}};
  SentinelRedisClient client(sentinelConfig(), provider.get());
  StatusOr<RedisReply> r = client.run({{"LLEN", "jobs"}, "jobs"}, kDeadline);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            "no sentinel gave the address of master \"mymaster\": redis sentinel s1:26379: no "
            "master named \"mymaster\"; redis s2:26379: connect: Connection refused");
}

TEST(NewRedisClient, SharesOneClientPerConnectionSettings) {
  FakeClock clock;
  RedisConnectionConfig a;
  a.addresses = {HostPort{"127.0.0.1", 1}};
  a.password = "x";
  RedisConnectionConfig b = a;
  RedisConnectionConfig c = a;
  c.databaseIndex = 1;
  auto ca = newRedisClient(a, &clock);
  auto cb = newRedisClient(b, &clock);
  auto cc = newRedisClient(c, &clock);
  ASSERT_TRUE(ca.isOk() && cb.isOk() && cc.isOk());
  EXPECT_EQ(ca->get(), cb->get());
  EXPECT_NE(ca->get(), cc->get());
  EXPECT_EQ((*ca)->serverName(), "127.0.0.1:1");
}

TEST(NewRedisClient, TlsMaterialIsCheckedAndSeparatesConnections) {
  FakeClock clock;
  RedisConnectionConfig plain;
  plain.addresses = {HostPort{"127.0.0.1", 1}};
  RedisConnectionConfig tls = plain;
  tls.tls.enabled = true;
  RedisConnectionConfig unsafe = tls;
  unsafe.tls.unsafeSsl = true;
  auto a = newRedisClient(plain, &clock);
  auto b = newRedisClient(tls, &clock);
  auto c = newRedisClient(unsafe, &clock);
  ASSERT_TRUE(a.isOk() && b.isOk() && c.isOk());
  EXPECT_NE(a->get(), b->get());
  EXPECT_NE(b->get(), c->get());

  struct Case {
    const char* name;
    RedisTls tls;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"ca_not_pem",
       {.enabled = true, .ca = "not a certificate"},
       "unable to load the CA certificate (ca): no PEM"},
      {"cert_without_key",
       {.enabled = true, .cert = "x"},
       "a client certificate needs both cert and key"},
      {"cert_not_pem",
       {.enabled = true, .cert = "x", .key = "y"},
       "unable to load the client certificate (cert): "},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    RedisConnectionConfig bad = plain;
    bad.tls = k.tls;
    auto client = newRedisClient(bad, &clock);
    ASSERT_FALSE(client.isOk());
    EXPECT_EQ(client.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(client.status().message().rfind(k.message, 0), 0U) << client.status().message();
  }
}

}  // namespace
}  // namespace tidal::scalers::redis
