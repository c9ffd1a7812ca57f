// One AMQP 0-9-1 connection to a RabbitMQ broker (rabbitmq-c), kept open and shared by every
// rabbitmq trigger with the same endpoint and credentials, used to read a queue's ready-message
// count with a passive queue.declare.
//
// Behaviour:
//   - The connection is opened lazily, on the first call, not when a scaler is built.
//   - Every call is bounded by the timeout it is given: waiting for the connection's lock, the TCP
//     connect, the TLS and AMQP handshakes and each RPC (rabbitmq-c socket, handshake and RPC
//     timeouts).
//   - A failed connect is retried no sooner than a backoff (0.5 s doubling to 10 s, reset on
//     success); until then calls fail fast with the last error, so a thousand triggers on a dead
//     broker do not hammer it. A kept connection found broken (the broker restarted) is reopened
//     once at once within the same call.
//   - A missing queue closes only the channel (404); the next call opens a new one.
//   - Heartbeats are off: the connection is used in bursts, and a dead peer is found by the RPC
//     timeout instead.
//
// Threading: thread-safe; calls on one connection are serialised (rabbitmq-c connections are
// not thread-safe), which costs little because a passive declare takes well under a millisecond.
//
// Errors: kUnavailable (cannot connect, connection lost), kDeadlineExceeded (timed out),
// kNotFound (no such queue), kPermissionDenied (login refused, no access to the vhost or queue),
// kInvalidArgument (unusable TLS material). Messages name the endpoint "host:port" but never the
// credentials.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "scalers/rabbitmq/rabbitmq_metadata.h"
#include "scalers/shared_pool.h"

namespace tidal::scalers::rabbitmq {

class AmqpConnection {
 public:
  // `clock` (for the backoff) must outlive the connection.
  AmqpConnection(AmqpEndpoint endpoint, const Clock* clock);
  ~AmqpConnection();
  AmqpConnection(const AmqpConnection&) = delete;
  AmqpConnection& operator=(const AmqpConnection&) = delete;

  // The number of ready messages in `queue` (passive declare), within `timeout`.
  StatusOr<uint32_t> readyMessageCount(std::string_view queue, std::chrono::milliseconds timeout);

  // How many times a connection was successfully opened (for tests and diagnostics).
  int64_t opens() const;
  const AmqpEndpoint& endpoint() const { return endpoint_; }

  // The process-wide pool the rabbitmq scaler shares connections through.
  static SharedPool<AmqpConnection>& pool();

 private:
  struct State;
  using Deadline = std::chrono::steady_clock::time_point;

  Status ensureOpenLocked(Deadline deadline);
  Status openLocked(Deadline deadline);
  void closeLocked();
  StatusOr<uint32_t> declarePassiveLocked(std::string_view queue, Deadline deadline,
                                          bool& connectionLost);
  Status openChannelLocked(Deadline deadline);

  const AmqpEndpoint endpoint_;
  const Clock* clock_;
  std::timed_mutex mu_;
  std::unique_ptr<State> state_;  // guarded by mu_
  std::chrono::steady_clock::time_point nextAttempt_{};
  std::chrono::milliseconds backoff_{0};
  Status lastConnectError_;
  std::atomic<int64_t> opens_{0};
};

}  // namespace tidal::scalers::rabbitmq
