// Micro benchmarks of the hot paths (Google Benchmark; preset `release`):
//   build/release/bench/tidal-bench-micro [--benchmark_filter=...]
// Each runs what one scale loop, one watch event or one metric request does; docs/performance.md
// records the figures and the callgrind instruction counts.
#include <atomic>
#include <chrono>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/quantity.h"
#include "expr/formula.h"
#include "k8s/client/watch.h"
#include "scaling/scheduler.h"

namespace {

using Json = nlohmann::json;
using namespace tidal;

const char* kScaledObject = R"({
  "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
  "metadata": {"name": "orders", "namespace": "shop", "uid": "0b6c2f8e-6d1f-4e0e-9c33-2f1f3b4c5d6e",
               "resourceVersion": "123456", "generation": 3,
               "labels": {"app": "orders", "scaledobject.keda.sh/name": "orders"},
               "finalizers": ["finalizer.keda.sh"]},
  "spec": {"scaleTargetRef": {"name": "orders"}, "pollingInterval": 5, "cooldownPeriod": 30,
           "minReplicaCount": 0, "maxReplicaCount": 30,
           "advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {
               "stabilizationWindowSeconds": 60,
               "policies": [{"type": "Percent", "value": 50, "periodSeconds": 15}]}}}},
           "triggers": [{"type": "rabbitmq", "name": "queue",
                         "metadata": {"queueName": "orders", "mode": "QueueLength", "value": "5",
                                      "protocol": "amqp"},
                         "authenticationRef": {"name": "rabbitmq-auth"}}]},
  "status": {"scaleTargetKind": "apps/v1.Deployment", "originalReplicaCount": 1,
             "externalMetricNames": ["s0-rabbitmq-orders"],
             "conditions": [{"type": "Ready", "status": "True", "reason": "ScaledObjectReady",
                             "message": "ScaledObject is defined correctly and is ready for scaling"},
                            {"type": "Active", "status": "False", "reason": "ScalerNotActive",
                             "message": "Scaling is not performed because triggers are not active"},
                            {"type": "Fallback", "status": "False", "reason": "NoFallbackFound",
                             "message": "No fallbacks are active on this scaled object"}]}
})";

void BM_QuantityFromFloatMilli(benchmark::State& state) {
  double v = 1234.5678;
  for (auto _ : state) {
    std::string s = api::Quantity::fromFloatMilli(v).toString();
    benchmark::DoNotOptimize(s);
    v += 0.001;
  }
}
BENCHMARK(BM_QuantityFromFloatMilli);

void BM_QuantityParse(benchmark::State& state) {
  for (auto _ : state) {
    auto q = api::Quantity::parse("1500m");
    benchmark::DoNotOptimize(q);
  }
}
BENCHMARK(BM_QuantityParse);

void BM_DecodeScaledObject(benchmark::State& state) {
  const std::string text = kScaledObject;
  for (auto _ : state) {
    Json json = Json::parse(text);
    api::Issues issues;
    api::ScaledObject so = api::decodeScaledObject(json, issues);
    benchmark::DoNotOptimize(so);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_DecodeScaledObject);

void BM_ParseWatchEvent(benchmark::State& state) {
  const std::string line =
      std::string(R"({"type":"MODIFIED","object":)") + Json::parse(kScaledObject).dump() + "}";
  for (auto _ : state) {
    auto event = k8s::parseWatchEvent(line);
    benchmark::DoNotOptimize(event);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
}
BENCHMARK(BM_ParseWatchEvent);

void BM_FormulaEvaluate(benchmark::State& state) {
  auto formula = expr::Formula::compile("queue > 10 ? max(queue, lag / 2) : (requests ?? 0) * 1.5");
  if (!formula.isOk()) {
    state.SkipWithError(formula.status().message().c_str());
    return;
  }
  expr::Formula::TriggerValues values{{"queue", 12.0}, {"lag", 40.0}, {"requests", 3.0}};
  for (auto _ : state) {
    auto v = formula->evaluate(values);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_FormulaEvaluate);

// The scheduler with N registered loops (pollingInterval 30 s: each runs once at registration,
// then is not due during the run): the cost of re-registering (a spec change), cancelling and
// registering again one loop among N.
void BM_SchedulerReschedule(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  scaling::Scheduler scheduler({.workers = 1});
  scheduler.start();  // a worker pops due and stale heap entries, as in the operator
  std::atomic<int> runs{0};
  auto loop = [&](const scaling::RunInfo&) { runs.fetch_add(1, std::memory_order_relaxed); };
  for (int i = 0; i < n; ++i) {
    scheduler.schedule("so-" + std::to_string(i), std::chrono::seconds(30), loop);
  }
  int i = 0;
  for (auto _ : state) {
    const std::string key = "so-" + std::to_string(i++ % n);
    scheduler.schedule(key, std::chrono::seconds(30), loop);
    scheduler.cancel(key);
    scheduler.schedule(key, std::chrono::seconds(30), loop);
  }
  state.counters["loops"] = n;
}
BENCHMARK(BM_SchedulerReschedule)->Arg(1000)->Arg(100000);

}  // namespace

BENCHMARK_MAIN();
