#include "scalers/rabbitmq/amqp_connection.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <fmt/format.h>
#include <sys/time.h>

#include "scalers/http/tls_material.h"

namespace tidal::scalers::rabbitmq {

using http::applyTlsMaterial;

namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kFirstBackoff{500};
constexpr milliseconds kMaxBackoff{10000};
constexpr milliseconds kCloseTimeout{500};
constexpr int kFrameMax = 131072;
constexpr char kConnectionName[] = "tidal";

timeval toTimeval(milliseconds ms) {
  ms = std::max(ms, milliseconds(1));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

milliseconds remaining(SteadyClock::time_point deadline) {
  return std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
}

std::string bytesToString(amqp_bytes_t b) {
  return std::string(static_cast<const char*>(b.bytes), b.len);
}

// A status for a broker's close code (AMQP 0-9-1 reply codes).
Status fromReplyCode(uint16_t code, const std::string& text) {
  switch (code) {
    case 404:  // NOT_FOUND
      return notFound(text);
    case 403:  // ACCESS_REFUSED
      return {StatusCode::kPermissionDenied, text};
    case 530:  // NOT_ALLOWED (e.g. no such vhost, or no access to it)
      return failedPrecondition(text);
    default:  // 320 CONNECTION_FORCED (broker stopping), 541 INTERNAL_ERROR, ...
      return unavailable(text);
  }
}

Status fromLibraryError(int code, std::string_view what) {
  const std::string text = fmt::format("{}: {}", what, amqp_error_string2(code));
  if (code == AMQP_STATUS_TIMEOUT || code == AMQP_STATUS_HEARTBEAT_TIMEOUT) {
    return {StatusCode::kDeadlineExceeded, text};
  }
  return unavailable(text);
}

}  // namespace

struct AmqpConnection::State {
  amqp_connection_state_t conn = nullptr;
  amqp_channel_t channel = 0;
  bool channelOpen = false;

  State() : conn(amqp_new_connection()) {}
  ~State() {
    if (conn != nullptr) amqp_destroy_connection(conn);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  void setTimeouts(milliseconds ms) const {
    const timeval tv = toTimeval(ms);
    amqp_set_handshake_timeout(conn, &tv);
    amqp_set_rpc_timeout(conn, &tv);
  }

  // Turns an RPC reply into a status, answering the broker's close (which the protocol requires)
  // and noting what is left usable.
  Status check(const amqp_rpc_reply_t& reply, std::string_view what, bool& connectionLost) {
    switch (reply.reply_type) {
      case AMQP_RESPONSE_NORMAL:
        return Status::ok();
      case AMQP_RESPONSE_NONE:
        connectionLost = true;
        return unavailable(fmt::format("{}: no reply from the broker", what));
      case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        connectionLost = true;
        return fromLibraryError(reply.library_error, what);
      case AMQP_RESPONSE_SERVER_EXCEPTION:
        break;
    }
    if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
      const auto* m = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
      amqp_channel_close_ok_t ok{};
      amqp_send_method(conn, channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
      channelOpen = false;
      return fromReplyCode(m->reply_code,
                           fmt::format("{}: {}", what, bytesToString(m->reply_text)));
    }
    if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
      const auto* m = static_cast<const amqp_connection_close_t*>(reply.reply.decoded);
      amqp_connection_close_ok_t ok{};
      amqp_send_method(conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
      connectionLost = true;
      return fromReplyCode(m->reply_code,
                           fmt::format("{}: {}", what, bytesToString(m->reply_text)));
    }
    connectionLost = true;
    return unavailable(fmt::format("{}: unexpected reply method {:#x}", what, reply.reply.id));
  }
};

AmqpConnection::AmqpConnection(AmqpEndpoint endpoint, const Clock* clock)
    : endpoint_(std::move(endpoint)), clock_(clock) {}

AmqpConnection::~AmqpConnection() {
  std::lock_guard lock(mu_);
  closeLocked();
}

SharedPool<AmqpConnection>& AmqpConnection::pool() {
  static SharedPool<AmqpConnection> pool;
  return pool;
}

int64_t AmqpConnection::opens() const {
  return opens_.load();
}

void AmqpConnection::closeLocked() {
  if (!state_) return;
  // A polite close, briefly: the broker logs an abrupt one as a warning.
  state_->setTimeouts(kCloseTimeout);
  if (state_->channelOpen) amqp_channel_close(state_->conn, state_->channel, AMQP_REPLY_SUCCESS);
  amqp_connection_close(state_->conn, AMQP_REPLY_SUCCESS);
  state_.reset();
}

Status AmqpConnection::openLocked(Deadline deadline) {
  auto st = std::make_unique<State>();
  if (st->conn == nullptr) return internalError("rabbitmq-c could not allocate a connection");
  amqp_socket_t* socket =
      endpoint_.tls ? amqp_ssl_socket_new(st->conn) : amqp_tcp_socket_new(st->conn);
  if (socket == nullptr) return internalError("rabbitmq-c could not create a socket");
  if (endpoint_.tls) {
    TIDAL_RETURN_IF_ERROR(
        applyTlsMaterial(amqp_ssl_socket_get_context(socket),
                         endpoint_.useTlsMaterial ? endpoint_.tlsMaterial : TlsMaterial{}));
    amqp_ssl_socket_set_verify_peer(socket, endpoint_.verifyPeer ? 1 : 0);
    amqp_ssl_socket_set_verify_hostname(socket, endpoint_.verifyPeer ? 1 : 0);
  }
  const milliseconds left = remaining(deadline);
  if (left.count() <= 0) return {StatusCode::kDeadlineExceeded, "cannot connect: timed out"};
  timeval tv = toTimeval(left);
  errno = 0;
  const int rc = amqp_socket_open_noblock(socket, endpoint_.host.c_str(), endpoint_.port, &tv);
  if (rc != AMQP_STATUS_OK) {
    const int err = errno;
    Status s = fromLibraryError(rc, "cannot connect");
    // errno is only telling when it is not the non-blocking connect's own EINPROGRESS.
    if (err != 0 && err != EINPROGRESS && rc == AMQP_STATUS_SOCKET_ERROR) {
      s = Status(s.code(), fmt::format("{} ({})", s.message(), std::strerror(err)));
    }
    if (rc == AMQP_STATUS_SSL_CONNECTION_FAILED || rc == AMQP_STATUS_SSL_PEER_VERIFY_FAILED ||
        rc == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED) {
      s = Status(rc == AMQP_STATUS_SSL_CONNECTION_FAILED ? StatusCode::kUnavailable
                                                         : StatusCode::kFailedPrecondition,
                 fmt::format("TLS handshake: {}", amqp_error_string2(rc)));
    }
    return s;
  }
  st->setTimeouts(std::max(remaining(deadline), milliseconds(1)));

  amqp_table_entry_t name{};
  name.key = amqp_cstring_bytes("connection_name");
  name.value.kind = AMQP_FIELD_KIND_UTF8;
  name.value.value.bytes = amqp_cstring_bytes(kConnectionName);
  amqp_table_t properties{1, &name};
  const amqp_rpc_reply_t login =
      endpoint_.saslExternal
          ? amqp_login_with_properties(st->conn, endpoint_.vhost.c_str(), 0, kFrameMax,
                                       /*heartbeat=*/0, &properties, AMQP_SASL_METHOD_EXTERNAL,
                                       // The broker takes the user from the certificate and
                                       // ignores this, but rabbitmq-c cannot send it empty.
                                       endpoint_.username.c_str())
          : amqp_login_with_properties(st->conn, endpoint_.vhost.c_str(), 0, kFrameMax,
                                       /*heartbeat=*/0, &properties, AMQP_SASL_METHOD_PLAIN,
                                       endpoint_.username.c_str(), endpoint_.password.c_str());
  bool lost = false;
  Status s = st->check(login, "login", lost);
  if (!s.isOk()) {
    // Without authentication_failure_close the broker just drops the socket on a bad login.
    if (login.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        login.library_error == AMQP_STATUS_CONNECTION_CLOSED) {
      return {StatusCode::kPermissionDenied,
              "login: the broker closed the connection (wrong user name or password, or no "
              "access to the vhost)"};
    }
    return s;
  }
  state_ = std::move(st);
  ++opens_;
  return Status::ok();
}

Status AmqpConnection::openChannelLocked(Deadline deadline) {
  // A new number each time: the broker may still be tidying up the channel it just closed.
  state_->channel = static_cast<amqp_channel_t>(state_->channel % 65535 + 1);
  state_->setTimeouts(std::max(remaining(deadline), milliseconds(1)));
  amqp_channel_open(state_->conn, state_->channel);
  bool lost = false;
  Status s = state_->check(amqp_get_rpc_reply(state_->conn), "channel.open", lost);
  if (s.isOk()) {
    state_->channelOpen = true;
  } else if (lost) {
    state_.reset();  // nothing left to close politely
  }
  return s;
}

Status AmqpConnection::ensureOpenLocked(Deadline deadline) {
  if (!state_) {
    const auto now = clock_->monotonicNow();
    if (now < nextAttempt_) {
      const auto wait = std::chrono::duration_cast<milliseconds>(nextAttempt_ - now);
      return Status(lastConnectError_.code(),
                    fmt::format("{} (not retrying for another {} ms)", lastConnectError_.message(),
                                wait.count()));
    }
    Status s = openLocked(deadline);
    if (!s.isOk()) {
      backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
      nextAttempt_ = clock_->monotonicNow() + backoff_;
      lastConnectError_ = s;
      return s;
    }
    backoff_ = milliseconds(0);
  }
  if (!state_->channelOpen) return openChannelLocked(deadline);
  return Status::ok();
}

StatusOr<uint32_t> AmqpConnection::declarePassiveLocked(std::string_view queue, Deadline deadline,
                                                        bool& connectionLost) {
  state_->setTimeouts(std::max(remaining(deadline), milliseconds(1)));
  amqp_bytes_t name{queue.size(), const_cast<char*>(queue.data())};
  const amqp_queue_declare_ok_t* ok =
      amqp_queue_declare(state_->conn, state_->channel, name, /*passive=*/1, /*durable=*/0,
                         /*exclusive=*/0, /*auto_delete=*/0, amqp_empty_table);
  Status s = state_->check(amqp_get_rpc_reply(state_->conn), "queue.declare", connectionLost);
  amqp_maybe_release_buffers(state_->conn);
  if (!s.isOk()) return s;
  if (ok == nullptr) {
    connectionLost = true;
    return unavailable("queue.declare: no reply from the broker");
  }
  return ok->message_count;
}

StatusOr<uint32_t> AmqpConnection::readyMessageCount(std::string_view queue,
                                                     std::chrono::milliseconds timeout) {
  const Deadline deadline = SteadyClock::now() + timeout;
  std::unique_lock lock(mu_, std::defer_lock);
  if (!lock.try_lock_until(deadline)) {
    return Status(
        StatusCode::kDeadlineExceeded,
        fmt::format("timed out after {} ms waiting for the shared connection", timeout.count()));
  }
  for (int attempt = 0;; ++attempt) {
    const bool kept = state_ != nullptr;
    TIDAL_RETURN_IF_ERROR(ensureOpenLocked(deadline));
    bool lost = false;
    StatusOr<uint32_t> count = declarePassiveLocked(queue, deadline, lost);
    if (count.isOk() || !lost) return count;
    state_.reset();  // the socket is gone or the broker closed it: nothing to close politely
    // A connection kept from an earlier call may have died in between (the broker restarted);
    // one fresh connection gets a chance before the error is reported.
    if (!kept || attempt > 0 || remaining(deadline).count() <= 0) return count;
  }
}

}  // namespace tidal::scalers::rabbitmq
