// What the admission webhook needs to know about the cluster, as a narrow lookup interface.
//
// The operator implements it on its informer caches (one watch per kind, shared with the
// controllers), optionally falling back to a direct GET on a cache miss as KEDA's
// `--cache-miss-to-direct-client` does; unit tests implement it with maps. The webhook never
// talks to the API server itself.
//
// Contract for implementations:
//   - Calls come from the webhook's request threads, possibly concurrently: be thread-safe.
//   - Answer from memory and quickly (the API server gives the webhook 10 s in all); a lookup that
//     cannot be answered (cache not synced, transport error) returns kUnavailable, and the webhook
//     refuses the request with HTTP code 500 in the AdmissionReview and says why.
//   - A namespace is always non-empty ("default" is passed explicitly).
#pragma once

#include <string_view>
#include <vector>

#include "api/types.h"
#include "common/status.h"

namespace tidal::webhook {

using Json = api::Json;

class ClusterState {
 public:
  virtual ~ClusterState() = default;

  // Every ScaledObject in `ns`, including (on UPDATE) the stored version of the one being
  // validated.
  virtual StatusOr<std::vector<api::ScaledObject>> scaledObjects(std::string_view ns) = 0;

  // Every autoscaling/v2 HorizontalPodAutoscaler in `ns`, as JSON (metadata with annotations and
  // ownerReferences, spec.scaleTargetRef are read).
  virtual StatusOr<std::vector<Json>> horizontalPodAutoscalers(std::string_view ns) = 0;

  // Every core/v1 LimitRange in `ns`, as JSON (spec.limits[] type/default/defaultRequest are read).
  virtual StatusOr<std::vector<Json>> limitRanges(std::string_view ns) = 0;

  // The workload `apiVersion`/`kind` `name` in `ns`, as JSON (spec.template.spec.containers[] is
  // read). Only asked for apps/v1 Deployment and StatefulSet. kNotFound when it does not exist.
  virtual StatusOr<Json> workload(std::string_view ns, std::string_view apiVersion,
                                  std::string_view kind, std::string_view name) = 0;
};

}  // namespace tidal::webhook
