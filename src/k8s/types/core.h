// Typed views of core/v1 kinds tidal reads: Pod, Secret, ConfigMap, and the container
// environment that a ScaledObject's triggers may take values from (envSourceContainerName).
//
// Decoding contract (all kinds): kInvalidArgument naming the kind, the object's key and every
// field of the wrong JSON type; fields tidal does not read are ignored.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "k8s/types/object.h"

namespace tidal::k8s {

struct KeySelector {
  std::string name;  // the Secret or ConfigMap
  std::string key;
  bool optional = false;
};

struct EnvVar {
  std::string name;
  std::string value;
  std::optional<KeySelector> secretKeyRef;
  std::optional<KeySelector> configMapKeyRef;
};

struct EnvFromSource {
  std::string prefix;
  std::string secretName;     // envFrom[].secretRef.name
  std::string configMapName;  // envFrom[].configMapRef.name
  bool optional = false;
};

struct Container {
  std::string name;
  std::string image;
  std::vector<EnvVar> env;
  std::vector<EnvFromSource> envFrom;
};

// Reads a PodSpec's containers (spec.containers) from a reader positioned on the PodSpec.
std::vector<Container> readContainers(api::ObjectReader& podSpec);

struct Pod {
  ObjectMeta metadata;
  std::string nodeName;
  std::vector<Container> containers;
  std::string phase;  // Pending, Running, Succeeded, Failed, Unknown
  std::vector<ApiCondition> conditions;

  bool isReady() const;
  static StatusOr<Pod> decode(const Json& json);
};

struct Secret {
  ObjectMeta metadata;
  std::string type;
  std::map<std::string, std::string> data;  // base64-decoded bytes, plus stringData if present

  static StatusOr<Secret> decode(const Json& json);
};

struct ConfigMap {
  ObjectMeta metadata;
  std::map<std::string, std::string> data;
  std::map<std::string, std::string> binaryData;  // base64-decoded

  static StatusOr<ConfigMap> decode(const Json& json);
};

}  // namespace tidal::k8s
