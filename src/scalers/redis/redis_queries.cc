#include "scalers/redis/redis_queries.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace tidal::scalers::redis {

const char* const kListLengthScript = R"lua(
local key = KEYS[1]
local kind = redis.call('TYPE', key)['ok']
if kind == 'list' or kind == 'none' then return redis.call('LLEN', key) end
if kind == 'set' then return redis.call('SCARD', key) end
if kind == 'zset' then return redis.call('ZCARD', key) end
if kind == 'hash' then return redis.call('HLEN', key) end
return redis.error_reply('ERR unsupported key type ' .. kind)
)lua";

namespace {

// The reply as an integer, or the error it is.
StatusOr<int64_t> integerOf(const StatusOr<RedisReply>& reply, std::string_view what,
                            const RedisClient& client) {
  if (!reply.isOk()) return reply.status();
  const std::string context = fmt::format("redis {}: {}", client.serverName(), what);
  if (reply->isError()) return errorReplyStatus(*reply, context);
  if (!reply->isInteger()) {
    return failedPrecondition(
        fmt::format("{}: expected an integer, got {}", context, reply->debugString()));
  }
  return reply->integer;
}

StatusOr<int64_t> streamLength(RedisClient& client, const std::string& stream, Deadline deadline) {
  return integerOf(client.run({{"XLEN", stream}, stream}, deadline), fmt::format("XLEN {}", stream),
                   client);
}

StatusOr<int64_t> pendingEntries(RedisClient& client, const RedisStreamsConfig& config,
                                 Deadline deadline) {
  StatusOr<RedisReply> reply =
      client.run({{"XPENDING", config.stream, config.consumerGroup}, config.stream}, deadline);
  if (!reply.isOk()) return reply.status();
  const std::string context = fmt::format("redis {}: XPENDING {} {}", client.serverName(),
                                          config.stream, config.consumerGroup);
  if (reply->isError()) return errorReplyStatus(*reply, context);
  // The summary form: [count, smallest id, greatest id, [[consumer, count], ...]].
  if (!reply->isArray() || reply->elements.empty() || !reply->elements[0].isInteger()) {
    return failedPrecondition(
        fmt::format("{}: unexpected reply {}", context, reply->debugString()));
  }
  return reply->elements[0].integer;
}

StatusOr<int64_t> lag(RedisClient& client, const RedisStreamsConfig& config, Deadline deadline) {
  // KEDA checks the version at every poll: XINFO GROUPS has a lag only from Redis 7 on. The
  // stream is the routing key, so a cluster answers from the node that holds the stream.
  StatusOr<RedisReply> info = client.run({{"INFO", "server"}, config.stream}, deadline);
  if (!info.isOk()) return info.status();
  if (info->isError() || !info->isString()) {
    return failedPrecondition(fmt::format("redis {}: could not find Redis version: {}",
                                          client.serverName(), info->debugString()));
  }
  TIDAL_ASSIGN_OR_RETURN(int64_t major, redisMajorVersion(info->str));
  if (major < 7) {
    return failedPrecondition(
        fmt::format("redis {}: redis version 7+ required for lag", client.serverName()));
  }

  StatusOr<RedisReply> groups =
      client.run({{"XINFO", "GROUPS", config.stream}, config.stream}, deadline);
  if (!groups.isOk()) return groups.status();
  // A stream that does not exist yet has no lag. Other error replies fall through to XLEN, which
  // reports them (as KEDA does).
  if (groups->isError() && groups->str == "ERR no such key") return 0;
  if (!groups->isError()) {
    StatusOr<std::optional<int64_t>> found = consumerGroupLag(*groups, config.consumerGroup);
    if (!found.isOk()) {
      return found.status().withPrefix(
          fmt::format("redis {}: XINFO GROUPS {}", client.serverName(), config.stream));
    }
    if (*found) return **found;
  }
  // The group does not exist yet (its consumers start with the first replica): everything in the
  // stream is what it would lag behind.
  return streamLength(client, config.stream, deadline);
}

}  // namespace

StatusOr<int64_t> queryListLength(RedisClient& client, const std::string& key, Deadline deadline) {
  return integerOf(client.run({{"EVAL", kListLengthScript, "1", key}, key}, deadline),
                   fmt::format("length of \"{}\"", key), client);
}

StatusOr<int64_t> queryStreamCount(RedisClient& client, const RedisStreamsConfig& config,
                                   Deadline deadline) {
  switch (config.mode) {
    case StreamsMode::kPendingEntries:
      return pendingEntries(client, config, deadline);
    case StreamsMode::kStreamLength:
      return streamLength(client, config.stream, deadline);
    case StreamsMode::kLag:
      return lag(client, config, deadline);
  }
  return internalError("unknown streams mode");
}

StatusOr<int64_t> redisMajorVersion(std::string_view info) {
  for (const std::string& line : split(info, '\n', /*trimParts=*/false)) {
    const std::vector<std::string> fields = split(line, ':', /*trimParts=*/false);
    if (fields.size() < 2 || fields[0] != "redis_version") continue;
    const std::string major = split(fields[1], '.', /*trimParts=*/false).front();
    std::optional<int64_t> n = parseGoInt(trim(major));
    if (!n) return failedPrecondition("redis version could not be converted to number");
    return *n;
  }
  return failedPrecondition("could not find Redis version number");
}

StatusOr<std::optional<int64_t>> consumerGroupLag(const RedisReply& groups,
                                                  std::string_view group) {
  if (!groups.isArray()) {
    return failedPrecondition("expected an array, got " + groups.debugString());
  }
  for (const RedisReply& entry : groups.elements) {
    if (!entry.isArray() || entry.elements.size() % 2 != 0) {
      return failedPrecondition("unexpected group entry " + entry.debugString());
    }
    std::optional<std::string_view> name;
    std::optional<int64_t> lagValue;
    for (size_t i = 0; i + 1 < entry.elements.size(); i += 2) {
      const RedisReply& field = entry.elements[i];
      const RedisReply& value = entry.elements[i + 1];
      if (!field.isString()) continue;
      if (field.str == "name" && value.isString()) name = value.str;
      if (field.str == "lag" && value.isInteger()) lagValue = value.integer;
    }
    if (name && *name == group) {
      // No lag field, or nil: Redis cannot tell (entries were deleted, or the group was moved
      // with XGROUP SETID); KEDA's client reports -1 then.
      return std::optional<int64_t>(lagValue.value_or(-1));
    }
  }
  return std::optional<int64_t>();
}

}  // namespace tidal::scalers::redis
