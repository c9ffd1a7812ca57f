// The plain-TCP RedisTransport, on hiredis 0.14's blocking API: redisConnectWithTimeout for the
// connect and redisSetTimeout before every command, so each call is bounded by its deadline.
//
// hiredis 0.14 (Debian bookworm) has no TLS support, so this transport is plain TCP only; TLS
// triggers use tls_transport.h.
#pragma once

#include <memory>

#include "scalers/redis/redis_transport.h"

struct redisReply;

namespace tidal::scalers::redis {

// A new closed plain-TCP transport.
std::unique_ptr<RedisTransport> newHiredisTransport();

// Converts a hiredis reply tree into a RedisReply (exposed for tests).
RedisReply fromHiredisReply(const redisReply* reply);

}  // namespace tidal::scalers::redis
