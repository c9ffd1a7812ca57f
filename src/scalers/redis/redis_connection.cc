#include "scalers/redis/redis_connection.h"

#include <fmt/format.h>

namespace tidal::scalers::redis {

std::string RedisEndpoint::poolKey() const {
  // Length-prefixed fields, so that no choice of values can make two endpoints collide.
  return fmt::format("{}:{}|{}:{}|{}:{}|{}", address.host.size(), address.host, username.size(),
                     username, password.size(), password, address.port) +
         fmt::format("|{}|{}:{}", database, transport.size(), transport);
}

void ReconnectBackoff::failed(TimePoint now) {
  delay_ = delay_.count() == 0 ? initial_ : std::min(delay_ * 2, max_);
  nextAttempt_ = now + delay_;
}

void ReconnectBackoff::succeeded() {
  delay_ = std::chrono::milliseconds(0);
  nextAttempt_ = {};
}

RedisConnection::RedisConnection(RedisEndpoint endpoint, RedisTransportFactory makeTransport,
                                 const Clock* clock)
    : endpoint_(std::move(endpoint)), makeTransport_(std::move(makeTransport)), clock_(clock) {}

Status RedisConnection::prefixed(const Status& s) const {
  return s.withPrefix(fmt::format("redis {}", endpoint_.name()));
}

StatusOr<RedisReply> RedisConnection::command(const std::vector<std::string>& args,
                                              Deadline deadline, bool asking) {
  std::unique_lock lock(mu_, std::defer_lock);
  if (!lock.try_lock_until(deadline)) {
    return Status(
        StatusCode::kDeadlineExceeded,
        fmt::format("redis {}: timed out waiting for the shared connection", endpoint_.name()));
  }
  const bool reused = transport_ != nullptr && transport_->isOpen();
  TIDAL_RETURN_IF_ERROR(ensureOpenLocked(deadline));
  StatusOr<RedisReply> reply = sendLocked(args, deadline, asking);
  if (reply.isOk() || !reused || reply.status().code() != StatusCode::kUnavailable) {
    if (!reply.isOk()) return prefixed(reply.status());
    return reply;
  }
  // The kept connection was broken (a server restart, an idle timeout): reopen once, now.
  TIDAL_RETURN_IF_ERROR(ensureOpenLocked(deadline));
  reply = sendLocked(args, deadline, asking);
  if (!reply.isOk()) return prefixed(reply.status());
  return reply;
}

StatusOr<RedisReply> RedisConnection::sendLocked(const std::vector<std::string>& args,
                                                 Deadline deadline, bool asking) {
  if (asking) {
    TIDAL_ASSIGN_OR_RETURN(RedisReply ok, transport_->roundTrip({"ASKING"}, deadline));
    if (ok.isError()) return errorReplyStatus(ok, "ASKING");
  }
  return transport_->roundTrip(args, deadline);
}

Status RedisConnection::ensureOpenLocked(Deadline deadline) {
  if (transport_ != nullptr && transport_->isOpen()) return Status::ok();
  const auto now = clock_->monotonicNow();
  if (!backoff_.mayAttempt(now)) {
    // Fail fast with what the last attempt said; the next one comes after the backoff.
    return lastOpenError_;
  }
  Status s = openLocked(deadline);
  if (s.isOk()) {
    backoff_.succeeded();
    lastOpenError_ = Status::ok();
    opens_.fetch_add(1);
    return s;
  }
  if (transport_ != nullptr) transport_->close();
  backoff_.failed(clock_->monotonicNow());
  lastOpenError_ = prefixed(s);
  return lastOpenError_;
}

Status RedisConnection::openLocked(Deadline deadline) {
  if (transport_ == nullptr) transport_ = makeTransport_();
  TIDAL_RETURN_IF_ERROR(transport_->open(endpoint_.address, deadline));
  return handshakeLocked(deadline);
}

Status RedisConnection::handshakeLocked(Deadline deadline) {
  if (!endpoint_.username.empty() || !endpoint_.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!endpoint_.username.empty()) auth.push_back(endpoint_.username);
    auth.push_back(endpoint_.password);
    TIDAL_ASSIGN_OR_RETURN(RedisReply r, transport_->roundTrip(auth, deadline));
    // The reply never echoes the password, and the command is not part of the message.
    if (r.isError()) return errorReplyStatus(r, "AUTH");
  }
  // Names the connection in CLIENT LIST; a server or proxy that refuses it is no problem.
  TIDAL_ASSIGN_OR_RETURN(RedisReply named,
                         transport_->roundTrip({"CLIENT", "SETNAME", "tidal"}, deadline));
  (void)named;
  if (endpoint_.database != 0) {
    TIDAL_ASSIGN_OR_RETURN(
        RedisReply r,
        transport_->roundTrip({"SELECT", std::to_string(endpoint_.database)}, deadline));
    if (r.isError()) {
      Status s = errorReplyStatus(r, fmt::format("SELECT {}", endpoint_.database));
      return s;
    }
  }
  return Status::ok();
}

SharedPool<RedisConnection>& RedisConnection::pool() {
  static auto* pool = new SharedPool<RedisConnection>();  // never destroyed: no exit order issue
  return *pool;
}

std::shared_ptr<RedisConnection> RedisConnection::shared(const RedisEndpoint& endpoint,
                                                         const RedisTransportFactory& makeTransport,
                                                         const Clock* clock) {
  return pool().acquire(endpoint.poolKey(), [&] {
    return std::make_shared<RedisConnection>(endpoint, makeTransport, clock);
  });
}

}  // namespace tidal::scalers::redis
