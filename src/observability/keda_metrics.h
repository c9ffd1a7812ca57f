// KEDA's operator and webhook metrics, registered under KEDA's names so dashboards keep working.
//
// Overview
//   KedaMetrics registers every metric of spec/keda-spec.md §d.1 (operator) and §d.2 (admission
//   webhook) in a Registry, with KEDA's names, types, label names and buckets, and offers one
//   method per thing the rest of tidal records. It follows KEDA's conventions:
//     - the scaler label set is namespace, metric, scaledObject, scaler, triggerIndex, type, where
//       scaledObject holds the ScaledObject *or* ScaledJob name and type is "scaledobject" or
//       "scaledjob";
//     - a scaler error increments keda_scaler_detail_errors_total and the owning object's
//       keda_scaled_object_errors_total or keda_scaled_job_errors_total; initScalerErrors()
//       creates both at 0 so that rate() works from the first error on;
//     - deleteScaledObjectSeries() drops every scaler series of one object (partial match on
//       namespace, scaledObject and type), which KEDA does on each reconcile before recording
//       again;
//     - keda_resource_registered_total uses namespace "default" when the namespace is empty.
//   Not exported: keda_internal_metricsservice_* (KEDA's gRPC hop between operator and metrics
//   server, which tidal does not have).
//
// Example
//   Registry registry;
//   auto metrics = KedaMetrics::create(registry);
//   if (!metrics.isOk()) return metrics.status();
//   ScalerLabels labels{.ns = "default", .scaledResource = "orders", .scaler = "rabbitMQScaler",
//                       .triggerIndex = 0, .metric = "s0-rabbitmq-orders",
//                       .kind = ResourceKind::kScaledObject};
//   (*metrics)->initScalerErrors(labels);
//   (*metrics)->recordScalerMetric(labels, 42);
//   (*metrics)->recordScalerActive(labels, true);
//
// Threading: every method is thread-safe. Each call looks its series up under a shared lock; a
// caller on a very hot path can keep the handles from scalerSeries() instead (they detach when
// the series are deleted, see observability/metrics.h).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "observability/metrics.h"

namespace tidal::obs {

// What a ScaledObject-or-ScaledJob label refers to.
enum class ResourceKind { kScaledObject, kScaledJob };

// "scaledobject" or "scaledjob", the value of KEDA's `type` label.
std::string_view resourceKindLabel(ResourceKind kind);

// Values of keda_resource_registered_total's `type` label.
inline constexpr std::string_view kRegisteredScaledObject = "scaled_object";
inline constexpr std::string_view kRegisteredScaledJob = "scaled_job";
inline constexpr std::string_view kRegisteredTriggerAuthentication = "trigger_authentication";
inline constexpr std::string_view kRegisteredClusterTriggerAuthentication =
    "cluster_trigger_authentication";
inline constexpr std::string_view kRegisteredCloudEventSource = "cloudevent_source";

// The buckets of keda_scaler_http_request_duration_seconds, in seconds.
inline constexpr double kHttpDurationBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                  0.5,   1,    2.5,   5,    10};

// Identifies one trigger's metric of one ScaledObject or ScaledJob.
struct ScalerLabels {
  std::string ns;              // `namespace`
  std::string scaledResource;  // `scaledObject`: the ScaledObject or ScaledJob name
  std::string scaler;          // `scaler`: trigger name if set, else KEDA's scaler type name
  int triggerIndex = 0;        // `triggerIndex`
  std::string metric;          // `metric`: the external metric name (or cpu/memory)
  ResourceKind kind = ResourceKind::kScaledObject;  // `type`
};

// Identifies an outbound HTTP request made while collecting a metric.
struct HttpRequestLabels {
  std::string ns;              // `namespace`
  std::string scaledResource;  // `scaled_resource`
  std::string scaler;          // `scaler`
  std::string triggerName;     // `trigger_name`
  std::string metricName;      // `metric_name`
};

struct KedaMetricsOptions {
  // KEDA's --enable-high-cardinality-metrics-labels: the HTTP duration histogram carries all six
  // request labels instead of only scaler and status_code.
  bool highCardinalityHttpLabels = false;
};

// Live handles to one scaler's series, for callers that want to skip the lookups.
struct ScalerSeries {
  std::shared_ptr<Gauge> value;
  std::shared_ptr<Gauge> latencySeconds;
  std::shared_ptr<Gauge> active;
  std::shared_ptr<Counter> errors;
};

class KedaMetrics {
 public:
  // Registers every family in `registry`. Fails with kAlreadyExists if one of the names is
  // already registered there (e.g. a second KedaMetrics on the same registry).
  static StatusOr<std::unique_ptr<KedaMetrics>> create(Registry& registry,
                                                       KedaMetricsOptions options = {});

  KedaMetrics(const KedaMetrics&) = delete;
  KedaMetrics& operator=(const KedaMetrics&) = delete;

  // keda_build_info{version,git_commit,goversion,goos,goarch} = 1; goversion holds the compiler
  // version, goos "linux" and goarch the target in Go's spelling (amd64, arm64, ...). Replaces
  // any earlier build-info series.
  void setBuildInfo(std::string_view version, std::string_view gitCommit);

  // ---- per scaler (label set L) ----
  // keda_scaler_metrics_value: the last value (after fallback).
  void recordScalerMetric(const ScalerLabels& labels, double value);
  // keda_scaler_metrics_latency_seconds: how long the last metric query took.
  void recordScalerLatency(const ScalerLabels& labels, double seconds);
  void recordScalerLatency(const ScalerLabels& labels, std::chrono::nanoseconds latency);
  // keda_scaler_active: 1 or 0.
  void recordScalerActive(const ScalerLabels& labels, bool active);
  // keda_scaler_detail_errors_total += 1, and the owner's keda_scaled_{object,job}_errors_total.
  void recordScalerError(const ScalerLabels& labels);
  // Creates both error counters of recordScalerError() at 0 if they do not exist yet.
  void initScalerErrors(const ScalerLabels& labels);
  // The four series of `labels`, created if needed.
  ScalerSeries scalerSeries(const ScalerLabels& labels);

  // keda_scaled_object_errors_total / keda_scaled_job_errors_total += 1 (e.g. a failed reconcile).
  void recordResourceError(ResourceKind kind, std::string_view ns, std::string_view name);

  // Deletes every series with label set L of this object (partial match on namespace,
  // scaledObject and type), as KEDA does on each reconcile. Returns how many were deleted.
  size_t deleteScaledObjectSeries(std::string_view ns, std::string_view name, ResourceKind kind);
  // deleteScaledObjectSeries() plus the object's paused, error and scale-loop series: for an
  // object that is gone for good (KEDA leaves these behind; tidal does not).
  size_t forgetResource(std::string_view ns, std::string_view name, ResourceKind kind);

  // ---- per object ----
  // keda_scaled_object_paused{namespace,scaledObject}: 1 or 0.
  void setPaused(std::string_view ns, std::string_view scaledObject, bool paused);
  // keda_internal_scale_loop_latency_seconds{namespace,type,resource}: how late the loop ran.
  void recordScaleLoopLatency(std::string_view ns, ResourceKind kind, std::string_view resource,
                              double seconds);

  // ---- registrations ----
  // keda_resource_registered_total{type,namespace}; `type` is one of kRegistered*; an empty
  // namespace is recorded as "default".
  void incResourceRegistered(std::string_view type, std::string_view ns);
  void decResourceRegistered(std::string_view type, std::string_view ns);
  // keda_trigger_registered_total{type}; `type` is the trigger type, e.g. "rabbitmq".
  void incTriggerRegistered(std::string_view triggerType);
  void decTriggerRegistered(std::string_view triggerType);

  // ---- scalers' side channels ----
  // keda_scaler_empty_upstream_responses_total (the prometheus scaler got an empty result).
  void recordEmptyUpstreamResponse(std::string_view ns, std::string_view scaledResource,
                                   std::string_view triggerName, std::string_view metricName,
                                   ResourceKind kind, bool ignoreNullValues);
  // keda_scaler_http_requests_total and keda_scaler_http_request_duration_seconds; a missing
  // status code (transport error) is recorded as status_code="error".
  void recordScalerHttpRequest(const HttpRequestLabels& labels, std::optional<int> statusCode,
                               double seconds);

  // ---- CloudEvents ----
  // keda_cloudeventsource_events_emitted_total{namespace,cloudeventsource,eventsink,state}, state
  // "emitted" or "failed".
  void recordCloudEventEmitted(std::string_view ns, std::string_view source, std::string_view sink,
                               bool emitted);
  // keda_cloudeventsource_events_queued{namespace}.
  void setCloudEventsQueued(std::string_view ns, double queued);

  // ---- admission webhook (§d.2) ----
  // keda_webhook_scaled_object_validations_total{namespace,action}, action "create"/"update".
  void recordWebhookValidation(std::string_view ns, std::string_view action);
  // keda_webhook_scaled_object_validation_errors_total{namespace,action,reason}, reason one of
  // KEDA's (e.g. "incorrect-replicas", "other-hpa").
  void recordWebhookValidationError(std::string_view ns, std::string_view action,
                                    std::string_view reason);

 private:
  friend class ScalerRecorder;
  explicit KedaMetrics(KedaMetricsOptions options) : options_(options) {}

  KedaMetricsOptions options_;
  GaugeFamily* buildInfo_ = nullptr;
  GaugeFamily* scalerValue_ = nullptr;
  GaugeFamily* scalerLatency_ = nullptr;
  GaugeFamily* scalerActive_ = nullptr;
  CounterFamily* scalerErrors_ = nullptr;
  CounterFamily* scaledObjectErrors_ = nullptr;
  CounterFamily* scaledJobErrors_ = nullptr;
  GaugeFamily* scaledObjectPaused_ = nullptr;
  CounterFamily* emptyUpstream_ = nullptr;
  GaugeFamily* triggerRegistered_ = nullptr;
  GaugeFamily* resourceRegistered_ = nullptr;
  GaugeFamily* loopLatency_ = nullptr;
  CounterFamily* cloudEventsEmitted_ = nullptr;
  GaugeFamily* cloudEventsQueued_ = nullptr;
  CounterFamily* httpRequests_ = nullptr;
  HistogramFamily* httpDuration_ = nullptr;
  CounterFamily* webhookValidations_ = nullptr;
  CounterFamily* webhookValidationErrors_ = nullptr;
};

// One scaler's series (label set L), each looked up the first time it is recorded and then kept:
// the scale loop and the metrics API record through it on every poll and every request without
// a family lookup. Keep one per trigger metric, next to the scaler, and drop it with the scaler:
// once KedaMetrics deletes the object's series (deleteScaledObjectSeries), the handles it holds
// are detached and record nothing. Not thread-safe: its owner serialises the calls.
class ScalerRecorder {
 public:
  ScalerRecorder() = default;  // records nothing
  ScalerRecorder(KedaMetrics* metrics, ScalerLabels labels)
      : metrics_(metrics), labels_(std::move(labels)) {}

  const ScalerLabels& labels() const { return labels_; }
  void metric(double value);
  void latency(std::chrono::nanoseconds latency);
  void active(bool active);
  void error();  // and the owner's errors counter, as KedaMetrics::recordScalerError

 private:
  KedaMetrics* metrics_ = nullptr;
  ScalerLabels labels_;
  std::shared_ptr<Gauge> value_, latency_, active_;
  std::shared_ptr<Counter> errors_;
};

// Go's GOARCH name for the architecture tidal was compiled for ("amd64", "arm64", ...).
std::string_view buildArch();
// The compiler that built tidal, e.g. "gcc 12.2.0" (stands in for keda_build_info's goversion).
std::string_view compilerVersion();

}  // namespace tidal::obs
