#include "scalers/beanstalkd/beanstalkd_connection.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/strings.h"

namespace tidal::scalers::beanstalkd {
namespace {

using Clock = std::chrono::steady_clock;

// The largest answer accepted: a stats-tube dictionary is about 300 bytes.
constexpr size_t kMaxAnswer = 64 * 1024;

int remainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on `fd` until `deadline`: 1 ready, 0 timed out, -1 error.
int waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int r = ::poll(&p, 1, remainingMs(deadline));
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}

std::string errnoText(int err) {
  char buf[128];
  return std::string(::strerror_r(err, buf, sizeof buf));
}

}  // namespace

BeanstalkdConnection::BeanstalkdConnection(std::string host, std::string port)
    : host_(std::move(host)), port_(std::move(port)) {}

BeanstalkdConnection::~BeanstalkdConnection() {
  std::lock_guard lock(mu_);
  dropLocked();
}

SharedPool<BeanstalkdConnection>& BeanstalkdConnection::pool() {
  static SharedPool<BeanstalkdConnection> pool;
  return pool;
}

void BeanstalkdConnection::dropLocked() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

Status BeanstalkdConnection::connectLocked(Deadline deadline, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addrs = nullptr;
  if (const int rc = ::getaddrinfo(host_.c_str(), port_.c_str(), &hints, &addrs); rc != 0) {
    return unavailable(fmt::format("cannot resolve host: {}", ::gai_strerror(rc)));
  }
  Status last = unavailable("no address to connect to");
  for (addrinfo* a = addrs; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = unavailable("socket: " + errnoText(errno));
      continue;
    }
    int err = 0;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        const int r = waitFor(fd, POLLOUT, deadline);
        if (r == 0) {
          ::close(fd);
          last = Status(StatusCode::kDeadlineExceeded,
                        fmt::format("connect timed out after {} ms", timeout.count()));
          continue;
        }
        socklen_t len = sizeof err;
        err = r < 0 ? errno : 0;
        if (r > 0) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
    if (err != 0) {
      ::close(fd);
      last = unavailable("connect: " + errnoText(err));
      continue;
    }
    fd_ = fd;
    ::freeaddrinfo(addrs);
    return Status::ok();
  }
  ::freeaddrinfo(addrs);
  return last;
}

Status BeanstalkdConnection::sendLocked(const std::string& bytes, Deadline deadline) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (waitFor(fd_, POLLOUT, deadline) <= 0) {
        return Status(StatusCode::kDeadlineExceeded, "timed out sending the command");
      }
      continue;
    }
    return unavailable("send: " + errnoText(errno));
  }
  return Status::ok();
}

Status BeanstalkdConnection::readLocked(size_t n, Deadline deadline,
                                        std::chrono::milliseconds timeout) {
  for (;;) {
    if (n == std::string::npos ? buffer_.find("\r\n") != std::string::npos : buffer_.size() >= n) {
      return Status::ok();
    }
    if (buffer_.size() > kMaxAnswer) return invalidArgument("the answer is too long");
    char chunk[4096];
    const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got > 0) {
      buffer_.append(chunk, static_cast<size_t>(got));
      continue;
    }
    if (got == 0) return unavailable("the server closed the connection");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      const int r = waitFor(fd_, POLLIN, deadline);
      if (r == 0) {
        return Status(StatusCode::kDeadlineExceeded,
                      fmt::format("no answer within {} ms", timeout.count()));
      }
      if (r < 0) return unavailable("poll: " + errnoText(errno));
      continue;
    }
    return unavailable("recv: " + errnoText(errno));
  }
}

StatusOr<std::optional<TubeStats>> BeanstalkdConnection::exchangeLocked(
    const std::string& tube, Deadline deadline, std::chrono::milliseconds timeout) {
  TIDAL_RETURN_IF_ERROR(sendLocked("stats-tube " + tube + "\r\n", deadline));
  TIDAL_RETURN_IF_ERROR(readLocked(std::string::npos, deadline, timeout));
  const size_t eol = buffer_.find("\r\n");
  const std::string line = buffer_.substr(0, eol);
  buffer_.erase(0, eol + 2);
  if (line == "NOT_FOUND") return std::optional<TubeStats>();
  if (!startsWith(line, "OK ")) {
    const bool known = line == "BAD_FORMAT" || line == "UNKNOWN_COMMAND" ||
                       line == "OUT_OF_MEMORY" || line == "INTERNAL_ERROR" || line == "DRAINING";
    if (known) return failedPrecondition(fmt::format("stats-tube {}: {}", tube, line));
    return invalidArgument(
        fmt::format("unexpected answer to stats-tube: \"{}\"", line.substr(0, 64)));
  }
  const std::optional<int64_t> size = parseGoInt(std::string_view(line).substr(3));
  if (!size || *size < 0 || static_cast<size_t>(*size) > kMaxAnswer) {
    return invalidArgument(fmt::format("unexpected answer to stats-tube: \"{}\"", line));
  }
  const size_t n = static_cast<size_t>(*size);
  TIDAL_RETURN_IF_ERROR(readLocked(n + 2, deadline, timeout));
  const std::string body = buffer_.substr(0, n);
  buffer_.erase(0, n + 2);
  TIDAL_ASSIGN_OR_RETURN(TubeStats stats, parseTubeStats(body));
  return std::optional<TubeStats>(stats);
}

StatusOr<std::optional<TubeStats>> BeanstalkdConnection::statsTube(
    const std::string& tube, std::chrono::milliseconds connectTimeout,
    std::chrono::milliseconds ioTimeout) {
  if (!validTubeName(tube)) return invalidArgument("invalid tube name");
  std::lock_guard lock(mu_);
  for (int attempt = 0;; ++attempt) {
    const bool reused = fd_ >= 0;
    if (!reused) {
      TIDAL_RETURN_IF_ERROR(connectLocked(Clock::now() + connectTimeout, connectTimeout));
    }
    StatusOr<std::optional<TubeStats>> out =
        exchangeLocked(tube, Clock::now() + ioTimeout, ioTimeout);
    if (out.isOk()) return out;
    dropLocked();
    // A kept-alive connection the server has closed since (restart, idle timeout): once more.
    if (reused && attempt == 0 && out.status().code() == StatusCode::kUnavailable) continue;
    return out;
  }
}

}  // namespace tidal::scalers::beanstalkd
