#include "scalers/mysql/mysql_metadata.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace tidal::scalers::mysql {
namespace {

constexpr ParamSource kMetadata = ParamSource::kTriggerMetadata;
constexpr ParamSource kAuth = ParamSource::kAuthParams;
constexpr ParamSource kEnv = ParamSource::kResolvedEnv;
using M = MysqlMetadata;

Status validate(const M& md) {
  if (md.queryValue <= 0) return invalidArgument("queryValue must be greater than 0");
  if (md.connectionString.empty()) {
    if (md.host.empty()) return invalidArgument("no host given");
    if (md.port.empty()) return invalidArgument("no port given");
    // These go to libmariadb as C strings: a NUL would silently cut them short.
    for (const std::string* v : {&md.host, &md.username, &md.password, &md.dbName}) {
      if (v->find('\0') != std::string::npos) {
        return invalidArgument("connection parameters must not contain a NUL byte");
      }
    }
  }
  return Status::ok();
}

}  // namespace

const ParamSet<MysqlMetadata>& mysqlParams() {
  static const ParamSet<M> params =
      ParamSet<M>()
          .add(param("connectionString", &M::connectionString)
                   .order({kAuth, kEnv})
                   .optional()
                   .secret()
                   .describe("a Go MySQL DSN user:password@tcp(host:port)/dbname?param=value; "
                             "replaces host, port, username, password and dbName"))
          .add(param("username", &M::username)
                   .order({kMetadata, kAuth, kEnv})
                   .optional()
                   .example("app")
                   .describe("user (without connectionString)"))
          .add(param("password", &M::password)
                   .order({kAuth, kEnv})
                   .optional()
                   .secret()
                   .describe("password of username (without connectionString)"))
          .add(param("host", &M::host)
                   .order({kMetadata, kAuth})
                   .optional()
                   .example("mysql.default.svc")
                   .describe("server host (required without connectionString)"))
          .add(param("port", &M::port)
                   .order({kMetadata, kAuth})
                   .optional()
                   .example("3306")
                   .describe("server port (required without connectionString)"))
          .add(param("dbName", &M::dbName)
                   .order({kMetadata, kAuth})
                   .optional()
                   .example("ci")
                   .describe("default database; names the metric"))
          .add(param("query", &M::query)
                   .example("SELECT COUNT(*) FROM jobs WHERE state = 'pending'")
                   .describe("SQL whose first column of the first row is the metric value"))
          .add(param("queryValue", &M::queryValue)
                   .describe("the target value per replica; greater than 0"))
          .add(param("activationQueryValue", &M::activationQueryValue)
                   .defaultValue("0")
                   .describe("the trigger is active when the value is above this"))
          .add(param("metricName", &M::metricName)
                   .optional()
                   .describe("accepted and ignored, as in KEDA (the metric is mysql-<dbName>)"))
          .add(param("useGlobalConnPools", &M::useGlobalConnPools)
                   .optional()
                   .describe("accepted and ignored: tidal always shares one connection per "
                             "server and credentials"))
          .add(param("maxOpenConns", &M::maxOpenConns)
                   .optional()
                   .describe("accepted and ignored (one shared connection)"))
          .add(param("maxIdleConns", &M::maxIdleConns)
                   .optional()
                   .describe("accepted and ignored (one shared connection)"))
          .add(param("connMaxIdleTime", &M::connMaxIdleTime)
                   .optional()
                   .describe("accepted and ignored (one shared connection)"))
          .validate(validate);
  return params;
}

StatusOr<MysqlConfig> parseMysqlConfig(const ScalerConfig& config) {
  constexpr std::string_view kPrefix = "error parsing MySQL metadata";
  StatusOr<M> md = mysqlParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix(kPrefix);
  MysqlConfig out;
  out.metadata = *std::move(md);
  M& m = out.metadata;
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  out.targetType = *targetType;
  if (!m.connectionString.empty()) {
    StatusOr<MysqlEndpoint> endpoint = parseMysqlDsn(m.connectionString);
    if (!endpoint.isOk()) {
      return endpoint.status().withPrefix(fmt::format("{}: connectionString", kPrefix));
    }
    out.endpoint = *std::move(endpoint);
    // KEDA names the metric after everything behind the DSN's last '/'.
    m.dbName = dsnMetricDbName(m.connectionString);
  } else {
    std::optional<int64_t> port = parseGoInt(m.port);
    if (!port || *port < 1 || *port > 65535) {
      return invalidArgument(
          fmt::format("{}: port \"{}\" must be a number from 1 to 65535", kPrefix, m.port));
    }
    out.endpoint.host = m.host;
    out.endpoint.port = static_cast<int>(*port);
    out.endpoint.user = m.username;
    out.endpoint.password = m.password;
    out.endpoint.dbName = m.dbName;
  }
  out.poolKey = out.endpoint.poolKey();
  out.server = out.endpoint.server();
  out.timeout = config.globalHttpTimeout;
  out.metricName =
      metricNameWithIndex(config.triggerIndex, normalizeMetricName("mysql-" + m.dbName));
  return out;
}

}  // namespace tidal::scalers::mysql
