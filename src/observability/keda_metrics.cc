#include "observability/keda_metrics.h"

#include <string>

namespace tidal::obs {

namespace {

// The label names of KEDA's per-scaler families, in KEDA's declaration order.
const std::vector<std::string>& scalerLabelNames() {
  static const std::vector<std::string> names = {"namespace", "metric",       "scaledObject",
                                                 "scaler",    "triggerIndex", "type"};
  return names;
}

// The values for scalerLabelNames(); `index` keeps the formatted trigger index alive.
struct ScalerValues {
  explicit ScalerValues(const ScalerLabels& l)
      : index(std::to_string(l.triggerIndex)),
        values{l.ns, l.metric, l.scaledResource, l.scaler, index, resourceKindLabel(l.kind)} {}
  std::string index;
  std::string_view values[6];
  std::span<const std::string_view> span() const { return values; }
};

std::string_view orDefault(std::string_view ns) {
  return ns.empty() ? "default" : ns;
}

}  // namespace

std::string_view resourceKindLabel(ResourceKind kind) {
  return kind == ResourceKind::kScaledJob ? "scaledjob" : "scaledobject";
}

std::string_view buildArch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "386";
#elif defined(__arm__)
  return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "unknown";
#endif
}

std::string_view compilerVersion() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}

StatusOr<std::unique_ptr<KedaMetrics>> KedaMetrics::create(Registry& registry,
                                                           KedaMetricsOptions options) {
  std::unique_ptr<KedaMetrics> m(new KedaMetrics(options));
  const auto& scaler = scalerLabelNames();

  TIDAL_ASSIGN_OR_RETURN(
      m->buildInfo_,
      registry.gauge("keda_build_info", "Constant 1, labelled with the build that is running.",
                     {"version", "git_commit", "goversion", "goos", "goarch"}));
  TIDAL_ASSIGN_OR_RETURN(
      m->scalerValue_,
      registry.gauge("keda_scaler_metrics_value",
                     "Last value a scaler reported for a metric, after fallback.", scaler));
  TIDAL_ASSIGN_OR_RETURN(
      m->scalerLatency_,
      registry.gauge("keda_scaler_metrics_latency_seconds",
                     "How long the last metric query of a scaler took.", scaler));
  TIDAL_ASSIGN_OR_RETURN(
      m->scalerActive_, registry.gauge("keda_scaler_active",
                                       "1 when the scaler reports activity, 0 otherwise.", scaler));
  TIDAL_ASSIGN_OR_RETURN(m->scalerErrors_,
                         registry.counter("keda_scaler_detail_errors_total",
                                          "Errors a scaler met while getting a metric.", scaler));
  TIDAL_ASSIGN_OR_RETURN(
      m->scaledObjectErrors_,
      registry.counter("keda_scaled_object_errors_total",
                       "Errors met while handling a ScaledObject.", {"namespace", "scaledObject"}));
  TIDAL_ASSIGN_OR_RETURN(
      m->scaledJobErrors_,
      registry.counter("keda_scaled_job_errors_total", "Errors met while handling a ScaledJob.",
                       {"namespace", "scaledJob"}));
  TIDAL_ASSIGN_OR_RETURN(
      m->scaledObjectPaused_,
      registry.gauge("keda_scaled_object_paused", "1 while a ScaledObject is paused, 0 otherwise.",
                     {"namespace", "scaledObject"}));
  TIDAL_ASSIGN_OR_RETURN(
      m->emptyUpstream_,
      registry.counter("keda_scaler_empty_upstream_responses_total",
                       "Queries that returned an empty result from the upstream metric source.",
                       {"namespace", "scaledResource", "triggerName", "metricName", "resourceType",
                        "ignoreNullValues"}));
  TIDAL_ASSIGN_OR_RETURN(m->triggerRegistered_,
                         registry.gauge("keda_trigger_registered_total",
                                        "Triggers currently registered, by type.", {"type"}));
  TIDAL_ASSIGN_OR_RETURN(
      m->resourceRegistered_,
      registry.gauge("keda_resource_registered_total",
                     "Custom resources currently registered, by kind and namespace.",
                     {"type", "namespace"}));
  TIDAL_ASSIGN_OR_RETURN(
      m->loopLatency_,
      registry.gauge("keda_internal_scale_loop_latency_seconds",
                     "How late the last scale loop of an object started, in seconds.",
                     {"namespace", "type", "resource"}));
  TIDAL_ASSIGN_OR_RETURN(m->cloudEventsEmitted_,
                         registry.counter("keda_cloudeventsource_events_emitted_total",
                                          "CloudEvents sent to a sink, by outcome.",
                                          {"namespace", "cloudeventsource", "eventsink", "state"}));
  TIDAL_ASSIGN_OR_RETURN(m->cloudEventsQueued_,
                         registry.gauge("keda_cloudeventsource_events_queued",
                                        "CloudEvents waiting to be sent.", {"namespace"}));
  TIDAL_ASSIGN_OR_RETURN(m->httpRequests_,
                         registry.counter("keda_scaler_http_requests_total",
                                          "HTTP requests scalers made while collecting metrics.",
                                          {"namespace", "scaled_resource", "scaler", "trigger_name",
                                           "metric_name", "status_code"}));
  std::vector<std::string> durationLabels = {"scaler", "status_code"};
  if (options.highCardinalityHttpLabels) {
    durationLabels = {"namespace",    "scaled_resource", "scaler",
                      "trigger_name", "metric_name",     "status_code"};
  }
  TIDAL_ASSIGN_OR_RETURN(
      m->httpDuration_,
      registry.histogram(
          "keda_scaler_http_request_duration_seconds",
          "Duration of HTTP requests scalers made while collecting metrics.",
          std::move(durationLabels),
          std::vector<double>(std::begin(kHttpDurationBuckets), std::end(kHttpDurationBuckets))));
  TIDAL_ASSIGN_OR_RETURN(
      m->webhookValidations_,
      registry.counter("keda_webhook_scaled_object_validations_total",
                       "ScaledObject admission validations, by action.", {"namespace", "action"}));
  TIDAL_ASSIGN_OR_RETURN(m->webhookValidationErrors_,
                         registry.counter("keda_webhook_scaled_object_validation_errors_total",
                                          "ScaledObject admission validations that were refused, "
                                          "by action and reason.",
                                          {"namespace", "action", "reason"}));
  return m;
}

void KedaMetrics::setBuildInfo(std::string_view version, std::string_view gitCommit) {
  buildInfo_->clear();
  buildInfo_->withLabels({version, gitCommit, compilerVersion(), "linux", buildArch()})->set(1);
}

void KedaMetrics::recordScalerMetric(const ScalerLabels& labels, double value) {
  scalerValue_->withLabels(ScalerValues(labels).span())->set(value);
}

void KedaMetrics::recordScalerLatency(const ScalerLabels& labels, double seconds) {
  scalerLatency_->withLabels(ScalerValues(labels).span())->set(seconds);
}

void KedaMetrics::recordScalerLatency(const ScalerLabels& labels,
                                      std::chrono::nanoseconds latency) {
  recordScalerLatency(labels, std::chrono::duration<double>(latency).count());
}

void KedaMetrics::recordScalerActive(const ScalerLabels& labels, bool active) {
  scalerActive_->withLabels(ScalerValues(labels).span())->set(active ? 1 : 0);
}

void KedaMetrics::recordScalerError(const ScalerLabels& labels) {
  scalerErrors_->withLabels(ScalerValues(labels).span())->inc();
  recordResourceError(labels.kind, labels.ns, labels.scaledResource);
}

void KedaMetrics::initScalerErrors(const ScalerLabels& labels) {
  // Creating a series sets it at 0; an existing one keeps its count.
  scalerErrors_->withLabels(ScalerValues(labels).span());
  CounterFamily* owner =
      labels.kind == ResourceKind::kScaledJob ? scaledJobErrors_ : scaledObjectErrors_;
  owner->withLabels({labels.ns, labels.scaledResource});
}

ScalerSeries KedaMetrics::scalerSeries(const ScalerLabels& labels) {
  ScalerValues v(labels);
  return ScalerSeries{scalerValue_->withLabels(v.span()), scalerLatency_->withLabels(v.span()),
                      scalerActive_->withLabels(v.span()), scalerErrors_->withLabels(v.span())};
}

void ScalerRecorder::metric(double value) {
  if (metrics_ == nullptr) return;
  if (!value_) value_ = metrics_->scalerValue_->withLabels(ScalerValues(labels_).span());
  value_->set(value);
}

void ScalerRecorder::latency(std::chrono::nanoseconds latency) {
  if (metrics_ == nullptr) return;
  if (!latency_) latency_ = metrics_->scalerLatency_->withLabels(ScalerValues(labels_).span());
  latency_->set(std::chrono::duration<double>(latency).count());
}

void ScalerRecorder::active(bool active) {
  if (metrics_ == nullptr) return;
  if (!active_) active_ = metrics_->scalerActive_->withLabels(ScalerValues(labels_).span());
  active_->set(active ? 1 : 0);
}

void ScalerRecorder::error() {
  if (metrics_ == nullptr) return;
  if (!errors_) errors_ = metrics_->scalerErrors_->withLabels(ScalerValues(labels_).span());
  errors_->inc();
  metrics_->recordResourceError(labels_.kind, labels_.ns, labels_.scaledResource);
}

void KedaMetrics::recordResourceError(ResourceKind kind, std::string_view ns,
                                      std::string_view name) {
  CounterFamily* owner = kind == ResourceKind::kScaledJob ? scaledJobErrors_ : scaledObjectErrors_;
  owner->withLabels({ns, name})->inc();
}

size_t KedaMetrics::deleteScaledObjectSeries(std::string_view ns, std::string_view name,
                                             ResourceKind kind) {
  const LabelPair match[] = {{"namespace", std::string(ns)},
                             {"scaledObject", std::string(name)},
                             {"type", std::string(resourceKindLabel(kind))}};
  size_t n = 0;
  n += scalerValue_->removeMatching(match);
  n += scalerLatency_->removeMatching(match);
  n += scalerActive_->removeMatching(match);
  n += scalerErrors_->removeMatching(match);
  return n;
}

size_t KedaMetrics::forgetResource(std::string_view ns, std::string_view name, ResourceKind kind) {
  size_t n = deleteScaledObjectSeries(ns, name, kind);
  if (kind == ResourceKind::kScaledJob) {
    n += scaledJobErrors_->remove({ns, name}) ? 1 : 0;
  } else {
    n += scaledObjectErrors_->remove({ns, name}) ? 1 : 0;
    n += scaledObjectPaused_->remove({ns, name}) ? 1 : 0;
  }
  n += loopLatency_->remove({ns, resourceKindLabel(kind), name}) ? 1 : 0;
  return n;
}

void KedaMetrics::setPaused(std::string_view ns, std::string_view scaledObject, bool paused) {
  scaledObjectPaused_->withLabels({ns, scaledObject})->set(paused ? 1 : 0);
}

void KedaMetrics::recordScaleLoopLatency(std::string_view ns, ResourceKind kind,
                                         std::string_view resource, double seconds) {
  loopLatency_->withLabels({ns, resourceKindLabel(kind), resource})->set(seconds);
}

void KedaMetrics::incResourceRegistered(std::string_view type, std::string_view ns) {
  resourceRegistered_->withLabels({type, orDefault(ns)})->inc();
}

void KedaMetrics::decResourceRegistered(std::string_view type, std::string_view ns) {
  resourceRegistered_->withLabels({type, orDefault(ns)})->dec();
}

void KedaMetrics::incTriggerRegistered(std::string_view triggerType) {
  triggerRegistered_->withLabels({triggerType})->inc();
}

void KedaMetrics::decTriggerRegistered(std::string_view triggerType) {
  triggerRegistered_->withLabels({triggerType})->dec();
}

void KedaMetrics::recordEmptyUpstreamResponse(std::string_view ns, std::string_view scaledResource,
                                              std::string_view triggerName,
                                              std::string_view metricName, ResourceKind kind,
                                              bool ignoreNullValues) {
  emptyUpstream_
      ->withLabels({ns, scaledResource, triggerName, metricName, resourceKindLabel(kind),
                    ignoreNullValues ? "true" : "false"})
      ->inc();
}

void KedaMetrics::recordScalerHttpRequest(const HttpRequestLabels& labels,
                                          std::optional<int> statusCode, double seconds) {
  std::string code = statusCode ? std::to_string(*statusCode) : std::string("error");
  httpRequests_
      ->withLabels({labels.ns, labels.scaledResource, labels.scaler, labels.triggerName,
                    labels.metricName, code})
      ->inc();
  if (options_.highCardinalityHttpLabels) {
    httpDuration_
        ->withLabels({labels.ns, labels.scaledResource, labels.scaler, labels.triggerName,
                      labels.metricName, code})
        ->observe(seconds);
  } else {
    httpDuration_->withLabels({labels.scaler, code})->observe(seconds);
  }
}

void KedaMetrics::recordCloudEventEmitted(std::string_view ns, std::string_view source,
                                          std::string_view sink, bool emitted) {
  cloudEventsEmitted_->withLabels({ns, source, sink, emitted ? "emitted" : "failed"})->inc();
}

void KedaMetrics::setCloudEventsQueued(std::string_view ns, double queued) {
  cloudEventsQueued_->withLabels({ns})->set(queued);
}

void KedaMetrics::recordWebhookValidation(std::string_view ns, std::string_view action) {
  webhookValidations_->withLabels({ns, action})->inc();
}

void KedaMetrics::recordWebhookValidationError(std::string_view ns, std::string_view action,
                                               std::string_view reason) {
  webhookValidationErrors_->withLabels({ns, action, reason})->inc();
}

}  // namespace tidal::obs
