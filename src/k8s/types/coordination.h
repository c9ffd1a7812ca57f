// Typed view of a coordination.k8s.io/v1 Lease, the lock of leader election.
#pragma once

#include <optional>
#include <string>

#include "k8s/types/object.h"

namespace tidal::k8s {

struct Lease {
  ObjectMeta metadata;
  std::string holderIdentity;  // "" when released
  std::optional<int32_t> leaseDurationSeconds;
  std::optional<TimePoint> acquireTime;
  std::optional<TimePoint> renewTime;
  std::optional<int32_t> leaseTransitions;

  static StatusOr<Lease> decode(const Json& json);
  // A full Lease object (apiVersion, kind, metadata with name/namespace/resourceVersion, spec);
  // times as MicroTime.
  Json toJson() const;
};

}  // namespace tidal::k8s
