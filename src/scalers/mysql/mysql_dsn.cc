#include "scalers/mysql/mysql_dsn.h"

#include <algorithm>
#include <cctype>
#include <map>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "common/strings.h"
#include "scalers/params.h"

namespace tidal::scalers::mysql {
namespace {

// Go's url.QueryUnescape: '+' is a space, %XX a byte; a broken escape is an error.
std::optional<std::string> queryUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex(s[i + 1]);
      const int lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The Go driver's readBool.
std::optional<bool> readBool(std::string_view v) {
  if (v == "1" || v == "true" || v == "TRUE" || v == "True") return true;
  if (v == "0" || v == "false" || v == "FALSE" || v == "False") return false;
  return std::nullopt;
}

bool isIdentifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])) != 0) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

Status dsnError(std::string_view what) {
  return invalidArgument(fmt::format("invalid DSN: {}", what));
}

// Splits a Go network address ("host:port", "[v6]:port", "host", "v6") like net.SplitHostPort,
// with 3306 when there is no port (the Go driver's ensureHavePort).
Status splitAddress(std::string_view addr, MysqlEndpoint& out) {
  std::string_view host = addr;
  std::string_view port;
  bool hasPort = false;
  if (startsWith(addr, "[")) {
    const size_t close = addr.find(']');
    if (close == std::string_view::npos) return dsnError("unterminated '[' in the address");
    host = addr.substr(1, close - 1);
    const std::string_view rest = addr.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return dsnError("unexpected text after ']' in the address");
      port = rest.substr(1);
      hasPort = true;
    }
  } else if (std::count(addr.begin(), addr.end(), ':') == 1) {
    const size_t colon = addr.find(':');
    host = addr.substr(0, colon);
    port = addr.substr(colon + 1);
    hasPort = true;
  }
  if (host.empty()) host = "127.0.0.1";  // Go dials the local host for ":port"
  out.host = std::string(host);
  if (hasPort) {
    std::optional<int64_t> p = parseGoInt(port);
    if (!p || *p < 1 || *p > 65535) {
      return dsnError(fmt::format("port \"{}\" must be a number from 1 to 65535", port));
    }
    out.port = static_cast<int>(*p);
  }
  return Status::ok();
}

Status applyDuration(std::string_view key, std::string_view value,
                     std::optional<std::chrono::milliseconds>& out) {
  StatusOr<std::chrono::milliseconds> d = parseParamDuration(value);
  if (!d.isOk()) return dsnError(fmt::format("{}: {}", key, d.status().message()));
  out = *d;
  return Status::ok();
}

// Applies the parameters after '?' (the Go driver's parseDSNParams).
Status applyParams(std::string_view params, MysqlEndpoint& out) {
  std::map<std::string, std::string> variables;
  for (std::string_view item : split(params, '&', /*trimParts=*/false)) {
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;  // as in Go: a bare word is ignored
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    auto boolean = [&](bool& field) -> Status {
      std::optional<bool> b = readBool(value);
      if (!b) return dsnError(fmt::format("{}: invalid bool value \"{}\"", key, value));
      field = *b;
      return Status::ok();
    };
    if (key == "tls") {
      if (std::optional<bool> b = readBool(value)) {
        out.tls = *b ? TlsMode::kVerify : TlsMode::kDisabled;
      } else if (toLower(value) == "skip-verify") {
        out.tls = TlsMode::kSkipVerify;
      } else if (toLower(value) == "preferred") {
        out.tls = TlsMode::kPreferred;
      } else {
        return dsnError(fmt::format(
            "tls \"{}\" must be true, false, skip-verify or preferred (named TLS configs exist "
            "only in Go programs)",
            value));
      }
    } else if (key == "multiStatements") {
      TIDAL_RETURN_IF_ERROR(boolean(out.multiStatements));
    } else if (key == "allowCleartextPasswords") {
      TIDAL_RETURN_IF_ERROR(boolean(out.allowCleartextPasswords));
    } else if (key == "allowNativePasswords") {
      TIDAL_RETURN_IF_ERROR(boolean(out.allowNativePasswords));
    } else if (key == "allowOldPasswords") {
      TIDAL_RETURN_IF_ERROR(boolean(out.allowOldPasswords));
    } else if (key == "charset") {
      out.charset = std::string(value.substr(0, value.find(',')));
      if (!isIdentifier(out.charset)) {
        return dsnError(fmt::format("charset \"{}\" is not a character set name", value));
      }
    } else if (key == "timeout") {
      TIDAL_RETURN_IF_ERROR(applyDuration(key, value, out.dialTimeout));
    } else if (key == "readTimeout") {
      TIDAL_RETURN_IF_ERROR(applyDuration(key, value, out.readTimeout));
    } else if (key == "writeTimeout") {
      TIDAL_RETURN_IF_ERROR(applyDuration(key, value, out.writeTimeout));
    } else if (key == "allowAllFiles" || key == "allowFallbackToPlaintext" ||
               key == "checkConnLiveness" || key == "clientFoundRows" || key == "collation" ||
               key == "columnsWithAlias" || key == "compress" || key == "connectionAttributes" ||
               key == "interpolateParams" || key == "loc" || key == "maxAllowedPacket" ||
               key == "parseTime" || key == "rejectReadOnly" || key == "serverPubKey" ||
               key == "timeTruncate") {
      // Go driver options that do not change a one-number query (allowAllFiles: tidal never
      // lets the server read local files, whatever the DSN says).
    } else {
      if (!isIdentifier(key)) {
        return dsnError(fmt::format("parameter \"{}\" is not a system variable name", key));
      }
      std::optional<std::string> v = queryUnescape(value);
      if (!v) return dsnError(fmt::format("parameter \"{}\" has an invalid %-escape", key));
      variables[std::string(key)] = *v;
    }
  }
  out.sessionVariables.assign(variables.begin(), variables.end());
  return Status::ok();
}

}  // namespace

std::string_view tlsModeName(TlsMode mode) {
  switch (mode) {
    case TlsMode::kDisabled:
      return "false";
    case TlsMode::kVerify:
      return "true";
    case TlsMode::kSkipVerify:
      return "skip-verify";
    case TlsMode::kPreferred:
      return "preferred";
  }
  return "false";
}

std::string MysqlEndpoint::server() const {
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}/{}", v6 ? "[" : "", host, v6 ? "]" : "", port, dbName);
}

std::string MysqlEndpoint::poolKey() const {
  std::string key = fmt::format(
      "{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}{}{}{}\x1f{}\x1f{}\x1f{}\x1f{}", host, port, dbName,
      user, sha256Hex(password), tlsModeName(tls), multiStatements ? 'm' : '-',
      allowCleartextPasswords ? 'c' : '-', allowNativePasswords ? 'n' : '-',
      allowOldPasswords ? 'o' : '-', charset, dialTimeout ? dialTimeout->count() : -1,
      readTimeout ? readTimeout->count() : -1, writeTimeout ? writeTimeout->count() : -1);
  for (const auto& [k, v] : sessionVariables) key += fmt::format("\x1f{}={}", k, v);
  return key;
}

StatusOr<MysqlEndpoint> parseMysqlDsn(std::string_view dsn) {
  if (dsn.find('\0') != std::string_view::npos) {
    return dsnError("the connection string must not contain a NUL byte");
  }
  const size_t slash = dsn.rfind('/');
  if (slash == std::string_view::npos) {
    return dsnError("missing the slash separating the database name");
  }
  MysqlEndpoint out;
  std::string net;
  std::string addr;
  const std::string_view left = dsn.substr(0, slash);
  size_t netStart = 0;
  if (const size_t at = left.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = left.substr(0, at);
    const size_t colon = userinfo.find(':');
    out.user = std::string(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.password = std::string(userinfo.substr(colon + 1));
    netStart = at + 1;
  }
  const std::string_view netAddr = left.substr(netStart);
  if (const size_t open = netAddr.find('('); open != std::string_view::npos) {
    if (!endsWith(netAddr, ")")) {
      return dsnError(netAddr.substr(open + 1).find(')') != std::string_view::npos
                          ? "did you forget to escape a param value?"
                          : "network address not terminated (missing closing brace)");
    }
    net = std::string(netAddr.substr(0, open));
    addr = std::string(netAddr.substr(open + 1, netAddr.size() - open - 2));
  } else {
    net = std::string(netAddr);
  }
  if (net.empty()) net = "tcp";
  if (net != "tcp" && net != "tcp4" && net != "tcp6") {
    return dsnError(fmt::format(
        "network \"{}\" is not supported: tidal connects over TCP only (tcp(host:port))", net));
  }
  if (addr.empty()) addr = "127.0.0.1:3306";
  TIDAL_RETURN_IF_ERROR(splitAddress(addr, out));

  std::string_view rest = dsn.substr(slash + 1);
  const size_t question = rest.find('?');
  out.dbName = std::string(rest.substr(0, question));
  if (question != std::string_view::npos) {
    TIDAL_RETURN_IF_ERROR(applyParams(rest.substr(question + 1), out));
  }
  return out;
}

std::string dsnMetricDbName(std::string_view dsn) {
  const size_t slash = dsn.rfind('/');
  return std::string(slash == std::string_view::npos ? dsn : dsn.substr(slash + 1));
}

std::string sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

}  // namespace tidal::scalers::mysql
