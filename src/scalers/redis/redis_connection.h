// One kept-open connection to one Redis server (or sentinel) with one set of credentials and one
// database, shared by every trigger that needs exactly that (see RedisConnection::pool()).
//
// Behaviour:
//   - Opened lazily, on the first command, never when a scaler is built.
//   - On open: AUTH (with the user name when one is given) when a user or password is set, then
//     CLIENT SETNAME tidal (best effort), then SELECT when the database is not 0.
//   - Every command is bounded by its deadline: waiting for the connection's lock, the connect,
//     the handshake and the round trip.
//   - A failed open is retried no sooner than a backoff (0.5 s doubling to 10 s, reset on
//     success); until then commands fail at once with the last error, so a thousand triggers on
//     a dead server do not hammer it. A kept connection found broken (the server restarted) is
//     reopened once, at once, within the same command: every command tidal sends is read-only,
//     so sending it twice is harmless.
//
// Threading: thread-safe; commands on one connection are serialised (a Redis connection is a
// pipe of requests and replies), which costs little as each takes well under a millisecond.
//
// Errors: kUnavailable (cannot connect, connection lost), kDeadlineExceeded (timed out),
// kUnauthenticated (AUTH refused), kFailedPrecondition (SELECT refused). Messages start with
// "redis <host:port>: " and never contain the credentials.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "scalers/redis/redis_metadata.h"
#include "scalers/redis/redis_reply.h"
#include "scalers/redis/redis_transport.h"
#include "scalers/shared_pool.h"

namespace tidal::scalers::redis {

// What one connection is to: two triggers with equal endpoints share a connection.
struct RedisEndpoint {
  HostPort address;
  std::string username;
  std::string password;
  int64_t database = 0;
  // Which transport and settings ("tcp", or the TLS settings); connections differ when it does.
  std::string transport = "tcp";
  // For messages: "127.0.0.1:6379" (no credentials).
  std::string name() const { return address.toString(); }
  // The pool key: every field (credentials included; kept in memory, never printed).
  std::string poolKey() const;
};

// When a failed connect may be tried again: `initial` after the first failure, doubling up to
// `max`; reset by a success. Not thread-safe (the connection's lock guards it).
class ReconnectBackoff {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit ReconnectBackoff(std::chrono::milliseconds initial = std::chrono::milliseconds(500),
                            std::chrono::milliseconds max = std::chrono::seconds(10))
      : initial_(initial), max_(max) {}

  // Whether an attempt may be made at `now`.
  bool mayAttempt(TimePoint now) const { return now >= nextAttempt_; }
  void failed(TimePoint now);
  void succeeded();
  std::chrono::milliseconds currentDelay() const { return delay_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds delay_{0};
  TimePoint nextAttempt_{};
};

class RedisConnection {
 public:
  // `clock` (for the backoff) must outlive the connection.
  RedisConnection(RedisEndpoint endpoint, RedisTransportFactory makeTransport, const Clock* clock);
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Runs one command and returns its reply (error replies are values). With `asking`, an ASKING
  // command goes first on the same connection (a cluster redirection in progress).
  StatusOr<RedisReply> command(const std::vector<std::string>& args, Deadline deadline,
                               bool asking = false);

  // How many times a connection was opened successfully (tests, diagnostics).
  int64_t opens() const { return opens_.load(); }
  const RedisEndpoint& endpoint() const { return endpoint_; }

  // The process-wide pool of plain-TCP connections the scalers share.
  static SharedPool<RedisConnection>& pool();
  // The shared connection for `endpoint` from pool(), made with `makeTransport` if new.
  static std::shared_ptr<RedisConnection> shared(const RedisEndpoint& endpoint,
                                                 const RedisTransportFactory& makeTransport,
                                                 const Clock* clock);

 private:
  Status ensureOpenLocked(Deadline deadline);
  Status openLocked(Deadline deadline);
  Status handshakeLocked(Deadline deadline);
  StatusOr<RedisReply> sendLocked(const std::vector<std::string>& args, Deadline deadline,
                                  bool asking);
  Status prefixed(const Status& s) const;

  const RedisEndpoint endpoint_;
  const RedisTransportFactory makeTransport_;
  const Clock* clock_;
  std::timed_mutex mu_;
  std::unique_ptr<RedisTransport> transport_;  // guarded by mu_
  ReconnectBackoff backoff_;                   // guarded by mu_
  Status lastOpenError_;                       // guarded by mu_
  std::atomic<int64_t> opens_{0};
};

}  // namespace tidal::scalers::redis
