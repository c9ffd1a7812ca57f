#include "scalers/registry.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>

#include <fmt/format.h>

#include "common/strings.h"

namespace tidal::scalers {

Status ScalerRegistry::add(ScalerType type) {
  if (type.name.empty() || !type.create) {
    return invalidArgument("a scaler type needs a name and a factory");
  }
  if (types_.count(type.name)) {
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("scaler type \"{}\" is registered twice", type.name));
  }
  std::string name = type.name;
  types_.emplace(std::move(name), std::move(type));
  return Status::ok();
}

const ScalerType* ScalerRegistry::find(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

namespace {

// KEDA's 79 trigger types, sorted.
constexpr std::string_view kKedaTypes[] = {
    "activemq",
    "apache-kafka",
    "arangodb",
    "artemis-queue",
    "aws-cloudwatch",
    "aws-dynamodb",
    "aws-dynamodb-streams",
    "aws-kinesis-stream",
    "aws-sqs-queue",
    "azure-app-insights",
    "azure-blob",
    "azure-data-explorer",
    "azure-eventhub",
    "azure-log-analytics",
    "azure-monitor",
    "azure-pipelines",
    "azure-queue",
    "azure-servicebus",
    "beanstalkd",
    "cassandra",
    "clickhouse",
    "couchdb",
    "cpu",
    "cron",
    "datadog",
    "dynatrace",
    "elastic-forecast",
    "elasticsearch",
    "etcd",
    "external",
    "external-mock",
    "external-push",
    "forgejo-runner",
    "gcp-cloudtasks",
    "gcp-pubsub",
    "gcp-spanner",
    "gcp-stackdriver",
    "gcp-storage",
    "github-runner",
    "graphite",
    "huawei-cloudeye",
    "ibmmq",
    "influxdb",
    "kafka",
    "kubernetes-resource",
    "kubernetes-workload",
    "liiklus",
    "loki",
    "memory",
    "metrics-api",
    "mongodb",
    "mssql",
    "mysql",
    "nats-jetstream",
    "new-relic",
    "nsq",
    "opensearch",
    "openstack-metric",
    "openstack-swift",
    "postgresql",
    "predictkube",
    "prometheus",
    "pulsar",
    "rabbitmq",
    "redis",
    "redis-cluster",
    "redis-cluster-streams",
    "redis-sentinel",
    "redis-sentinel-streams",
    "redis-streams",
    "selenium-grid",
    "solace-direct-messaging",
    "solace-event-queue",
    "solarwinds",
    "solr",
    "splunk",
    "splunk-observability",
    "sumologic",
    "temporal",
};

}  // namespace

bool isKedaScalerType(std::string_view name) {
  return std::binary_search(std::begin(kKedaTypes), std::end(kKedaTypes), name);
}

StatusOr<std::unique_ptr<Scaler>> ScalerRegistry::create(const ScalerConfig& config,
                                                         const ScalerContext& context) const {
  const ScalerType* type = find(config.triggerType);
  if (type == nullptr && isKedaScalerType(config.triggerType)) {
    return Status(StatusCode::kUnimplemented,
                  fmt::format("scaler type \"{}\" is a KEDA scaler that tidal does not provide yet",
                              config.triggerType));
  }
  if (type == nullptr) {
    std::string message = fmt::format("no scaler found for type: {}", config.triggerType);
    std::string best;
    size_t bestDistance = 3;  // suggest only close names
    auto consider = [&](std::string_view name) {
      size_t d = editDistance(toLower(config.triggerType), name);
      if (d < bestDistance) {
        bestDistance = d;
        best = std::string(name);
      }
    };
    for (const auto& [name, _] : types_) consider(name);
    for (std::string_view name : kKedaTypes) consider(name);
    if (!best.empty()) message += fmt::format("; did you mean \"{}\"?", best);
    return invalidArgument(std::move(message));
  }
  return type->create(config, context);
}

std::vector<const ScalerType*> ScalerRegistry::list() const {
  std::vector<const ScalerType*> out;
  for (const auto& [_, type] : types_) out.push_back(&type);
  return out;
}

void mustAdd(ScalerRegistry& registry, ScalerType type) {
  Status s = registry.add(std::move(type));
  if (!s.isOk()) {
    // Two built-ins with one name is a programming error caught by every test run.
    fmt::print(stderr, "tidal: {}\n", s.message());
    std::abort();
  }
}

}  // namespace tidal::scalers
