#include "scalers/postgresql/pg_connection.h"

#include <cerrno>
#include <optional>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <poll.h>

#include "common/strings.h"
#include "scalers/postgresql/libpq.h"

namespace tidal::scalers::postgresql {
namespace {

using SteadyClock = std::chrono::steady_clock;

// libpq's messages end with a newline and may span lines; one line reads better in a status.
std::string oneLine(const char* message) {
  std::string s = message != nullptr ? message : "";
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return std::string(trim(s));
}

// Waits until `fd` is readable (or writable) or the deadline passes. false on timeout.
bool waitFor(int fd, bool forWrite, SteadyClock::time_point deadline) {
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, static_cast<short>(forWrite ? POLLOUT : POLLIN), 0};
    const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return true;  // let libpq report the socket's problem
  }
}

// The first column of the first row of `r` as a number.
StatusOr<double> readNumber(const LibPq& pq, const PGresult* r) {
  const ExecStatusType st = pq.resultStatus(r);
  if (st == PGRES_COMMAND_OK) return invalidArgument("the query returned no rows");
  if (st != PGRES_TUPLES_OK) {
    return invalidArgument("the query failed: " + oneLine(pq.resultErrorMessage(r)));
  }
  if (pq.ntuples(r) < 1 || pq.nfields(r) < 1) return invalidArgument("the query returned no rows");
  if (pq.getisnull(r, 0, 0) != 0) {
    return invalidArgument("the query returned NULL, expected a number");
  }
  const std::string text = pq.getvalue(r, 0, 0);
  if (std::optional<double> v = parseGoFloat(trim(text))) return *v;
  return invalidArgument(fmt::format("the query returned \"{}\", expected a number",
                                     text.size() > 64 ? text.substr(0, 64) + "..." : text));
}

Status timedOut(std::chrono::milliseconds timeout, std::string_view what) {
  return Status(StatusCode::kDeadlineExceeded,
                fmt::format("{} timed out after {} ms", what, timeout.count()));
}

}  // namespace

std::string sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

PgConnection::PgConnection(std::string conninfo) : conninfo_(std::move(conninfo)) {}

PgConnection::~PgConnection() {
  std::lock_guard lock(mu_);
  dropLocked();
}

SharedPool<PgConnection>& PgConnection::pool() {
  static auto* pool = new SharedPool<PgConnection>();  // never destroyed: no exit-order issue
  return *pool;
}

void PgConnection::dropLocked() {
  if (conn_ != nullptr) pq_->finish(conn_);
  conn_ = nullptr;
}

Status PgConnection::connectLocked(SteadyClock::time_point deadline) {
  dropLocked();
  if (pq_ == nullptr) {
    TIDAL_ASSIGN_OR_RETURN(pq_, libpq());
  }
  conn_ = pq_->connectStart(conninfo_.c_str());
  if (conn_ == nullptr) return unavailable("libpq could not allocate a connection");
  if (pq_->status(conn_) == CONNECTION_BAD) {
    // A connection string libpq cannot parse fails here, before any I/O.
    Status s = invalidArgument("cannot connect: " + oneLine(pq_->errorMessage(conn_)));
    dropLocked();
    return s;
  }
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) {
      Status s = unavailable("cannot connect: " + oneLine(pq_->errorMessage(conn_)));
      dropLocked();
      return s;
    }
    if (!waitFor(pq_->socket(conn_), state == PGRES_POLLING_WRITING, deadline)) {
      dropLocked();
      return Status(StatusCode::kDeadlineExceeded, "connecting timed out");
    }
    state = pq_->connectPoll(conn_);
  }
  if (pq_->setnonblocking(conn_, 1) != 0) {
    Status s = unavailable("cannot switch the connection to non-blocking mode");
    dropLocked();
    return s;
  }
  return Status::ok();
}

StatusOr<double> PgConnection::queryNumber(const std::string& query,
                                           std::chrono::milliseconds timeout) {
  std::lock_guard lock(mu_);
  const auto deadline = SteadyClock::now() + timeout;
  if (conn_ == nullptr || pq_->status(conn_) != CONNECTION_OK) {
    Status s = connectLocked(deadline);
    if (s.code() == StatusCode::kDeadlineExceeded) return timedOut(timeout, "connecting");
    TIDAL_RETURN_IF_ERROR(s);
  }
  if (pq_->sendQuery(conn_, query.c_str()) != 1) {
    // Usually a connection the server closed since the last poll: reconnect once and retry.
    TIDAL_RETURN_IF_ERROR(connectLocked(deadline));
    if (pq_->sendQuery(conn_, query.c_str()) != 1) {
      Status s = unavailable("sending the query failed: " + oneLine(pq_->errorMessage(conn_)));
      dropLocked();
      return s;
    }
  }
  // Flush what libpq buffered, then read until the result is complete.
  while (true) {
    const int flushed = pq_->flush(conn_);
    if (flushed == 0) break;
    if (flushed < 0 || !waitFor(pq_->socket(conn_), true, deadline)) {
      dropLocked();
      return flushed < 0 ? unavailable("sending the query failed")
                         : timedOut(timeout, "sending the query");
    }
  }
  // Waits until libpq has a whole result to hand out, so PQgetResult does not block.
  auto awaitResult = [&]() -> Status {
    while (pq_->isBusy(conn_) != 0) {
      if (!waitFor(pq_->socket(conn_), false, deadline)) {
        if (PGcancel* cancel = pq_->getCancel(conn_)) {
          char err[256];
          pq_->cancel(cancel, err, sizeof err);
          pq_->freeCancel(cancel);
        }
        dropLocked();
        return timedOut(timeout, "the query");
      }
      if (pq_->consumeInput(conn_) != 1) {
        Status s = unavailable("the connection failed: " + oneLine(pq_->errorMessage(conn_)));
        dropLocked();
        return s;
      }
    }
    return Status::ok();
  };
  // Take every result (a multi-statement query gives several); the first one counts.
  StatusOr<double> value = invalidArgument("the query returned no result");
  bool first = true;
  while (true) {
    TIDAL_RETURN_IF_ERROR(awaitResult());
    PGresult* r = pq_->getResult(conn_);
    if (r == nullptr) break;
    if (first) {
      first = false;
      value = readNumber(*pq_, r);
    }
    pq_->clear(r);
  }
  if (pq_->status(conn_) != CONNECTION_OK) {
    const std::string why = oneLine(pq_->errorMessage(conn_));
    dropLocked();
    if (!value.isOk()) return unavailable("the connection failed: " + why);
  }
  return value;
}

}  // namespace tidal::scalers::postgresql
