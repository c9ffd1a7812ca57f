#include "k8s/types/core.h"

#include "api/manifest.h"
#include "k8s/base64.h"

namespace tidal::k8s {
namespace {

std::optional<KeySelector> readKeySelector(api::ObjectReader& r, const char* key) {
  std::optional<KeySelector> out;
  r.object(key, [&](api::ObjectReader& s) {
    KeySelector k;
    s.string("name", k.name);
    s.string("key", k.key);
    s.boolean("optional", k.optional);
    out = k;
  });
  return out;
}

// Decodes a base64 map; a bad value is reported under its key.
void readBase64Map(api::ObjectReader& r, const char* key, std::map<std::string, std::string>& out,
                   api::Issues& issues) {
  api::StringMap encoded;
  r.stringMap(key, encoded);
  for (const auto& [name, value] : encoded) {
    std::optional<std::string> bytes = base64Decode(value);
    if (!bytes) {
      issues.error(api::fieldPath(key, name), "not valid base64");
      continue;
    }
    out[name] = std::move(*bytes);
  }
}

}  // namespace

std::vector<Container> readContainers(api::ObjectReader& podSpec) {
  std::vector<Container> out;
  out.reserve(podSpec.listSize("containers"));
  podSpec.objectList("containers", [&](api::ObjectReader& c, size_t) {
    Container container;
    c.string("name", container.name);
    c.string("image", container.image);
    container.env.reserve(c.listSize("env"));
    container.envFrom.reserve(c.listSize("envFrom"));
    c.objectList("env", [&](api::ObjectReader& e, size_t) {
      EnvVar var;
      e.string("name", var.name);
      e.string("value", var.value);
      e.object("valueFrom", [&](api::ObjectReader& from) {
        var.secretKeyRef = readKeySelector(from, "secretKeyRef");
        var.configMapKeyRef = readKeySelector(from, "configMapKeyRef");
      });
      container.env.push_back(std::move(var));
    });
    c.objectList("envFrom", [&](api::ObjectReader& e, size_t) {
      EnvFromSource source;
      e.string("prefix", source.prefix);
      e.object("secretRef", [&](api::ObjectReader& s) {
        s.string("name", source.secretName);
        s.boolean("optional", source.optional);
      });
      e.object("configMapRef", [&](api::ObjectReader& s) {
        s.string("name", source.configMapName);
        s.boolean("optional", source.optional);
      });
      container.envFrom.push_back(std::move(source));
    });
    out.push_back(std::move(container));
  });
  return out;
}

bool Pod::isReady() const {
  const ApiCondition* ready = findCondition(conditions, "Ready");
  return ready != nullptr && ready->status == "True";
}

StatusOr<Pod> Pod::decode(const Json& json) {
  api::Issues issues;
  api::ObjectReader top(issues, &json, "");
  Pod pod;
  pod.metadata = readObjectMeta(top);
  top.object("spec", [&](api::ObjectReader& spec) {
    spec.string("nodeName", pod.nodeName);
    pod.containers = readContainers(spec);
  });
  top.object("status", [&](api::ObjectReader& status) {
    status.string("phase", pod.phase);
    pod.conditions = readConditions(status);
  });
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "Pod", json));
  return pod;
}

StatusOr<Secret> Secret::decode(const Json& json) {
  api::Issues issues;
  api::ObjectReader top(issues, &json, "");
  Secret secret;
  secret.metadata = readObjectMeta(top);
  top.string("type", secret.type);
  readBase64Map(top, "data", secret.data, issues);
  api::StringMap plain;
  top.stringMap("stringData", plain);
  for (const auto& [k, v] : plain) secret.data[k] = v;
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "Secret", json));
  return secret;
}

StatusOr<ConfigMap> ConfigMap::decode(const Json& json) {
  api::Issues issues;
  api::ObjectReader top(issues, &json, "");
  ConfigMap cm;
  cm.metadata = readObjectMeta(top);
  api::StringMap data;
  top.stringMap("data", data);
  cm.data.insert(data.begin(), data.end());
  readBase64Map(top, "binaryData", cm.binaryData, issues);
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "ConfigMap", json));
  return cm;
}

}  // namespace tidal::k8s
