// Typed view of an events.k8s.io/v1 Event, which tidal both writes (the event recorder) and reads
// back (tests, `tidal trigger probe`).
//
// Required on create: eventTime (MicroTime), reportingController, reportingInstance, action,
// reason, regarding, note, type. A repeated event is one object whose `series` counts the repeats
// (see src/k8s/events/recorder.h).
#pragma once

#include <optional>
#include <string>

#include "k8s/types/object.h"

namespace tidal::k8s {

struct EventSeries {
  int32_t count = 0;
  std::string lastObservedTime;  // MicroTime
};

struct Event {
  ObjectMeta metadata;
  std::string eventTime;  // MicroTime
  std::optional<EventSeries> series;
  std::string reportingController;  // "keda-operator", as KEDA reports
  std::string reportingInstance;
  std::string action;
  std::string reason;
  ObjectReference regarding;
  std::optional<ObjectReference> related;
  std::string note;
  std::string type;  // "Normal" or "Warning"

  static StatusOr<Event> decode(const Json& json);
  Json toJson() const;
};

}  // namespace tidal::k8s
