#include "scalers/redis/redis_connection.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include "common/clock.h"
#include "scalers/redis/hiredis_transport.h"
#include "scalers/redis/redis_test_support.h"

namespace tidal::scalers::redis {
namespace {

using Args = std::vector<std::string>;
using testing::FakeNetwork;

const Deadline kDeadline = Deadline::max();

RedisEndpoint endpoint(std::string username = "", std::string password = "", int64_t database = 0) {
  RedisEndpoint e;
  e.address = HostPort{"redis", 6379};
  e.username = std::move(username);
  e.password = std::move(password);
  e.database = database;
  return e;
}

// Answers LLEN with 3 and everything else with OK.
StatusOr<RedisReply> simpleServer(const Args& args) {
  if (args[0] == "LLEN") return RedisReply::integerReply(3);
  return RedisReply::status("OK");
}

struct HandshakeCase {
  const char* name;
  RedisEndpoint endpoint;
  std::vector<Args> expected;  // what the server receives, in order
};

TEST(RedisConnection, HandshakeAuthenticatesNamesAndSelects) {
  const std::vector<HandshakeCase> cases = {
      {"no_credentials_database_0", endpoint(), {{"CLIENT", "SETNAME", "tidal"}, {"LLEN", "jobs"}}},
      {"password_only",
       endpoint("", "pw"),
       {{"AUTH", "pw"}, {"CLIENT", "SETNAME", "tidal"}, {"LLEN", "jobs"}}},
      {"user_and_password",
       endpoint("app", "pw"),
       {{"AUTH", "app", "pw"}, {"CLIENT", "SETNAME", "tidal"}, {"LLEN", "jobs"}}},
      {"database",
       endpoint("", "", 3),
       {{"CLIENT", "SETNAME", "tidal"}, {"SELECT", "3"}, {"LLEN", "jobs"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeNetwork net;
    net.server("redis:6379").handle = simpleServer;
    FakeClock clock;
    RedisConnection conn(c.endpoint, net.factory(), &clock);
    StatusOr<RedisReply> r = conn.command({"LLEN", "jobs"}, kDeadline);
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    EXPECT_EQ(r->integer, 3);
    EXPECT_EQ(net.server("redis:6379").received, c.expected);
    EXPECT_EQ(conn.opens(), 1);
  }
}

TEST(RedisConnection, KeepsTheConnectionOpen) {
  FakeNetwork net;
  net.server("redis:6379").handle = simpleServer;
  FakeClock clock;
  RedisConnection conn(endpoint("", "pw"), net.factory(), &clock);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(conn.command({"LLEN", "jobs"}, kDeadline).isOk());
  EXPECT_EQ(conn.opens(), 1);
  EXPECT_EQ(net.server("redis:6379").opens, 1);
  EXPECT_EQ(net.server("redis:6379").received.size(), 2U + 5U);  // AUTH, SETNAME, 5 x LLEN
}

TEST(RedisConnection, RefusedAuthIsUnauthenticatedWithoutThePassword) {
  FakeNetwork net;
  net.server("redis:6379").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "AUTH") {
      return RedisReply::error("WRONGPASS invalid username-password pair or user is disabled.");
    }
    return RedisReply::status("OK");
  };
  FakeClock clock;
  RedisConnection conn(endpoint("app", "Sup3rS3cret"), net.factory(), &clock);
  StatusOr<RedisReply> r = conn.command({"LLEN", "jobs"}, kDeadline);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(r.status().message(),
            "redis redis:6379: AUTH: WRONGPASS invalid username-password pair or user is "
            "disabled.");
  EXPECT_EQ(r.status().message().find("Sup3rS3cret"), std::string::npos);
}

TEST(RedisConnection, RefusedSelectIsAnError) {
  FakeNetwork net;
  net.server("redis:6379").handle = [](const Args& args) -> StatusOr<RedisReply> {
    if (args[0] == "SELECT") return RedisReply::error("ERR DB index is out of range");
    return RedisReply::status("OK");
  };
  FakeClock clock;
  RedisConnection conn(endpoint("", "", 99), net.factory(), &clock);
  StatusOr<RedisReply> r = conn.command({"LLEN", "jobs"}, kDeadline);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "redis redis:6379: SELECT 99: ERR DB index is out of range");
}

TEST(RedisConnection, DownServerFailsFastDuringTheBackoff) {
  FakeNetwork net;
  net.server("redis:6379").handle = simpleServer;
  net.server("redis:6379").up = false;
  FakeClock clock;
  RedisConnection conn(endpoint("", "pw"), net.factory(), &clock);

  StatusOr<RedisReply> r = conn.command({"LLEN", "jobs"}, kDeadline);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(r.status().retryable());
  EXPECT_EQ(r.status().message(), "redis redis:6379: connect: Connection refused");

  // The server comes back, but the backoff (0.5 s) has not passed: the last error, at once.
  net.server("redis:6379").up = true;
  r = conn.command({"LLEN", "jobs"}, kDeadline);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().message(), "redis redis:6379: connect: Connection refused");
  EXPECT_EQ(net.server("redis:6379").opens, 0);

  clock.advance(std::chrono::milliseconds(500));
  r = conn.command({"LLEN", "jobs"}, kDeadline);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(conn.opens(), 1);
}

TEST(RedisConnection, BrokenKeptConnectionIsReopenedOnce) {
  FakeNetwork net;
  net.server("redis:6379").handle = simpleServer;
  FakeClock clock;
  RedisConnection conn(endpoint(), net.factory(), &clock);
  ASSERT_TRUE(conn.command({"LLEN", "jobs"}, kDeadline).isOk());

  // The server restarted: the next round trip on the kept connection fails, a new one works.
  int failures = 1;
  net.server("redis:6379").handle = [&failures](const Args& args) -> StatusOr<RedisReply> {
    if (failures > 0) {
      --failures;
      return unavailable(args[0] + ": the server closed the connection");
    }
    return simpleServer(args);
  };
  StatusOr<RedisReply> r = conn.command({"LLEN", "jobs"}, kDeadline);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->integer, 3);
  EXPECT_EQ(conn.opens(), 2);
}

TEST(RedisConnection, TimeoutIsNotRetried) {
  FakeNetwork net;
  net.server("redis:6379").handle = simpleServer;
  FakeClock clock;
  RedisConnection conn(endpoint(), net.factory(), &clock);
  ASSERT_TRUE(conn.command({"LLEN", "jobs"}, kDeadline).isOk());
  net.server("redis:6379").handle = [](const Args&) -> StatusOr<RedisReply> {
    return Status(StatusCode::kDeadlineExceeded, "LLEN: timed out");
  };
  StatusOr<RedisReply> r = conn.command({"LLEN", "jobs"}, kDeadline);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().message(), "redis redis:6379: LLEN: timed out");
  EXPECT_EQ(conn.opens(), 1);
}

TEST(RedisConnection, AskingGoesFirstOnTheSameConnection) {
  FakeNetwork net;
  net.server("redis:6379").handle = simpleServer;
  FakeClock clock;
  RedisConnection conn(endpoint(), net.factory(), &clock);
  ASSERT_TRUE(conn.command({"LLEN", "jobs"}, kDeadline, /*asking=*/true).isOk());
  const std::vector<Args> expected = {{"CLIENT", "SETNAME", "tidal"}, {"ASKING"}, {"LLEN", "jobs"}};
  EXPECT_EQ(net.server("redis:6379").received, expected);
}

TEST(RedisEndpoint, PoolKeyDistinguishesEveryField) {
  const RedisEndpoint base = endpoint("u", "p", 0);
  std::vector<RedisEndpoint> variants(6, base);
  variants[0].address.host = "other";
  variants[1].address.port = 6380;
  variants[2].username = "v";
  variants[3].password = "q";
  variants[4].database = 1;
  variants[5].transport = "tls";
  for (const RedisEndpoint& v : variants) EXPECT_NE(v.poolKey(), base.poolKey());
  // Length-prefixed fields: moving a character between fields changes the key.
  RedisEndpoint a = endpoint("ab", "c");
  RedisEndpoint b = endpoint("a", "bc");
  EXPECT_NE(a.poolKey(), b.poolKey());
  EXPECT_EQ(base.poolKey(), endpoint("u", "p", 0).poolKey());
}

TEST(ReconnectBackoff, DoublesUpToTheCapAndResets) {
  using std::chrono::milliseconds;
  ReconnectBackoff backoff(milliseconds(500), milliseconds(10000));
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(backoff.mayAttempt(t0));
  const std::vector<int64_t> delays = {500, 1000, 2000, 4000, 8000, 10000, 10000};
  auto now = t0;
  for (int64_t d : delays) {
    backoff.failed(now);
    EXPECT_EQ(backoff.currentDelay(), milliseconds(d));
    EXPECT_FALSE(backoff.mayAttempt(now + milliseconds(d - 1)));
    EXPECT_TRUE(backoff.mayAttempt(now + milliseconds(d)));
    now += milliseconds(d);
  }
  backoff.succeeded();
  EXPECT_TRUE(backoff.mayAttempt(now));
  backoff.failed(now);
  EXPECT_EQ(backoff.currentDelay(), milliseconds(500));
}

// hiredis's reply tree becomes a RedisReply; fed through hiredis's own protocol reader.
TEST(HiredisTransport, ConvertsEveryReplyType) {
  struct Case {
    const char* name;
    std::string wire;
    std::string expected;  // debugString()
  };
  const std::vector<Case> cases = {
      {"integer", ":42\r\n", "42"},
      {"negative", ":-1\r\n", "-1"},
      {"bulk", "$5\r\nhello\r\n", "\"hello\""},
      {"binary_bulk", std::string("$3\r\na\0b\r\n", 10), std::string("\"a\0b\"", 5)},
      {"status", "+OK\r\n", "\"OK\""},
      {"error", "-ERR no such key\r\n", "(error) ERR no such key"},
      {"nil", "$-1\r\n", "nil"},
      {"nested", "*2\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n", "[1, [\"a\", nil]]"},
      {"empty_array", "*0\r\n", "[]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    redisReader* reader = redisReaderCreate();
    ASSERT_EQ(redisReaderFeed(reader, c.wire.data(), c.wire.size()), REDIS_OK);
    void* raw = nullptr;
    ASSERT_EQ(redisReaderGetReply(reader, &raw), REDIS_OK);
    ASSERT_NE(raw, nullptr);
    EXPECT_EQ(fromHiredisReply(static_cast<redisReply*>(raw)).debugString(), c.expected);
    freeReplyObject(raw);
    redisReaderFree(reader);
  }
}

TEST(RedisReply, ErrorCodesBecomeStatusCodes) {
  struct Case {
    const char* error;
    StatusCode code;
  };
  const std::vector<Case> cases = {
      {"NOAUTH Authentication required.", StatusCode::kUnauthenticated},
      {"WRONGPASS invalid username-password pair", StatusCode::kUnauthenticated},
      {"NOPERM this user has no permissions", StatusCode::kPermissionDenied},
      {"LOADING Redis is loading the dataset in memory", StatusCode::kUnavailable},
      {"BUSY Redis is busy running a script", StatusCode::kUnavailable},
      {"TRYAGAIN Multiple keys request during rehashing of slot", StatusCode::kUnavailable},
      {"CLUSTERDOWN The cluster is down", StatusCode::kUnavailable},
      {"MASTERDOWN Link with MASTER is down", StatusCode::kUnavailable},
      {"MOVED 3999 127.0.0.1:6381", StatusCode::kUnavailable},
      {"READONLY You can't write against a read only replica.", StatusCode::kUnavailable},
      {"WRONGTYPE Operation against a key holding the wrong kind of value",
       StatusCode::kFailedPrecondition},
      {"ERR unsupported key type string", StatusCode::kFailedPrecondition},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.error);
    Status s = errorReplyStatus(RedisReply::error(c.error), "ctx");
    EXPECT_EQ(s.code(), c.code);
    EXPECT_EQ(s.message(), std::string("ctx: ") + c.error);
  }
}

}  // namespace
}  // namespace tidal::scalers::redis
