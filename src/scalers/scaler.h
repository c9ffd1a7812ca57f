// The Scaler interface: what turns one trigger into metrics the autoscaler can act on.
//
// A Scaler is built from one trigger (ScalerConfig: its metadata, the resolved environment of the
// scale target and the resolved authentication parameters) by the factory its type registered (see
// registry.h). The factory validates everything up front, so a constructed scaler only ever sees a
// typed, valid configuration. The interface has three duties, as KEDA's has:
//   - metricSpecs(): the autoscaling/v2 metric specs this trigger contributes to the HPA;
//   - metricsAndActivity(name): the current value(s) of one of those metrics and whether the
//     trigger is active (value > activation target);
//   - close(): release connections.
// Optional abilities (pushing activity) are separate interfaces (PushScaler).
//
// Threading: metricsAndActivity may be called from any worker thread but never concurrently for
// the same Scaler object (the scale loop serialises calls per ScaledObject). Implementations must
// bound every call with a timeout and return kUnavailable/kDeadlineExceeded for transient failures.
// Error messages name the trigger and server but never a password, token or credentialed URL.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/quantity.h"
#include "api/types.h"
#include "common/status.h"

namespace tidal::scalers {

using Json = nlohmann::json;
using api::StringMap;

// Everything a scaler factory receives about one trigger (KEDA's ScalerConfig).
struct ScalerConfig {
  std::string scalableObjectName;
  std::string scalableObjectNamespace;
  std::string scalableObjectType = "ScaledObject";  // or "ScaledJob"
  std::string triggerType;
  std::string triggerName;
  int triggerIndex = 0;
  StringMap triggerMetadata;
  StringMap resolvedEnv;
  StringMap authParams;
  std::string metricType;  // trigger metricType as written: "", "AverageValue", "Value", ...
  bool useCachedMetrics = false;
  // KEDA_HTTP_DEFAULT_TIMEOUT: the timeout for calls to the event source.
  std::chrono::milliseconds globalHttpTimeout{3000};
};

// One autoscaling/v2 MetricSpec, as the HPA receives it.
struct MetricSpec {
  enum class Source { kExternal, kResource, kContainerResource };
  Source source = Source::kExternal;
  std::string metricName;     // External: "s0-rabbitmq-hello"; Resource: "cpu" or "memory"
  std::string containerName;  // ContainerResource only
  std::string targetType;     // "AverageValue", "Value" or "Utilization"
  std::optional<api::Quantity> averageValue;
  std::optional<api::Quantity> value;
  std::optional<int32_t> averageUtilization;

  // The autoscaling/v2 JSON form. External metrics get `selector.matchLabels` only when
  // `scaledObjectName` is non-empty (the controller adds it; `trigger parse` shows it without).
  Json toJson(std::string_view scaledObjectName = {}) const;
  // The target as a Quantity string (averageValue, value or "<n>%" for utilization).
  std::string targetString() const;
};

// One value of a metric at a point in time.
struct MetricValue {
  std::string metricName;
  api::Quantity value;
};

struct MetricsAndActivity {
  std::vector<MetricValue> metrics;
  bool active = false;
};

class Scaler {
 public:
  virtual ~Scaler() = default;

  // The metric specs this trigger contributes to the HPA (one for most scalers; none for a scaler
  // whose source has nothing to report yet).
  virtual std::vector<MetricSpec> metricSpecs() const = 0;

  // Queries the source for `metricName` (one of metricSpecs()' names).
  virtual StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) = 0;

  // Releases connections; called once before destruction. The default does nothing.
  virtual void close() {}

  // The activation threshold: the trigger is active when its value is strictly greater. nullopt
  // for scalers whose activity is not a threshold on the value (cron windows, cpu/memory).
  virtual std::optional<double> activationTarget() const { return 0.0; }

  // The scaler's parsed configuration as JSON with KEDA's parameter names as keys, for
  // `tidal trigger parse`. Secrets (passwords, tokens, connection strings) are left out.
  virtual Json describe() const = 0;
};

// A scaler that can also tell, without being polled, that its trigger became active (KEDA's
// PushScaler: external-push, etcd watch, ...). run() blocks until `stop()` returns true, calling
// `onActivity(true)` whenever the source reports activity.
class PushScaler : public Scaler {
 public:
  virtual void run(const std::function<void(bool active)>& onActivity,
                   const std::function<bool()>& stop) = 0;
};

// ---- helpers every scaler uses -------------------------------------------------------------

// KEDA's NormalizeString: each of / . : % ( ) becomes '-'; nothing else changes.
std::string normalizeMetricName(std::string_view name);

// "s<index>-<suffix>": the external metric name of trigger `index`.
std::string metricNameWithIndex(int triggerIndex, std::string_view suffix);

// The metric target type of a trigger: "AverageValue" for "" or "AverageValue", "Value" for
// "Value"; anything else (Utilization) is InvalidArgument with KEDA's message.
StatusOr<std::string> externalMetricTargetType(const ScalerConfig& config);

// An External MetricSpec with a milli-precision target (KEDA's GetMetricTargetMili).
MetricSpec externalMetricSpecMilli(std::string name, const std::string& targetType, double target);
// An External MetricSpec with an integer target (KEDA's GetMetricTarget).
MetricSpec externalMetricSpecInt(std::string name, const std::string& targetType, int64_t target);

// A metric value with milli precision; NaN, infinities and negatives become 0 as in KEDA.
MetricValue metricValueMilli(std::string name, double value);

}  // namespace tidal::scalers
