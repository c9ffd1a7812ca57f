// One PostgreSQL connection (libpq), opened on first use, shared by every postgresql trigger with
// the same server, database, user, password and sslmode (pool key: the connection parameters
// with the password replaced by its SHA-256), and re-opened after a failure.
//
// queryNumber() runs one query and reads the first column of the first row as a number, within
// a deadline: the connection is made with libpq's non-blocking calls and the query is sent
// asynchronously, so a server that does not answer costs at most the timeout (a query still
// running then is cancelled and the connection dropped). Calls on one connection are serialised.
//
// Errors: kUnavailable (cannot connect, connection lost), kDeadlineExceeded (timed out),
// kInvalidArgument (the query failed or did not return a number: retrying will not help).
// Messages come from libpq (which never repeats a password) prefixed with what failed; they
// never contain the connection string.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "common/status.h"
#include "scalers/shared_pool.h"

typedef struct pg_conn PGconn;  // NOLINT: libpq's own declaration

namespace tidal::scalers::postgresql {

struct LibPq;

// What the scaler needs of a connection; a fake in unit tests.
class NumberQuerier {
 public:
  virtual ~NumberQuerier() = default;
  virtual StatusOr<double> queryNumber(const std::string& query,
                                       std::chrono::milliseconds timeout) = 0;
};

class PgConnection : public NumberQuerier {
 public:
  // `conninfo` is a libpq connection string or URI; kept only in memory, never printed.
  explicit PgConnection(std::string conninfo);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  StatusOr<double> queryNumber(const std::string& query,
                               std::chrono::milliseconds timeout) override;

  // The process-wide pool postgresql triggers share connections through.
  static SharedPool<PgConnection>& pool();

 private:
  Status connectLocked(std::chrono::steady_clock::time_point deadline);
  void dropLocked();

  const std::string conninfo_;
  std::mutex mu_;
  const LibPq* pq_ = nullptr;  // loaded at the first connect (scalers/postgresql/libpq.h)
  PGconn* conn_ = nullptr;
};

// The SHA-256 of `text` in hex, for pool keys that must not hold a password in clear.
std::string sha256Hex(std::string_view text);

}  // namespace tidal::scalers::postgresql
