#include "scalers/mysql/mysql_scaler.h"

#include <fmt/format.h>

#include "scalers/builtin.h"
#include "scalers/http/http_auth.h"

namespace tidal::scalers {
namespace {

using mysql::MysqlConfig;

class MysqlScaler : public Scaler {
 public:
  MysqlScaler(MysqlConfig config, std::shared_ptr<mysql::NumberQuerier> querier)
      : config_(std::move(config)), querier_(std::move(querier)) {}

  std::vector<MetricSpec> metricSpecs() const override {
    return {externalMetricSpecMilli(config_.metricName, config_.targetType,
                                    config_.metadata.queryValue)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    if (!querier_) return failedPrecondition("the mysql scaler is closed");
    StatusOr<double> value = querier_->queryNumber(config_.metadata.query, config_.timeout);
    if (!value.isOk()) {
      const std::string what =
          fmt::format("error inspecting MySQL: trigger {} at {}: {}", config_.metricName,
                      config_.server, value.status().message());
      return Status(
          value.status().code(),
          http::maskSecrets(what, {config_.endpoint.password, config_.metadata.connectionString}));
    }
    MetricsAndActivity out;
    out.metrics.push_back(metricValueMilli(std::string(metricName), *value));
    out.active = *value > config_.metadata.activationQueryValue;
    return out;
  }

  std::optional<double> activationTarget() const override {
    return config_.metadata.activationQueryValue;
  }

  void close() override { querier_.reset(); }

  Json describe() const override {
    const auto& md = config_.metadata;
    const auto& ep = config_.endpoint;
    return Json{{"query", md.query},
                {"queryValue", md.queryValue},
                {"activationQueryValue", md.activationQueryValue},
                {"server", config_.server},
                {"host", ep.host},
                {"port", ep.port},
                {"username", ep.user},
                {"dbName", ep.dbName},
                {"tls", mysql::tlsModeName(ep.tls)},
                {"timeout", config_.timeout.count()}};
  }

 private:
  MysqlConfig config_;
  std::shared_ptr<mysql::NumberQuerier> querier_;
};

}  // namespace

StatusOr<std::unique_ptr<Scaler>> newMysqlScalerWithQuerier(
    const ScalerConfig& config, std::shared_ptr<mysql::NumberQuerier> querier) {
  TIDAL_ASSIGN_OR_RETURN(MysqlConfig cfg, mysql::parseMysqlConfig(config));
  if (!querier) {
    querier = mysql::MysqlConnection::pool().acquire(
        cfg.poolKey, [&] { return std::make_shared<mysql::MysqlConnection>(cfg.endpoint); });
  }
  return std::unique_ptr<Scaler>(std::make_unique<MysqlScaler>(std::move(cfg), std::move(querier)));
}

StatusOr<std::unique_ptr<Scaler>> newMysqlScaler(const ScalerConfig& config,
                                                 const ScalerContext& /*context*/) {
  return newMysqlScalerWithQuerier(config, nullptr);
}

void registerMysqlScaler(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "mysql",
                        .description = "the number a MySQL or MariaDB query returns",
                        .params = mysql::mysqlParams().infos(),
                        .create = newMysqlScaler,
                        .metricsLabel = "mySQLScaler",
                    });
}

}  // namespace tidal::scalers
