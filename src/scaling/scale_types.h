// The vocabulary shared by the scale loop's decision code (fallback.h, modifiers.h, activity.h,
// executor.h): what one poll of a ScaledObject's triggers produced, and the three small
// interfaces through which that code reaches the outside world.
//
// The decision code never talks to Kubernetes itself. The caller (the scale loop) implements:
//   - ScaleWriter:   writes `/scale` spec.replicas of the scale target;
//   - EventSink:     records a Kubernetes Event on the ScaledObject;
//   - ReplicaSource: reads the target's current replicas and its ready pods, only when fallback
//                    needs them (so a healthy poll costs no extra API calls).
// Tests implement them with a few lines each, so every branch runs without a server.
//
// Example (one External metric of trigger 0, after fallback):
//   TriggerOutcome t{.type = "rabbitmq", .name = "queue"};
//   t.metrics.push_back(MetricOutcome{.metricName = "s0-rabbitmq-hello",
//                                     .values = {scalers::metricValueMilli("s0-rabbitmq-hello",
//                                     7)}, .active = true});
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "scalers/scaler.h"

namespace tidal::scaling {

inline constexpr const char* kEventNormal = "Normal";
inline constexpr const char* kEventWarning = "Warning";

// Writes the scale target's replica count (PUT of `/scale` spec.replicas). Called at most once per
// decision, from the thread running the decision. Returns the API error unchanged on failure.
class ScaleWriter {
 public:
  virtual ~ScaleWriter() = default;
  virtual Status setReplicas(int32_t replicas) = 0;
};

// Records an Event about the ScaledObject. Must not block on the network (the event recorder
// queues); never fails from the caller's point of view.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // `type` is kEventNormal or kEventWarning; `reason` is KEDA's CamelCase reason.
  virtual void event(std::string_view type, std::string_view reason, std::string message) = 0;
};

// Reads, on demand, what fallback needs to know about the scale target. Each method is called at
// most once per fallback computation and only when the fallback behaviour needs the value.
class ReplicaSource {
 public:
  virtual ~ReplicaSource() = default;
  // The target's current spec.replicas.
  virtual StatusOr<int32_t> currentReplicas() = 0;
  // Pods matching the target's `/scale` status.selector that are Running with Ready=True.
  virtual StatusOr<int32_t> readyPods() = 0;
};

// One External metric of one trigger, as the poll saw it after fallback was applied.
struct MetricOutcome {
  std::string metricName;                    // "s0-rabbitmq-hello"
  std::vector<scalers::MetricValue> values;  // after fallback; empty on error
  bool active = false;                       // the scaler's own verdict: value > activation target
  bool fallbackActive = false;               // `values` are fallback values
  bool nilInFormula = false;                 // behaviour scalingModifiers: the formula sees nil
  Status error;                              // after fallback: OK when fallback replaced an error
};

// One entry of spec.triggers and the outcomes of its External metrics (none for cpu/memory).
struct TriggerOutcome {
  std::string type;  // trigger type, e.g. "rabbitmq", "cpu"
  std::string name;  // trigger name; "" when unnamed
  std::vector<MetricOutcome> metrics;
  Status error;  // building the scaler or reading its metric specs failed
};

}  // namespace tidal::scaling
