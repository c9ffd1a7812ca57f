#include "scalers/postgresql/postgresql_metadata.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/strings.h"
#include "scalers/postgresql/libpq.h"
#include "scalers/postgresql/pg_connection.h"
#include "scalers/postgresql/pg_conninfo.h"

namespace tidal::scalers::postgresql {
namespace {

constexpr ParamSource kMetadata = ParamSource::kTriggerMetadata;
constexpr ParamSource kAuth = ParamSource::kAuthParams;
constexpr ParamSource kEnv = ParamSource::kResolvedEnv;
using M = PostgresMetadata;

Status validate(const M& md) {
  if (md.targetQueryValue == 0) return invalidArgument("no targetQueryValue given");
  if (md.connection.empty()) {
    if (md.host.empty()) return invalidArgument("no host given");
    if (md.port.empty()) return invalidArgument("no port given");
    if (md.userName.empty()) return invalidArgument("no userName given");
    if (md.dbName.empty()) return invalidArgument("no dbName given");
    if (md.sslmode.empty()) return invalidArgument("no sslmode given");
  }
  // A C string ends at NUL: libpq would silently see a shorter value.
  for (const std::string* v :
       {&md.connection, &md.host, &md.port, &md.userName, &md.dbName, &md.sslmode, &md.password}) {
    if (v->find('\0') != std::string::npos) {
      return invalidArgument("connection parameters must not contain a NUL byte");
    }
  }
  return Status::ok();
}

// host:port/dbname of a connection string, as libpq reads it, for messages; no credentials.
std::string serverOf(const std::string& conninfo) {
  StatusOr<const LibPq*> loaded = libpq();
  if (!loaded.isOk()) return "(connection string)";
  const LibPq& pq = *loaded.value();
  char* err = nullptr;
  PQconninfoOption* opts = pq.conninfoParse(conninfo.c_str(), &err);
  if (err != nullptr) pq.freemem(err);
  if (opts == nullptr) return "(connection string)";
  std::string host;
  std::string port;
  std::string db;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string_view k = o->keyword;
    if (k == "host" || (k == "hostaddr" && host.empty())) host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") db = o->val;
  }
  pq.conninfoFree(opts);
  return fmt::format("{}:{}/{}", host.empty() ? "localhost" : host, port.empty() ? "5432" : port,
                     db);
}

}  // namespace

const ParamSet<PostgresMetadata>& postgresParams() {
  static const ParamSet<M> params =
      ParamSet<M>()
          .add(param("query", &M::query)
                   .example("SELECT count(*) FROM jobs WHERE state = 'pending'")
                   .describe("SQL whose first column of the first row is the metric value"))
          .add(param("targetQueryValue", &M::targetQueryValue)
                   .optional()
                   .describe("the target value per replica; required and not 0"))
          .add(param("activationTargetQueryValue", &M::activationTargetQueryValue)
                   .defaultValue("0")
                   .describe("the trigger is active when the value is above this"))
          .add(param("connection", &M::connection)
                   .order({kAuth, kEnv})
                   .optional()
                   .secret()
                   .describe("a whole libpq connection string or postgresql:// URI; replaces "
                             "host, port, userName, dbName, sslmode and password"))
          .add(param("host", &M::host)
                   .order({kAuth, kMetadata})
                   .optional()
                   .example("postgres.default.svc")
                   .describe("server host (required without connection)"))
          .add(param("port", &M::port)
                   .order({kAuth, kMetadata})
                   .optional()
                   .example("5432")
                   .describe("server port (required without connection)"))
          .add(param("userName", &M::userName)
                   .order({kAuth, kMetadata})
                   .optional()
                   .example("app")
                   .describe("user (required without connection)"))
          .add(param("dbName", &M::dbName)
                   .order({kAuth, kMetadata})
                   .optional()
                   .example("jobs")
                   .describe("database (required without connection)"))
          .add(param("sslmode", &M::sslmode)
                   .order({kAuth, kMetadata})
                   .optional()
                   .example("require")
                   .describe("libpq sslmode: disable, allow, prefer, require, verify-ca or "
                             "verify-full (required without connection)"))
          .add(param("password", &M::password)
                   .order({kAuth, kEnv})
                   .optional()
                   .secret()
                   .describe("password of userName"))
          .validate(validate);
  return params;
}

StatusOr<PostgresConfig> parsePostgresConfig(const ScalerConfig& config) {
  constexpr std::string_view kPrefix = "error parsing postgresql metadata";
  StatusOr<M> md = postgresParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix(kPrefix);
  PostgresConfig out;
  out.metadata = *std::move(md);
  const M& m = out.metadata;
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  out.targetType = *targetType;
  if (!m.connection.empty()) {
    out.conninfo = m.connection;
    out.poolKey = "connection\x1f" + sha256Hex(m.connection);
  } else {
    static constexpr std::string_view kSslModes[] = {"disable", "allow",     "prefer",
                                                     "require", "verify-ca", "verify-full"};
    if (std::find(std::begin(kSslModes), std::end(kSslModes), m.sslmode) == std::end(kSslModes)) {
      return invalidArgument(fmt::format(
          "{}: sslmode \"{}\" must be one of disable, allow, prefer, require, verify-ca, "
          "verify-full",
          kPrefix, m.sslmode));
    }
    if (!parseGoInt(m.port) || *parseGoInt(m.port) < 1 || *parseGoInt(m.port) > 65535) {
      return invalidArgument(
          fmt::format("{}: port \"{}\" must be a number from 1 to 65535", kPrefix, m.port));
    }
    // KEDA's order; the password last.
    out.conninfo = buildConninfo({{"host", m.host},
                                  {"port", m.port},
                                  {"user", m.userName},
                                  {"dbname", m.dbName},
                                  {"sslmode", m.sslmode},
                                  {"password", m.password}});
    out.poolKey = fmt::format("params\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", m.host, m.port,
                              m.dbName, m.userName, sha256Hex(m.password), m.sslmode);
  }
  out.server = serverOf(out.conninfo);
  out.timeout = config.globalHttpTimeout;
  out.metricName = metricNameWithIndex(config.triggerIndex, "postgresql");
  return out;
}

}  // namespace tidal::scalers::postgresql
