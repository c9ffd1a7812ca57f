// JSON merge patches (RFC 7386) computed from two versions of an object: the smallest patch that
// turns `before` into `after`. Controllers use it to write only what changed, and to write nothing
// at all when nothing did (a status patch on every poll is load the API server does not need).
//
//   Json patch = mergePatchDiff(oldStatus, newStatus);
//   if (!patch.empty()) client.patch(gvr, ns, name, PatchType::kMerge, {{"status", patch}}, ...);
//
// Objects are compared key by key (a key missing from `after` becomes null); arrays and scalars
// are replaced whole when they differ, as RFC 7386 requires. `after` must not contain nulls (a
// merge patch cannot express "set to null").
#pragma once

#include <nlohmann/json.hpp>

namespace tidal::k8s {

// An empty object when the two are equal.
nlohmann::json mergePatchDiff(const nlohmann::json& before, const nlohmann::json& after);

// Applies a merge patch to `target` (RFC 7386), as the API server would.
void applyMergePatch(nlohmann::json& target, const nlohmann::json& patch);

}  // namespace tidal::k8s
