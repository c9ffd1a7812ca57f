// The `postgresql` trigger: scales on the number a SQL query returns (first column of the first
// row). Connections are shared by every trigger with the same server, database, user, password
// and sslmode (or the same `connection` string), opened on first use and re-opened after a
// failure; building a scaler does no I/O.
//
// Example trigger:
//   - type: postgresql
//     metadata: {query: "SELECT count(*) FROM jobs WHERE state='pending'",
//                targetQueryValue: "5", host: db, port: "5432", userName: app, dbName: jobs,
//                sslmode: disable}
//     authenticationRef: {name: postgres-password}
//
// Metric `s<i>-postgresql`, target milli(targetQueryValue), active when the value exceeds
// activationTargetQueryValue. Poll errors read "error inspecting postgreSQL: trigger
// s<i>-postgresql at <host:port/db>: <cause>", retryable when the server is down or slow, and
// never contain the password or the connection string.
#pragma once

#include <memory>

#include "common/status.h"
#include "scalers/postgresql/pg_connection.h"
#include "scalers/postgresql/postgresql_metadata.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {

StatusOr<std::unique_ptr<Scaler>> newPostgresScaler(const ScalerConfig& config,
                                                    const ScalerContext& context);

// The same, querying `querier` instead of a server (for tests).
StatusOr<std::unique_ptr<Scaler>> newPostgresScalerWithQuerier(
    const ScalerConfig& config, std::shared_ptr<postgresql::NumberQuerier> querier);

}  // namespace tidal::scalers
