#include "webhook/admission_handler.h"

#include <algorithm>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "api/codec.h"
#include "api/validation.h"
#include "common/strings.h"
#include "webhook/findings.h"
#include "webhook/scaled_object_rules.h"
#include "webhook/trigger_metadata.h"

namespace tidal::webhook {
namespace {

constexpr std::string_view kKedaGroup = "keda.sh";

// "ScaledObject default/web", "ClusterTriggerAuthentication shared"; a generateName prefix stands
// in for a name not yet chosen.
std::string objectLabel(std::string_view kind, const api::ObjectMeta& meta) {
  const std::string name = meta.name.empty() ? meta.generateName + "*" : meta.name;
  if (meta.namespace_.empty()) return fmt::format("{} {}", kind, name);
  return fmt::format("{} {}/{}", kind, meta.namespace_, name);
}

size_t finalizerCount(const Json& object) {
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return 0;
  const auto finalizers = meta->find("finalizers");
  return finalizers != meta->end() && finalizers->is_array() ? finalizers->size() : 0;
}

Json specOf(const Json& object) {
  const auto spec = object.find("spec");
  return spec == object.end() ? Json() : *spec;
}

// KEDA's "updates that only remove finalizers": fewer finalizers than before, spec unchanged.
bool onlyRemovesFinalizers(const AdmissionRequest& request) {
  if (!request.object.is_object() || !request.oldObject.is_object()) return false;
  return finalizerCount(request.object) < finalizerCount(request.oldObject) &&
         specOf(request.object) == specOf(request.oldObject);
}

// KEDA's two relevance warnings, which are sent verbatim and also become KEDAScalerInfo events.
bool isRelevanceWarning(const Finding& f) {
  return f.severity == api::Severity::kWarning &&
         (f.path == "spec.pollingInterval" || f.path == "spec.cooldownPeriod");
}

std::string describe(const Finding& f) {
  return f.path.empty() ? f.message : fmt::format("{}: {}", f.path, f.message);
}

std::vector<std::string> warningsOf(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& f : findings) {
    if (f.severity != api::Severity::kWarning) continue;
    out.push_back(isRelevanceWarning(f) ? f.message : describe(f));
  }
  return out;
}

// Allows or denies from the findings; the message lists every error.
AdmissionResponse decide(std::string_view label, const std::vector<Finding>& findings) {
  std::vector<std::string> errors;
  for (const Finding& f : findings) {
    if (f.severity == api::Severity::kError) errors.push_back(describe(f));
  }
  if (errors.empty()) return allow(warningsOf(findings));
  return deny(fmt::format("{}: {}", label, join(errors, "; ")), warningsOf(findings));
}

// The distinct reasons of the error findings, in the order found.
std::vector<std::string_view> reasonsOf(const std::vector<Finding>& findings) {
  std::vector<std::string_view> out;
  for (const Finding& f : findings) {
    if (f.severity != api::Severity::kError || f.reason.empty()) continue;
    if (std::find(out.begin(), out.end(), f.reason) == out.end()) out.push_back(f.reason);
  }
  return out;
}

std::string actionOf(const AdmissionRequest& request) {
  return request.operation == "CREATE" ? "create" : "update";
}

std::string_view stripQuery(std::string_view target) {
  return target.substr(0, target.find('?'));
}

}  // namespace

std::optional<std::string> kindForPath(std::string_view path) {
  path = stripQuery(path);
  if (path == kScaledObjectPath) return "ScaledObject";
  if (path == kScaledJobPath) return "ScaledJob";
  if (path == kTriggerAuthenticationPath) return "TriggerAuthentication";
  if (path == kClusterTriggerAuthenticationPath) return "ClusterTriggerAuthentication";
  return std::nullopt;
}

AdmissionHandler::AdmissionHandler(ClusterState& cluster, ValidationMetrics* metrics,
                                   AdmissionEvents* events, AdmissionOptions options)
    : cluster_(cluster), metrics_(metrics), events_(events), options_(options) {
  if (options_.registry == nullptr) options_.registry = &scalers::builtinRegistry();
}

Json AdmissionHandler::handleAdmissionReview(const Json& review, std::string_view path) const {
  return admissionReviewResponse(reviewApiVersionOf(review), requestUidOf(review),
                                 this->review(review, path));
}

HttpReply AdmissionHandler::handleHttp(std::string_view method, std::string_view target,
                                       std::string_view contentType, std::string_view body) const {
  const std::string_view path = stripQuery(target);
  if (!kindForPath(path)) {
    return HttpReply{404, "text/plain; charset=utf-8",
                     fmt::format("no admission webhook is served at {}\n", path)};
  }
  if (method != "POST") {
    return HttpReply{405, "text/plain; charset=utf-8",
                     fmt::format("admission webhooks take POST, not {}\n", method)};
  }
  // Like controller-runtime, a body that is not an AdmissionReview still gets a 200 with a refusal
  // in an AdmissionReview: the API server then shows the message instead of a transport error.
  const std::string_view mediaType = contentType.substr(0, contentType.find(';'));
  if (trim(mediaType) != "application/json") {
    const AdmissionResponse refusal = badRequest(fmt::format(
        "Content-Type \"{}\" is not supported; expected application/json", contentType));
    return HttpReply{200, "application/json",
                     admissionReviewResponse(kAdmissionV1, "", refusal).dump()};
  }
  Json review = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (review.is_discarded()) {
    const AdmissionResponse refusal =
        badRequest("the request body is not valid JSON; expected an AdmissionReview");
    return HttpReply{200, "application/json",
                     admissionReviewResponse(kAdmissionV1, "", refusal).dump()};
  }
  return HttpReply{200, "application/json", handleAdmissionReview(review, path).dump()};
}

AdmissionResponse AdmissionHandler::review(const Json& body, std::string_view path) const {
  const std::optional<std::string> kind = kindForPath(path);
  if (!kind) {
    return badRequest(fmt::format("no admission webhook is served at {}; expected {}, {}, {} or {}",
                                  stripQuery(path), kScaledObjectPath, kScaledJobPath,
                                  kTriggerAuthenticationPath, kClusterTriggerAuthenticationPath));
  }
  auto request = parseAdmissionReview(body);
  if (!request.isOk()) return badRequest(request.status().message());
  const GroupVersionKind& gvk = request->kind;
  if (!gvk.kind.empty() && (gvk.group != kKedaGroup || gvk.kind != *kind)) {
    return badRequest(
        fmt::format("AdmissionReview.request.kind is {}/{} {}, but {} validates keda.sh {} objects",
                    gvk.group, gvk.version, gvk.kind, stripQuery(path), *kind));
  }
  if (request->operation == "DELETE" || request->operation == "CONNECT") return allow();
  if (request->operation != "CREATE" && request->operation != "UPDATE") {
    return badRequest(fmt::format(
        "AdmissionReview.request.operation \"{}\" is not one of CREATE, UPDATE, DELETE, CONNECT",
        request->operation));
  }
  if (!request->object.is_object()) {
    return badRequest(
        fmt::format("AdmissionReview.request.object is missing; a {} needs the {} being written",
                    request->operation, *kind));
  }
  // Finalizer removal is let through before anything else, so that deletion never gets stuck on
  // an object that stopped passing the rules (or on a cluster lookup that fails).
  if (request->operation == "UPDATE" && onlyRemovesFinalizers(*request)) return allow();

  api::Issues decodeIssues;
  auto decoded = api::decodeKedaObject(request->object, decodeIssues);
  if (!decoded.isOk()) {
    return badRequest("AdmissionReview.request.object: " + decoded.status().message());
  }
  if (api::kindOf(*decoded) != *kind) {
    return badRequest(fmt::format("AdmissionReview.request.object is a {}, but {} validates {}",
                                  api::kindOf(*decoded), stripQuery(path), *kind));
  }
  // Type errors only: the API server's structural schema prunes unknown fields anyway.
  std::vector<Finding> findings;
  api::Issues decodeErrors;
  for (const api::Issue& issue : decodeIssues.errors())
    decodeErrors.error(issue.path, issue.message);
  appendIssues(decodeErrors, findings);

  if (auto* so = std::get_if<api::ScaledObject>(&*decoded)) {
    if (so->metadata.namespace_.empty()) {
      so->metadata.namespace_ = request->namespace_.empty() ? "default" : request->namespace_;
    }
    return reviewScaledObject(*request, std::move(*so), std::move(findings));
  }
  if (auto* sj = std::get_if<api::ScaledJob>(&*decoded)) {
    if (sj->metadata.namespace_.empty()) {
      sj->metadata.namespace_ = request->namespace_.empty() ? "default" : request->namespace_;
    }
    return reviewScaledJob(*request, std::move(*sj), std::move(findings));
  }
  auto& ta = std::get<api::TriggerAuthentication>(*decoded);
  if (!ta.clusterScoped && ta.metadata.namespace_.empty()) {
    ta.metadata.namespace_ = request->namespace_.empty() ? "default" : request->namespace_;
  }
  return reviewTriggerAuthentication(ta, std::move(findings));
}

AdmissionResponse AdmissionHandler::reviewScaledObject(const AdmissionRequest& request,
                                                       api::ScaledObject so,
                                                       std::vector<Finding> findings) const {
  const std::string& ns = so.metadata.namespace_;
  const std::string action = actionOf(request);
  const std::string label = objectLabel("ScaledObject", so.metadata);
  if (metrics_ != nullptr) metrics_->onValidation(ns, action);

  const bool resourceRule = resourceRequestsApply(so, request.dryRun);
  api::Issues issues;
  api::validateScaledObject(so, issues);
  const size_t first = findings.size();
  appendIssues(issues, findings);
  // KEDA checks scale-to-zero only inside its cpu/memory rule (not for dry runs, nor for targets
  // other than Deployment/StatefulSet). Outside it the object is admitted, with the same text as a
  // warning, because such an object still never scales to zero.
  if (!resourceRule) {
    for (size_t i = first; i < findings.size(); ++i) {
      if (findings[i].reason == kReasonScaleToZero) {
        findings[i].severity = api::Severity::kWarning;
        findings[i].reason = {};
      }
    }
  }
  Status s = checkOtherScaledObjects(so, cluster_, findings);
  if (s.isOk()) s = checkHpaOwnership(so, cluster_, findings);
  if (s.isOk() && resourceRule) s = checkResourceRequests(so, cluster_, findings);
  if (!s.isOk()) {
    return internalFailure(fmt::format(
        "{}: the webhook could not read the cluster state to validate it: {}", label, s.message()));
  }
  checkTriggerMetadata(so.spec.triggers, so.metadata, "ScaledObject", *options_.registry,
                       options_.rejectInvalidTriggerMetadata, findings);

  if (metrics_ != nullptr) {
    for (std::string_view reason : reasonsOf(findings)) {
      metrics_->onValidationError(ns, action, reason);
    }
  }
  AdmissionResponse response = decide(label, findings);
  if (response.allowed && !request.dryRun && events_ != nullptr) {
    for (const Finding& f : findings) {
      if (isRelevanceWarning(f))
        events_->onScalerInfo("ScaledObject", ns, so.metadata.name, f.message);
    }
  }
  return response;
}

AdmissionResponse AdmissionHandler::reviewScaledJob(const AdmissionRequest& request,
                                                    api::ScaledJob sj,
                                                    std::vector<Finding> findings) const {
  api::Issues issues;
  api::validateScaledJob(sj, issues);
  appendIssues(issues, findings);
  checkTriggerMetadata(sj.spec.triggers, sj.metadata, "ScaledJob", *options_.registry,
                       options_.rejectInvalidTriggerMetadata, findings);
  // KEDA counts only trigger errors of ScaledJobs, in the ScaledObject error counter.
  if (metrics_ != nullptr) {
    const auto reasons = reasonsOf(findings);
    if (std::find(reasons.begin(), reasons.end(), kReasonIncorrectTriggers) != reasons.end()) {
      metrics_->onValidationError(sj.metadata.namespace_, actionOf(request),
                                  kReasonIncorrectTriggers);
    }
  }
  return decide(objectLabel("ScaledJob", sj.metadata), findings);
}

AdmissionResponse AdmissionHandler::reviewTriggerAuthentication(
    const api::TriggerAuthentication& ta, std::vector<Finding> findings) const {
  api::Issues issues;
  api::validateTriggerAuthentication(ta, issues);
  appendIssues(issues, findings);
  // Reasons are a ScaledObject notion; TriggerAuthentication errors carry none.
  for (Finding& f : findings) f.reason = {};
  return decide(objectLabel(ta.kind(), ta.metadata), findings);
}

}  // namespace tidal::webhook
