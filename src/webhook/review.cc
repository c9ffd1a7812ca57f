#include "webhook/review.h"

#include <fmt/format.h>

#include "api/decode.h"

namespace tidal::webhook {
namespace {

const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string stringMember(const Json& object, std::string_view key) {
  const Json* v = member(object, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

bool knownReviewVersion(std::string_view v) {
  return v == kAdmissionV1 || v == kAdmissionV1beta1;
}

}  // namespace

std::string reviewApiVersionOf(const Json& review) {
  std::string v = stringMember(review, "apiVersion");
  return knownReviewVersion(v) ? v : kAdmissionV1;
}

std::string requestUidOf(const Json& review) {
  const Json* request = member(review, "request");
  return request == nullptr ? "" : stringMember(*request, "uid");
}

StatusOr<AdmissionRequest> parseAdmissionReview(const Json& review) {
  if (!review.is_object()) {
    return invalidArgument("the body is not an AdmissionReview: expected a JSON object, got " +
                           api::describeJson(review));
  }
  AdmissionRequest out;
  out.reviewApiVersion = stringMember(review, "apiVersion");
  if (!knownReviewVersion(out.reviewApiVersion)) {
    return invalidArgument(fmt::format(
        "AdmissionReview apiVersion \"{}\" is not supported; expected \"{}\" (or \"{}\")",
        out.reviewApiVersion, kAdmissionV1, kAdmissionV1beta1));
  }
  if (const std::string kind = stringMember(review, "kind"); kind != "AdmissionReview") {
    return invalidArgument(
        fmt::format("the body has kind \"{}\"; expected an AdmissionReview", kind));
  }
  const Json* request = member(review, "request");
  if (request == nullptr || !request->is_object()) {
    return invalidArgument("AdmissionReview.request is missing; expected the request to review");
  }
  out.uid = stringMember(*request, "uid");
  if (out.uid.empty()) {
    return invalidArgument("AdmissionReview.request.uid is missing; it must be echoed back");
  }
  out.operation = stringMember(*request, "operation");
  if (out.operation.empty()) {
    return invalidArgument(
        "AdmissionReview.request.operation is missing; expected CREATE, UPDATE, DELETE or "
        "CONNECT");
  }
  if (const Json* kind = member(*request, "kind"); kind != nullptr) {
    out.kind.group = stringMember(*kind, "group");
    out.kind.version = stringMember(*kind, "version");
    out.kind.kind = stringMember(*kind, "kind");
  }
  out.name = stringMember(*request, "name");
  out.namespace_ = stringMember(*request, "namespace");
  if (const Json* dryRun = member(*request, "dryRun"); dryRun != nullptr && dryRun->is_boolean()) {
    out.dryRun = dryRun->get<bool>();
  }
  if (const Json* object = member(*request, "object"); object != nullptr) out.object = *object;
  if (const Json* old = member(*request, "oldObject"); old != nullptr) out.oldObject = *old;
  return out;
}

AdmissionResponse allow(std::vector<std::string> warnings) {
  AdmissionResponse r;
  r.warnings = std::move(warnings);
  return r;
}

AdmissionResponse deny(std::string message, std::vector<std::string> warnings) {
  AdmissionResponse r;
  r.allowed = false;
  r.code = 403;
  r.reason = "Forbidden";
  r.message = std::move(message);
  r.warnings = std::move(warnings);
  return r;
}

AdmissionResponse badRequest(std::string message) {
  AdmissionResponse r;
  r.allowed = false;
  r.code = 400;
  r.reason = "BadRequest";
  r.message = std::move(message);
  return r;
}

AdmissionResponse internalFailure(std::string message) {
  AdmissionResponse r;
  r.allowed = false;
  r.code = 500;
  r.reason = "InternalError";
  r.message = std::move(message);
  return r;
}

Json admissionReviewResponse(std::string_view apiVersion, std::string_view uid,
                             const AdmissionResponse& response) {
  Json res{{"uid", uid}, {"allowed", response.allowed}};
  if (!response.allowed) {
    res["status"] = Json{{"status", "Failure"},
                         {"code", response.code},
                         {"reason", response.reason},
                         {"message", response.message}};
  }
  if (!response.warnings.empty()) res["warnings"] = response.warnings;
  return Json{{"apiVersion", apiVersion}, {"kind", "AdmissionReview"}, {"response", res}};
}

}  // namespace tidal::webhook
