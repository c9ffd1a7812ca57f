#include "scalers/redis/redis_queries.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scalers/redis/redis_test_support.h"

namespace tidal::scalers::redis {
namespace {

using testing::ScriptedClient;
using Replies = std::map<std::string, StatusOr<RedisReply>>;

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
RedisReply err(std::string s) {
  return RedisReply::error(std::move(s));
}

// One group entry of XINFO GROUPS as Redis 7 sends it (flat field/value pairs).
RedisReply group(const std::string& name, RedisReply lag) {
  return arr({str("name"), str(name), str("consumers"), integer(1), str("pending"), integer(2),
              str("last-delivered-id"), str("1-0"), str("entries-read"), integer(3), str("lag"),
              std::move(lag)});
}

const std::string kInfo7 = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n";

struct CountCase {
  const char* name;
  Replies replies;
  std::optional<int64_t> count;  // nullopt: an error
  StatusCode code = StatusCode::kOk;
  std::string messagePart;
};

void runCases(const std::vector<CountCase>& cases,
              const std::function<StatusOr<int64_t>(ScriptedClient&)>& query) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ScriptedClient client;
    client.replies = c.replies;
    StatusOr<int64_t> got = query(client);
    if (c.count) {
      ASSERT_TRUE(got.isOk()) << got.status().toString();
      EXPECT_EQ(*got, *c.count);
    } else {
      ASSERT_FALSE(got.isOk()) << *got;
      EXPECT_EQ(got.status().code(), c.code) << got.status().toString();
      EXPECT_NE(got.status().message().find(c.messagePart), std::string::npos)
          << got.status().message();
    }
  }
}

TEST(RedisQueries, ListLength) {
  const std::vector<CountCase> cases = {
      {"list", {{"EVAL <script> 1 jobs", integer(7)}}, 7},
      {"empty_or_missing", {{"EVAL <script> 1 jobs", integer(0)}}, 0},
      {"unsupported_type",
       {{"EVAL <script> 1 jobs", err("ERR unsupported key type string")}},
       std::nullopt,
       StatusCode::kFailedPrecondition,
       "redis fake:6379: length of \"jobs\": ERR unsupported key type string"},
      {"noauth",
       {{"EVAL <script> 1 jobs", err("NOAUTH Authentication required.")}},
       std::nullopt,
       StatusCode::kUnauthenticated,
       "NOAUTH"},
      {"loading_is_transient",
       {{"EVAL <script> 1 jobs", err("LOADING Redis is loading the dataset in memory")}},
       std::nullopt,
       StatusCode::kUnavailable,
       "LOADING"},
      {"transport_error_passes_through",
       {{"EVAL <script> 1 jobs", unavailable("redis fake:6379: connect: Connection refused")}},
       std::nullopt,
       StatusCode::kUnavailable,
       "redis fake:6379: connect: Connection refused"},
      {"not_an_integer",
       {{"EVAL <script> 1 jobs", str("7")}},
       std::nullopt,
       StatusCode::kFailedPrecondition,
       "expected an integer, got \"7\""},
  };
  runCases(cases, [](ScriptedClient& c) { return queryListLength(c, "jobs", kDeadline); });
}

TEST(RedisQueries, ListLengthRunsTheScriptOnTheKey) {
  ScriptedClient client;
  client.replies = {{"EVAL <script> 1 {tag}jobs", integer(1)}};
  ASSERT_TRUE(queryListLength(client, "{tag}jobs", kDeadline).isOk());
  ASSERT_EQ(client.calls.size(), 1U);
  EXPECT_EQ(client.calls[0].key, "{tag}jobs");  // routed by the key in a cluster
  EXPECT_EQ(client.calls[0].args[1], kListLengthScript);
  // The script counts each kind of key the way KEDA's does.
  const std::string script = kListLengthScript;
  for (const char* part : {"'list'", "'none'", "LLEN", "'set'", "SCARD", "'zset'", "ZCARD",
                           "'hash'", "HLEN", "ERR unsupported key type"}) {
    EXPECT_NE(script.find(part), std::string::npos) << part;
  }
}

RedisStreamsConfig streams(StreamsMode mode) {
  RedisStreamsConfig c;
  c.mode = mode;
  c.stream = "orders";
  c.consumerGroup = mode == StreamsMode::kStreamLength ? "" : "workers";
  return c;
}

TEST(RedisQueries, PendingEntries) {
  const std::vector<CountCase> cases = {
      {"summary_count",
       {{"XPENDING orders workers",
         arr({integer(4), str("1-0"), str("4-0"), arr({arr({str("c1"), str("4")})})})}},
       4},
      {"nothing_pending",
       {{"XPENDING orders workers",
         arr({integer(0), RedisReply::nil(), RedisReply::nil(), RedisReply::nil()})}},
       0},
      {"no_group",
       {{"XPENDING orders workers",
         err("NOGROUP No such key 'orders' or consumer group 'workers'")}},
       std::nullopt,
       StatusCode::kFailedPrecondition,
       "XPENDING orders workers: NOGROUP"},
      {"bad_shape",
       {{"XPENDING orders workers", integer(3)}},
       std::nullopt,
       StatusCode::kFailedPrecondition,
       "unexpected reply 3"},
  };
  runCases(cases, [](ScriptedClient& c) {
    return queryStreamCount(c, streams(StreamsMode::kPendingEntries), kDeadline);
  });
}

TEST(RedisQueries, StreamLength) {
  const std::vector<CountCase> cases = {
      {"length", {{"XLEN orders", integer(12)}}, 12},
      {"missing_stream", {{"XLEN orders", integer(0)}}, 0},
      {"wrong_type",
       {{"XLEN orders", err("WRONGTYPE Operation against a key holding the wrong kind of value")}},
       std::nullopt,
       StatusCode::kFailedPrecondition,
       "XLEN orders: WRONGTYPE"},
  };
  runCases(cases, [](ScriptedClient& c) {
    return queryStreamCount(c, streams(StreamsMode::kStreamLength), kDeadline);
  });
}

TEST(RedisQueries, LagFollowsKedaRules) {
  const std::vector<CountCase> cases = {
      {"group_lag",
       {{"INFO server", str(kInfo7)},
        {"XINFO GROUPS orders", arr({group("other", integer(100)), group("workers", integer(6))})}},
       6},
      {"lag_zero",
       {{"INFO server", str(kInfo7)}, {"XINFO GROUPS orders", arr({group("workers", integer(0))})}},
       0},
      {"lag_unknown_is_minus_one",
       {{"INFO server", str(kInfo7)},
        {"XINFO GROUPS orders", arr({group("workers", RedisReply::nil())})}},
       -1},
      {"group_missing_counts_the_stream",
       {{"INFO server", str(kInfo7)},
        {"XINFO GROUPS orders", arr({group("other", integer(1))})},
        {"XLEN orders", integer(9)}},
       9},
      {"no_groups_counts_the_stream",
       {{"INFO server", str(kInfo7)},
        {"XINFO GROUPS orders", arr({})},
        {"XLEN orders", integer(3)}},
       3},
      {"stream_missing_is_zero",
       {{"INFO server", str(kInfo7)}, {"XINFO GROUPS orders", err("ERR no such key")}},
       0},
      {"other_error_falls_through_to_xlen",
       {{"INFO server", str(kInfo7)},
        {"XINFO GROUPS orders", err("WRONGTYPE Operation against a key holding the wrong kind")},
        {"XLEN orders", err("WRONGTYPE Operation against a key holding the wrong kind")}},
       std::nullopt,
       StatusCode::kFailedPrecondition,
       "XLEN orders: WRONGTYPE"},
      {"redis_6_refused",
       {{"INFO server", str("# Server\r\nredis_version:6.2.14\r\n")}},
       std::nullopt,
       StatusCode::kFailedPrecondition,
       "redis fake:6379: redis version 7+ required for lag"},
      {"redis_8_fine",
       {{"INFO server", str("redis_version:8.0.0\n")},
        {"XINFO GROUPS orders", arr({group("workers", integer(2))})}},
       2},
      {"no_version",
       {{"INFO server", str("# Server\r\nredis_mode:standalone\r\n")}},
       std::nullopt,
       StatusCode::kFailedPrecondition,
       "could not find Redis version number"},
      {"version_not_a_number",
       {{"INFO server", str("redis_version:seven\r\n")}},
       std::nullopt,
       StatusCode::kFailedPrecondition,
       "redis version could not be converted to number"},
      {"info_refused",
       {{"INFO server", err("NOPERM this user has no permissions to run the 'info' command")}},
       std::nullopt,
       StatusCode::kFailedPrecondition,
       "could not find Redis version"},
      {"info_transport_error",
       {{"INFO server", Status(StatusCode::kDeadlineExceeded, "redis fake:6379: INFO: timed out")}},
       std::nullopt,
       StatusCode::kDeadlineExceeded,
       "INFO: timed out"},
  };
  runCases(cases, [](ScriptedClient& c) {
    return queryStreamCount(c, streams(StreamsMode::kLag), kDeadline);
  });
}

TEST(RedisQueries, LagCommandsAreRoutedByTheStream) {
  ScriptedClient client;
  client.replies = {{"INFO server", str(kInfo7)},
                    {"XINFO GROUPS orders", arr({group("workers", integer(1))})}};
  ASSERT_TRUE(queryStreamCount(client, streams(StreamsMode::kLag), kDeadline).isOk());
  ASSERT_EQ(client.calls.size(), 2U);
  for (const auto& call : client.calls) EXPECT_EQ(call.key, "orders");
}

TEST(RedisQueries, MajorVersion) {
  struct Case {
    const char* info;
    std::optional<int64_t> major;
  };
  const std::vector<Case> cases = {
      {"redis_version:7.0.15\r\n", 7},
      {"# Server\nredis_version:6.0.9\nredis_git_sha1:0\n", 6},
      {"redis_version:10.2.1", 10},
      {"redis_version_extra:9.0\nredis_version:5.0.1\n", 5},
      {"redis_version:\r\n", std::nullopt},
      {"nothing here", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.info);
    StatusOr<int64_t> v = redisMajorVersion(c.info);
    ASSERT_EQ(v.isOk(), c.major.has_value());
    if (c.major) {
      EXPECT_EQ(*v, *c.major);
    }
  }
}

TEST(RedisQueries, ConsumerGroupLagShapes) {
  StatusOr<std::optional<int64_t>> lag = consumerGroupLag(arr({group("g", integer(4))}), "g");
  ASSERT_TRUE(lag.isOk());
  EXPECT_EQ(*lag, std::optional<int64_t>(4));
  // A Redis 6 entry has no lag field at all.
  lag = consumerGroupLag(arr({arr({str("name"), str("g"), str("pending"), integer(1)})}), "g");
  ASSERT_TRUE(lag.isOk());
  EXPECT_EQ(*lag, std::optional<int64_t>(-1));
  lag = consumerGroupLag(arr({}), "g");
  ASSERT_TRUE(lag.isOk());
  EXPECT_FALSE(lag->has_value());
  EXPECT_FALSE(consumerGroupLag(integer(1), "g").isOk());
  EXPECT_FALSE(consumerGroupLag(arr({arr({str("name")})}), "g").isOk());
}

}  // namespace
}  // namespace tidal::scalers::redis
