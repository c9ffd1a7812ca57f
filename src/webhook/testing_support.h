// Test doubles for the webhook's unit tests: a ClusterState backed by maps, and recorders for the
// metrics and event callbacks. Header-only, used by *_test.cc in this directory only.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "api/codec.h"
#include "api/manifest.h"
#include "webhook/cluster_state.h"
#include "webhook/observers.h"

namespace tidal::webhook::testing {

// The first document of a YAML text as JSON.
inline Json yamlJson(const std::string& yaml) {
  auto docs = api::parseManifests(yaml, "test.yaml");
  if (!docs.isOk() || docs->empty()) return Json();
  return docs->front().json;
}

inline api::ScaledObject scaledObjectFrom(const std::string& yaml) {
  api::Issues ignored;
  return api::decodeScaledObject(yamlJson(yaml), ignored);
}

class FakeCluster : public ClusterState {
 public:
  StatusOr<std::vector<api::ScaledObject>> scaledObjects(std::string_view ns) override {
    ++calls;
    if (!failure.isOk()) return failure;
    auto it = scaledObjectsByNs.find(std::string(ns));
    return it == scaledObjectsByNs.end() ? std::vector<api::ScaledObject>{} : it->second;
  }
  StatusOr<std::vector<Json>> horizontalPodAutoscalers(std::string_view ns) override {
    ++calls;
    if (!failure.isOk()) return failure;
    auto it = hpasByNs.find(std::string(ns));
    return it == hpasByNs.end() ? std::vector<Json>{} : it->second;
  }
  StatusOr<std::vector<Json>> limitRanges(std::string_view ns) override {
    ++calls;
    if (!failure.isOk()) return failure;
    auto it = limitRangesByNs.find(std::string(ns));
    return it == limitRangesByNs.end() ? std::vector<Json>{} : it->second;
  }
  StatusOr<Json> workload(std::string_view ns, std::string_view apiVersion, std::string_view kind,
                          std::string_view name) override {
    ++calls;
    if (!failure.isOk()) return failure;
    auto it = workloads.find(fmt::format("{}/{}/{}/{}", ns, apiVersion, kind, name));
    if (it == workloads.end()) {
      return notFound(fmt::format("{} {}/{} not found", kind, ns, name));
    }
    return it->second;
  }

  // Stores `object` (YAML) under its own namespace/apiVersion/kind/name.
  void addWorkload(const std::string& yaml) {
    Json j = yamlJson(yaml);
    const Json& meta = j["metadata"];
    workloads[fmt::format("{}/{}/{}/{}", meta.value("namespace", "default"),
                          j["apiVersion"].get<std::string>(), j["kind"].get<std::string>(),
                          meta["name"].get<std::string>())] = j;
  }

  std::map<std::string, std::vector<api::ScaledObject>> scaledObjectsByNs;
  std::map<std::string, std::vector<Json>> hpasByNs;
  std::map<std::string, std::vector<Json>> limitRangesByNs;
  std::map<std::string, Json> workloads;  // "ns/apiVersion/kind/name"
  Status failure;                         // when not OK, every lookup returns it
  int calls = 0;
};

class RecordingMetrics : public ValidationMetrics {
 public:
  void onValidation(std::string_view ns, std::string_view action) override {
    validations.push_back(fmt::format("{}/{}", ns, action));
  }
  void onValidationError(std::string_view ns, std::string_view action,
                         std::string_view reason) override {
    errors.push_back(fmt::format("{}/{}/{}", ns, action, reason));
  }
  std::vector<std::string> validations;  // "ns/action"
  std::vector<std::string> errors;       // "ns/action/reason"
};

class RecordingEvents : public AdmissionEvents {
 public:
  void onScalerInfo(std::string_view kind, std::string_view ns, std::string_view name,
                    std::string_view message) override {
    events.push_back(fmt::format("{} {}/{}: {}", kind, ns, name, message));
  }
  std::vector<std::string> events;
};

}  // namespace tidal::webhook::testing
