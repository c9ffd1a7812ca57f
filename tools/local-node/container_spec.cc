#include "container_spec.h"

#include "k8s/base64.h"

namespace tidal::localnode {
namespace {

// The value of `key` in a Secret (base64 data) or ConfigMap (plain data).
StatusOr<std::string> keyValue(const Json& object, bool secret, const std::string& key) {
  const Json& data = object.value("data", Json::object());
  auto it = data.find(key);
  if (it == data.end() || !it->is_string()) {
    if (!secret) {
      const Json& binary = object.value("binaryData", Json::object());
      auto b = binary.find(key);
      if (b != binary.end() && b->is_string()) {
        std::optional<std::string> decoded = k8s::base64Decode(b->get<std::string>());
        if (decoded) return *decoded;
      }
    }
    return notFound("no key " + key);
  }
  if (!secret) return it->get<std::string>();
  std::optional<std::string> decoded = k8s::base64Decode(it->get<std::string>());
  if (!decoded) return invalidArgument("key " + key + " is not base64");
  return *decoded;
}

StatusOr<Json> fetchCached(std::map<std::string, StatusOr<Json>>& cache, const ObjectFetcher& fetch,
                           const std::string& resource, const std::string& ns,
                           const std::string& name) {
  std::string id = resource + "/" + name;
  auto it = cache.find(id);
  if (it == cache.end()) it = cache.emplace(id, fetch(resource, ns, name)).first;
  return it->second;
}

StatusOr<std::string> fieldValue(const Json& pod, const std::string& path,
                                 const PodPlacement& placement) {
  const Json& meta = pod.value("metadata", Json::object());
  if (path == "metadata.name") return meta.value("name", "");
  if (path == "metadata.namespace") return meta.value("namespace", "");
  if (path == "metadata.uid") return meta.value("uid", "");
  if (path == "spec.nodeName") return placement.nodeName;
  if (path == "spec.serviceAccountName") {
    return pod.value("/spec/serviceAccountName"_json_pointer, std::string("default"));
  }
  if (path == "status.podIP" || path == "status.hostIP") return placement.podIp;
  return invalidArgument("fieldRef " + path + " is not supported by the local node");
}

std::vector<std::string> stringList(const Json& container, const char* field,
                                    const std::map<std::string, std::string>& vars) {
  std::vector<std::string> out;
  for (const Json& item : container.value(field, Json::array())) {
    out.push_back(expandVars(item.is_string() ? item.get<std::string>() : item.dump(), vars));
  }
  return out;
}

}  // namespace

std::string expandVars(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] == '(') {
      size_t close = text.find(')', i + 2);
      if (close != std::string_view::npos) {
        auto it = vars.find(std::string(text.substr(i + 2, close - i - 2)));
        if (it != vars.end()) {
          out += it->second;
          i = close;
          continue;
        }
      }
    }
    out += text[i];
  }
  return out;
}

StatusOr<ContainerLaunch> prepareContainer(const Json& pod, const Json& container,
                                           const ImageMap& images, const ObjectFetcher& fetch,
                                           const PodPlacement& placement) {
  std::string ns = pod.value("/metadata/namespace"_json_pointer, std::string());
  std::string name = container.value("name", "");
  std::map<std::string, StatusOr<Json>> cache;
  // Ordered by definition, as the kubelet: a later definition replaces an earlier one.
  std::vector<std::string> order;
  std::map<std::string, std::string> vars;
  auto set = [&](const std::string& key, const std::string& value) {
    if (!vars.contains(key)) order.push_back(key);
    vars[key] = value;
  };
  set("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  set("HOSTNAME", pod.value("/metadata/name"_json_pointer, std::string()));

  for (const Json& from : container.value("envFrom", Json::array())) {
    bool secret = from.contains("secretRef");
    const Json& ref = secret ? from["secretRef"] : from.value("configMapRef", Json::object());
    std::string refName = ref.value("name", "");
    bool optional = ref.value("optional", false);
    StatusOr<Json> object =
        fetchCached(cache, fetch, secret ? "secrets" : "configmaps", ns, refName);
    if (!object.isOk()) {
      if (optional && object.status().code() == StatusCode::kNotFound) continue;
      return object.status().withPrefix("container " + name + ": envFrom " + refName);
    }
    std::string prefix = from.value("prefix", "");
    const Json data = object->value("data", Json::object());
    for (const auto& item : data.items()) {
      StatusOr<std::string> v = keyValue(*object, secret, item.key());
      if (v.isOk()) set(prefix + item.key(), *v);
    }
  }
  for (const Json& env : container.value("env", Json::array())) {
    std::string key = env.value("name", "");
    if (env.contains("valueFrom")) {
      const Json& from = env["valueFrom"];
      if (from.contains("fieldRef")) {
        StatusOr<std::string> v =
            fieldValue(pod, from["fieldRef"].value("fieldPath", ""), placement);
        if (!v.isOk()) return v.status().withPrefix("container " + name + ": env " + key);
        set(key, *v);
        continue;
      }
      bool secret = from.contains("secretKeyRef");
      if (!secret && !from.contains("configMapKeyRef")) {
        return invalidArgument("container " + name + ": env " + key +
                               ": only value, secretKeyRef, configMapKeyRef and fieldRef are "
                               "supported by the local node");
      }
      const Json& ref = secret ? from["secretKeyRef"] : from["configMapKeyRef"];
      std::string refName = ref.value("name", "");
      std::string refKey = ref.value("key", "");
      bool optional = ref.value("optional", false);
      StatusOr<Json> object =
          fetchCached(cache, fetch, secret ? "secrets" : "configmaps", ns, refName);
      StatusOr<std::string> v = object.isOk() ? keyValue(*object, secret, refKey)
                                              : StatusOr<std::string>(object.status());
      if (!v.isOk()) {
        if (optional && v.status().code() == StatusCode::kNotFound) continue;
        return v.status().withPrefix("container " + name + ": env " + key + " from " +
                                     (secret ? "Secret " : "ConfigMap ") + refName + " key " +
                                     refKey);
      }
      set(key, *v);
    } else {
      set(key, expandVars(env.value("value", ""), vars));
    }
  }

  std::vector<std::string> command = stringList(container, "command", vars);
  std::vector<std::string> args = stringList(container, "args", vars);
  StatusOr<std::vector<std::string>> argv =
      images.resolveArgv(container.value("image", ""), command, args);
  if (!argv.isOk()) return argv.status().withPrefix("container " + name);
  ContainerLaunch launch;
  launch.argv = std::move(*argv);
  for (const std::string& key : order) launch.env.push_back(key + "=" + vars[key]);
  return launch;
}

}  // namespace tidal::localnode
