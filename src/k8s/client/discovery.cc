#include "k8s/client/discovery.h"

#include <algorithm>

#include "common/strings.h"

namespace tidal::k8s {

bool ApiResource::hasSubresource(std::string_view sub) const {
  return std::find(subresources.begin(), subresources.end(), sub) != subresources.end();
}

StatusOr<std::vector<std::string>> Discovery::groupVersions(const std::stop_token& stop) {
  std::vector<std::string> out;
  RestRequest core;
  core.path = "/api";
  TIDAL_ASSIGN_OR_RETURN(Json api, client_.rest().call(core, stop));
  if (api.contains("versions") && api["versions"].is_array()) {
    for (const Json& v : api["versions"]) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  RestRequest groups;
  groups.path = "/apis";
  TIDAL_ASSIGN_OR_RETURN(Json apis, client_.rest().call(groups, stop));
  if (!apis.contains("groups") || !apis["groups"].is_array()) return out;
  for (const Json& group : apis["groups"]) {
    if (!group.is_object()) continue;
    std::string preferred;
    if (group.contains("preferredVersion") && group["preferredVersion"].is_object()) {
      preferred = group["preferredVersion"].value("groupVersion", "");
    }
    if (!preferred.empty()) out.push_back(preferred);
    if (!group.contains("versions") || !group["versions"].is_array()) continue;
    for (const Json& v : group["versions"]) {
      std::string gv = v.is_object() ? v.value("groupVersion", "") : "";
      if (!gv.empty() && gv != preferred) out.push_back(gv);
    }
  }
  return out;
}

StatusOr<std::vector<ApiResource>> Discovery::resources(std::string_view groupVersion,
                                                        const std::stop_token& stop) {
  RestRequest request;
  request.path = groupVersion.find('/') == std::string_view::npos
                     ? "/api/" + std::string(groupVersion)
                     : "/apis/" + std::string(groupVersion);
  TIDAL_ASSIGN_OR_RETURN(Json list, client_.rest().call(request, stop));
  std::vector<ApiResource> out;
  std::map<std::string, std::vector<std::string>> subresources;
  if (!list.contains("resources") || !list["resources"].is_array()) return out;
  for (const Json& r : list["resources"]) {
    if (!r.is_object()) continue;
    std::string name = r.value("name", "");
    size_t slash = name.find('/');
    if (slash != std::string::npos) {
      subresources[name.substr(0, slash)].push_back(name.substr(slash + 1));
      continue;
    }
    ApiResource resource;
    resource.name = name;
    resource.kind = r.value("kind", "");
    resource.namespaced = r.value("namespaced", false);
    if (r.contains("verbs") && r["verbs"].is_array()) {
      for (const Json& verb : r["verbs"]) {
        if (verb.is_string()) resource.verbs.push_back(verb.get<std::string>());
      }
    }
    out.push_back(std::move(resource));
  }
  for (ApiResource& resource : out) {
    auto it = subresources.find(resource.name);
    if (it != subresources.end()) resource.subresources = it->second;
  }
  return out;
}

RestMapper::RestMapper(Client& client, const Clock& clock, std::chrono::seconds minRefresh)
    : discovery_(client), clock_(clock), minRefresh_(minRefresh) {}

void RestMapper::invalidate() {
  std::lock_guard lock(mu_);
  cache_.clear();
}

StatusOr<ResourceMapping> RestMapper::map(std::string_view apiVersion, std::string_view kind,
                                          const std::stop_token& stop) {
  if (apiVersion.empty() || kind.empty()) {
    return invalidArgument("REST mapping needs an apiVersion and a kind, got \"" +
                           std::string(apiVersion) + "\" and \"" + std::string(kind) + "\"");
  }
  auto find = [&](const Entry& entry) -> std::optional<ResourceMapping> {
    for (const ApiResource& r : entry.resources) {
      if (r.kind != kind) continue;
      ResourceMapping m;
      size_t slash = apiVersion.find('/');
      m.gvr.group = slash == std::string_view::npos ? "" : std::string(apiVersion.substr(0, slash));
      m.gvr.version =
          std::string(slash == std::string_view::npos ? apiVersion : apiVersion.substr(slash + 1));
      m.gvr.resource = r.name;
      m.gvr.namespaced = r.namespaced;
      m.kind = r.kind;
      m.hasScale = r.hasSubresource("scale");
      m.hasStatus = r.hasSubresource("status");
      return m;
    }
    return std::nullopt;
  };

  // Discovery runs outside the lock: a slow API server must not block lookups of cached kinds.
  auto now = clock_.monotonicNow();
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(apiVersion);
    if (it != cache_.end()) {
      if (auto m = find(it->second)) return *m;
      if (now - it->second.fetched < minRefresh_) {
        if (!it->second.served) {
          return notFound("apiVersion \"" + std::string(apiVersion) +
                          "\" is not served by the API server");
        }
        std::vector<std::string> kinds;
        for (const ApiResource& r : it->second.resources) kinds.push_back(r.kind);
        return notFound("no kind \"" + std::string(kind) + "\" in apiVersion \"" +
                        std::string(apiVersion) + "\" (it serves: " + join(kinds, ", ") + ")");
      }
    }
  }
  StatusOr<std::vector<ApiResource>> fetched = discovery_.resources(apiVersion, stop);
  Entry entry;
  entry.fetched = now;
  if (fetched.isOk()) {
    entry.resources = std::move(*fetched);
  } else if (fetched.status().code() == StatusCode::kNotFound) {
    entry.served = false;
  } else {
    return fetched.status();  // transient: don't cache
  }
  std::optional<ResourceMapping> found = find(entry);
  std::vector<std::string> kinds;
  for (const ApiResource& r : entry.resources) kinds.push_back(r.kind);
  bool served = entry.served;
  {
    std::lock_guard lock(mu_);
    cache_[std::string(apiVersion)] = std::move(entry);
  }
  if (found) return *found;
  if (!served) {
    return notFound("apiVersion \"" + std::string(apiVersion) +
                    "\" is not served by the API server");
  }
  return notFound("no kind \"" + std::string(kind) + "\" in apiVersion \"" +
                  std::string(apiVersion) + "\" (it serves: " + join(kinds, ", ") + ")");
}

}  // namespace tidal::k8s
