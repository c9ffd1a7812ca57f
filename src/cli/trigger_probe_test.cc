// `tidal trigger probe` without a network: usage errors, the cron scaler (which answers from the
// clock), cpu/memory, and what offline resolution reports. Probes of real servers are in
// tests/integration/trigger_probe/.
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/clock.h"

namespace tidal::cli {
namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

struct Result {
  int code;
  std::string out;
  std::string err;
};

// Wednesday 2026-11-25 10:00 UTC, 11:00 in Berlin: inside the example's 08:00-18:00 window.
const FakeClock& wednesdayMorning() {
  static const FakeClock clock(sys_days{std::chrono::year{2026} / 11 / 25} + 10h);
  return clock;
}

Result probe(TriggerProbeOptions options, const std::string& stdinText = "") {
  if (options.clock == nullptr) options.clock = &wednesdayMorning();
  std::istringstream in(stdinText);
  std::ostringstream out, err;
  int code = runTriggerProbe(options, in, out, err);
  return {code, out.str(), err.str()};
}

// Latencies vary from run to run: "12 ms" becomes "N ms".
std::string maskLatency(const std::string& text) {
  return std::regex_replace(text, std::regex("[0-9]+ ms"), "N ms");
}

void expectGolden(const std::string& name, const std::string& actual) {
  const std::string path = "tests/golden/" + name;
  if (std::getenv("TIDAL_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << actual;
    return;
  }
  std::ifstream f(path);
  ASSERT_TRUE(f.good()) << "missing golden file " << path
                        << " (run with TIDAL_UPDATE_GOLDEN=1 to create it)";
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(actual, ss.str()) << "golden " << path << " differs";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(TriggerProbeTest, UsageErrorsExitTwo) {
  struct Case {
    const char* name;
    TriggerProbeOptions options;
    const char* message;
  };
  const Case cases[] = {
      {"nothing to probe", {}, "nothing to probe"},
      {"files and --type", {.files = {"a.yaml"}, .type = "cron"}, "not both"},
      {"--metadata without --type",
       {.files = {"a.yaml"}, .metadataJson = R"({"a":"b"})"},
       "need --type"},
      {"unreadable file",
       {.files = {"tests/data/trigger-probe/no-such-file.yaml"}},
       "cannot read tests/data/trigger-probe/no-such-file.yaml"},
      {"--auth without =",
       {.type = "cron", .auth = {"hunter2"}},
       "--auth: expected KEY=VALUE or a JSON object of strings (entry 1 has no KEY= part)"},
      {"--env not an object",
       {.type = "cron", .env = {"{\"A\": 1}"}},
       "--env: value of \"A\" must be a string"},
      {"--metadata not JSON", {.type = "cron", .metadataJson = "{"}, "--metadata: not valid JSON"},
      {"zero timeout",
       {.type = "cron", .timeout = 0ms},
       "--http-timeout-ms must be greater than 0"},
      {"negative index", {.type = "cron", .index = -1}, "--index must be 0 or greater"},
  };
  for (const Case& c : cases) {
    Result r = probe(c.options);
    EXPECT_EQ(r.code, 2) << c.name << "\n" << r.out << r.err;
    EXPECT_TRUE(contains(r.err, c.message)) << c.name << ": " << r.err;
    EXPECT_FALSE(contains(r.err, "hunter2")) << c.name << ": a flag value was echoed";
  }
}

TEST(TriggerProbeTest, CronExampleGolden) {
  Result r = probe({.files = {"examples/cron-scaledobject.yaml"}});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  expectGolden("probe-cron.txt", maskLatency(r.out));
}

TEST(TriggerProbeTest, CronOutsideWindowIsInactive) {
  // Saturday: the Monday-Friday window is closed; the metric is then 0 replicas.
  const FakeClock saturday(sys_days{std::chrono::year{2026} / 11 / 28} + 10h);
  Result r = probe({.files = {"examples/cron-scaledobject.yaml"}, .clock = &saturday});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "s0-cron-Europe-Berlin-08xx1-5-018xx1-5 = 0 ")) << r.out;
  EXPECT_TRUE(contains(r.out, "): inactive, ")) << r.out;
}

TEST(TriggerProbeTest, JsonOutput) {
  Result r = probe({.files = {"examples/cron-scaledobject.yaml"}, .output = OutputFormat::kJson});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ok"], true);
  ASSERT_EQ(j["objects"].size(), 1u);
  const auto& o = j["objects"][0];
  EXPECT_EQ(o["kind"], "ScaledObject");
  EXPECT_EQ(o["namespace"], "default");
  EXPECT_EQ(o["name"], "web");
  ASSERT_EQ(o["triggers"].size(), 2u);
  const auto& cron = o["triggers"][0];
  EXPECT_EQ(cron["type"], "cron");
  EXPECT_EQ(cron["ok"], true);
  EXPECT_EQ(cron["metrics"][0]["metricName"], "s0-cron-Europe-Berlin-08xx1-5-018xx1-5");
  EXPECT_EQ(cron["metrics"][0]["value"], "10");
  EXPECT_EQ(cron["metrics"][0]["active"], true);
  EXPECT_EQ(cron["metrics"][0]["probed"], true);
  EXPECT_TRUE(cron["metrics"][0]["latencyMs"].is_number_integer());
  const auto& cpu = o["triggers"][1];
  EXPECT_EQ(cpu["ok"], true);
  EXPECT_EQ(cpu["metrics"][0]["metricName"], "cpu");
  EXPECT_EQ(cpu["metrics"][0]["probed"], false);
  EXPECT_EQ(cpu["metrics"][0]["note"], "resource metrics come from the cluster's metrics server");
}

TEST(TriggerProbeTest, OneTriggerFromFlags) {
  Result r = probe({.type = "cron",
                    .metadataJson = R"({"timezone":"Etc/UTC","start":"0 9 * * *",)"
                                    R"("end":"0 11 * * *","desiredReplicas":"4"})",
                    .index = 2});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out,
                       "trigger 2 (cron): s2-cron-Etc-UTC-09xxx-011xxx = 4 "
                       "(target AverageValue 1, activation > 0): active, "))
      << r.out;
  EXPECT_TRUE(contains(r.out, "1 trigger(s) probed: 1 answered, 0 failed")) << r.out;
}

TEST(TriggerProbeTest, BadTriggerExitsOne) {
  Result r = probe({.type = "cron", .metadataJson = R"({"timezone":"Etc/UTC"})"});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "trigger 0 (cron): ERROR: ")) << r.out;
  EXPECT_TRUE(contains(r.out, "missing required parameter \"start\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "1 trigger(s) probed: 0 answered, 1 failed")) << r.out;

  Result unknown = probe({.type = "rabitmq", .output = OutputFormat::kJson});
  EXPECT_EQ(unknown.code, 1);
  const auto j = nlohmann::json::parse(unknown.out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["triggers"][0]["error"],
            "no scaler found for type: rabitmq; did you mean \"rabbitmq\"?");
}

TEST(TriggerProbeTest, ReportsWhatIsNotResolvableOffline) {
  Result r = probe({.files = {"tests/data/trigger-probe/offline.yaml"}});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  // The Secret in the file is used; the one that is not is named, with the TA and parameter.
  EXPECT_TRUE(contains(r.out,
                       "not resolvable offline: TriggerAuthentication shop/redis-auth: "
                       "spec.secretTargetRef[1] (parameter \"username\"): Secret "
                       "shop/redis-user not found"))
      << r.out;
  EXPECT_FALSE(contains(r.out, "parameter \"password\"")) << r.out;
  EXPECT_TRUE(contains(r.out,
                       "not resolvable offline: authenticationRef: TriggerAuthentication "
                       "shop/elsewhere not found"))
      << r.out;
  EXPECT_TRUE(contains(r.out,
                       "not resolvable offline: env var REDIS_ADDRESS (for "
                       "addressFromEnv) of the scale target Deployment shop/worker, which "
                       "is not in the given files; pass --env REDIS_ADDRESS=value"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "trigger 2 (cpu): cpu (target Utilization 50%): not probed"))
      << r.out;
  EXPECT_TRUE(contains(r.out,
                       "3 trigger(s) probed: 0 answered, 2 failed, 1 need(s) the "
                       "cluster's metrics server"))
      << r.out;
  EXPECT_FALSE(contains(r.out, "not-the-real-one-7Qz")) << r.out;
}

TEST(TriggerProbeTest, FlagsReplaceWhatIsNotResolvable) {
  Result r = probe({.files = {"tests/data/trigger-probe/offline.yaml"},
                    .auth = {"username=probe", R"({"password":"from-the-flag"})"},
                    .env = {"REDIS_ADDRESS=127.0.0.1:6379"}});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_FALSE(contains(r.out, "not resolvable offline")) << r.out;
  EXPECT_FALSE(contains(r.out, "from-the-flag")) << r.out;
}

TEST(TriggerProbeTest, EnvFromATargetInTheFile) {
  Result r = probe({.files = {"tests/data/trigger-probe/with-target.yaml"}});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out,
                       "tests/data/trigger-probe/with-target.yaml:19: ScaledObject "
                       "default/worker"))
      << r.out;
  EXPECT_TRUE(contains(r.out,
                       "not resolvable offline: Secret default/not-here (envFrom of "
                       "container \"app\"); pass --env NAME=value for the variables it "
                       "holds"))
      << r.out;
  // The target is in the file: its env is read, so no "not in the given files" for LIST.
  EXPECT_FALSE(contains(r.out, "env var LIST")) << r.out;
}

TEST(TriggerProbeTest, NoScalableObjects) {
  Result r = probe({.files = {"-"}}, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "no ScaledObject or ScaledJob in the given files")) << r.err;
}

TEST(TriggerProbeTest, UnparsableFileIsReported) {
  Result r = probe({.files = {"-"}}, "a: [\n");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "<stdin>:0: (file) <stdin>\n  ERROR: <stdin>:")) << r.out;
}

}  // namespace
}  // namespace tidal::cli
