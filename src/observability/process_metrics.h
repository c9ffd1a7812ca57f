// The standard process metrics, read from /proc at scrape time.
//
// Overview
//   The Prometheus Go client exports a handful of `process_*` series that dashboards and alerts
//   expect from every Go program, KEDA included. tidal exports the same names, computed when
//   /metrics is scraped (nothing runs in the background):
//     process_cpu_seconds_total      counter  user + system CPU time
//     process_resident_memory_bytes  gauge    resident set size
//     process_virtual_memory_bytes   gauge    virtual memory size
//     process_start_time_seconds     gauge    start time, seconds since the Unix epoch
//     process_open_fds               gauge    open file descriptors
//     process_max_fds                gauge    the soft limit on open file descriptors
//   A value that cannot be read (e.g. /proc is not mounted) is left out rather than reported as 0.
//
// Example
//   Registry registry;
//   registerProcessMetrics(registry);   // once, at start-up
//
// The /proc root, page size and clock-tick rate are injectable so tests can feed a fake /proc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "observability/metrics.h"

namespace tidal::obs {

struct ProcessMetricsOptions {
  std::string procRoot = "/proc";  // holds `stat` (for btime) and the process directory
  std::string pid = "self";        // the process directory under procRoot
  long pageSize = 0;               // bytes; 0 = sysconf(_SC_PAGESIZE)
  long clockTicks = 0;             // per second; 0 = sysconf(_SC_CLK_TCK)
};

// The raw values; absent when they could not be read.
struct ProcessStats {
  std::optional<double> cpuSeconds;
  std::optional<double> residentBytes;
  std::optional<double> virtualBytes;
  std::optional<double> startTimeSeconds;
  std::optional<double> openFds;
  std::optional<double> maxFds;
};

// Reads the values now. Never fails as a whole: unreadable values stay empty.
ProcessStats readProcessStats(const ProcessMetricsOptions& options = {});

// The families produced from `stats` (for a Collector).
std::vector<CollectedFamily> processFamilies(const ProcessStats& stats);

// Adds a collector to `registry` that calls readProcessStats(options) on every scrape.
void registerProcessMetrics(Registry& registry, ProcessMetricsOptions options = {});

}  // namespace tidal::obs
