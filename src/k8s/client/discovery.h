// API discovery and the REST mapper: from a scaleTargetRef's (apiVersion, kind) to the resource
// to call, and whether it has a /scale subresource.
//
// A ScaledObject names its target by kind ("Deployment", or a custom resource such as an Argo
// Rollout); the API is addressed by resource ("deployments"). Discovery reads the API server's
// own list (`GET /api`, `/apis`, `/apis/{group}/{version}`), so custom resources with a scale
// subresource work without tidal knowing them in advance.
//
// RestMapper caches what it learnt per group-version. A kind it has not seen makes it re-read
// that group-version (a CRD installed after start-up), but at most once per `minRefresh`, so a
// ScaledObject with a typo cannot make every reconcile hit discovery.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "k8s/client/client.h"

namespace tidal::k8s {

// One entry of an APIResourceList.
struct ApiResource {
  std::string name;  // "deployments"
  std::string kind;  // "Deployment"
  bool namespaced = false;
  std::vector<std::string> verbs;
  std::vector<std::string> subresources;  // "scale", "status" (from "deployments/scale" entries)

  bool hasSubresource(std::string_view sub) const;
};

class Discovery {
 public:
  explicit Discovery(Client& client) : client_(client) {}

  // Every served group-version: "v1", then "apps/v1", "keda.sh/v1alpha1", ... The preferred
  // version of each group comes first among that group's versions.
  StatusOr<std::vector<std::string>> groupVersions(const std::stop_token& stop = {});

  // The resources of one group-version. kNotFound when the group-version is not served.
  StatusOr<std::vector<ApiResource>> resources(std::string_view groupVersion,
                                               const std::stop_token& stop = {});

 private:
  Client& client_;
};

struct ResourceMapping {
  GroupVersionResource gvr;
  std::string kind;
  bool hasScale = false;
  bool hasStatus = false;
};

class RestMapper {
 public:
  // `client` and `clock` must outlive this.
  RestMapper(Client& client, const Clock& clock,
             std::chrono::seconds minRefresh = std::chrono::seconds(30));

  // The resource for (apiVersion, kind); "apps/v1" + "Deployment" -> deployments.apps, namespaced,
  // with /scale. kNotFound (with the known kinds of that apiVersion, or the apiVersion itself
  // unknown) when there is no such kind. Thread-safe.
  StatusOr<ResourceMapping> map(std::string_view apiVersion, std::string_view kind,
                                const std::stop_token& stop = {});

  // Forgets everything (after CRDs were installed, say). Thread-safe.
  void invalidate();

 private:
  struct Entry {
    std::vector<ApiResource> resources;
    std::chrono::steady_clock::time_point fetched;
    bool served = true;
  };

  Discovery discovery_;
  const Clock& clock_;
  const std::chrono::seconds minRefresh_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> cache_;
};

}  // namespace tidal::k8s
