// The seam between the external metrics API and whatever knows the values: the interface the
// metrics server calls for `GET .../namespaces/{ns}/{metricName}?labelSelector=...`.
//
// In the operator the provider answers from the scale loops' metric cache (useCachedMetrics) or
// by querying the ScaledObject's scaler; tests use a fake. The server has already checked the
// caller and parsed the selector; the provider only looks the values up.
//
// Example:
//   class CacheProvider : public ExternalMetricsProvider {
//     StatusOr<std::vector<ExternalMetricValue>> getMetrics(std::string_view ns,
//         std::string_view scaledObject, std::string_view metricName,
//         const std::stop_token& stop) override {
//       ... find the ScaledObject, then the trigger whose metric name sameMetricName() matches
//       return std::vector{ExternalMetricValue{.metricName = "s0-rabbitmq-hello",
//                                              .value = api::Quantity::fromInt(42),
//                                              .timestamp = clock.now()}};
//     }
//   };
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "api/quantity.h"
#include "api/types.h"
#include "common/status.h"

namespace tidal::metrics_server {

// One item of an ExternalMetricValueList.
struct ExternalMetricValue {
  std::string metricName;
  // Written as JSON null when empty, as KEDA does.
  api::StringMap metricLabels;
  api::Quantity value;
  // When the value was measured; the epoch means "now" (the server fills in its clock's time).
  std::chrono::system_clock::time_point timestamp;
  // Written only when set (KEDA never sets it).
  std::optional<int64_t> windowSeconds;
};

// Answers metric queries. Implementations must be thread-safe: calls arrive concurrently from the
// server's provider threads. A call should finish well within the server's provider timeout;
// when the timeout passes, `stop` is signalled, the HPA gets 503, and the late result is dropped.
// Errors map to HTTP codes: kNotFound 404, kInvalidArgument 400, kUnavailable and
// kDeadlineExceeded 503, kResourceExhausted 429, anything else 500; the message reaches the HPA's
// events, so it must name what is missing and never contain secrets.
class ExternalMetricsProvider {
 public:
  virtual ~ExternalMetricsProvider() = default;

  // The values of metric `metricName` of ScaledObject `scaledObject` in namespace `ns`. The HPA
  // lowercases metric names in the URL, so `metricName` must be compared with sameMetricName(),
  // never with ==.
  virtual StatusOr<std::vector<ExternalMetricValue>> getMetrics(std::string_view ns,
                                                                std::string_view scaledObject,
                                                                std::string_view metricName,
                                                                const std::stop_token& stop) = 0;

  // The same answer when it is at hand without waiting: called on the HTTP server's io thread
  // before getMetrics, it must never block (no I/O, no lock that a slow call may hold; try_lock
  // at most). nullopt means "not at hand": the request then goes to getMetrics on a provider
  // thread. A cached value answered here saves two thread hand-offs per HPA request.
  virtual std::optional<StatusOr<std::vector<ExternalMetricValue>>> getMetricsNow(
      std::string_view /*ns*/, std::string_view /*scaledObject*/, std::string_view /*metricName*/) {
    return std::nullopt;
  }
};

// Metric names compare without regard to ASCII case, as KEDA's strings.EqualFold does.
bool sameMetricName(std::string_view a, std::string_view b);

}  // namespace tidal::metrics_server
