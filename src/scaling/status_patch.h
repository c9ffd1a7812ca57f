// The one status write of a scale-loop iteration: a JSON merge patch (RFC 7386) for the
// ScaledObject's `/status` subresource carrying only what changed among the fields the loop owns
// (conditions, lastActiveTime, pausedReplicaCount, health, triggersActivity), or nothing at all.
//
// A steady state must cost no API write: KEDA is known for patching status on every poll. Here
// unchanged conditions, health and activity produce no patch, and a lastActiveTime that only moved
// forward while the ScaledObject stays active can be held back (PatchOptions) until it has moved
// by a chosen step or until something else is written anyway.
//
// Conditions are a list, which a merge patch replaces whole, so the full list is sent when any
// condition changed. health and triggersActivity are maps and are patched per key (a removed key
// is sent as null).
//
// Example:
//   api::ScaledObjectStatus next = *so.status;
//   applyDelta(next, outcome.delta);
//   if (auto body = statusMergePatch(*so.status, next, {.lastActiveTimeMinStep = 60s})) {
//     client.patch(..., "status", *body, PatchType::kMerge);
//   }
#pragma once

#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

#include "api/types.h"

namespace tidal::scaling {

struct PatchOptions {
  // A lastActiveTime that moved forward by less than this, when nothing else changed, is not
  // written. 0 writes every change (KEDA's behaviour, at one-second resolution). Keep it well
  // below cooldownPeriod: the stored time may lag the real last activity by up to this step,
  // which shortens the effective cooldown by as much.
  std::chrono::seconds lastActiveTimeMinStep{0};
};

// The merge-patch body {"status": {...}} turning `before` into `after` for the loop's fields, or
// nullopt when they are equal (after applying `options`). Other status fields are ignored.
std::optional<nlohmann::json> statusMergePatch(const api::ScaledObjectStatus& before,
                                               const api::ScaledObjectStatus& after,
                                               const PatchOptions& options = {});

}  // namespace tidal::scaling
