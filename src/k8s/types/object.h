// What every typed Kubernetes object in tidal has in common, and how the generic code (informers,
// caches, typed client calls) decodes one.
//
// Typed objects are thin: ObjectMeta (api/types.h's, shared with the keda.sh kinds) plus the few
// fields tidal reads, decoded field by field with api::ObjectReader so that a wrong type is
// reported with its path. ObjectCodec<T> is the one seam generic code uses:
//   ObjectCodec<T>::decode(json) -> StatusOr<T>   kInvalidArgument naming the kind, key and field
//   ObjectCodec<T>::meta(obj)    -> const ObjectMeta&
// The primary template calls T::decode and reads T::metadata; the keda.sh kinds specialise it in
// keda.h. Unstructured keeps any object as JSON for code that needs no typed view.
//
// Times: Kubernetes writes Time as RFC 3339 in seconds ("2024-05-01T10:00:00Z") and MicroTime
// with six fractional digits ("2024-05-01T10:00:00.123456Z"); both parse with parseTime().
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/decode.h"
#include "api/types.h"
#include "common/status.h"
#include "k8s/client/resource.h"

namespace tidal::k8s {

using api::Json;
using api::ObjectMeta;
using api::StringMap;
using TimePoint = std::chrono::system_clock::time_point;

// The cache and work-queue key of an object: "namespace/name" or "name".
ObjectKey keyOf(const ObjectMeta& meta);

// Reads metadata from any object (never fails: missing fields stay empty).
ObjectMeta metaOf(const Json& object);
// Reads `metadata` through a reader positioned on a whole object (type errors go to its issues).
ObjectMeta readObjectMeta(api::ObjectReader& top);

// The error for a decode that found problems: kInvalidArgument, "Pod web/api: spec.x: ...".
// OK when `issues` holds no errors (warnings are ignored).
Status decodeStatus(const api::Issues& issues, std::string_view kind, const Json& object);

// RFC 3339 with an optional fraction and a "Z" or ±hh:mm offset. nullopt when malformed.
std::optional<TimePoint> parseTime(std::string_view text);
// "2006-01-02T15:04:05Z" (Time) and "2006-01-02T15:04:05.000000Z" (MicroTime), in UTC.
std::string formatTime(TimePoint time);
std::string formatMicroTime(TimePoint time);

// A status condition with Kubernetes' usual fields.
struct ApiCondition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;
  std::string message;
  std::string lastTransitionTime;
};

// Reads `conditions` from an ObjectReader positioned on a status object.
std::vector<ApiCondition> readConditions(api::ObjectReader& status);
// The condition of `type`, or null.
const ApiCondition* findCondition(const std::vector<ApiCondition>& conditions,
                                  std::string_view type);

// A reference to an object (events' `regarding`, owner lookups).
struct ObjectReference {
  std::string apiVersion;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string resourceVersion;
  std::string fieldPath;

  Json toJson() const;
  static ObjectReference fromJson(const Json& json);
  // From a whole object's apiVersion, kind and metadata.
  static ObjectReference to(const Json& object);
};

template <typename T>
struct ObjectCodec {
  static StatusOr<T> decode(const Json& json) { return T::decode(json); }
  static const ObjectMeta& meta(const T& object) { return object.metadata; }
};

// Any object, untyped.
struct Unstructured {
  ObjectMeta metadata;
  Json object;

  static StatusOr<Unstructured> decode(const Json& json);
};

}  // namespace tidal::k8s
