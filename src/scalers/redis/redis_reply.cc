#include "scalers/redis/redis_reply.h"

#include <array>

#include <fmt/format.h>

namespace tidal::scalers::redis {

std::string_view RedisReply::errorCode() const {
  if (type != Type::kError) return {};
  std::string_view s = str;
  return s.substr(0, s.find(' '));
}

std::string RedisReply::debugString() const {
  switch (type) {
    case Type::kString:
    case Type::kStatus:
      return fmt::format("\"{}\"", str);
    case Type::kError:
      return "(error) " + str;
    case Type::kInteger:
      return std::to_string(integer);
    case Type::kNil:
      return "nil";
    case Type::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < elements.size(); ++i) {
        if (i > 0) out += ", ";
        out += elements[i].debugString();
      }
      return out + "]";
    }
  }
  return "?";
}

Status errorReplyStatus(const RedisReply& reply, std::string_view context) {
  const std::string message = fmt::format("{}: {}", context, reply.str);
  const std::string_view code = reply.errorCode();
  if (code == "NOAUTH" || code == "WRONGPASS") return {StatusCode::kUnauthenticated, message};
  if (code == "NOPERM") return {StatusCode::kPermissionDenied, message};
  static constexpr std::array<std::string_view, 8> kTransient = {
      "LOADING", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "MOVED", "ASK", "READONLY"};
  for (std::string_view t : kTransient) {
    if (code == t) return unavailable(message);
  }
  return failedPrecondition(message);
}

}  // namespace tidal::scalers::redis
