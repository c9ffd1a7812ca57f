#include "scalers/postgresql/postgresql_scaler.h"

#include <fmt/format.h>

#include "scalers/builtin.h"
#include "scalers/http/http_auth.h"

namespace tidal::scalers {
namespace {

using postgresql::PostgresConfig;

class PostgresScaler : public Scaler {
 public:
  PostgresScaler(PostgresConfig config, std::shared_ptr<postgresql::NumberQuerier> querier)
      : config_(std::move(config)), querier_(std::move(querier)) {}

  std::vector<MetricSpec> metricSpecs() const override {
    return {externalMetricSpecMilli(config_.metricName, config_.targetType,
                                    config_.metadata.targetQueryValue)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    if (!querier_) return failedPrecondition("the postgresql scaler is closed");
    StatusOr<double> value = querier_->queryNumber(config_.metadata.query, config_.timeout);
    if (!value.isOk()) {
      const std::string what =
          fmt::format("error inspecting postgreSQL: trigger {} at {}: {}", config_.metricName,
                      config_.server, value.status().message());
      return Status(value.status().code(), http::maskSecrets(what, {config_.metadata.password,
                                                                    config_.metadata.connection}));
    }
    MetricsAndActivity out;
    out.metrics.push_back(metricValueMilli(std::string(metricName), *value));
    out.active = *value > config_.metadata.activationTargetQueryValue;
    return out;
  }

  std::optional<double> activationTarget() const override {
    return config_.metadata.activationTargetQueryValue;
  }

  void close() override { querier_.reset(); }

  Json describe() const override {
    const auto& md = config_.metadata;
    Json j{{"query", md.query},
           {"targetQueryValue", md.targetQueryValue},
           {"activationTargetQueryValue", md.activationTargetQueryValue},
           {"server", config_.server},
           {"timeout", config_.timeout.count()}};
    if (md.connection.empty()) {
      j["host"] = md.host;
      j["port"] = md.port;
      j["userName"] = md.userName;
      j["dbName"] = md.dbName;
      j["sslmode"] = md.sslmode;
    }
    return j;
  }

 private:
  PostgresConfig config_;
  std::shared_ptr<postgresql::NumberQuerier> querier_;
};

}  // namespace

StatusOr<std::unique_ptr<Scaler>> newPostgresScalerWithQuerier(
    const ScalerConfig& config, std::shared_ptr<postgresql::NumberQuerier> querier) {
  TIDAL_ASSIGN_OR_RETURN(PostgresConfig cfg, postgresql::parsePostgresConfig(config));
  if (!querier) {
    querier = postgresql::PgConnection::pool().acquire(
        cfg.poolKey, [&] { return std::make_shared<postgresql::PgConnection>(cfg.conninfo); });
  }
  return std::unique_ptr<Scaler>(
      std::make_unique<PostgresScaler>(std::move(cfg), std::move(querier)));
}

StatusOr<std::unique_ptr<Scaler>> newPostgresScaler(const ScalerConfig& config,
                                                    const ScalerContext& /*context*/) {
  return newPostgresScalerWithQuerier(config, nullptr);
}

void registerPostgresScaler(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "postgresql",
                        .description = "the number a PostgreSQL query returns",
                        .params = postgresql::postgresParams().infos(),
                        .create = newPostgresScaler,
                        .metricsLabel = "postgreSQLScaler",
                    });
}

}  // namespace tidal::scalers
