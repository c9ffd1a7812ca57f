#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace tidal::cli {
namespace {

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result check(std::vector<std::string> files, OutputFormat format = OutputFormat::kText,
             const std::string& stdinText = "") {
  std::istringstream in(stdinText);
  std::ostringstream out, err;
  int code = runCheck(CheckOptions{std::move(files), format}, in, out, err);
  return {code, out.str(), err.str()};
}

Result parse(TriggerParseOptions options) {
  std::ostringstream out, err;
  int code = runTriggerParse(options, out, err);
  return {code, out.str(), err.str()};
}

// Compares with tests/golden/<name>; TIDAL_UPDATE_GOLDEN=1 rewrites the file instead.
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

TEST(CheckCommandTest, GoldenExamples) {
  struct Case {
    const char* file;
    const char* golden;
    int code;
  };
  const Case cases[] = {
      {"examples/rabbitmq-scaledobject.yaml", "check-rabbitmq.txt", 0},
      {"examples/cron-scaledobject.yaml", "check-cron.txt", 0},
      {"examples/scaling-modifiers.yaml", "check-scaling-modifiers.txt", 0},
      {"examples/scaledjob.yaml", "check-scaledjob.txt", 0},
  };
  for (const auto& c : cases) {
    Result r = check({c.file});
    EXPECT_EQ(r.code, c.code) << c.file << "\n" << r.out << r.err;
    expectGolden(c.golden, r.out);
  }
}

TEST(CheckCommandTest, InvalidExamplesFailWithEveryError) {
  Result r = check({"examples/invalid/min-greater-than-max.yaml",
                    "examples/invalid/duplicate-trigger-names.yaml",
                    "examples/invalid/cached-metrics-on-cpu.yaml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("minReplicaCount must be less than or equal to maxReplicaCount"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("is defined multiple times in the ScaledObject"), std::string::npos);
  EXPECT_NE(r.out.find("property \"useCachedMetrics\" is not supported for \"cpu\" scaler"),
            std::string::npos);
  expectGolden("check-invalid.txt", r.out);
}

TEST(CheckCommandTest, BadInputNamesFileObjectAndField) {
  const std::string text = R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: broken
  namespace: shop
spec:
  scaleTargetRef:
    name: web
  pollingInterval: "ten"
  triggers:
  - type: rabitmq
    metadata:
      queueName: orders
  - type: cron
    metadata:
      timezone: Etc/UTC
)";
  Result r = check({"-"}, OutputFormat::kText, text);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("<stdin>:1: ScaledObject shop/broken: INVALID"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<stdin>:9: spec.pollingInterval: expected an integer, got string \"ten\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<stdin>:11: spec.triggers[0].type: no scaler found for type: rabitmq; "
                       "did you mean \"rabbitmq\"?"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<stdin>:16: spec.triggers[1].metadata: error parsing cron metadata: "
                       "missing required parameter \"start\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<stdin>:16: spec.triggers[1].metadata: missing required parameter \"end\""),
            std::string::npos)
      << r.out;
}

TEST(CheckCommandTest, JsonOutput) {
  Result r = check({"examples/rabbitmq-scaledobject.yaml"}, OutputFormat::kJson);
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["valid"], true);
  bool sawScaledObject = false;
  for (const auto& o : j["objects"]) {
    if (o["kind"] != "ScaledObject") continue;
    sawScaledObject = true;
    ASSERT_TRUE(o.contains("hpa")) << o.dump(2);
    EXPECT_EQ(o["hpa"]["spec"]["maxReplicas"], 30);
    EXPECT_EQ(o["hpa"]["spec"]["metrics"][0]["external"]["metric"]["name"], "s0-rabbitmq-hello");
    EXPECT_EQ(o["triggers"][0]["metrics"][0]["target"], "5");
  }
  EXPECT_TRUE(sawScaledObject);
}

TEST(CheckCommandTest, UsageErrors) {
  EXPECT_EQ(check({}).code, 2);
  Result missing = check({"does/not/exist.yaml"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("cannot read does/not/exist.yaml"), std::string::npos);
  Result syntax = check({"-"}, OutputFormat::kText, "spec: [1, 2\n");
  EXPECT_EQ(syntax.code, 1);
  EXPECT_NE(syntax.out.find("<stdin>:"), std::string::npos);
}

TEST(TriggerParseTest, Cron) {
  Result r = parse({.type = "cron",
                    .metadataJson = R"({"timezone":"Etc/UTC","start":"0 0 * * Thu",)"
                                    R"("end":"59 23 * * Thu","desiredReplicas":"10"})"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["metricName"], "s0-cron-Etc-UTC-00xxThu-5923xxThu");
  EXPECT_EQ(j["targetType"], "AverageValue");
  EXPECT_EQ(j["target"], "1");
  EXPECT_EQ(j["desiredReplicas"], 10);
  EXPECT_EQ(j["timezone"], "Etc/UTC");
}

TEST(TriggerParseTest, CpuAndMemory) {
  Result cpu = parse({.type = "cpu",
                      .metadataJson = R"({"value":"75"})",
                      .metricType = "Utilization",
                      .index = 2});
  ASSERT_EQ(cpu.code, 0) << cpu.err;
  auto j = nlohmann::json::parse(cpu.out);
  EXPECT_EQ(j["metricName"], "cpu");
  EXPECT_EQ(j["targetType"], "Utilization");
  EXPECT_EQ(j["target"], "75%");
  EXPECT_TRUE(j["activationTarget"].is_null());
  Result mem = parse(
      {.type = "memory", .metadataJson = R"({"value":"1.5Gi"})", .metricType = "AverageValue"});
  ASSERT_EQ(mem.code, 0) << mem.err;
  EXPECT_EQ(nlohmann::json::parse(mem.out)["target"], "1536Mi");
}

TEST(TriggerParseTest, Errors) {
  Result unknown = parse({.type = "kafak"});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("no scaler found for type: kafak"), std::string::npos);
  Result badJson = parse({.type = "cron", .metadataJson = "{not json"});
  EXPECT_EQ(badJson.code, 2);
  EXPECT_NE(badJson.err.find("--metadata: not valid JSON"), std::string::npos);
  Result number = parse({.type = "cron", .metadataJson = R"({"desiredReplicas": 3})"});
  EXPECT_EQ(number.code, 2);
  EXPECT_NE(number.err.find("value of \"desiredReplicas\" must be a string"), std::string::npos);
  Result missing = parse({.type = "cron", .metadataJson = "{}"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("missing required parameter \"timezone\" in [triggerMetadata]"),
            std::string::npos)
      << missing.err;
}

TEST(ScalersCommandTest, ListsBuiltins) {
  std::ostringstream text, json;
  EXPECT_EQ(runScalers(false, text), 0);
  EXPECT_NE(text.str().find("cron:"), std::string::npos);
  EXPECT_NE(text.str().find("cpu:"), std::string::npos);
  EXPECT_EQ(runScalers(true, json), 0);
  auto j = nlohmann::json::parse(json.str());
  bool cron = false;
  for (const auto& s : j) {
    if (s["type"] == "cron") {
      cron = true;
      std::set<std::string> names;
      for (const auto& p : s["parameters"]) names.insert(p["name"].get<std::string>());
      EXPECT_EQ(names, (std::set<std::string>{"timezone", "start", "end", "desiredReplicas"}));
    }
  }
  EXPECT_TRUE(cron);
}

}  // namespace
}  // namespace tidal::cli
