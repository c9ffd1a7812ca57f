// Test doubles for the scale-loop decision code (unit tests of tidal_scaling_core only): a
// recording ScaleWriter, EventSink and ReplicaSource, and a ScaledObject builder.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "scaling/scale_types.h"

namespace tidal::scaling::testing {

class RecordingScaleWriter : public ScaleWriter {
 public:
  Status setReplicas(int32_t replicas) override {
    calls.push_back(replicas);
    return result;
  }
  std::vector<int32_t> calls;
  Status result;
};

struct RecordedEvent {
  std::string type;
  std::string reason;
  std::string message;
};

class RecordingEventSink : public EventSink {
 public:
  void event(std::string_view type, std::string_view reason, std::string message) override {
    events.push_back({std::string(type), std::string(reason), std::move(message)});
  }
  std::vector<RecordedEvent> events;
};

class FakeReplicaSource : public ReplicaSource {
 public:
  StatusOr<int32_t> currentReplicas() override {
    ++currentCalls;
    return current;
  }
  StatusOr<int32_t> readyPods() override {
    ++readyCalls;
    return ready;
  }
  StatusOr<int32_t> current = 0;
  StatusOr<int32_t> ready = 0;
  int currentCalls = 0;
  int readyCalls = 0;
};

// A ScaledObject default/web targeting Deployment web, created at 2024-05-01T09:00:00Z, with an
// empty status whose scaleTargetKind is apps/v1.Deployment.
inline api::ScaledObject makeScaledObject() {
  api::ScaledObject so;
  so.metadata.name = "web";
  so.metadata.namespace_ = "default";
  so.metadata.creationTimestamp = "2024-05-01T09:00:00Z";
  so.spec.scaleTargetRef.name = "web";
  api::ScaleTrigger trigger;
  trigger.type = "rabbitmq";
  trigger.name = "queue";
  so.spec.triggers.push_back(trigger);
  so.status.emplace();
  so.status->scaleTargetKind = "apps/v1.Deployment";
  return so;
}

}  // namespace tidal::scaling::testing
