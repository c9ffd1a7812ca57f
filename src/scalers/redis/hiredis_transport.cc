#include "scalers/redis/hiredis_transport.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

namespace tidal::scalers::redis {
namespace {

timeval toTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// A hiredis context error as a Status. A read or write that hit the socket timeout reports
// EAGAIN; a connect that timed out reports ETIMEDOUT or EINPROGRESS.
Status contextError(const redisContext* c, std::string_view what) {
  const bool timedOut = c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK ||
                                                   errno == ETIMEDOUT || errno == EINPROGRESS);
  if (timedOut) return {StatusCode::kDeadlineExceeded, fmt::format("{}: timed out", what)};
  if (c->err == REDIS_ERR_EOF) {
    return unavailable(fmt::format("{}: the server closed the connection", what));
  }
  return unavailable(fmt::format("{}: {}", what, c->errstr[0] != '\0' ? c->errstr : "I/O error"));
}

class HiredisTransport : public RedisTransport {
 public:
  ~HiredisTransport() override { close(); }

  Status open(const HostPort& address, Deadline deadline) override {
    close();
    errno = 0;
    ctx_ = redisConnectWithTimeout(address.host.c_str(), address.port,
                                   toTimeval(remainingMillis(deadline)));
    if (ctx_ == nullptr) return unavailable("connect: out of memory");
    if (ctx_->err != 0) {
      Status s = contextError(ctx_, "connect");
      close();
      return s;
    }
    return Status::ok();
  }

  StatusOr<RedisReply> roundTrip(const std::vector<std::string>& args, Deadline deadline) override {
    if (ctx_ == nullptr) return unavailable("not connected");
    if (redisSetTimeout(ctx_, toTimeval(remainingMillis(deadline))) != REDIS_OK) {
      Status s = contextError(ctx_, "set timeout");
      close();
      return s;
    }
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    errno = 0;
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (reply == nullptr) {
      Status s = contextError(ctx_, args.empty() ? std::string("command") : args.front());
      close();
      return s;
    }
    RedisReply out = fromHiredisReply(reply);
    freeReplyObject(reply);
    return out;
  }

  StatusOr<std::optional<RedisReply>> awaitPush(Deadline deadline) override {
    if (ctx_ == nullptr) return unavailable("not connected");
    void* raw = nullptr;
    // A reply may already sit in hiredis's buffer from an earlier read.
    if (redisReaderGetReply(ctx_->reader, &raw) != REDIS_OK) {
      Status s = unavailable("read: protocol error");
      close();
      return s;
    }
    if (raw == nullptr) {
      pollfd pfd{ctx_->fd, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, static_cast<int>(remainingMillis(deadline).count()));
      if (ready == 0 || (ready < 0 && errno == EINTR)) return std::optional<RedisReply>();
      if (ready < 0) {
        Status s = unavailable(fmt::format("poll: {}", std::strerror(errno)));
        close();
        return s;
      }
      // Something arrived: read one whole reply, bounded by the socket timeout.
      if (redisSetTimeout(ctx_, toTimeval(std::chrono::milliseconds(2000))) != REDIS_OK ||
          redisGetReply(ctx_, &raw) != REDIS_OK) {
        Status s = contextError(ctx_, "read");
        close();
        return s;
      }
    }
    auto* reply = static_cast<redisReply*>(raw);
    RedisReply out = fromHiredisReply(reply);
    freeReplyObject(reply);
    return std::optional<RedisReply>(std::move(out));
  }

  bool isOpen() const override { return ctx_ != nullptr; }

  void close() override {
    if (ctx_ != nullptr) {
      redisFree(ctx_);
      ctx_ = nullptr;
    }
  }

 private:
  redisContext* ctx_ = nullptr;
};

}  // namespace

std::chrono::milliseconds remainingMillis(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

std::unique_ptr<RedisTransport> newHiredisTransport() {
  return std::make_unique<HiredisTransport>();
}

RedisReply fromHiredisReply(const redisReply* reply) {
  if (reply == nullptr) return RedisReply::nil();
  switch (reply->type) {
    case REDIS_REPLY_STRING:
      return RedisReply::string(std::string(reply->str, reply->len));
    case REDIS_REPLY_STATUS:
      return RedisReply::status(std::string(reply->str, reply->len));
    case REDIS_REPLY_ERROR:
      return RedisReply::error(std::string(reply->str, reply->len));
    case REDIS_REPLY_INTEGER:
      return RedisReply::integerReply(reply->integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<RedisReply> elements;
      elements.reserve(reply->elements);
      for (size_t i = 0; i < reply->elements; ++i) {
        elements.push_back(fromHiredisReply(reply->element[i]));
      }
      return RedisReply::array(std::move(elements));
    }
    default:
      return RedisReply::nil();
  }
}

}  // namespace tidal::scalers::redis
