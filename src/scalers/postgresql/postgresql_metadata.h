// The `postgresql` trigger's configuration: KEDA's parameters (spec/keda-scalers.md §2.5) and the
// libpq connection string built from them without injection (pg_conninfo.h). Pure: no I/O.
//
// Example:
//   ScalerConfig c; c.triggerType = "postgresql";
//   c.triggerMetadata = {{"query", "SELECT count(*) FROM jobs"}, {"targetQueryValue", "5"},
//                        {"host", "db"}, {"port", "5432"}, {"userName", "app"},
//                        {"dbName", "jobs"}, {"sslmode", "require"}};
//   c.authParams = {{"password", "s3cret"}};
//   StatusOr<PostgresConfig> cfg = parsePostgresConfig(c);
//   cfg->conninfo == "host=db port=5432 user=app dbname=jobs sslmode=require password=s3cret"
#pragma once

#include <string>

#include "common/status.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::postgresql {

struct PostgresMetadata {
  std::string query;
  double targetQueryValue = 0;
  double activationTargetQueryValue = 0;
  std::string connection;  // a whole libpq connection string or URI; secret
  std::string host;
  std::string port;
  std::string userName;
  std::string dbName;
  std::string sslmode;
  std::string password;  // secret
};

const ParamSet<PostgresMetadata>& postgresParams();

struct PostgresConfig {
  PostgresMetadata metadata;
  std::string metricName;  // s<i>-postgresql
  std::string targetType;  // AverageValue | Value
  std::string conninfo;    // what libpq gets; holds the password: never print it
  std::string poolKey;     // the connection parameters, password as SHA-256; never print it
  std::string server;      // "host:port/dbname" for messages ("(connection string)" when unknown)
  std::chrono::milliseconds timeout{3000};
};

// Parses and validates one trigger: kInvalidArgument with KEDA's texts, prefixed "error parsing
// postgresql metadata: ". No message contains the password or the connection string.
StatusOr<PostgresConfig> parsePostgresConfig(const ScalerConfig& config);

}  // namespace tidal::scalers::postgresql
