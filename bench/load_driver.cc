// tidal-bench-load: the load side of bench/run. Against a running control plane and a running
// `tidal operator` (PID given), it
//   1. creates N Deployments (0 replicas), then N ScaledObjects (one trigger each) at once, and
//      measures the time from the first ScaledObject create until every ScaledObject is Ready and
//      every HPA exists (reconcile throughput);
//   2. waits until the operator's writes settle, then a steady period, then samples the
//      operator's resident memory and CPU from /proc and scrapes its /metrics for the
//      scale-loop lateness (keda_internal_scale_loop_latency_seconds, p50/p99 over all
//      ScaledObjects) and its count of status patches;
//   3. prints one JSON object with every figure and how it was measured.
//
// Usage: tidal-bench-load --kubeconfig F --pid P --metrics-url URL --count N
//                         [--steady-seconds S] [--trigger cron|metrics-api|prometheus] [--url U]
//                         [--use-cached-metrics] [--create-only]
// --steady-seconds 0: stop after step 1 (the reconcile figures only).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "bench_util.h"
#include "k8s/client/client.h"
#include "k8s/client/config.h"
#include "k8s/client/resource.h"

namespace {

using tidal::bench::deployment;
using tidal::bench::percentile;

using Json = nlohmann::json;
using BenchClock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using namespace tidal;

struct ProcSample {
  double cpuSeconds = 0;  // user + system
  long rssKiB = 0;        // NOLINT(google-runtime-int)
  long rssAnonKiB = 0;    // NOLINT(google-runtime-int)
  long rssFileKiB = 0;    // NOLINT(google-runtime-int)
};

ProcSample sample(int pid) {
  ProcSample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the command (which may contain spaces) start after the last ')'.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::vector<std::string> f;
  for (std::string x; rest >> x;) f.push_back(x);
  if (f.size() > 13) {
    double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    s.cpuSeconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;  // utime, stime
  }
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rssKiB = std::atol(line.c_str() + 6);
    if (line.rfind("RssAnon:", 0) == 0) s.rssAnonKiB = std::atol(line.c_str() + 8);
    if (line.rfind("RssFile:", 0) == 0) s.rssFileKiB = std::atol(line.c_str() + 8);
  }
  return s;
}

// Resident KiB by mapped file ("[anon]" for anonymous mappings, heap and stacks included), the
// largest `limit` of them: where the resident size goes, from /proc/<pid>/smaps.
Json residentByMapping(int pid, size_t limit) {
  std::ifstream smaps("/proc/" + std::to_string(pid) + "/smaps");
  std::map<std::string, long> byName;  // NOLINT(google-runtime-int)
  std::string line;
  std::string name;
  while (std::getline(smaps, line)) {
    if (line.empty()) continue;
    if (std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') < 16) {
      // "start-end perms offset dev inode [path]": the path starts at the sixth field.
      std::istringstream fields(line);
      std::string skip;
      for (int i = 0; i < 5; ++i) fields >> skip;
      std::getline(fields >> std::ws, name);
      if (name.empty() || name[0] == '[') name = "[anon]";
      name = name.substr(name.rfind('/') + 1);
    } else if (line.rfind("Rss:", 0) == 0) {
      byName[name] += std::atol(line.c_str() + 4);
    }
  }
  std::vector<std::pair<long, std::string>> sorted;  // NOLINT(google-runtime-int)
  for (const auto& [n, kib] : byName) sorted.emplace_back(kib, n);
  std::sort(sorted.rbegin(), sorted.rend());
  Json out = Json::array();
  for (size_t i = 0; i < sorted.size() && i < limit; ++i) {
    out.push_back({{"mapping", sorted[i].second}, {"rssKiB", sorted[i].first}});
  }
  return out;
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::string get(const std::string& url) {
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  curl_easy_perform(curl);
  curl_easy_cleanup(curl);
  return body;
}

// Values of every series of `family` in a Prometheus text exposition.
std::vector<double> seriesValues(const std::string& text, const std::string& family) {
  std::vector<double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(family + "{", 0) != 0 && line.rfind(family + " ", 0) != 0) continue;
    out.push_back(std::stod(line.substr(line.rfind(' ') + 1)));
  }
  return out;
}

// Requests counted by rest_client_requests_total: {all, writes (POST, PUT, PATCH, DELETE)}.
std::pair<double, double> apiRequests(const std::string& text) {
  double all = 0;
  double writes = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("rest_client_requests_total{", 0) != 0) continue;
    double v = std::stod(line.substr(line.rfind(' ') + 1));
    all += v;
    for (const char* m :
         {"method=\"POST\"", "method=\"PUT\"", "method=\"PATCH\"", "method=\"DELETE\""}) {
      if (line.find(m) != std::string::npos) writes += v;
    }
  }
  return {all, writes};
}

Json scaledObject(const std::string& ns, const std::string& name, const std::string& trigger,
                  const std::string& url, bool cached) {
  Json t;
  if (trigger == "metrics-api") {
    t = {{"type", "metrics-api"},
         {"metadata", {{"url", url}, {"valueLocation", "value"}, {"targetValue", "10"}}}};
  } else if (trigger == "prometheus") {
    t = {{"type", "prometheus"},
         {"metadata",
          {{"serverAddress", url},
           {"query", "sum(tidal_queue_depth{queue=\"hello\"})"},
           {"threshold", "5"}}}};
  } else {
    // A window that never opens: the scaler computes locally, so this measures tidal alone.
    t = {{"type", "cron"},
         {"metadata",
          {{"timezone", "Etc/UTC"},
           {"start", "0 0 1 1 *"},
           {"end", "1 0 1 1 *"},
           {"desiredReplicas", "1"}}}};
  }
  if (cached) t["useCachedMetrics"] = true;
  return {{"apiVersion", "keda.sh/v1alpha1"},
          {"kind", "ScaledObject"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"scaleTargetRef", {{"name", name}}},
            {"pollingInterval", 30},
            {"triggers", Json::array({t})}}}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tidal-bench-load: reconcile throughput and steady-state footprint"};
  std::string kubeconfig, metricsUrl, trigger = "cron", url, ns = "bench";
  int pid = 0, count = 100, steadySeconds = 60, settleMaxSeconds = 300, writers = 8;
  app.add_option("--kubeconfig", kubeconfig)->required();
  app.add_option("--pid", pid, "the operator's PID")->required();
  app.add_option("--metrics-url", metricsUrl, "the operator's /metrics URL")->required();
  app.add_option("--count", count);
  app.add_option("--steady-seconds", steadySeconds);
  app.add_option("--settle-max-seconds", settleMaxSeconds,
                 "longest wait for the writes to settle before the steady period");
  app.add_option("--trigger", trigger)->check(CLI::IsMember({"cron", "metrics-api", "prometheus"}));
  app.add_option("--url", url,
                 "metrics-api: the URL the triggers query; prometheus: the server address");
  app.add_option("--namespace", ns);
  app.add_option("--writers", writers, "threads creating objects");
  bool cached = false;
  app.add_flag("--use-cached-metrics", cached, "set useCachedMetrics on every trigger");
  bool createOnly = false;
  app.add_flag("--create-only", createOnly,
               "create the objects, print the creation figures and exit (no waiting, no steady "
               "period)");
  CLI11_PARSE(app, argc, argv);

  StatusOr<k8s::RestConfig> config = k8s::loadKubeconfig({kubeconfig});
  if (!config.isOk()) {
    std::cerr << config.status().message() << "\n";
    return 2;
  }
  config->qps = 500;  // the driver must not be the bottleneck
  config->burst = 1000;
  auto rest = k8s::RestClient::create(*config);
  if (!rest.isOk()) {
    std::cerr << rest.status().message() << "\n";
    return 2;
  }
  k8s::Client client(std::shared_ptr<k8s::RestClient>(std::move(rest).value()));
  (void)client.apply(k8s::kNamespaces, "",
                     {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}},
                     "tidal-bench");

  // 0. The Deployments first, untimed: the figure is tidal's reconcile throughput.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  auto inParallel = [&](const std::function<bool(const std::string&)>& create) {
    threads.clear();
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&, w] {
        for (int i = w; i < count; i += writers) {
          if (!create("so-" + std::to_string(i))) ++failures;
        }
      });
    }
    for (auto& t : threads) t.join();
  };
  inParallel([&](const std::string& name) {
    return client.apply(k8s::kDeployments, ns, deployment(ns, name), "tidal-bench").isOk();
  });
  std::this_thread::sleep_for(2s);  // let the operator's Deployment cache catch up

  // 1. All ScaledObjects at once; the clock runs from the first create.
  ProcSample before = sample(pid);
  BenchClock::time_point start = BenchClock::now();
  inParallel([&](const std::string& name) {
    return client
        .apply(k8s::kScaledObjects, ns, scaledObject(ns, name, trigger, url, cached), "tidal-bench")
        .isOk();
  });
  double createdSeconds = std::chrono::duration<double>(BenchClock::now() - start).count();
  if (createOnly) {
    std::cout << Json{{"count", count},
                      {"trigger", trigger},
                      {"createFailures", failures.load()},
                      {"createSeconds", createdSeconds}}
                     .dump()
              << std::endl;
    return failures.load() == 0 ? 0 : 1;
  }

  int ready = 0;
  size_t hpas = 0;
  BenchClock::time_point deadline = start + std::chrono::seconds(600 + count / 5);
  while (BenchClock::now() < deadline) {
    StatusOr<k8s::ObjectList> sos = client.listAll(k8s::kScaledObjects, ns);
    StatusOr<k8s::ObjectList> hs = client.listAll(k8s::kHorizontalPodAutoscalers, ns);
    if (sos.isOk() && hs.isOk()) {
      ready = 0;
      for (const Json& so : sos->items) {
        for (const Json& c : so.value("/status/conditions"_json_pointer, Json::array())) {
          if (c.value("type", "") == "Ready" && c.value("status", "") == "True") ++ready;
        }
      }
      hpas = hs->items.size();
      if (ready == count && hpas == static_cast<size_t>(count)) break;
    }
    std::this_thread::sleep_for(250ms);
  }
  double readySeconds = std::chrono::duration<double>(BenchClock::now() - start).count();
  ProcSample afterReconcile = sample(pid);
  if (steadySeconds <= 0) {
    // Only the reconcile figures (bench/run's metrics-API scenario): no settle, no steady period.
    std::cout << Json{{"count", count},
                      {"trigger", trigger},
                      {"createFailures", failures.load()},
                      {"createSeconds", createdSeconds},
                      {"ready", ready},
                      {"hpas", hpas},
                      {"readySeconds", readySeconds}}
                     .dump()
              << std::endl;
    return ready == count ? 0 : 1;
  }

  // 2. Settle: the work that follows Ready (events, the loops' first status writes, the HPA
  // controller's first conditions) drains; then the steady period starts. The HPA controller
  // writes an HPA's first status within its 15 s sync and tidal mirrors it into the
  // ScaledObject's HPAActive condition at its next poll (pollingInterval 30 s), once per object:
  // so the quiet window is 45 s. Settled = fewer than one write per 100 ScaledObjects over 45 s,
  // or --settle-max-seconds (300) passed: at 10,000 the HPA controller's first status writes, and
  // so tidal's mirroring of them, take longer than that.
  BenchClock::time_point settleStart = BenchClock::now();
  for (;;) {
    auto [r0, w0] = apiRequests(get(metricsUrl));
    std::this_thread::sleep_for(45s);
    auto [r1, w1] = apiRequests(get(metricsUrl));
    if (w1 - w0 <= count / 100.0 ||
        BenchClock::now() - settleStart > std::chrono::seconds(settleMaxSeconds)) {
      break;
    }
  }
  double settleSeconds = std::chrono::duration<double>(BenchClock::now() - settleStart).count();

  // 3. Steady state.
  std::string metricsBefore = get(metricsUrl);
  ProcSample steadyStart = sample(pid);
  std::this_thread::sleep_for(std::chrono::seconds(steadySeconds));
  ProcSample steadyEnd = sample(pid);
  Json mappings = residentByMapping(pid, 16);
  std::string metricsAfter = get(metricsUrl);
  std::vector<double> lateness =
      seriesValues(metricsAfter, "keda_internal_scale_loop_latency_seconds");
  auto [requestsBefore, writesBefore] = apiRequests(metricsBefore);
  auto [requestsAfter, writesAfter] = apiRequests(metricsAfter);
  const double minutes = steadySeconds / 60.0;

  Json out{
      {"count", count},
      {"trigger", trigger},
      {"createFailures", failures.load()},
      {"createSeconds", createdSeconds},
      {"readySeconds", readySeconds},
      {"ready", ready},
      {"hpas", hpas},
      {"reconcileCpuSeconds", afterReconcile.cpuSeconds - before.cpuSeconds},
      {"settleSeconds", settleSeconds},
      {"steadySeconds", steadySeconds},
      {"steadyRssMiB", static_cast<double>(steadyEnd.rssKiB) / 1024.0},
      {"steadyRssAnonMiB", static_cast<double>(steadyEnd.rssAnonKiB) / 1024.0},
      {"steadyRssFileMiB", static_cast<double>(steadyEnd.rssFileKiB) / 1024.0},
      {"steadyResidentByMapping", mappings},
      {"steadyMilliCpu", 1000.0 * (steadyEnd.cpuSeconds - steadyStart.cpuSeconds) / steadySeconds},
      {"loopLatenessP50Seconds", percentile(lateness, 0.5)},
      {"loopLatenessP99Seconds", percentile(lateness, 0.99)},
      {"loopLatenessSeries", lateness.size()},
      {"steadyApiRequestsPerMinute", (requestsAfter - requestsBefore) / minutes},
      {"steadyApiWritesPerMinute", (writesAfter - writesBefore) / minutes},
      {"measuredWith",
       "RSS: VmRSS (and its RssAnon and RssFile parts) of /proc/<pid>/status at the end of the "
       "steady period, the largest mappings' Rss from /proc/<pid>/smaps; CPU: utime+stime of "
       "/proc/<pid>/stat over the steady period; lateness: "
       "keda_internal_scale_loop_latency_seconds "
       "of every ScaledObject scraped at the end; ready: every ScaledObject Ready=True and its HPA "
       "listed, timed from the first ScaledObject create (Deployments made before); steady period "
       "after a settle (fewer than N/100 writes in 45 s); API requests: rest_client_requests_total "
       "(every attempt, watches included) "
       "scraped at the start and end of the steady period, writes = POST/PUT/PATCH/DELETE"},
  };
  if (cached) out["useCachedMetrics"] = true;
  std::cout << out.dump() << std::endl;
  return ready == count ? 0 : 1;
}
