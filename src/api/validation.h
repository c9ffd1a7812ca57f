// Validation of the keda.sh/v1alpha1 kinds without cluster state.
//
// Every rule the CRD schema, KEDA's admission webhook (spec/keda-spec.md §e) and KEDA's reconcile
// checks (§b.1e-f, §b.7, §b.8) apply that needs nothing but the object itself. Each problem is an
// Issue with the field path and a message that says what was wrong and what is expected; KEDA's own
// message text is used where users may search for it. All problems are reported, not just the
// first. Warnings are the webhook's "not relevant" notices and other likely mistakes that KEDA
// accepts.
//
// Rules that need the cluster (one ScaledObject per workload, HPA ownership, cpu/memory requests on
// the target's containers) and trigger metadata (which needs the scaler registry) are checked
// elsewhere: the webhook and `tidal check` respectively.
#pragma once

#include "api/decode.h"
#include "api/types.h"

namespace tidal::api {

// Kubernetes object names used as HPA names and label values must fit 63 characters.
inline constexpr size_t kMaxNameLength = 63;

void validateScaledObject(const ScaledObject& object, Issues& issues);
void validateScaledJob(const ScaledJob& object, Issues& issues);
void validateTriggerAuthentication(const TriggerAuthentication& object, Issues& issues);

// The replica-bound check of KEDA's reconcile (§b.1e), reported on `issues` at the spec fields.
void validateReplicaBounds(const ScaledObjectSpec& spec, Issues& issues);

// The trigger-list check shared by ScaledObject and ScaledJob (§b.1f, webhook rule 7).
// `kind` is "ScaledObject" or "ScaledJob" and appears in the messages as KEDA writes them.
void validateTriggers(const std::vector<ScaleTrigger>& triggers, std::string_view kind,
                      Issues& issues);

}  // namespace tidal::api
