// The MySQL connection settings of a `mysql` trigger: a Go MySQL driver DSN
// (`[user[:password]@][net[(addr)]]/dbname[?param=value&...]`, what KEDA's connectionString is)
// parsed the way that driver parses it, into separate fields that go to libmariadb one by one.
// No string is ever re-assembled from the parts, so no value (a password full of '@', ':', '/',
// '?', quotes or tabs) can change the host, port or database. Pure: no I/O.
//
// The split follows the Go driver exactly: the database starts after the LAST '/', the
// credentials end at the last '@' before it, the user ends at the first ':'. A password may
// therefore hold any character; a parameter value holding '/' must be URL-escaped (as in Go).
//
// Example:
//   StatusOr<MysqlEndpoint> e = parseMysqlDsn("app:p@ss/w:rd@tcp(db:3307)/jobs?tls=skip-verify");
//   e->user == "app", e->password == "p@ss/w:rd", e->host == "db", e->port == 3307,
//   e->dbName == "jobs", e->tls == TlsMode::kSkipVerify
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tidal::scalers::mysql {

// The Go driver's `tls` values tidal supports (custom registered configs exist only in Go code).
enum class TlsMode {
  kDisabled,    // false (the default): plain TCP
  kVerify,      // true: TLS required, server certificate and host name verified
  kSkipVerify,  // skip-verify: TLS required, certificate not checked
  kPreferred,   // preferred: TLS when the server offers it, certificate not checked
};
std::string_view tlsModeName(TlsMode mode);  // "false", "true", "skip-verify", "preferred"

// Everything needed to open one connection. Holds the password: never print it.
struct MysqlEndpoint {
  std::string user;
  std::string password;  // secret
  std::string host;      // a name or an IP address (IPv6 without brackets)
  int port = 3306;
  std::string dbName;  // empty: no default database
  TlsMode tls = TlsMode::kDisabled;
  bool multiStatements = false;
  bool allowCleartextPasswords = false;
  bool allowNativePasswords = true;
  bool allowOldPasswords = false;
  std::string charset;  // the first of the DSN's `charset` list; empty: the library default
  // DSN timeouts (Go durations); the trigger's timeout caps them.
  std::optional<std::chrono::milliseconds> dialTimeout;
  std::optional<std::chrono::milliseconds> readTimeout;
  std::optional<std::chrono::milliseconds> writeTimeout;
  // Parameters the Go driver does not know: session system variables, set after connecting with
  // `SET name=value, ...` (sorted by name), as the Go driver does.
  std::vector<std::pair<std::string, std::string>> sessionVariables;

  // "host:port/db" for messages (IPv6 hosts in brackets); no credentials.
  std::string server() const;
  // Every field that makes two connections interchangeable, the password as a SHA-256.
  std::string poolKey() const;
};

// Parses a Go MySQL DSN. kInvalidArgument with a message that never quotes the password; values
// are checked (port 1..65535, known `tls` values, tcp network, no NUL bytes).
StatusOr<MysqlEndpoint> parseMysqlDsn(std::string_view dsn);

// What KEDA names the database of a connection string in the metric name: everything after the
// last '/', parameters included (so `.../jobs?tls=true` gives "jobs?tls=true"). Never reaches
// the credentials, which always come before that '/'.
std::string dsnMetricDbName(std::string_view dsn);

// The SHA-256 of `text` in hex, for pool keys that must not hold a password in clear.
std::string sha256Hex(std::string_view text);

}  // namespace tidal::scalers::mysql
