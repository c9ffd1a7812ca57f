// valueLocation against bodies in each format KEDA's metrics-api reads.
#include "scalers/metrics_api/value_location.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tidal::scalers::metrics_api {
namespace {

struct Case {
  const char* name;
  ValueFormat format;
  std::string location;
  std::string body;
  double want;        // when error is empty
  std::string error;  // a substring of the expected error
};

void run(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<ValueLocation> loc = ValueLocation::parse(c.format, c.location);
    ASSERT_TRUE(loc.isOk()) << loc.status().toString();
    StatusOr<double> v = loc->find(c.body);
    if (c.error.empty()) {
      ASSERT_TRUE(v.isOk()) << v.status().toString();
      EXPECT_DOUBLE_EQ(*v, c.want);
    } else {
      ASSERT_FALSE(v.isOk()) << *v;
      EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(v.status().message().find(c.error), std::string::npos) << v.status().message();
    }
  }
}

constexpr ValueFormat kJson = ValueFormat::kJson;
constexpr ValueFormat kYaml = ValueFormat::kYaml;
constexpr ValueFormat kXml = ValueFormat::kXml;
constexpr ValueFormat kProm = ValueFormat::kPrometheus;

TEST(ValueLocationJson, GjsonPaths) {
  const std::string body = R"({"components":[{"id":"a","tasks":32},{"id":"b","tasks":"2k"}],
    "worker":{"tasks":12.5,"name":"w","up":true,"nil":null},"a.b":{"c":7},
    "queue_depth_primary":4,"queue_depth_secondary":9})";
  run({
      {"nested_key", kJson, "worker.tasks", body, 12.5, ""},
      {"array_index", kJson, "components.0.tasks", body, 32, ""},
      {"quantity_string", kJson, "components.1.tasks", body, 2000, ""},
      {"array_length", kJson, "components.#", body, 2, ""},
      {"escaped_dot", kJson, "a\\.b.c", body, 7, ""},
      {"wildcard_first_in_document_order", kJson, "queue_depth_*", body, 4, ""},
      {"question_mark", kJson, "worke?.tasks", body, 12.5, ""},
      {"pipe_as_separator", kJson, "worker|tasks", body, 12.5, ""},
      {"missing_is_null", kJson, "worker.nothing", body, 0,
       "valueLocation \"worker.nothing\" must point to a numeric value or a string parseable as a "
       "Quantity, got Null"},
      {"index_out_of_range", kJson, "components.5.tasks", body, 0, "got Null"},
      {"object", kJson, "worker", body, 0, "got JSON"},
      {"bool", kJson, "worker.up", body, 0, "got True"},
      {"explicit_null", kJson, "worker.nil", body, 0, "got Null"},
      {"not_a_quantity", kJson, "worker.name", body, 0, "points to invalid quantity"},
      {"hash_then_key", kJson, "components.#.tasks", body, 0, "got JSON"},
      {"bad_json", kJson, "a", "{nope", 0, "the response is not valid JSON"},
  });
}

TEST(ValueLocationJson, QueriesAndModifiersAreRefusedUpFront) {
  for (const char* location : {"items.#(id==1).v", "@reverse.0", "a..b"}) {
    SCOPED_TRACE(location);
    StatusOr<ValueLocation> loc = ValueLocation::parse(kJson, location);
    ASSERT_FALSE(loc.isOk());
    EXPECT_EQ(loc.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ValueLocationYaml, DotPathsWithIndices) {
  const std::string body =
      "components:\n  - tasks: 32\n  - tasks: \"1.5k\"\nworker:\n  tasks: 12.5\n  name: w\n"
      "  list: [1, 2]\n";
  run({
      {"int", kYaml, "components.0.tasks", body, 32, ""},
      {"quantity", kYaml, "components.1.tasks", body, 1500, ""},
      {"float", kYaml, "worker.tasks", body, 12.5, ""},
      {"index_in_flow_list", kYaml, "worker.list.1", body, 2, ""},
      {"map", kYaml, "worker", body, 0, "got map"},
      {"list", kYaml, "worker.list", body, 0, "got list"},
      {"missing", kYaml, "worker.nope", body, 0, "the path does not exist"},
      {"not_a_number", kYaml, "worker.name", body, 0, "neither a number nor a Quantity"},
      {"bad_yaml", kYaml, "a", "a: [1, 2", 0, "not valid YAML"},
  });
}

TEST(ValueLocationXml, ElementPathsFromTheRoot) {
  const std::string body =
      "<?xml version=\"1.0\"?><stats><worker><tasks> 12 </tasks><name>w</name></worker>"
      "<item>1</item><item>250m</item></stats>";
  run({
      {"nested", kXml, "stats.worker.tasks", body, 12, ""},
      {"repeated_index", kXml, "stats.item.1", body, 0.25, ""},
      {"repeated_without_index", kXml, "stats.item", body, 0, "got list"},
      {"element_with_children", kXml, "stats.worker", body, 0, "got map"},
      {"missing", kXml, "stats.nope", body, 0, "the path does not exist"},
      {"wrong_root", kXml, "root.worker.tasks", body, 0, "the path does not exist"},
      {"text", kXml, "stats.worker.name", body, 0, "neither a number nor a Quantity"},
      {"bad_xml", kXml, "a", "<a><b></a>", 0, "not valid XML"},
  });
}

TEST(ValueLocationPrometheus, SelectorsPickTheFirstMatchingSample) {
  const std::string body =
      "# HELP queue_depth Jobs waiting.\n# TYPE queue_depth gauge\n"
      "queue_depth{queue=\"hello\",zone=\"a\"} 7\n"
      "queue_depth{queue=\"other\",zone=\"a\"} 3 1700000000000\n"
      "queue_depth{queue=\"hello\",zone=\"b\"} 5\n"
      "# TYPE done_total counter\ndone_total 42\n"
      "plain 1.5e3\n"
      "# TYPE latency histogram\nlatency_bucket{le=\"1\"} 3\nlatency_count 3\n"
      "# TYPE rpc summary\nrpc{quantile=\"0.5\"} 0.2\n";
  run({
      {"no_labels_first_sample", kProm, "queue_depth", body, 7, ""},
      {"one_label", kProm, "queue_depth{queue=\"other\"}", body, 3, ""},
      {"two_labels", kProm, "queue_depth{queue=\"hello\", zone=\"b\"}", body, 5, ""},
      {"counter", kProm, "done_total", body, 42, ""},
      {"untyped", kProm, "plain", body, 1500, ""},
      {"no_match", kProm, "queue_depth{queue=\"none\"}", body, 0, "no sample of queue_depth"},
      {"missing", kProm, "nothing", body, 0, "metric nothing not found"},
      {"summary", kProm, "rpc", body, 0, "is a summary"},
  });
}

TEST(ValueLocationPrometheus, BadSelectorsAreRefusedUpFront) {
  for (const char* location : {"", "q{queue=hello}", "q{queue=\"x\"", "q extra"}) {
    SCOPED_TRACE(location);
    EXPECT_FALSE(ValueLocation::parse(kProm, location).isOk());
  }
}

TEST(ValueFormatNames, RoundTrip) {
  for (ValueFormat f : {kJson, kYaml, kXml, kProm}) {
    EXPECT_EQ(*valueFormatFromName(valueFormatName(f)), f);
  }
  EXPECT_FALSE(valueFormatFromName("csv").isOk());
}

}  // namespace
}  // namespace tidal::scalers::metrics_api
