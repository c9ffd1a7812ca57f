#include "scalers/mysql/mysql_connection.h"

#include <algorithm>
#include <cerrno>
#include <optional>

#include <errmsg.h>
#include <fmt/format.h>
#include <mysql.h>
#include <poll.h>
#include <sys/socket.h>

#include "common/strings.h"

namespace tidal::scalers::mysql {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// mysql_library_init is not thread-safe; mysql_init would call it lazily from any thread.
void initLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// libmariadb takes its timeouts in whole seconds: round up, so the limit is never shorter
// than asked for, and never 0 (which would mean "no timeout").
unsigned int wholeSeconds(milliseconds timeout, const std::optional<milliseconds>& cap) {
  if (cap && cap->count() > 0 && *cap < timeout) timeout = *cap;
  const auto s = (std::max<int64_t>(timeout.count(), 1) + 999) / 1000;
  return static_cast<unsigned int>(std::min<int64_t>(s, 3600));
}

// Errors raised by the client library (connection problems) rather than by the server.
bool isClientError(unsigned int code) {
  return (code >= CR_MIN_ERROR && code < 3000) || (code >= 5000 && code < 6000);
}

std::string oneLine(const char* message) {
  std::string s = message != nullptr ? message : "";
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return std::string(trim(s));
}

// The authentication plugins the Go driver accepts with these settings.
std::string allowedAuthPlugins(const MysqlEndpoint& e) {
  std::string list = "caching_sha2_password,sha256_password,client_ed25519";
  if (e.allowNativePasswords) list += ",mysql_native_password";
  if (e.allowOldPasswords) list += ",mysql_old_password";
  if (e.allowCleartextPasswords) list += ",mysql_clear_password";
  return list;
}

StatusOr<double> parseValue(const char* data, unsigned long length) {
  if (data == nullptr) return invalidArgument("the query returned NULL, expected a number");
  const std::string text(data, length);
  if (std::optional<double> v = parseGoFloat(trim(text))) return *v;
  return invalidArgument(fmt::format("the query returned \"{}\", expected a number",
                                     text.size() > 64 ? text.substr(0, 64) + "..." : text));
}

}  // namespace

MysqlConnection::MysqlConnection(MysqlEndpoint endpoint) : endpoint_(std::move(endpoint)) {}

MysqlConnection::~MysqlConnection() {
  std::lock_guard lock(mu_);
  dropLocked();
}

SharedPool<MysqlConnection>& MysqlConnection::pool() {
  static auto* pool = new SharedPool<MysqlConnection>();  // never destroyed: no exit-order issue
  return *pool;
}

void MysqlConnection::dropLocked() {
  if (conn_ != nullptr) mysql_close(conn_);
  conn_ = nullptr;
}

bool MysqlConnection::closedByServerLocked() const {
  const int fd = static_cast<int>(mysql_get_socket(conn_));
  if (fd < 0) return true;
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return false;  // nothing to read: the usual, idle case
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;  // end of stream
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  // Unasked-for bytes on a plain connection are the server's farewell (an error packet before
  // it closes); on TLS they may be protocol records the library has not read yet.
  return endpoint_.tls == TlsMode::kDisabled;
}

Status MysqlConnection::connectLocked(milliseconds timeout) {
  dropLocked();
  initLibrary();
  conn_ = mysql_init(nullptr);
  if (conn_ == nullptr) return unavailable("libmariadb could not allocate a connection");
  const auto start = Clock::now();
  const unsigned int connectSeconds = wholeSeconds(timeout, endpoint_.dialTimeout);
  const unsigned int readSeconds = wholeSeconds(timeout, endpoint_.readTimeout);
  const unsigned int writeSeconds = wholeSeconds(timeout, endpoint_.writeTimeout);
  const unsigned int protocol = MYSQL_PROTOCOL_TCP;  // "localhost" must not mean a local socket
  const unsigned int localInfile = 0;
  const my_bool no = 0;
  const my_bool yes = 1;
  const std::string plugins = allowedAuthPlugins(endpoint_);
  bool optionsOk = mysql_optionsv(conn_, MYSQL_OPT_PROTOCOL, &protocol) == 0 &&
                   mysql_optionsv(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &connectSeconds) == 0 &&
                   mysql_optionsv(conn_, MYSQL_OPT_READ_TIMEOUT, &readSeconds) == 0 &&
                   mysql_optionsv(conn_, MYSQL_OPT_WRITE_TIMEOUT, &writeSeconds) == 0 &&
                   mysql_optionsv(conn_, MYSQL_OPT_LOCAL_INFILE, &localInfile) == 0 &&
                   mysql_optionsv(conn_, MYSQL_OPT_RECONNECT, &no) == 0 &&
                   mysql_optionsv(conn_, MARIADB_OPT_RESTRICTED_AUTH, plugins.c_str()) == 0;
  if (optionsOk && !endpoint_.charset.empty()) {
    optionsOk = mysql_optionsv(conn_, MYSQL_SET_CHARSET_NAME, endpoint_.charset.c_str()) == 0;
  }
  switch (endpoint_.tls) {
    case TlsMode::kDisabled:
      break;
    case TlsMode::kVerify:
      optionsOk = optionsOk && mysql_optionsv(conn_, MYSQL_OPT_SSL_ENFORCE, &yes) == 0 &&
                  mysql_optionsv(conn_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes) == 0;
      break;
    case TlsMode::kSkipVerify:
      optionsOk = optionsOk && mysql_optionsv(conn_, MYSQL_OPT_SSL_ENFORCE, &yes) == 0 &&
                  mysql_optionsv(conn_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no) == 0;
      break;
    case TlsMode::kPreferred:
      // use_ssl without enforcement: TLS when the server offers it.
      optionsOk = optionsOk &&
                  mysql_ssl_set(conn_, nullptr, nullptr, nullptr, nullptr, "DEFAULT") == 0 &&
                  mysql_optionsv(conn_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no) == 0;
      break;
  }
  if (!optionsOk) {
    dropLocked();
    return unavailable("libmariadb refused the connection options");
  }
  const unsigned long flags = endpoint_.multiStatements ? CLIENT_MULTI_STATEMENTS : 0;
  // Non-null user and password: libmariadb would otherwise fall back to its environment.
  if (mysql_real_connect(conn_, endpoint_.host.c_str(), endpoint_.user.c_str(),
                         endpoint_.password.c_str(),
                         endpoint_.dbName.empty() ? nullptr : endpoint_.dbName.c_str(),
                         static_cast<unsigned int>(endpoint_.port), nullptr, flags) == nullptr) {
    const unsigned int code = mysql_errno(conn_);
    const std::string why = oneLine(mysql_error(conn_));
    dropLocked();
    if (isClientError(code) && Clock::now() - start >= milliseconds(connectSeconds * 1000 - 100)) {
      return Status(StatusCode::kDeadlineExceeded,
                    fmt::format("connecting timed out after {} s", connectSeconds));
    }
    return unavailable("cannot connect: " + why);
  }
  if (!endpoint_.sessionVariables.empty()) {
    std::string set = "SET ";
    for (size_t i = 0; i < endpoint_.sessionVariables.size(); ++i) {
      const auto& [name, value] = endpoint_.sessionVariables[i];
      set += fmt::format("{}{}={}", i == 0 ? "" : ", ", name, value);
    }
    if (mysql_real_query(conn_, set.data(), set.size()) != 0) {
      const unsigned int code = mysql_errno(conn_);
      const std::string why = oneLine(mysql_error(conn_));
      dropLocked();
      const std::string what = "setting the connection string's system variables failed: " + why;
      return isClientError(code) ? unavailable(what) : invalidArgument(what);
    }
  }
  return Status::ok();
}

StatusOr<double> MysqlConnection::queryNumber(const std::string& query, milliseconds timeout) {
  std::lock_guard lock(mu_);
  bool reused = conn_ != nullptr;
  if (reused && closedByServerLocked()) {
    dropLocked();
    reused = false;
  }
  for (int attempt = 0;; ++attempt) {
    if (conn_ == nullptr) TIDAL_RETURN_IF_ERROR(connectLocked(timeout));
    const auto start = Clock::now();
    const unsigned int readSeconds = wholeSeconds(timeout, endpoint_.readTimeout);
    // A failure of the library (not of the query): drop the connection; a server error leaves
    // the connection usable.
    auto failWith = [&](std::string_view what, unsigned int code,
                        const std::string& why) -> Status {
      if (!isClientError(code)) return invalidArgument(fmt::format("{}: {}", what, why));
      dropLocked();
      if (Clock::now() - start >= milliseconds(readSeconds * 1000 - 100)) {
        return Status(StatusCode::kDeadlineExceeded,
                      fmt::format("the query timed out after {} s", readSeconds));
      }
      return unavailable(fmt::format("{}: {}", what, why));
    };
    auto fail = [&](std::string_view what) {
      return failWith(what, mysql_errno(conn_), oneLine(mysql_error(conn_)));
    };
    if (mysql_real_query(conn_, query.data(), query.size()) != 0) {
      const unsigned int code = mysql_errno(conn_);
      // The server closed a reused connection just now: reconnect once and try again.
      if (reused && attempt == 0 && (code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST) &&
          Clock::now() - start < milliseconds(200)) {
        dropLocked();
        continue;
      }
      return fail("the query failed");
    }
    MYSQL_RES* res = mysql_use_result(conn_);
    if (res == nullptr) {
      if (mysql_errno(conn_) != 0) return fail("reading the result failed");
      return invalidArgument("the query returned no rows");
    }
    StatusOr<double> value = invalidArgument("the query returned no rows");
    if (MYSQL_ROW row = mysql_fetch_row(res)) {
      const unsigned long* lengths = mysql_fetch_lengths(res);
      value = parseValue(row[0], lengths != nullptr ? lengths[0] : 0);
    } else if (const unsigned int code = mysql_errno(conn_); code != 0) {
      const std::string why = oneLine(mysql_error(conn_));
      mysql_free_result(res);
      return failWith("reading the result failed", code, why);
    }
    mysql_free_result(res);  // reads and discards any further rows
    if (mysql_errno(conn_) != 0) return fail("reading the result failed");
    // Further results (multiStatements): read them so the connection is ready for the next
    // query; only the first one counts.
    while (mysql_more_results(conn_)) {
      const int rc = mysql_next_result(conn_);
      if (rc != 0) {
        if (rc > 0 && isClientError(mysql_errno(conn_))) return fail("reading the result failed");
        break;
      }
      if (MYSQL_RES* more = mysql_use_result(conn_)) mysql_free_result(more);
    }
    return value;
  }
}

}  // namespace tidal::scalers::mysql
