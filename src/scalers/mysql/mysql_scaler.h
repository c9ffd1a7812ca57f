// The `mysql` trigger: scales on the number a MySQL or MariaDB query returns (first column of the
// first row). Connections are shared by every trigger with the same server, database, user,
// password and connection options, opened on first use and re-opened after a failure; building
// a scaler does no I/O.
//
// Example trigger:
//   - type: mysql
//     metadata: {query: "SELECT COUNT(*) FROM jobs WHERE state='pending'", queryValue: "5",
//                host: mysql.default.svc, port: "3306", username: app, dbName: ci}
//     authenticationRef: {name: mysql-password}
//
// Metric `s<i>-mysql-<dbName>`, target milli(queryValue), active when the value exceeds
// activationQueryValue. Poll errors read "error inspecting MySQL: trigger <metric> at
// <host:port/db>: <cause>", retryable when the server is down or slow, and never contain the
// password or the connection string.
#pragma once

#include <memory>

#include "common/status.h"
#include "scalers/mysql/mysql_connection.h"
#include "scalers/mysql/mysql_metadata.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {

StatusOr<std::unique_ptr<Scaler>> newMysqlScaler(const ScalerConfig& config,
                                                 const ScalerContext& context);

// The same, querying `querier` instead of a server (for tests).
StatusOr<std::unique_ptr<Scaler>> newMysqlScalerWithQuerier(
    const ScalerConfig& config, std::shared_ptr<mysql::NumberQuerier> querier);

}  // namespace tidal::scalers
