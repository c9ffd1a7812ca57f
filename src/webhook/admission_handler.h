// tidal's validating admission webhook for the keda.sh/v1alpha1 kinds, independent of transport.
//
// KEDA registers one ValidatingWebhookConfiguration (`keda-admission`, failurePolicy Ignore,
// sideEffects None, CREATE and UPDATE) with one path per kind; tidal serves the same paths, so
// KEDA's chart and manifests keep working. The HTTPS server (net/) hands each POST to
// handleHttp(); everything else happens here (spec/keda-spec.md §e):
//
//   - DELETE (and CONNECT) is never validated: always allowed.
//   - An UPDATE that only removes finalizers (fewer finalizers, spec unchanged) is always allowed,
//     so an object can always be deleted even when it no longer passes the rules.
//   - ScaledObject: every rule of api/validation (replica bounds, fallback, name lengths,
//     triggers, scaling modifiers, ...), plus the cluster rules of scaled_object_rules.h through
//     ClusterState, plus trigger metadata parsed with the scaler registry (trigger_metadata.h).
//     Validations and error reasons go to ValidationMetrics; the two "not relevant" warnings
//     also go to AdmissionEvents as KEDAScalerInfo.
//   - ScaledJob: api/validation's ScaledJob rules and trigger metadata. As in KEDA, only
//     `incorrect-triggers` errors are counted (in the ScaledObject error counter), and no
//     validation is counted.
//   - TriggerAuthentication / ClusterTriggerAuthentication: api/validation's rules. Not counted.
//
// Every problem is reported, not just the first (KEDA stops at the first): the refusal message is
// "<Kind> <namespace>/<name>: <field>: <problem>; <field>: <problem>", with KEDA's own text for
// each problem where KEDA has one. Warnings become AdmissionReview warnings (kubectl prints them);
// KEDA's two relevance warnings are passed verbatim, others as "<field>: <problem>".
//
// Refusal codes in response.status: 403 (Forbidden) when a rule is violated; 400 (BadRequest)
// when the review itself is unusable (not JSON, not an AdmissionReview, no uid, an object of
// another kind than the path serves); 500 (InternalError) when the cluster state could not be
// read. The HTTP status is 200 in all of these, as Kubernetes expects from a webhook that decided
// (a non-200 answer would be a call failure, which failurePolicy Ignore turns into "allowed").
// Only an unknown path (404) or a method other than POST (405) get an HTTP error.
//
// Threading: the handler keeps no state between requests; it may be called concurrently when
// its ClusterState, ValidationMetrics and AdmissionEvents are thread-safe.
//
// Example:
//   AdmissionHandler handler(informerState, &webhookMetrics, &recorder);
//   HttpReply reply = handler.handleHttp("POST",
//   "/validate-keda-sh-v1alpha1-scaledobject?timeout=10s",
//                                        "application/json", body);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "scalers/registry.h"
#include "webhook/cluster_state.h"
#include "webhook/findings.h"
#include "webhook/observers.h"
#include "webhook/review.h"

namespace tidal::webhook {

inline constexpr std::string_view kScaledObjectPath = "/validate-keda-sh-v1alpha1-scaledobject";
inline constexpr std::string_view kScaledJobPath = "/validate-keda-sh-v1alpha1-scaledjob";
inline constexpr std::string_view kTriggerAuthenticationPath =
    "/validate-keda-sh-v1alpha1-triggerauthentication";
inline constexpr std::string_view kClusterTriggerAuthenticationPath =
    "/validate-keda-sh-v1alpha1-clustertriggerauthentication";

// The keda.sh kind validated at `path` ("ScaledObject", ...), or nullopt when the path is not
// served. A query string (the API server appends "?timeout=10s") is ignored.
std::optional<std::string> kindForPath(std::string_view path);

struct AdmissionOptions {
  // The scalers trigger metadata is parsed with; nullptr means scalers::builtinRegistry().
  const scalers::ScalerRegistry* registry = nullptr;
  // Refuse (reason incorrect-triggers) instead of warn when trigger metadata does not parse.
  // Off by default: KEDA admits such objects and reports the problem at reconcile.
  bool rejectInvalidTriggerMetadata = false;
};

struct HttpReply {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
};

class AdmissionHandler {
 public:
  // `cluster` must outlive the handler; `metrics` and `events` may be nullptr.
  explicit AdmissionHandler(ClusterState& cluster, ValidationMetrics* metrics = nullptr,
                            AdmissionEvents* events = nullptr, AdmissionOptions options = {});

  // Reviews one AdmissionReview sent to `path`; returns the AdmissionReview to answer with.
  Json handleAdmissionReview(const Json& review, std::string_view path) const;

  // The whole HTTP exchange: `target` is the request target (path and optional query).
  HttpReply handleHttp(std::string_view method, std::string_view target,
                       std::string_view contentType, std::string_view body) const;

 private:
  AdmissionResponse review(const Json& body, std::string_view path) const;
  // Each reviewer starts from the decoding errors already found in `findings`.
  AdmissionResponse reviewScaledObject(const AdmissionRequest& request, api::ScaledObject so,
                                       std::vector<Finding> findings) const;
  AdmissionResponse reviewScaledJob(const AdmissionRequest& request, api::ScaledJob sj,
                                    std::vector<Finding> findings) const;
  AdmissionResponse reviewTriggerAuthentication(const api::TriggerAuthentication& ta,
                                                std::vector<Finding> findings) const;

  ClusterState& cluster_;
  ValidationMetrics* metrics_;
  AdmissionEvents* events_;
  AdmissionOptions options_;
};

}  // namespace tidal::webhook
