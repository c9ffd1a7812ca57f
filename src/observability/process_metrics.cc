#include "observability/process_metrics.h"

#include <fstream>
#include <sstream>
#include <string_view>

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/strings.h"

namespace tidal::obs {

namespace {

std::optional<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Fields of /proc/<pid>/stat after "(comm)". The command name may itself contain spaces and
// parentheses, so parsing starts after the last ')'. Index 0 is field 3 (state).
std::vector<std::string_view> statFields(std::string_view stat) {
  std::vector<std::string_view> fields;
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return fields;
  std::string_view rest = stat.substr(close + 1);
  size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\n')) ++i;
    size_t start = i;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != '\n') ++i;
    if (i > start) fields.push_back(rest.substr(start, i - start));
  }
  return fields;
}

std::optional<double> field(const std::vector<std::string_view>& fields, size_t statIndex) {
  // statIndex is the 1-based field number of proc(5); fields[0] is field 3.
  if (statIndex < 3 || statIndex - 3 >= fields.size()) return std::nullopt;
  auto v = parseGoInt(fields[statIndex - 3]);
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

std::optional<double> bootTimeSeconds(const std::string& procRoot) {
  auto stat = readFile(procRoot + "/stat");
  if (!stat) return std::nullopt;
  for (const auto& line : split(*stat, '\n')) {
    if (startsWith(line, "btime ")) {
      auto v = parseGoInt(trim(std::string_view(line).substr(6)));
      if (v) return static_cast<double>(*v);
    }
  }
  return std::nullopt;
}

std::optional<double> countOpenFds(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return std::nullopt;
  double n = 0;
  while (const dirent* e = readdir(d)) {
    std::string_view name(e->d_name);
    if (name != "." && name != "..") ++n;
  }
  closedir(d);
  // The count includes the descriptor of the directory stream itself.
  return n;
}

}  // namespace

ProcessStats readProcessStats(const ProcessMetricsOptions& options) {
  ProcessStats stats;
  const long pageSize = options.pageSize > 0 ? options.pageSize : sysconf(_SC_PAGESIZE);
  const long ticks = options.clockTicks > 0 ? options.clockTicks : sysconf(_SC_CLK_TCK);
  const std::string dir = options.procRoot + "/" + options.pid;

  if (auto stat = readFile(dir + "/stat")) {
    auto fields = statFields(*stat);
    auto utime = field(fields, 14);
    auto stime = field(fields, 15);
    auto start = field(fields, 22);
    auto vsize = field(fields, 23);
    auto rss = field(fields, 24);
    if (utime && stime && ticks > 0) stats.cpuSeconds = (*utime + *stime) / ticks;
    if (vsize) stats.virtualBytes = *vsize;
    if (rss && pageSize > 0) stats.residentBytes = *rss * static_cast<double>(pageSize);
    auto boot = bootTimeSeconds(options.procRoot);
    if (start && boot && ticks > 0) stats.startTimeSeconds = *boot + *start / ticks;
  }
  stats.openFds = countOpenFds(dir + "/fd");

  if (options.pid == "self") {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
      stats.maxFds = static_cast<double>(limit.rlim_cur);
    }
  }
  return stats;
}

std::vector<CollectedFamily> processFamilies(const ProcessStats& stats) {
  std::vector<CollectedFamily> out;
  auto add = [&out](const std::optional<double>& v, const char* name, const char* help,
                    MetricType type) {
    if (v) out.push_back(CollectedFamily{name, help, type, {CollectedSample{{}, *v}}});
  };
  add(stats.cpuSeconds, "process_cpu_seconds_total",
      "User and system CPU time used by the process, in seconds.", MetricType::kCounter);
  add(stats.residentBytes, "process_resident_memory_bytes",
      "Resident set size of the process, in bytes.", MetricType::kGauge);
  add(stats.virtualBytes, "process_virtual_memory_bytes",
      "Virtual memory size of the process, in bytes.", MetricType::kGauge);
  add(stats.startTimeSeconds, "process_start_time_seconds",
      "When the process started, in seconds since the Unix epoch.", MetricType::kGauge);
  add(stats.openFds, "process_open_fds", "File descriptors the process has open.",
      MetricType::kGauge);
  add(stats.maxFds, "process_max_fds", "Soft limit on the file descriptors the process may open.",
      MetricType::kGauge);
  return out;
}

void registerProcessMetrics(Registry& registry, ProcessMetricsOptions options) {
  registry.addCollector(
      [options = std::move(options)] { return processFamilies(readProcessStats(options)); });
}

}  // namespace tidal::obs
