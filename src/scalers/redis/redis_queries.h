// The numbers the Redis scalers report, computed with commands on a RedisClient:
//   - a list trigger's length: one EVAL that reads the key's TYPE and counts it the way that type
//     counts (LLEN for a list or a missing key, SCARD, ZCARD, HLEN); any other type is an error;
//   - a streams trigger's count, by mode (KEDA's rules, spec/keda-scalers.md §2.4):
//       pending entries: XPENDING <stream> <group> -> the summary's count;
//       stream length:   XLEN <stream>;
//       lag:             INFO server must show redis_version 7 or later; then XINFO GROUPS
//                        <stream>: the group's `lag` (-1 when Redis cannot tell, which reports
//                        as 0); a missing stream counts 0; a missing group counts XLEN, the lag
//                        the group would have if it existed.
//
// Errors: the client's (kUnavailable, ...) for transport failures; error replies become
// errorReplyStatus() codes; a reply of the wrong shape is kFailedPrecondition. Messages name the
// server and the key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "scalers/redis/redis_client.h"
#include "scalers/redis/redis_metadata.h"

namespace tidal::scalers::redis {

// The Lua script the list triggers run (one key).
extern const char* const kListLengthScript;

StatusOr<int64_t> queryListLength(RedisClient& client, const std::string& key, Deadline deadline);

// The count for `config.mode`. Lag may be -1 (unknown), as in KEDA.
StatusOr<int64_t> queryStreamCount(RedisClient& client, const RedisStreamsConfig& config,
                                   Deadline deadline);

// The major version in an INFO reply ("redis_version:7.0.15" -> 7), with KEDA's errors:
// "could not find Redis version number", "redis version could not be converted to number".
StatusOr<int64_t> redisMajorVersion(std::string_view info);

// The lag of `group` in an XINFO GROUPS reply: nullopt when the group is not listed; -1 when
// the group is listed without a usable lag (Redis could not tell).
StatusOr<std::optional<int64_t>> consumerGroupLag(const RedisReply& groups, std::string_view group);

}  // namespace tidal::scalers::redis
