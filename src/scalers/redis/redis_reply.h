// A Redis reply as a plain value (RESP2: simple string, error, integer, bulk string, nil, array),
// independent of the client library, so the scalers' logic can be tested with scripted replies.
//
// Error replies are values too (type kError), not Status errors: some callers act on them (a lag
// query treats "ERR no such key" as zero). Transport failures are Status errors instead.
//
// Example:
//   RedisReply r = RedisReply::integer(7);
//   r.isInteger() && r.integer == 7
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tidal::scalers::redis {

struct RedisReply {
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };

  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<RedisReply> elements;  // kArray

  static RedisReply string(std::string s) { return {Type::kString, std::move(s), 0, {}}; }
  static RedisReply status(std::string s) { return {Type::kStatus, std::move(s), 0, {}}; }
  static RedisReply error(std::string s) { return {Type::kError, std::move(s), 0, {}}; }
  static RedisReply integerReply(int64_t v) { return {Type::kInteger, {}, v, {}}; }
  static RedisReply nil() { return {}; }
  static RedisReply array(std::vector<RedisReply> elements) {
    return {Type::kArray, {}, 0, std::move(elements)};
  }

  bool isError() const { return type == Type::kError; }
  bool isNil() const { return type == Type::kNil; }
  bool isInteger() const { return type == Type::kInteger; }
  bool isArray() const { return type == Type::kArray; }
  bool isString() const { return type == Type::kString || type == Type::kStatus; }

  // The first word of an error reply ("WRONGTYPE", "NOAUTH", "MOVED", ...); empty otherwise.
  std::string_view errorCode() const;

  // A short rendering for messages and tests: 7, "text", nil, (error) ERR x, [1, "a"].
  std::string debugString() const;
};

// The Status an error reply becomes: NOAUTH/WRONGPASS -> kUnauthenticated, NOPERM ->
// kPermissionDenied; LOADING, BUSY, TRYAGAIN, CLUSTERDOWN, MASTERDOWN, MOVED, ASK and READONLY
// (the server is busy or the topology is changing) -> kUnavailable; anything else (WRONGTYPE,
// NOGROUP, a script error) -> kFailedPrecondition. `context` prefixes the message.
Status errorReplyStatus(const RedisReply& reply, std::string_view context);

}  // namespace tidal::scalers::redis
