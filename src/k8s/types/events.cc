#include "k8s/types/events.h"

namespace tidal::k8s {

StatusOr<Event> Event::decode(const Json& json) {
  api::Issues issues;
  api::ObjectReader top(issues, &json, "");
  Event e;
  e.metadata = readObjectMeta(top);
  top.string("eventTime", e.eventTime);
  top.object("series", [&](api::ObjectReader& s) {
    EventSeries series;
    s.int32("count", series.count);
    s.string("lastObservedTime", series.lastObservedTime);
    e.series = series;
  });
  top.string("reportingController", e.reportingController);
  top.string("reportingInstance", e.reportingInstance);
  top.string("action", e.action);
  top.string("reason", e.reason);
  top.string("note", e.note);
  top.string("type", e.type);
  if (json.is_object() && json.contains("regarding")) {
    e.regarding = ObjectReference::fromJson(json["regarding"]);
  }
  if (json.is_object() && json.contains("related") && json["related"].is_object()) {
    e.related = ObjectReference::fromJson(json["related"]);
  }
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "Event", json));
  return e;
}

Json Event::toJson() const {
  Json meta = Json::object();
  if (!metadata.name.empty()) meta["name"] = metadata.name;
  if (!metadata.generateName.empty()) meta["generateName"] = metadata.generateName;
  if (!metadata.namespace_.empty()) meta["namespace"] = metadata.namespace_;
  if (!metadata.resourceVersion.empty()) meta["resourceVersion"] = metadata.resourceVersion;
  Json j = {{"apiVersion", "events.k8s.io/v1"},
            {"kind", "Event"},
            {"metadata", meta},
            {"eventTime", eventTime},
            {"reportingController", reportingController},
            {"reportingInstance", reportingInstance},
            {"action", action},
            {"reason", reason},
            {"regarding", regarding.toJson()},
            {"note", note},
            {"type", type}};
  if (series) {
    j["series"] = {{"count", series->count}, {"lastObservedTime", series->lastObservedTime}};
  }
  if (related) j["related"] = related->toJson();
  return j;
}

}  // namespace tidal::k8s
