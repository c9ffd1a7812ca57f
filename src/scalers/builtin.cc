// The one list of built-in scalers. Adding a scaler: create src/scalers/<name>/, write its
// register function, and add one line here, keeping the list sorted.
#include "scalers/builtin.h"

#include "scalers/registry.h"

namespace tidal::scalers {

void registerBuiltinScalers(ScalerRegistry& registry) {
  using Register = void (*)(ScalerRegistry&);
  static constexpr Register kBuiltins[] = {
      registerActiveMqScaler,      registerBeanstalkdScaler, registerCpuMemoryScalers,
      registerCronScaler,          registerEtcdScaler,       registerExternalScalers,
      registerKafkaScaler,         registerMetricsApiScaler, registerMysqlScaler,
      registerNatsJetStreamScaler, registerPostgresScaler,   registerPrometheusScaler,
      registerRabbitMqScaler,      registerRedisScalers,
  };
  for (Register r : kBuiltins) r(registry);
}

const ScalerRegistry& builtinRegistry() {
  static const ScalerRegistry registry = [] {
    ScalerRegistry r;
    registerBuiltinScalers(r);
    return r;
  }();
  return registry;
}

}  // namespace tidal::scalers
