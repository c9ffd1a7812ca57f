// The keda.sh/v1alpha1 kinds as typed Kubernetes objects: ObjectCodec specialisations that reuse
// api/codec.h, so informers and typed client calls work on api::ScaledObject and friends directly.
//
// Decoding fails (kInvalidArgument, naming the kind, key and fields) only for errors, i.e. JSON of
// the wrong type; unknown fields are warnings in api/codec.h and are ignored here, since the API
// server's structural schema already pruned what it does not know.
#pragma once

#include "api/codec.h"
#include "api/types.h"
#include "k8s/types/object.h"

namespace tidal::k8s {

StatusOr<api::ScaledObject> decodeScaledObject(const Json& json);
StatusOr<api::ScaledJob> decodeScaledJob(const Json& json);
// TriggerAuthentication and ClusterTriggerAuthentication.
StatusOr<api::TriggerAuthentication> decodeTriggerAuthentication(const Json& json);

template <>
struct ObjectCodec<api::ScaledObject> {
  static StatusOr<api::ScaledObject> decode(const Json& json) { return decodeScaledObject(json); }
  static const ObjectMeta& meta(const api::ScaledObject& o) { return o.metadata; }
};

template <>
struct ObjectCodec<api::ScaledJob> {
  static StatusOr<api::ScaledJob> decode(const Json& json) { return decodeScaledJob(json); }
  static const ObjectMeta& meta(const api::ScaledJob& o) { return o.metadata; }
};

template <>
struct ObjectCodec<api::TriggerAuthentication> {
  static StatusOr<api::TriggerAuthentication> decode(const Json& json) {
    return decodeTriggerAuthentication(json);
  }
  static const ObjectMeta& meta(const api::TriggerAuthentication& o) { return o.metadata; }
};

}  // namespace tidal::k8s
