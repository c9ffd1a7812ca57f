#include "observability/process_metrics.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

namespace tidal::obs {
namespace {

namespace fs = std::filesystem;

// A throwaway /proc look-alike under the test's temp dir.
class FakeProc {
 public:
  FakeProc() {
    root_ = fs::path(::testing::TempDir()) /
            ("fakeproc-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(root_ / "42" / "fd");
  }
  ~FakeProc() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void write(const std::string& rel, const std::string& content) {
    std::ofstream(root_ / rel) << content;
  }
  void addFd(const std::string& name) { write("42/fd/" + name, ""); }
  ProcessMetricsOptions options() const {
    return {.procRoot = root_.string(), .pid = "42", .pageSize = 4096, .clockTicks = 100};
  }

 private:
  static inline int counter_ = 0;
  fs::path root_;
};

// Fields 1..24 of proc(5) stat; the command name has a space and a ')' to test the parser.
// utime=250 stime=150 (ticks), starttime=12345 ticks, vsize=104857600, rss=2560 pages.
constexpr const char* kStat =
    "42 (my) proc) S 1 42 42 0 -1 4194560 100 0 0 0 250 150 0 0 20 0 4 0 12345 104857600 2560 "
    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

TEST(ProcessMetrics, ReadsStatFromFakeProc) {
  FakeProc proc;
  proc.write("42/stat", kStat);
  proc.write("stat", "cpu  1 2 3\nbtime 1700000000\nprocesses 10\n");
  proc.addFd("0");
  proc.addFd("1");
  proc.addFd("2");

  ProcessStats s = readProcessStats(proc.options());
  ASSERT_TRUE(s.cpuSeconds.has_value());
  EXPECT_DOUBLE_EQ(*s.cpuSeconds, 4.0);
  EXPECT_EQ(s.virtualBytes, 104857600.0);
  EXPECT_EQ(s.residentBytes, 2560.0 * 4096);
  ASSERT_TRUE(s.startTimeSeconds.has_value());
  EXPECT_DOUBLE_EQ(*s.startTimeSeconds, 1700000000 + 123.45);
  EXPECT_EQ(s.openFds, 3.0);
  EXPECT_FALSE(s.maxFds.has_value());  // only read for "self"
}

TEST(ProcessMetrics, MissingFilesLeaveValuesOut) {
  FakeProc proc;  // no stat files, empty fd dir
  ProcessStats s = readProcessStats(proc.options());
  EXPECT_FALSE(s.cpuSeconds.has_value());
  EXPECT_FALSE(s.residentBytes.has_value());
  EXPECT_FALSE(s.startTimeSeconds.has_value());
  EXPECT_EQ(s.openFds, 0.0);

  ProcessMetricsOptions nowhere{.procRoot = "/nonexistent-proc-root"};
  ProcessStats none = readProcessStats(nowhere);
  EXPECT_FALSE(none.openFds.has_value());
}

TEST(ProcessMetrics, RendersThroughTheRegistry) {
  FakeProc proc;
  proc.write("42/stat", kStat);
  proc.write("stat", "btime 1700000000\n");
  proc.addFd("5");
  Registry registry;
  registerProcessMetrics(registry, proc.options());
  EXPECT_EQ(registry.render(),
            "# HELP process_cpu_seconds_total User and system CPU time used by the process, in "
            "seconds.\n"
            "# TYPE process_cpu_seconds_total counter\n"
            "process_cpu_seconds_total 4\n"
            "# HELP process_open_fds File descriptors the process has open.\n"
            "# TYPE process_open_fds gauge\n"
            "process_open_fds 1\n"
            "# HELP process_resident_memory_bytes Resident set size of the process, in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\n"
            "process_resident_memory_bytes 1.048576e+07\n"
            "# HELP process_start_time_seconds When the process started, in seconds since the "
            "Unix epoch.\n"
            "# TYPE process_start_time_seconds gauge\n"
            "process_start_time_seconds 1.70000012345e+09\n"
            "# HELP process_virtual_memory_bytes Virtual memory size of the process, in bytes.\n"
            "# TYPE process_virtual_memory_bytes gauge\n"
            "process_virtual_memory_bytes 1.048576e+08\n");
}

TEST(ProcessMetrics, RealProcSelfIsPlausible) {
  if (!fs::exists("/proc/self/stat")) GTEST_SKIP() << "no /proc";
  ProcessStats s = readProcessStats();
  ASSERT_TRUE(s.residentBytes && s.virtualBytes && s.cpuSeconds && s.startTimeSeconds &&
              s.openFds && s.maxFds);
  EXPECT_GT(*s.residentBytes, 0);
  EXPECT_GE(*s.virtualBytes, *s.residentBytes);
  EXPECT_GT(*s.startTimeSeconds, 1.5e9);  // after 2017
  EXPECT_GE(*s.openFds, 3);               // stdin, stdout, stderr at least
  EXPECT_GE(*s.maxFds, *s.openFds);
}

}  // namespace
}  // namespace tidal::obs
