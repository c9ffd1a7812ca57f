#include "k8s/client/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/strings.h"
#include "k8s/base64.h"

namespace tidal::k8s {
namespace {

std::string inQuotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// Reads a whole file. kNotFound when it doesn't exist, kInvalidArgument for other failures.
StatusOr<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string reason = err != 0 ? std::strerror(err) : "cannot open";
    return Status(err == ENOENT ? StatusCode::kNotFound : StatusCode::kInvalidArgument,
                  "cannot read file: " + reason);
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string resolvePath(std::string_view baseDir, const std::string& path) {
  if (path.empty() || path.front() == '/' || baseDir.empty()) return path;
  return (std::filesystem::path(baseDir) / path).lexically_normal().string();
}

// One named entry (cluster, user or context) and the file it came from.
struct Entry {
  YAML::Node body;
  std::string source;
  std::string baseDir;
};

// The union of one or more kubeconfig files, first definition wins.
struct MergedConfig {
  std::map<std::string, Entry> clusters;
  std::map<std::string, Entry> users;
  std::map<std::string, Entry> contexts;
  std::string currentContext;
  std::string currentContextSource;
  std::string sources;  // "a, b" for messages about the whole set
};

// A scalar field of a map node: "" when absent; an error when present but not a scalar.
StatusOr<std::string> scalar(const YAML::Node& map, const char* key, const std::string& where) {
  YAML::Node value = map[key];
  if (!value || value.IsNull()) return std::string();
  if (!value.IsScalar()) {
    return invalidArgument(where + ": " + key + " must be a string");
  }
  return value.Scalar();
}

StatusOr<bool> boolean(const YAML::Node& map, const char* key, const std::string& where) {
  TIDAL_ASSIGN_OR_RETURN(std::string text, scalar(map, key, where));
  if (text.empty() || text == "false") return false;
  if (text == "true") return true;
  return invalidArgument(where + ": " + key + " must be true or false, got " + inQuotes(text));
}

Status addNamedList(const YAML::Node& root, const char* listKey, const char* bodyKey,
                    const std::string& source, const std::string& baseDir,
                    std::map<std::string, Entry>& out) {
  YAML::Node list = root[listKey];
  if (!list || list.IsNull()) return Status::ok();
  std::string where = "kubeconfig " + source;
  if (!list.IsSequence()) return invalidArgument(where + ": " + listKey + " must be a list");
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    std::string at = where + ": " + listKey + "[" + std::to_string(i) + "]";
    if (!item.IsMap()) return invalidArgument(at + " must be a mapping");
    TIDAL_ASSIGN_OR_RETURN(std::string name, scalar(item, "name", at));
    if (name.empty()) return invalidArgument(at + ": name is missing");
    YAML::Node body = item[bodyKey];
    if (body && !body.IsNull() && !body.IsMap()) {
      return invalidArgument(at + " (" + inQuotes(name) + "): " + bodyKey + " must be a mapping");
    }
    out.emplace(name, Entry{body ? body : YAML::Node(YAML::NodeType::Map), source, baseDir});
  }
  return Status::ok();
}

Status mergeFile(std::string_view text, const std::string& source, const std::string& baseDir,
                 MergedConfig& merged) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return invalidArgument("kubeconfig " + source + ": line " + std::to_string(e.mark.line + 1) +
                           ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return Status::ok();  // an empty file contributes nothing, as in kubectl
  if (!root.IsMap()) return invalidArgument("kubeconfig " + source + ": not a YAML mapping");
  try {
    TIDAL_RETURN_IF_ERROR(
        addNamedList(root, "clusters", "cluster", source, baseDir, merged.clusters));
    TIDAL_RETURN_IF_ERROR(addNamedList(root, "users", "user", source, baseDir, merged.users));
    TIDAL_RETURN_IF_ERROR(
        addNamedList(root, "contexts", "context", source, baseDir, merged.contexts));
    TIDAL_ASSIGN_OR_RETURN(std::string current,
                           scalar(root, "current-context", "kubeconfig " + source));
    if (merged.currentContext.empty() && !current.empty()) {
      merged.currentContext = current;
      merged.currentContextSource = source;
    }
  } catch (const YAML::Exception& e) {
    return invalidArgument("kubeconfig " + source + ": " + e.what());
  }
  merged.sources += (merged.sources.empty() ? "" : ", ") + source;
  return Status::ok();
}

// Resolves inline data or a file reference into PEM text. `dataKey` holds base64; `fileKey` a
// path relative to the kubeconfig's directory.
StatusOr<std::string> pemFrom(const Entry& entry, const char* dataKey, const char* fileKey,
                              const std::string& where) {
  TIDAL_ASSIGN_OR_RETURN(std::string data, scalar(entry.body, dataKey, where));
  TIDAL_ASSIGN_OR_RETURN(std::string file, scalar(entry.body, fileKey, where));
  if (!data.empty() && !file.empty()) {
    return invalidArgument(where + ": both " + dataKey + " and " + fileKey + " are set; keep one");
  }
  if (!data.empty()) {
    std::optional<std::string> decoded = base64Decode(data);
    if (!decoded) return invalidArgument(where + ": " + dataKey + " is not valid base64");
    return *decoded;
  }
  if (file.empty()) return std::string();
  std::string path = resolvePath(entry.baseDir, file);
  StatusOr<std::string> content = readFile(path);
  if (!content.isOk()) {
    return content.status().withPrefix(where + ": " + fileKey + " " + inQuotes(path));
  }
  return content;
}

StatusOr<RestConfig> resolve(const MergedConfig& merged, std::string_view contextOverride) {
  std::string contextName(contextOverride);
  std::string where = "kubeconfig " + merged.sources;
  if (contextName.empty()) {
    contextName = merged.currentContext;
    if (contextName.empty()) {
      return invalidArgument(where + ": current-context is not set and no context was given");
    }
  }
  auto ctx = merged.contexts.find(contextName);
  if (ctx == merged.contexts.end()) {
    std::vector<std::string> known;
    for (const auto& [name, _] : merged.contexts) known.push_back(name);
    return invalidArgument(
        where + ": context " + inQuotes(contextName) + " not found" +
        (known.empty() ? " (no contexts defined)" : " (known: " + join(known, ", ") + ")"));
  }
  std::string ctxWhere = "kubeconfig " + ctx->second.source + ": context " + inQuotes(contextName);
  TIDAL_ASSIGN_OR_RETURN(std::string clusterName, scalar(ctx->second.body, "cluster", ctxWhere));
  TIDAL_ASSIGN_OR_RETURN(std::string userName, scalar(ctx->second.body, "user", ctxWhere));
  TIDAL_ASSIGN_OR_RETURN(std::string ns, scalar(ctx->second.body, "namespace", ctxWhere));
  if (clusterName.empty()) return invalidArgument(ctxWhere + ": cluster is missing");
  auto cluster = merged.clusters.find(clusterName);
  if (cluster == merged.clusters.end()) {
    return invalidArgument(ctxWhere + ": cluster " + inQuotes(clusterName) + " not found");
  }

  RestConfig config;
  config.namespace_ = ns;
  config.source = "kubeconfig " + ctx->second.source + " (context " + contextName + ")";

  const Entry& c = cluster->second;
  std::string clusterWhere = "kubeconfig " + c.source + ": cluster " + inQuotes(clusterName);
  TIDAL_ASSIGN_OR_RETURN(std::string server, scalar(c.body, "server", clusterWhere));
  if (server.empty()) return invalidArgument(clusterWhere + ": server is missing");
  if (!startsWith(server, "https://") && !startsWith(server, "http://")) {
    return invalidArgument(clusterWhere + ": server " + inQuotes(server) +
                           " must start with https:// or http://");
  }
  while (endsWith(server, "/")) server.pop_back();
  config.server = server;
  TIDAL_ASSIGN_OR_RETURN(config.tls.caPem, pemFrom(c, "certificate-authority-data",
                                                   "certificate-authority", clusterWhere));
  TIDAL_ASSIGN_OR_RETURN(config.tls.insecureSkipVerify,
                         boolean(c.body, "insecure-skip-tls-verify", clusterWhere));
  if (config.tls.insecureSkipVerify && !config.tls.caPem.empty()) {
    return invalidArgument(clusterWhere +
                           ": insecure-skip-tls-verify cannot be combined with a certificate "
                           "authority; remove one");
  }
  for (const char* unsupported : {"proxy-url", "tls-server-name"}) {
    TIDAL_ASSIGN_OR_RETURN(std::string value, scalar(c.body, unsupported, clusterWhere));
    if (!value.empty()) {
      return Status(StatusCode::kUnimplemented,
                    clusterWhere + ": " + unsupported + " is not supported by tidal");
    }
  }

  if (userName.empty()) return config;  // anonymous
  auto user = merged.users.find(userName);
  if (user == merged.users.end()) {
    return invalidArgument(ctxWhere + ": user " + inQuotes(userName) + " not found");
  }
  const Entry& u = user->second;
  std::string userWhere = "kubeconfig " + u.source + ": user " + inQuotes(userName);
  for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
    if (u.body[unsupported] && !u.body[unsupported].IsNull()) {
      return Status(StatusCode::kUnimplemented,
                    userWhere + ": " + unsupported +
                        " is not supported by tidal; use a client certificate or a token");
    }
  }
  TIDAL_ASSIGN_OR_RETURN(config.tls.clientCertPem,
                         pemFrom(u, "client-certificate-data", "client-certificate", userWhere));
  TIDAL_ASSIGN_OR_RETURN(config.tls.clientKeyPem,
                         pemFrom(u, "client-key-data", "client-key", userWhere));
  if (config.tls.clientCertPem.empty() != config.tls.clientKeyPem.empty()) {
    return invalidArgument(userWhere + ": a client certificate needs its key and a key its " +
                           "certificate; only one is set");
  }
  TIDAL_ASSIGN_OR_RETURN(config.bearerToken, scalar(u.body, "token", userWhere));
  TIDAL_ASSIGN_OR_RETURN(std::string tokenFile, scalar(u.body, "tokenFile", userWhere));
  if (!tokenFile.empty()) {
    config.tokenFile = resolvePath(u.baseDir, tokenFile);
    // Checked now so that a typo fails at start-up; the content is re-read later.
    StatusOr<std::string> token = readFile(config.tokenFile);
    if (!token.isOk()) {
      return token.status().withPrefix(userWhere + ": tokenFile " + inQuotes(config.tokenFile));
    }
  }
  return config;
}

}  // namespace

StatusOr<RestConfig> parseKubeconfig(std::string_view yaml, std::string_view sourceName,
                                     std::string_view baseDir, std::string_view context) {
  MergedConfig merged;
  TIDAL_RETURN_IF_ERROR(mergeFile(yaml, std::string(sourceName), std::string(baseDir), merged));
  if (merged.sources.empty()) merged.sources = std::string(sourceName);
  return resolve(merged, context);
}

StatusOr<RestConfig> loadKubeconfig(const std::vector<std::string>& paths,
                                    std::string_view context) {
  MergedConfig merged;
  bool any = false;
  for (const std::string& path : paths) {
    if (path.empty()) continue;
    StatusOr<std::string> text = readFile(path);
    if (!text.isOk()) {
      if (text.status().code() == StatusCode::kNotFound) continue;
      return text.status().withPrefix("kubeconfig " + path);
    }
    any = true;
    std::string baseDir = std::filesystem::path(path).parent_path().string();
    TIDAL_RETURN_IF_ERROR(mergeFile(*text, path, baseDir, merged));
  }
  if (!any) {
    return notFound("kubeconfig: none of " + join(paths, ", ") + " exists");
  }
  if (merged.sources.empty()) merged.sources = join(paths, ", ");
  return resolve(merged, context);
}

InClusterEnvironment InClusterEnvironment::fromProcess() {
  InClusterEnvironment env;
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST")) env.host = host;
  if (const char* port = std::getenv("KUBERNETES_SERVICE_PORT")) env.port = port;
  return env;
}

StatusOr<RestConfig> inClusterConfig(const InClusterEnvironment& env) {
  if (env.host.empty() || env.port.empty()) {
    return failedPrecondition(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set "
        "(not running in a pod?)");
  }
  RestConfig config;
  // An IPv6 address needs brackets in a URL.
  std::string host = env.host.find(':') != std::string::npos ? "[" + env.host + "]" : env.host;
  config.server = "https://" + host + ":" + env.port;
  config.source = "in-cluster config (" + env.serviceAccountDir + ")";
  config.tokenFile = env.serviceAccountDir + "/token";
  StatusOr<std::string> token = readFile(config.tokenFile);
  if (!token.isOk()) {
    return token.status().withPrefix("in-cluster config: token file " + config.tokenFile);
  }
  if (trim(*token).empty()) {
    return invalidArgument("in-cluster config: token file " + config.tokenFile + " is empty");
  }
  std::string caFile = env.serviceAccountDir + "/ca.crt";
  StatusOr<std::string> ca = readFile(caFile);
  if (!ca.isOk()) return ca.status().withPrefix("in-cluster config: CA file " + caFile);
  config.tls.caPem = *ca;
  StatusOr<std::string> ns = readFile(env.serviceAccountDir + "/namespace");
  if (ns.isOk()) config.namespace_ = std::string(trim(*ns));
  return config;
}

StatusOr<RestConfig> loadDefaultConfig(std::string_view explicitPath, std::string_view context) {
  if (!explicitPath.empty()) {
    std::string path(explicitPath);
    StatusOr<std::string> text = readFile(path);
    if (!text.isOk()) return text.status().withPrefix("kubeconfig " + path);
    return parseKubeconfig(*text, path, std::filesystem::path(path).parent_path().string(),
                           context);
  }
  if (const char* list = std::getenv("KUBECONFIG"); list != nullptr && *list != '\0') {
    return loadKubeconfig(split(list, ':'), context);
  }
  InClusterEnvironment env = InClusterEnvironment::fromProcess();
  if (!env.host.empty()) return inClusterConfig(env);
  const char* home = std::getenv("HOME");
  if (home == nullptr) {
    return notFound("no kubeconfig: KUBECONFIG and HOME are unset and not in a cluster");
  }
  return loadKubeconfig({std::string(home) + "/.kube/config"}, context);
}

}  // namespace tidal::k8s
