// A ResolverSource over in-memory maps, for the resolver's unit tests.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "scaling/resolver.h"

namespace tidal::scaling::testing {

class FakeSource : public ResolverSource {
 public:
  // Keys are "namespace/name" (or "name" for cluster-scoped objects).
  std::map<std::string, k8s::Secret> secrets;
  std::map<std::string, k8s::ConfigMap> configMaps;
  std::map<std::string, api::TriggerAuthentication> triggerAuths;
  std::map<std::string, api::TriggerAuthentication> clusterTriggerAuths;
  std::map<std::string, StringMap> serviceAccounts;  // annotations
  std::map<std::string, std::string> tokens;         // "ns/serviceAccount" -> token
  // When set, every lookup fails with it (e.g. kUnavailable).
  std::optional<Status> failure;
  // Every lookup made, as "secret ns/name", "configmap ns/name", ...
  std::vector<std::string> calls;
  std::chrono::seconds lastTokenExpiry{0};

  void addSecret(const std::string& ns, const std::string& name,
                 std::map<std::string, std::string> data) {
    k8s::Secret s;
    s.metadata.namespace_ = ns;
    s.metadata.name = name;
    s.data = std::move(data);
    secrets[ns + "/" + name] = std::move(s);
  }
  void addConfigMap(const std::string& ns, const std::string& name,
                    std::map<std::string, std::string> data) {
    k8s::ConfigMap c;
    c.metadata.namespace_ = ns;
    c.metadata.name = name;
    c.data = std::move(data);
    configMaps[ns + "/" + name] = std::move(c);
  }
  void addTriggerAuth(const std::string& ns, const std::string& name,
                      api::TriggerAuthenticationSpec spec) {
    api::TriggerAuthentication ta;
    ta.metadata.namespace_ = ns;
    ta.metadata.name = name;
    ta.spec = std::move(spec);
    triggerAuths[ns + "/" + name] = std::move(ta);
  }
  void addClusterTriggerAuth(const std::string& name, api::TriggerAuthenticationSpec spec) {
    api::TriggerAuthentication cta;
    cta.clusterScoped = true;
    cta.metadata.name = name;
    cta.spec = std::move(spec);
    clusterTriggerAuths[name] = std::move(cta);
  }

  StatusOr<k8s::Secret> secret(std::string_view ns, std::string_view name) override {
    return lookup(secrets, "secret", fmt::format("{}/{}", ns, name));
  }
  StatusOr<k8s::ConfigMap> configMap(std::string_view ns, std::string_view name) override {
    return lookup(configMaps, "configmap", fmt::format("{}/{}", ns, name));
  }
  StatusOr<api::TriggerAuthentication> triggerAuthentication(std::string_view ns,
                                                             std::string_view name) override {
    return lookup(triggerAuths, "triggerauthentication", fmt::format("{}/{}", ns, name));
  }
  StatusOr<api::TriggerAuthentication> clusterTriggerAuthentication(
      std::string_view name) override {
    return lookup(clusterTriggerAuths, "clustertriggerauthentication", std::string(name));
  }
  StatusOr<StringMap> serviceAccountAnnotations(std::string_view ns,
                                                std::string_view name) override {
    return lookup(serviceAccounts, "serviceaccount", fmt::format("{}/{}", ns, name));
  }
  StatusOr<std::string> serviceAccountToken(std::string_view ns, std::string_view serviceAccount,
                                            std::chrono::seconds expiry) override {
    lastTokenExpiry = expiry;
    return lookup(tokens, "token", fmt::format("{}/{}", ns, serviceAccount));
  }

 private:
  template <typename T>
  StatusOr<T> lookup(const std::map<std::string, T>& objects, const char* what,
                     const std::string& key) {
    calls.push_back(fmt::format("{} {}", what, key));
    if (failure) return *failure;
    auto it = objects.find(key);
    if (it == objects.end()) return notFound(fmt::format("{} {} not found", what, key));
    return it->second;
  }
};

}  // namespace tidal::scaling::testing
