// The ScaledObject admission rules that need the cluster (spec/keda-spec.md §e, rules 1-3 and 9):
//
//   - one ScaledObject per workload, and one per HPA name, in a namespace
//     (reasons other-scaled-object, other-scaled-object-hpa);
//   - no foreign HPA on the same workload unless it is being handed over with
//     `scaledobject.keda.sh/transfer-hpa-ownership: "true"` and named in
//     advanced.horizontalPodAutoscalerConfig.name, or it opts out with
//     `validations.keda.sh/hpa-ownership: "false"` (other-hpa,
//     transfer-ownership-missing-hpa-name);
//   - cpu/memory triggers on an apps/v1 Deployment or StatefulSet need the workload to exist and
//     a request or limit for that resource on the containers (or a namespace LimitRange default)
//     (missing-requests), and only-cpu/memory triggers need minReplicaCount > 0
//     (scale-to-zero-requirements-not-met; checked by api/validation, placed here by the handler).
//
// Workloads are matched the way KEDA matches them: same scaleTargetRef.name and the same
// "<group>/<version>.<Kind>" after defaulting (apps/v1, Deployment). A ScaledObject never
// conflicts with itself: objects of the same name are skipped, so an UPDATE does not collide with
// its stored version.
//
// Each function appends what it finds and returns non-OK only when the cluster could not be read.
#pragma once

#include <vector>

#include "api/types.h"
#include "common/status.h"
#include "webhook/cluster_state.h"
#include "webhook/findings.h"

namespace tidal::webhook {

// Rules 1 and 2 (other-scaled-object, other-scaled-object-hpa).
Status checkOtherScaledObjects(const api::ScaledObject& so, ClusterState& cluster,
                               std::vector<Finding>& out);

// Rule 3 (other-hpa, transfer-ownership-missing-hpa-name).
Status checkHpaOwnership(const api::ScaledObject& so, ClusterState& cluster,
                         std::vector<Finding>& out);

// Whether rule 9 applies: not a dry run, some trigger is cpu or memory, and the target is an
// apps/v1 Deployment or StatefulSet (KEDA lets every other target through).
bool resourceRequestsApply(const api::ScaledObject& so, bool dryRun);

// Rule 9's request check (missing-requests). Call only when resourceRequestsApply(). A workload
// that does not exist is an error finding without a reason, as in KEDA's metrics.
Status checkResourceRequests(const api::ScaledObject& so, ClusterState& cluster,
                             std::vector<Finding>& out);

}  // namespace tidal::webhook
