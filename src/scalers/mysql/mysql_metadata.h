// The `mysql` trigger's configuration: KEDA's parameters (spec/keda-scalers.md §2.17), the
// connection settings from a Go DSN connectionString (mysql_dsn.h) or from the discrete host,
// port, username, password and dbName parameters, and the metric name. Pure: no I/O.
//
// Example:
//   ScalerConfig c; c.triggerType = "mysql";
//   c.triggerMetadata = {{"query", "SELECT COUNT(*) FROM jobs WHERE state='pending'"},
//                        {"queryValue", "5"}, {"host", "db"}, {"port", "3306"},
//                        {"username", "app"}, {"dbName", "ci"}};
//   c.authParams = {{"password", "s3cret"}};
//   StatusOr<MysqlConfig> cfg = parseMysqlConfig(c);
//   cfg->metricName == "s0-mysql-ci", cfg->endpoint.host == "db"
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "scalers/mysql/mysql_dsn.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::mysql {

struct MysqlMetadata {
  std::string connectionString;  // a Go DSN; secret
  std::string username;
  std::string password;  // secret
  std::string host;
  std::string port;
  std::string dbName;
  std::string query;
  double queryValue = 0;
  double activationQueryValue = 0;
  std::string metricName;  // accepted and ignored, as in KEDA
  // KEDA's database/sql pool knobs: accepted and ignored (tidal shares one connection per
  // server and credentials anyway).
  bool useGlobalConnPools = false;
  int64_t maxOpenConns = 0;
  int64_t maxIdleConns = 0;
  int64_t connMaxIdleTime = 0;
};

const ParamSet<MysqlMetadata>& mysqlParams();

struct MysqlConfig {
  MysqlMetadata metadata;
  std::string metricName;  // s<i>-mysql-<dbName>
  std::string targetType;  // AverageValue | Value
  MysqlEndpoint endpoint;  // holds the password: never print it
  std::string poolKey;     // the connection settings, password as SHA-256; never print it
  std::string server;      // "host:port/db" for messages
  std::chrono::milliseconds timeout{3000};
};

// Parses and validates one trigger: kInvalidArgument prefixed "error parsing MySQL metadata: ".
// No message contains the password or the connection string.
StatusOr<MysqlConfig> parseMysqlConfig(const ScalerConfig& config);

}  // namespace tidal::scalers::mysql
