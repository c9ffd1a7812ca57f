// JSON decoding and encoding of the keda.sh/v1alpha1 kinds.
//
// Decoding never stops at the first problem: every wrong type and every unknown field is recorded
// in `issues` with its field path, and the object is filled with whatever could be read, so one run
// of `tidal check` reports everything that is wrong. Encoding writes exactly the fields that are
// set, plus the unknown fields kept from decoding, so decode(encode(x)) == x.
#pragma once

#include <variant>

#include "api/decode.h"
#include "api/types.h"
#include "common/status.h"

namespace tidal::api {

ScaledObject decodeScaledObject(const Json& json, Issues& issues);
ScaledJob decodeScaledJob(const Json& json, Issues& issues);
// Decodes both TriggerAuthentication and ClusterTriggerAuthentication (from `kind`).
TriggerAuthentication decodeTriggerAuthentication(const Json& json, Issues& issues);

Json encode(const ScaledObject& object);
Json encode(const ScaledJob& object);
Json encode(const TriggerAuthentication& object);

ObjectMeta decodeObjectMeta(ObjectReader& reader);
Json encode(const ObjectMeta& meta);
Json encode(const ScaledObjectStatus& status);
Json encode(const ScaledJobStatus& status);
Json encode(const Condition& condition);

// Any keda.sh object tidal serves.
using KedaObject = std::variant<ScaledObject, ScaledJob, TriggerAuthentication>;

// The kind named by `apiVersion`/`kind`, decoded. Returns an InvalidArgument status when the object
// is not one of the four keda.sh/v1alpha1 kinds (the message names what was found).
StatusOr<KedaObject> decodeKedaObject(const Json& json, Issues& issues);

const ObjectMeta& metadataOf(const KedaObject& object);
std::string kindOf(const KedaObject& object);

}  // namespace tidal::api
