// Micro benchmarks of the hot paths (Google Benchmark; preset `release`):
//   build/release/bench/tidal-bench-micro [--benchmark_filter=...]
// Each runs what one scale loop, one watch event or one metric request does; docs/performance.md
// records the figures and the callgrind instruction counts.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/quantity.h"
#include "common/clock.h"
#include "expr/formula.h"
#include "k8s/client/watch.h"
#include "k8s/log.h"
#include "metrics_server/external_metrics_api.h"
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

void BM_QuantityParse(benchmark::State& state) {
  for (auto _ : state) {
    auto q = api::Quantity::parse("1500m");
    benchmark::DoNotOptimize(q);
  }
}

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

void BM_ParseWatchEvent(benchmark::State& state) {
  const std::string line =
      std::string(R"({"type":"MODIFIED","object":)") + Json::parse(kScaledObject).dump() + "}";
  for (auto _ : state) {
    auto event = k8s::parseWatchEvent(line);
    benchmark::DoNotOptimize(event);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * line.size()));
}

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

// The external metrics API's handler for one metric request, as the aggregator sends it: the
// front-proxy certificate and X-Remote-User checked, the path and labelSelector parsed, the
// provider asked (here a map of 1,000 ScaledObjects' values, standing for the metric cache), and
// the ExternalMetricValueList rendered. TLS and the socket are outside it (bench/run
// --scenario metrics-api measures them).
class MapProvider : public metrics_server::ExternalMetricsProvider {
 public:
  explicit MapProvider(int n) {
    for (int i = 0; i < n; ++i) {
      values_.emplace("so-" + std::to_string(i), api::Quantity::fromMilli(1000 * i + 250));
    }
  }
  StatusOr<std::vector<metrics_server::ExternalMetricValue>> getMetrics(
      std::string_view, std::string_view scaledObject, std::string_view metricName,
      const std::stop_token&) override {
    auto it = values_.find(scaledObject);
    if (it == values_.end()) return notFound("no such ScaledObject");
    return std::vector<metrics_server::ExternalMetricValue>{
        {.metricName = std::string(metricName), .value = it->second}};
  }

 private:
  std::map<std::string, api::Quantity, std::less<>> values_;
};

void BM_MetricsApiHandle(benchmark::State& state) {
  MapProvider provider(1000);
  metrics_server::RequestHeaderAuthConfig auth;
  auth.clientCaPem = "(checked by the TLS layer)";
  auth.allowedNames = {"front-proxy-client"};
  metrics_server::ExternalMetricsApi api(provider, {.auth = auth}, SystemClock::instance(),
                                         k8s::nullLogger());
  net::PeerCertificate peer{
      .presented = true, .verified = true, .commonName = "front-proxy-client"};
  const std::string path =
      "/apis/external.metrics.k8s.io/v1beta1/namespaces/bench/s0-metric-api-value";
  const std::string selector = "scaledobject.keda.sh/name=so-417";
  int64_t bytes = 0;
  for (auto _ : state) {
    net::Request request;
    request.method = "GET";
    request.path = path;
    request.rawQuery = "labelSelector=scaledobject.keda.sh%2Fname%3Dso-417";
    request.query.emplace_back("labelSelector", selector);
    request.headers = {
        {"X-Remote-User", "system:serviceaccount:kube-system:horizontal-pod-autoscaler"},
        {"X-Remote-Group", "system:serviceaccounts"},
        {"Accept", "application/json"}};
    request.tls = true;
    request.peer = &peer;
    net::Response response = api.handle(request);
    if (response.status != 200) {
      state.SkipWithError(
          ("status " + std::to_string(response.status) + ": " + response.body).c_str());
      return;
    }
    bytes += static_cast<int64_t>(response.body.size());
    benchmark::DoNotOptimize(response);
  }
  state.SetBytesProcessed(bytes);
}

// TIDAL_BENCH_ITERATIONS=N runs each benchmark exactly N iterations (bench/callgrind runs N and
// 2N under callgrind and divides the difference, so set-up costs cancel out).
void registerAll() {
  std::optional<int64_t> iterations;
  if (const char* n = std::getenv("TIDAL_BENCH_ITERATIONS")) iterations = std::atoll(n);
  auto add = [&](const char* name, void (*fn)(benchmark::State&), std::optional<int64_t> arg) {
    benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark(name, fn);
    if (arg) b->Arg(*arg);
    if (iterations) b->Iterations(*iterations);
  };
  add("BM_QuantityFromFloatMilli", BM_QuantityFromFloatMilli, {});
  add("BM_QuantityParse", BM_QuantityParse, {});
  add("BM_DecodeScaledObject", BM_DecodeScaledObject, {});
  add("BM_ParseWatchEvent", BM_ParseWatchEvent, {});
  add("BM_FormulaEvaluate", BM_FormulaEvaluate, {});
  add("BM_SchedulerReschedule", BM_SchedulerReschedule, 1000);
  add("BM_SchedulerReschedule", BM_SchedulerReschedule, 100000);
  add("BM_MetricsApiHandle", BM_MetricsApiHandle, {});
}

}  // namespace

int main(int argc, char** argv) {
  registerAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
