// tidal-bench-memory: what one ScaledObject costs the operator's heap, piece by piece, to explain
// the resident memory bench/run measures (docs/performance.md).
//
// For each piece it builds `--count` copies the way the operator does and reports the growth of
// glibc's in-use heap (mallinfo2().uordblks) per copy:
//   - the informers' cached objects: a ScaledObject, its HPA and its Deployment, decoded from the
//     JSON the API server sent (bench/data/*.json, captured from a bench/run cluster, without
//     managedFields, which the informers drop), each also measured as a parsed JSON tree;
//   - a scaler built from the ScaledObject's trigger (cron, as bench/run's footprint default);
//   - the keda_scaler_* series the scale loop records for it (value, latency, active, errors).
// Usage: tidal-bench-memory [--count N] [--data DIR]
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <malloc.h>
#include <nlohmann/json.hpp>

#include "k8s/types/apps.h"
#include "k8s/types/autoscaling.h"
#include "k8s/types/keda.h"
#include "observability/keda_metrics.h"
#include "scalers/registry.h"

namespace {

using Json = nlohmann::json;

size_t inUse() {
  return mallinfo2().uordblks;
}

Json readJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "tidal-bench-memory: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return Json::parse(ss.str());
}

// A copy of `sample` with its own name (so no string is shared between copies).
Json renamed(const Json& sample, int i) {
  Json copy = sample;
  copy["metadata"]["name"] =
      sample["metadata"]["name"].get<std::string>() + "-" + std::to_string(i);
  copy["metadata"]["uid"] = "00000000-0000-0000-0000-" + std::to_string(100000000000 + i);
  return copy;
}

struct Row {
  std::string what;
  double bytesPerCopy;
};

// Builds `count` values with `make` and keeps them alive while measuring.
template <typename T>
Row measure(const std::string& what, int count, const std::function<T(int)>& make) {
  std::vector<T> kept;
  kept.reserve(static_cast<size_t>(count));
  malloc_trim(0);
  const size_t before = inUse();
  for (int i = 0; i < count; ++i) kept.push_back(make(i));
  const size_t after = inUse();
  return {what, static_cast<double>(after - before) / count};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tidal-bench-memory: heap bytes per ScaledObject, piece by piece"};
  int count = 1000;
  std::string data = "bench/data";
  app.add_option("--count", count, "copies of each piece")->check(CLI::PositiveNumber);
  app.add_option("--data", data,
                 "directory of the sample objects (scaledobject.json, hpa.json, "
                 "deployment.json)");
  CLI11_PARSE(app, argc, argv);

  const Json so = readJson(data + "/scaledobject.json");
  const Json hpa = readJson(data + "/hpa.json");
  const Json deploy = readJson(data + "/deployment.json");
  using tidal::k8s::ObjectCodec;
  std::vector<Row> rows;

  // The pre-built JSON inputs are made outside the measured region.
  auto inputs = [&](const Json& sample) {
    std::vector<Json> out;
    for (int i = 0; i < count; ++i) out.push_back(renamed(sample, i));
    return out;
  };
  {
    auto in = inputs(so);
    rows.push_back(measure<std::shared_ptr<const tidal::api::ScaledObject>>(
        "ScaledObject (typed, cached)", count, [&](int i) {
          return std::make_shared<const tidal::api::ScaledObject>(
              ObjectCodec<tidal::api::ScaledObject>::decode(in[static_cast<size_t>(i)]).value());
        }));
    rows.push_back(measure<Json>("ScaledObject (JSON tree)", count,
                                 [&](int i) { return in[static_cast<size_t>(i)]; }));
  }
  {
    auto in = inputs(hpa);
    rows.push_back(measure<std::shared_ptr<const tidal::k8s::HorizontalPodAutoscaler>>(
        "HPA (typed, cached)", count, [&](int i) {
          return std::make_shared<const tidal::k8s::HorizontalPodAutoscaler>(
              tidal::k8s::HorizontalPodAutoscaler::decode(in[static_cast<size_t>(i)]).value());
        }));
    rows.push_back(
        measure<Json>("HPA (JSON tree)", count, [&](int i) { return in[static_cast<size_t>(i)]; }));
  }
  {
    auto in = inputs(deploy);
    rows.push_back(measure<std::shared_ptr<const tidal::k8s::PodTemplateWorkload>>(
        "Deployment (typed, cached)", count, [&](int i) {
          return std::make_shared<const tidal::k8s::PodTemplateWorkload>(
              tidal::k8s::PodTemplateWorkload::decode(in[static_cast<size_t>(i)]).value());
        }));
    rows.push_back(measure<Json>("Deployment (JSON tree)", count,
                                 [&](int i) { return in[static_cast<size_t>(i)]; }));
  }
  {
    const tidal::api::ScaledObject typed =
        ObjectCodec<tidal::api::ScaledObject>::decode(so).value();
    const tidal::api::ScaleTrigger& trigger = typed.spec.triggers.at(0);
    rows.push_back(measure<std::unique_ptr<tidal::scalers::Scaler>>(
        "scaler (" + trigger.type + ")", count, [&](int) {
          tidal::scalers::ScalerConfig config;
          config.triggerType = trigger.type;
          config.triggerMetadata = trigger.metadata;
          return tidal::scalers::builtinRegistry()
              .create(config, tidal::scalers::ScalerContext{})
              .value();
        }));
  }
  {
    tidal::obs::Registry registry;
    auto metrics = tidal::obs::KedaMetrics::create(registry).value();
    rows.push_back(
        measure<tidal::obs::ScalerRecorder>("keda_scaler_* series (4)", count, [&](int i) {
          tidal::obs::ScalerRecorder r(
              metrics.get(), tidal::obs::ScalerLabels{.ns = "bench",
                                                      .scaledResource = "so-" + std::to_string(i),
                                                      .scaler = "cronScaler",
                                                      .triggerIndex = 0,
                                                      .metric = "s0-cron-Etc-UTC-00xx1-01xx1"});
          r.metric(1);
          r.latency(std::chrono::microseconds(5));
          r.active(false);
          r.error();
          return r;
        }));
  }

  std::printf("%-32s %12s\n", "piece", "bytes/copy");
  for (const Row& r : rows) std::printf("%-32s %12.0f\n", r.what.c_str(), r.bytesPerCopy);
  return 0;
}
