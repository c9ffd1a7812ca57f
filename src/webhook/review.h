// The admission.k8s.io AdmissionReview wire format: reading the request, writing the response.
//
// Only what a validating webhook needs is modelled. Both admission.k8s.io/v1 and v1beta1 are read
// (their request and response shapes are the same); the response carries the request's apiVersion
// and kind back, as the API server requires, and the request's uid.
//
// Example:
//   auto req = parseAdmissionReview(body);
//   AdmissionResponse res = req.isOk() ? validate(*req) : refuse(400, req.status().message());
//   Json out = admissionReviewResponse(reviewApiVersion(body), uidOf(body), res);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "common/status.h"

namespace tidal::webhook {

using Json = api::Json;

inline constexpr const char* kAdmissionV1 = "admission.k8s.io/v1";
inline constexpr const char* kAdmissionV1beta1 = "admission.k8s.io/v1beta1";

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;
};

// The fields of AdmissionReview.request the webhook reads.
struct AdmissionRequest {
  std::string reviewApiVersion;  // admission.k8s.io/v1 or v1beta1
  std::string uid;
  GroupVersionKind kind;   // request.kind: the object's type
  std::string operation;   // CREATE, UPDATE, DELETE or CONNECT
  std::string name;        // may be empty on CREATE (generateName)
  std::string namespace_;  // empty for cluster-scoped kinds
  bool dryRun = false;
  Json object;     // null when absent (DELETE)
  Json oldObject;  // null when absent (CREATE)
};

// Reads an AdmissionReview. InvalidArgument, naming the field, when it is not an object, has
// another apiVersion/kind, or lacks request, request.uid or request.operation.
StatusOr<AdmissionRequest> parseAdmissionReview(const Json& review);

// The review's apiVersion when it is one this webhook speaks, else admission.k8s.io/v1; and the
// request uid, or "" (both best effort, for answering a review that failed to parse).
std::string reviewApiVersionOf(const Json& review);
std::string requestUidOf(const Json& review);

struct AdmissionResponse {
  bool allowed = true;
  // For a refusal: the HTTP-style code (403 rule violated, 400 malformed review, 500 the webhook
  // could not decide), the metav1.Status reason and the message shown to the user.
  int32_t code = 0;
  std::string reason;
  std::string message;
  std::vector<std::string> warnings;
};

AdmissionResponse allow(std::vector<std::string> warnings = {});
AdmissionResponse deny(std::string message, std::vector<std::string> warnings = {});
AdmissionResponse badRequest(std::string message);
AdmissionResponse internalFailure(std::string message);

// The AdmissionReview to send back: apiVersion, kind, response{uid, allowed, status, warnings}.
Json admissionReviewResponse(std::string_view apiVersion, std::string_view uid,
                             const AdmissionResponse& response);

}  // namespace tidal::webhook
