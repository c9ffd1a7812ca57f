// One TCP connection to a beanstalkd server, speaking the few words of its text protocol the
// scaler needs (`stats-tube <tube>`), shared by every beanstalkd trigger on the same host:port
// (beanstalkd has no authentication, and `stats-tube` does not depend on the tube in `use`, so
// one connection serves every tube). Opened on first use, kept open, re-opened after a failure.
//
// Every call is bounded: connecting by the trigger's `timeout`, and sending the command and
// reading the whole answer by `ioTimeout`; after a time-out or any protocol surprise the
// connection is dropped (its state is unknown) and the next call opens a fresh one. A kept-alive
// connection the server closed in the meantime is retried once on a new connection. Calls on one
// connection are serialised. Name resolution uses getaddrinfo, which has no timeout of its own.
//
// Errors: kUnavailable (cannot resolve or connect, connection lost), kDeadlineExceeded (timed
// out), kFailedPrecondition (the server refused the command: BAD_FORMAT, OUT_OF_MEMORY, ...),
// kInvalidArgument (an answer that is not beanstalkd's). Messages name what failed, not the
// server (the scaler adds it).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "common/status.h"
#include "scalers/beanstalkd/beanstalkd_metadata.h"
#include "scalers/shared_pool.h"

namespace tidal::scalers::beanstalkd {

// What the scaler needs of a connection; a fake in unit tests.
class TubeStatsReader {
 public:
  virtual ~TubeStatsReader() = default;
  // The tube's counters, or nullopt when the server has no such tube (NOT_FOUND: beanstalkd
  // creates tubes on use and drops them when empty and unwatched).
  virtual StatusOr<std::optional<TubeStats>> statsTube(const std::string& tube,
                                                       std::chrono::milliseconds connectTimeout,
                                                       std::chrono::milliseconds ioTimeout) = 0;
};

class BeanstalkdConnection : public TubeStatsReader {
 public:
  // `host` without IPv6 brackets; `port` numeric. No I/O here.
  BeanstalkdConnection(std::string host, std::string port);
  ~BeanstalkdConnection() override;
  BeanstalkdConnection(const BeanstalkdConnection&) = delete;
  BeanstalkdConnection& operator=(const BeanstalkdConnection&) = delete;

  StatusOr<std::optional<TubeStats>> statsTube(const std::string& tube,
                                               std::chrono::milliseconds connectTimeout,
                                               std::chrono::milliseconds ioTimeout) override;

  // The process-wide pool beanstalkd triggers share connections through (key: host:port).
  static SharedPool<BeanstalkdConnection>& pool();

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  Status connectLocked(Deadline deadline, std::chrono::milliseconds timeout);
  Status sendLocked(const std::string& bytes, Deadline deadline);
  // Reads until `buffer_` holds `n` bytes (n == npos: until it holds a "\r\n").
  Status readLocked(size_t n, Deadline deadline, std::chrono::milliseconds timeout);
  StatusOr<std::optional<TubeStats>> exchangeLocked(const std::string& tube, Deadline deadline,
                                                    std::chrono::milliseconds timeout);
  void dropLocked();

  const std::string host_;
  const std::string port_;
  std::mutex mu_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace tidal::scalers::beanstalkd
