#include "observability/keda_metrics.h"

#include <algorithm>
#include <chrono>

#include <gtest/gtest.h>

namespace tidal::obs {
namespace {

// The lines of `text` that start with `prefix` (sample lines of one family), joined.
std::string linesStartingWith(const std::string& text, std::string_view prefix) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line(text.data() + pos, end - pos);
    if (line.starts_with(prefix)) {
      out += line;
      out += '\n';
    }
    pos = end + 1;
  }
  return out;
}

class KedaMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = KedaMetrics::create(registry_);
    ASSERT_TRUE(created.isOk()) << created.status().toString();
    metrics_ = std::move(created).value();
  }
  std::string render(std::string_view prefix) {
    return linesStartingWith(registry_.render(), prefix);
  }

  Registry registry_;
  std::unique_ptr<KedaMetrics> metrics_;
  ScalerLabels so_{.ns = "default",
                   .scaledResource = "orders",
                   .scaler = "rabbitMQScaler",
                   .triggerIndex = 0,
                   .metric = "s0-rabbitmq-orders",
                   .kind = ResourceKind::kScaledObject};
};

constexpr const char* kSoLabels =
    "{metric=\"s0-rabbitmq-orders\",namespace=\"default\",scaledObject=\"orders\","
    "scaler=\"rabbitMQScaler\",triggerIndex=\"0\",type=\"scaledobject\"}";

TEST_F(KedaMetricsTest, SecondRegistrationOnSameRegistryFails) {
  auto again = KedaMetrics::create(registry_);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(KedaMetricsTest, EveryFamilyHasKedasTypeAndNothingRendersUntilUsed) {
  EXPECT_EQ(registry_.render(), "");
  ScalerLabels sj = so_;
  sj.kind = ResourceKind::kScaledJob;
  metrics_->setBuildInfo("2.16.0", "abc");
  metrics_->recordScalerMetric(so_, 1);
  metrics_->recordScalerLatency(so_, 0.1);
  metrics_->recordScalerActive(so_, true);
  metrics_->recordScalerError(so_);
  metrics_->recordScalerError(sj);
  metrics_->setPaused("default", "orders", false);
  metrics_->recordEmptyUpstreamResponse("default", "orders", "t", "m", ResourceKind::kScaledObject,
                                        false);
  metrics_->incTriggerRegistered("rabbitmq");
  metrics_->incResourceRegistered(kRegisteredScaledObject, "default");
  metrics_->recordScaleLoopLatency("default", ResourceKind::kScaledObject, "orders", 0);
  metrics_->recordCloudEventEmitted("default", "src", "sink", true);
  metrics_->setCloudEventsQueued("default", 0);
  metrics_->recordScalerHttpRequest({"default", "orders", "prometheusScaler", "t", "m"}, 200, 0.1);
  metrics_->recordWebhookValidation("default", "create");
  metrics_->recordWebhookValidationError("default", "create", "incorrect-replicas");

  const std::string text = registry_.render();
  const std::pair<const char*, const char*> want[] = {
      {"keda_build_info", "gauge"},
      {"keda_scaler_metrics_value", "gauge"},
      {"keda_scaler_metrics_latency_seconds", "gauge"},
      {"keda_scaler_active", "gauge"},
      {"keda_scaler_detail_errors_total", "counter"},
      {"keda_scaled_object_errors_total", "counter"},
      {"keda_scaled_job_errors_total", "counter"},
      {"keda_scaled_object_paused", "gauge"},
      {"keda_scaler_empty_upstream_responses_total", "counter"},
      {"keda_trigger_registered_total", "gauge"},
      {"keda_resource_registered_total", "gauge"},
      {"keda_internal_scale_loop_latency_seconds", "gauge"},
      {"keda_cloudeventsource_events_emitted_total", "counter"},
      {"keda_cloudeventsource_events_queued", "gauge"},
      {"keda_scaler_http_requests_total", "counter"},
      {"keda_scaler_http_request_duration_seconds", "histogram"},
      {"keda_webhook_scaled_object_validations_total", "counter"},
      {"keda_webhook_scaled_object_validation_errors_total", "counter"},
  };
  for (const auto& [name, type] : want) {
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " " + type + "\n"), std::string::npos)
        << name;
  }
}

TEST_F(KedaMetricsTest, ScalerSeriesUseKedasLabelSet) {
  metrics_->recordScalerMetric(so_, 42);
  metrics_->recordScalerLatency(so_, std::chrono::milliseconds(250));
  metrics_->recordScalerActive(so_, true);
  EXPECT_EQ(render("keda_scaler_metrics_value"),
            std::string("keda_scaler_metrics_value") + kSoLabels + " 42\n");
  EXPECT_EQ(render("keda_scaler_metrics_latency_seconds"),
            std::string("keda_scaler_metrics_latency_seconds") + kSoLabels + " 0.25\n");
  EXPECT_EQ(render("keda_scaler_active"), std::string("keda_scaler_active") + kSoLabels + " 1\n");
  metrics_->recordScalerActive(so_, false);
  EXPECT_EQ(render("keda_scaler_active"), std::string("keda_scaler_active") + kSoLabels + " 0\n");
}

TEST_F(KedaMetricsTest, ErrorsInitializeAtZeroAndCountPerOwnerKind) {
  ScalerLabels sj = so_;
  sj.kind = ResourceKind::kScaledJob;
  sj.scaledResource = "batch";
  metrics_->initScalerErrors(so_);
  metrics_->initScalerErrors(sj);
  EXPECT_EQ(render("keda_scaled_object_errors_total"),
            "keda_scaled_object_errors_total{namespace=\"default\",scaledObject=\"orders\"} 0\n");
  EXPECT_EQ(render("keda_scaled_job_errors_total"),
            "keda_scaled_job_errors_total{namespace=\"default\",scaledJob=\"batch\"} 0\n");

  metrics_->recordScalerError(so_);
  metrics_->recordScalerError(so_);
  metrics_->recordScalerError(sj);
  metrics_->initScalerErrors(so_);  // does not reset
  EXPECT_EQ(render("keda_scaler_detail_errors_total"),
            "keda_scaler_detail_errors_total{metric=\"s0-rabbitmq-orders\",namespace=\"default\","
            "scaledObject=\"batch\",scaler=\"rabbitMQScaler\",triggerIndex=\"0\","
            "type=\"scaledjob\"} 1\n"
            "keda_scaler_detail_errors_total" +
                std::string(kSoLabels) + " 2\n");
  EXPECT_EQ(render("keda_scaled_object_errors_total"),
            "keda_scaled_object_errors_total{namespace=\"default\",scaledObject=\"orders\"} 2\n");
  EXPECT_EQ(render("keda_scaled_job_errors_total"),
            "keda_scaled_job_errors_total{namespace=\"default\",scaledJob=\"batch\"} 1\n");
}

TEST_F(KedaMetricsTest, DeleteScaledObjectSeriesIsAPartialMatchOnNamespaceNameAndType) {
  ScalerLabels second = so_;
  second.triggerIndex = 1;
  second.metric = "s1-cron";
  ScalerLabels job = so_;
  job.kind = ResourceKind::kScaledJob;
  ScalerLabels other = so_;
  other.ns = "prod";
  for (const auto& l : {so_, second, job, other}) {
    metrics_->recordScalerMetric(l, 1);
    metrics_->recordScalerActive(l, true);
  }
  metrics_->recordScalerLatency(so_, 0.5);
  metrics_->initScalerErrors(so_);
  metrics_->setPaused("default", "orders", true);

  // so_ and second: value and active each (4), plus so_'s latency and error series (2).
  EXPECT_EQ(metrics_->deleteScaledObjectSeries("default", "orders", ResourceKind::kScaledObject),
            6u);
  EXPECT_EQ(render("keda_scaler_metrics_value"),
            "keda_scaler_metrics_value{metric=\"s0-rabbitmq-orders\",namespace=\"default\","
            "scaledObject=\"orders\",scaler=\"rabbitMQScaler\",triggerIndex=\"0\","
            "type=\"scaledjob\"} 1\n"
            "keda_scaler_metrics_value{metric=\"s0-rabbitmq-orders\",namespace=\"prod\","
            "scaledObject=\"orders\",scaler=\"rabbitMQScaler\",triggerIndex=\"0\","
            "type=\"scaledobject\"} 1\n");
  EXPECT_EQ(render("keda_scaler_metrics_latency_seconds"), "");
  EXPECT_EQ(render("keda_scaler_detail_errors_total"), "");
  EXPECT_EQ(render("keda_scaler_active{metric=\"s1-cron\""), "");
  // KEDA keeps the per-object series; forgetResource() drops them too.
  EXPECT_EQ(render("keda_scaled_object_paused"),
            "keda_scaled_object_paused{namespace=\"default\",scaledObject=\"orders\"} 1\n");
  EXPECT_EQ(metrics_->forgetResource("default", "orders", ResourceKind::kScaledObject), 2u);
  EXPECT_EQ(render("keda_scaled_object_paused"), "");
  EXPECT_EQ(render("keda_scaled_object_errors_total"), "");
}

TEST_F(KedaMetricsTest, RegistrationsDefaultNamespaceAndGoUpAndDown) {
  metrics_->incResourceRegistered(kRegisteredScaledObject, "");
  metrics_->incResourceRegistered(kRegisteredScaledObject, "default");
  metrics_->incResourceRegistered(kRegisteredTriggerAuthentication, "apps");
  metrics_->decResourceRegistered(kRegisteredTriggerAuthentication, "apps");
  metrics_->incTriggerRegistered("rabbitmq");
  metrics_->incTriggerRegistered("rabbitmq");
  metrics_->incTriggerRegistered("cron");
  metrics_->decTriggerRegistered("rabbitmq");
  EXPECT_EQ(render("keda_resource_registered_total"),
            "keda_resource_registered_total{namespace=\"apps\",type=\"trigger_authentication\"} 0\n"
            "keda_resource_registered_total{namespace=\"default\",type=\"scaled_object\"} 2\n");
  EXPECT_EQ(render("keda_trigger_registered_total"),
            "keda_trigger_registered_total{type=\"cron\"} 1\n"
            "keda_trigger_registered_total{type=\"rabbitmq\"} 1\n");
}

TEST_F(KedaMetricsTest, PausedAndLoopLatency) {
  metrics_->setPaused("default", "orders", true);
  metrics_->recordScaleLoopLatency("default", ResourceKind::kScaledJob, "batch", 0.002);
  EXPECT_EQ(render("keda_scaled_object_paused"),
            "keda_scaled_object_paused{namespace=\"default\",scaledObject=\"orders\"} 1\n");
  EXPECT_EQ(render("keda_internal_scale_loop_latency_seconds"),
            "keda_internal_scale_loop_latency_seconds{namespace=\"default\",resource=\"batch\","
            "type=\"scaledjob\"} 0.002\n");
}

TEST_F(KedaMetricsTest, WebhookCounters) {
  metrics_->recordWebhookValidation("default", "create");
  metrics_->recordWebhookValidation("default", "create");
  metrics_->recordWebhookValidation("default", "update");
  metrics_->recordWebhookValidationError("default", "update", "other-hpa");
  EXPECT_EQ(render("keda_webhook_scaled_object_validations_total"),
            "keda_webhook_scaled_object_validations_total{action=\"create\",namespace=\"default\"} "
            "2\n"
            "keda_webhook_scaled_object_validations_total{action=\"update\",namespace=\"default\"} "
            "1\n");
  EXPECT_EQ(render("keda_webhook_scaled_object_validation_errors_total"),
            "keda_webhook_scaled_object_validation_errors_total{action=\"update\","
            "namespace=\"default\",reason=\"other-hpa\"} 1\n");
}

TEST_F(KedaMetricsTest, HttpRequestsCountAndHistogramUsesLowCardinalityLabels) {
  HttpRequestLabels l{"default", "orders", "prometheusScaler", "t0", "s0-prometheus"};
  metrics_->recordScalerHttpRequest(l, 200, 0.02);
  metrics_->recordScalerHttpRequest(l, std::nullopt, 3);
  EXPECT_EQ(render("keda_scaler_http_requests_total"),
            "keda_scaler_http_requests_total{metric_name=\"s0-prometheus\",namespace=\"default\","
            "scaled_resource=\"orders\",scaler=\"prometheusScaler\",status_code=\"200\","
            "trigger_name=\"t0\"} 1\n"
            "keda_scaler_http_requests_total{metric_name=\"s0-prometheus\",namespace=\"default\","
            "scaled_resource=\"orders\",scaler=\"prometheusScaler\",status_code=\"error\","
            "trigger_name=\"t0\"} 1\n");
  EXPECT_EQ(render("keda_scaler_http_request_duration_seconds_bucket{scaler=\"prometheusScaler\","
                   "status_code=\"200\",le=\"0.025\""),
            "keda_scaler_http_request_duration_seconds_bucket{scaler=\"prometheusScaler\","
            "status_code=\"200\",le=\"0.025\"} 1\n");
  const std::string buckets = render(
      "keda_scaler_http_request_duration_seconds_bucket{scaler=\""
      "prometheusScaler\",status_code=\"error\"");
  // 11 bounds + +Inf; 3 s lands in le=5.
  EXPECT_EQ(std::count(buckets.begin(), buckets.end(), '\n'), 12);
  EXPECT_NE(buckets.find("le=\"2.5\"} 0\n"), std::string::npos);
  EXPECT_NE(buckets.find("le=\"5\"} 1\n"), std::string::npos);
  EXPECT_NE(buckets.find("le=\"+Inf\"} 1\n"), std::string::npos);
}

TEST(KedaMetricsOptionsTest, HighCardinalityHttpLabels) {
  Registry registry;
  auto m = KedaMetrics::create(registry, {.highCardinalityHttpLabels = true});
  ASSERT_TRUE(m.isOk());
  (*m)->recordScalerHttpRequest({"ns", "so", "s", "t", "m"}, 404, 0.001);
  EXPECT_EQ(linesStartingWith(registry.render(), "keda_scaler_http_request_duration_seconds_count"),
            "keda_scaler_http_request_duration_seconds_count{metric_name=\"m\",namespace=\"ns\","
            "scaled_resource=\"so\",scaler=\"s\",status_code=\"404\",trigger_name=\"t\"} 1\n");
}

TEST_F(KedaMetricsTest, BuildInfoReplacesEarlierSeries) {
  metrics_->setBuildInfo("0.0.1", "aaa");
  metrics_->setBuildInfo("0.1.0", "bbb");
  const std::string want = "keda_build_info{git_commit=\"bbb\",goarch=\"" +
                           std::string(buildArch()) + "\",goos=\"linux\",goversion=\"" +
                           std::string(compilerVersion()) + "\",version=\"0.1.0\"} 1\n";
  EXPECT_EQ(render("keda_build_info"), want);
#if defined(__x86_64__)
  EXPECT_EQ(buildArch(), "amd64");
#endif
  EXPECT_FALSE(compilerVersion().empty());
}

TEST_F(KedaMetricsTest, CloudEvents) {
  metrics_->recordCloudEventEmitted("default", "src", "http", true);
  metrics_->recordCloudEventEmitted("default", "src", "http", false);
  metrics_->setCloudEventsQueued("default", 3);
  EXPECT_EQ(
      render("keda_cloudeventsource_events_emitted_total"),
      "keda_cloudeventsource_events_emitted_total{cloudeventsource=\"src\",eventsink=\"http\","
      "namespace=\"default\",state=\"emitted\"} 1\n"
      "keda_cloudeventsource_events_emitted_total{cloudeventsource=\"src\",eventsink=\"http\","
      "namespace=\"default\",state=\"failed\"} 1\n");
  EXPECT_EQ(render("keda_cloudeventsource_events_queued"),
            "keda_cloudeventsource_events_queued{namespace=\"default\"} 3\n");
}

TEST_F(KedaMetricsTest, EmptyUpstreamResponses) {
  metrics_->recordEmptyUpstreamResponse("default", "orders", "prom", "s0-prometheus",
                                        ResourceKind::kScaledObject, true);
  EXPECT_EQ(render("keda_scaler_empty_upstream_responses_total"),
            "keda_scaler_empty_upstream_responses_total{ignoreNullValues=\"true\","
            "metricName=\"s0-prometheus\",namespace=\"default\",resourceType=\"scaledobject\","
            "scaledResource=\"orders\",triggerName=\"prom\"} 1\n");
}

TEST_F(KedaMetricsTest, ScalerSeriesHandlesAreTheLiveSeries) {
  ScalerSeries s = metrics_->scalerSeries(so_);
  s.value->set(7);
  s.errors->inc();
  EXPECT_EQ(render("keda_scaler_metrics_value"),
            std::string("keda_scaler_metrics_value") + kSoLabels + " 7\n");
  EXPECT_EQ(render("keda_scaler_detail_errors_total"),
            std::string("keda_scaler_detail_errors_total") + kSoLabels + " 1\n");
}

}  // namespace
}  // namespace tidal::obs
