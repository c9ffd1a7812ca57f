#include "controller/auth_controller.h"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "api/defaults.h"
#include "k8s/client/resource.h"

namespace tidal::controller {
namespace {

using Json = nlohmann::json;

const k8s::GroupVersionResource& resourceOf(const api::TriggerAuthentication& auth) {
  return auth.clusterScoped ? k8s::kClusterTriggerAuthentications : k8s::kTriggerAuthentications;
}

std::string_view gaugeType(bool cluster) {
  return cluster ? "cluster_trigger_authentication" : "trigger_authentication";
}

// Names of the objects whose triggers reference `key`, sorted and comma-separated.
template <typename T>
std::string referencing(const std::vector<std::shared_ptr<const T>>& objects,
                        std::string_view key) {
  std::set<std::string> names;
  for (const auto& object : objects) {
    for (const api::ScaleTrigger& trigger : object->spec.triggers) {
      if (AuthController::keyForTrigger(trigger, object->metadata.namespace_) == key) {
        names.insert(object->metadata.name);
      }
    }
  }
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += ",";
    out += name;
  }
  return out;
}

}  // namespace

AuthController::AuthController(AuthControllerDeps deps) : deps_(std::move(deps)) {}

std::string AuthController::keyForTrigger(const api::ScaleTrigger& trigger, std::string_view ns) {
  if (!trigger.authenticationRef || trigger.authenticationRef->name.empty()) return "";
  if (api::authenticationKind(*trigger.authenticationRef) == "ClusterTriggerAuthentication") {
    return "/" + trigger.authenticationRef->name;
  }
  return std::string(ns) + "/" + trigger.authenticationRef->name;
}

std::string AuthController::keyOf(const api::TriggerAuthentication& auth) {
  return (auth.clusterScoped ? std::string() : auth.metadata.namespace_) + "/" + auth.metadata.name;
}

void AuthController::event(const api::TriggerAuthentication& auth, std::string_view type,
                           std::string_view reason, std::string_view note) {
  if (!deps_.events) return;
  deps_.events({.apiVersion = api::kApiVersion,
                .kind = auth.kind(),
                .namespace_ = auth.metadata.namespace_,
                .name = auth.metadata.name,
                .uid = auth.metadata.uid},
               type, reason, "Reconcile", note);
}

k8s::ReconcileResult AuthController::reconcile(const std::string& key,
                                               const std::stop_token& stop) {
  size_t slash = key.find('/');
  if (slash == std::string::npos) return k8s::ReconcileResult::done();
  std::string ns = key.substr(0, slash);
  std::string name = key.substr(slash + 1);
  const bool cluster = ns.empty();
  std::shared_ptr<const api::TriggerAuthentication> found = deps_.lookup(ns, name, cluster);
  if (!found) {
    std::lock_guard lock(mu_);
    if (generations_.erase(key) > 0 && deps_.registered) {
      deps_.registered(gaugeType(cluster), ns, -1);
    }
    return k8s::ReconcileResult::done();
  }
  const api::TriggerAuthentication& auth = *found;
  if (!auth.metadata.deletionTimestamp.empty()) return finalize(auth, stop);

  const auto& finalizers = auth.metadata.finalizers;
  if (std::find(finalizers.begin(), finalizers.end(), api::kFinalizer) == finalizers.end()) {
    Json list = finalizers;
    list.push_back(api::kFinalizer);
    Json patch{
        {"metadata", {{"finalizers", list}, {"resourceVersion", auth.metadata.resourceVersion}}}};
    StatusOr<Json> result =
        deps_.client->patch(resourceOf(auth), auth.metadata.namespace_, auth.metadata.name,
                            k8s::PatchType::kMerge, patch, {}, stop);
    if (!result.isOk()) {
      return k8s::ReconcileResult::error(result.status().withPrefix("failed to add the finalizer"));
    }
  }

  // Events and the gauge on a new object or a new generation.
  int64_t generation = auth.metadata.generation.value_or(1);
  bool first = false;
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    auto it = generations_.find(key);
    if (it == generations_.end()) {
      first = true;
      generations_[key] = generation;
    } else if (it->second != generation) {
      changed = true;
      it->second = generation;
    }
  }
  if (first && deps_.registered) deps_.registered(gaugeType(cluster), ns, +1);
  if (first || changed) {
    if (generation == 1) {
      event(auth, "Normal",
            cluster ? "ClusterTriggerAuthenticationAdded" : "TriggerAuthenticationAdded",
            fmt::format("New {} configured", auth.kind()));
    } else {
      // KEDA uses this reason for both kinds (its TriggerAuthenticationUpdated constant).
      event(auth, "Normal", "ClusterTriggerAuthenticationUpdated",
            fmt::format("{} {} is updated", auth.kind(), auth.metadata.name));
    }
  }
  if (changed && deps_.onChanged) deps_.onChanged(auth);

  // status.scaledobjects / scaledjobs.
  api::TriggerAuthenticationStatus status =
      auth.status.value_or(api::TriggerAuthenticationStatus{});
  std::string scaledObjects =
      deps_.scaledObjects ? referencing(deps_.scaledObjects(), key) : status.scaledobjects;
  std::string scaledJobs =
      deps_.scaledJobs ? referencing(deps_.scaledJobs(), key) : status.scaledjobs;
  if (scaledObjects != status.scaledobjects || scaledJobs != status.scaledjobs) {
    Json body{{"status", Json::object()}};
    body["status"]["scaledobjects"] = scaledObjects.empty() ? Json() : Json(scaledObjects);
    body["status"]["scaledjobs"] = scaledJobs.empty() ? Json() : Json(scaledJobs);
    StatusOr<Json> result =
        deps_.client->patch(resourceOf(auth), auth.metadata.namespace_, auth.metadata.name,
                            k8s::PatchType::kMerge, body, {.subresource = "status"}, stop);
    if (!result.isOk()) {
      return k8s::ReconcileResult::error(result.status().withPrefix("failed to update the status"));
    }
  }
  return k8s::ReconcileResult::done();
}

k8s::ReconcileResult AuthController::finalize(const api::TriggerAuthentication& auth,
                                              const std::stop_token& stop) {
  const auto& finalizers = auth.metadata.finalizers;
  if (std::find(finalizers.begin(), finalizers.end(), api::kFinalizer) == finalizers.end()) {
    return k8s::ReconcileResult::done();
  }
  Json list = Json::array();
  for (const std::string& f : finalizers) {
    if (f != api::kFinalizer) list.push_back(f);
  }
  Json patch{
      {"metadata", {{"finalizers", list}, {"resourceVersion", auth.metadata.resourceVersion}}}};
  StatusOr<Json> result =
      deps_.client->patch(resourceOf(auth), auth.metadata.namespace_, auth.metadata.name,
                          k8s::PatchType::kMerge, patch, {}, stop);
  if (!result.isOk() && result.status().code() != StatusCode::kNotFound) {
    return k8s::ReconcileResult::error(
        result.status().withPrefix("failed to remove the finalizer"));
  }
  event(auth, "Normal",
        auth.clusterScoped ? "ClusterTriggerAuthenticationDeleted" : "TriggerAuthenticationDeleted",
        fmt::format("{} was deleted", auth.kind()));
  {
    std::lock_guard lock(mu_);
    if (generations_.erase(keyOf(auth)) > 0 && deps_.registered) {
      deps_.registered(gaugeType(auth.clusterScoped), auth.metadata.namespace_, -1);
    }
  }
  return k8s::ReconcileResult::done();
}

}  // namespace tidal::controller
