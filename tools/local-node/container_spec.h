// How one container of a pod becomes a local process: its argv (through the image map) and its
// environment (env and envFrom, values from Secrets and ConfigMaps, fieldRef for a few pod fields,
// and Kubernetes' $(VAR) expansion in env values, command and args).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "image_map.h"

namespace tidal::localnode {

using Json = nlohmann::json;

// Reads a Secret ("secrets") or ConfigMap ("configmaps") of the pod's namespace. kNotFound when
// it does not exist. Injected so the resolution can be tested without a cluster.
using ObjectFetcher = std::function<StatusOr<Json>(const std::string& resource,
                                                   const std::string& ns, const std::string& name)>;

struct ContainerLaunch {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "NAME=value"
};

// Where the pod runs, for fieldRef and the base environment.
struct PodPlacement {
  std::string nodeName;
  std::string podIp;
};

// kNotFound when the image is not mapped or a non-optional Secret/ConfigMap or key is missing
// (the kubelet's CreateContainerConfigError: retried later), kInvalidArgument for a field this
// agent cannot honour.
StatusOr<ContainerLaunch> prepareContainer(const Json& pod, const Json& container,
                                           const ImageMap& images, const ObjectFetcher& fetch,
                                           const PodPlacement& placement);

// Kubernetes' expansion: $(NAME) becomes the value of NAME when defined (else stays as written),
// $$ becomes $.
std::string expandVars(std::string_view text, const std::map<std::string, std::string>& vars);

}  // namespace tidal::localnode
