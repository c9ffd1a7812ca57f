// The TLS RedisTransport: hiredis 0.14 has no TLS, so this transport does its own I/O (a
// non-blocking socket, OpenSSL for TLS, poll() for the deadlines) and uses hiredis only for the
// protocol: redisFormatCommandArgv to encode a command and its reply reader to decode replies.
//
// The TLS settings come from the trigger's authentication (PEM text, never file paths): `ca`
// (else the system's trust store), `cert` + `key` (+ `keyPassword`) for a client certificate,
// `unsafeSsl` to skip verifying the server. When verifying, the server's certificate must match
// the host name (or IP address) of the address; TLS 1.2 or later.
#pragma once

#include <memory>

#include "common/status.h"
#include "scalers/redis/redis_metadata.h"
#include "scalers/redis/redis_transport.h"

namespace tidal::scalers::redis {

// Builds the TLS settings once (loading and checking the PEM material) and returns a factory of
// transports sharing them. InvalidArgument for unusable material ("unable to load ...").
StatusOr<RedisTransportFactory> newTlsTransportFactory(const RedisTls& tls);

}  // namespace tidal::scalers::redis
