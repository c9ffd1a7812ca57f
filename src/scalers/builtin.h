// Declarations of the built-in scalers' register functions (one per scaler folder), called from
// builtin.cc.
#pragma once

#include "scalers/registry.h"

namespace tidal::scalers {

void registerActiveMqScaler(ScalerRegistry& registry);
void registerBeanstalkdScaler(ScalerRegistry& registry);
void registerCpuMemoryScalers(ScalerRegistry& registry);
void registerCronScaler(ScalerRegistry& registry);
void registerEtcdScaler(ScalerRegistry& registry);
void registerExternalScalers(ScalerRegistry& registry);
void registerKafkaScaler(ScalerRegistry& registry);
void registerMetricsApiScaler(ScalerRegistry& registry);
void registerMysqlScaler(ScalerRegistry& registry);
void registerNatsJetStreamScaler(ScalerRegistry& registry);
void registerPostgresScaler(ScalerRegistry& registry);
void registerPrometheusScaler(ScalerRegistry& registry);
void registerRabbitMqScaler(ScalerRegistry& registry);
void registerRedisScalers(ScalerRegistry& registry);

}  // namespace tidal::scalers
