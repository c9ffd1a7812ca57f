// One MySQL/MariaDB connection (libmariadb), opened on first use, shared by every mysql trigger
// with the same connection settings (pool key: MysqlEndpoint::poolKey(), the password as a
// SHA-256), and re-opened after a failure.
//
// queryNumber() runs one query and reads the first column of the first row as a number. Every
// step is bounded: libmariadb's connect, read and write timeouts are set to the call's timeout
// (capped further by the DSN's timeout/readTimeout/writeTimeout), rounded up to whole seconds,
// which is the library's unit. The connection always uses TCP (never a local socket, even for
// "localhost"), never reads option files, and refuses LOAD DATA LOCAL INFILE, so neither a query
// nor a server can make tidal read a local file. Authentication plugins are limited to the ones
// the Go driver allows by default (mysql_clear_password only with allowCleartextPasswords=true).
// Calls on one connection are serialised.
//
// Errors: kUnavailable (cannot connect, access denied, connection lost), kDeadlineExceeded
// (timed out), kInvalidArgument (the server refused the query, or it did not return a number:
// retrying will not help). Messages come from the server or libmariadb (neither repeats a
// password) prefixed with what failed; they never contain the connection string.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "common/status.h"
#include "scalers/mysql/mysql_dsn.h"
#include "scalers/shared_pool.h"

typedef struct st_mysql MYSQL;  // NOLINT: libmariadb's own declaration

namespace tidal::scalers::mysql {

// What the scaler needs of a connection; a fake in unit tests.
class NumberQuerier {
 public:
  virtual ~NumberQuerier() = default;
  virtual StatusOr<double> queryNumber(const std::string& query,
                                       std::chrono::milliseconds timeout) = 0;
};

class MysqlConnection : public NumberQuerier {
 public:
  // Kept only in memory; the password is never printed.
  explicit MysqlConnection(MysqlEndpoint endpoint);
  ~MysqlConnection() override;
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  StatusOr<double> queryNumber(const std::string& query,
                               std::chrono::milliseconds timeout) override;

  // The process-wide pool mysql triggers share connections through.
  static SharedPool<MysqlConnection>& pool();

 private:
  Status connectLocked(std::chrono::milliseconds timeout);
  void dropLocked();
  // Whether the idle connection was closed by the server (its socket is readable).
  bool closedByServerLocked() const;

  const MysqlEndpoint endpoint_;
  std::mutex mu_;
  MYSQL* conn_ = nullptr;
};

}  // namespace tidal::scalers::mysql
