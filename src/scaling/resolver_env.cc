// Container environment resolution and $(VAR) expansion (see resolver.h).
#include <fmt/format.h>

#include "api/decode.h"
#include "common/strings.h"
#include "scaling/resolver.h"

namespace tidal::scaling {
namespace {

// Whether Secret-based env may be read for a target in `ns` (KEDA_RESTRICT_SECRET_ACCESS).
bool secretEnvAllowed(std::string_view ns, const ResolverOptions& options) {
  return !options.restrictSecretAccess || ns == options.clusterObjectNamespace;
}

// Adds where the failure happened to a source error, keeping its code (retryable or not).
Status located(const Status& error, std::string_view where) {
  return error.withPrefix(where);
}

std::string objectKey(std::string_view ns, std::string_view name) {
  return fmt::format("{}/{}", ns, name);
}

// A missing object, with a message that names it and nothing from inside it.
Status missing(const Status& error, std::string_view where, std::string_view kind,
               std::string_view ns, std::string_view name) {
  if (error.code() != StatusCode::kNotFound) return located(error, where);
  return notFound(fmt::format("{}: {} {} not found", where, kind, objectKey(ns, name)));
}

const k8s::Container* findContainer(const std::vector<k8s::Container>& containers,
                                    std::string_view name) {
  if (name.empty()) return &containers.front();
  for (const k8s::Container& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

std::string expandEnvReferences(std::string_view value, const StringMap& vars) {
  std::string out;
  out.reserve(value.size());
  size_t i = 0;
  while (i < value.size()) {
    char c = value[i];
    // A `$` as the last character has nothing to introduce and stays as written.
    if (c != '$' || i + 1 == value.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    char next = value[i + 1];
    if (next == '$') {  // "$$" escapes the operator
      out.push_back('$');
      i += 2;
      continue;
    }
    if (next != '(') {  // "$x": not a reference, both characters kept
      out.push_back('$');
      out.push_back(next);
      i += 2;
      continue;
    }
    size_t close = value.find(')', i + 2);
    if (close == std::string_view::npos) {
      // Unterminated "$(": kept, and scanning resumes right after the "(", as Kubernetes does.
      out.append("$(");
      i += 2;
      continue;
    }
    std::string_view name = value.substr(i + 2, close - i - 2);
    auto it = vars.find(name);
    if (it != vars.end()) {
      out.append(it->second);
    } else {
      out.append(value.substr(i, close - i + 1));  // undefined: kept verbatim
    }
    i = close + 1;
  }
  return out;
}

StatusOr<TargetPodTemplate> podTemplateFromJson(const api::Json& podTemplateSpec) {
  TargetPodTemplate out;
  if (podTemplateSpec.is_null()) return out;
  if (!podTemplateSpec.is_object()) {
    return invalidArgument("pod template: expected an object, got " +
                           api::describeJson(podTemplateSpec));
  }
  api::Issues issues;
  api::ObjectReader top(issues, &podTemplateSpec, "template");
  top.object("spec", [&](api::ObjectReader& spec) {
    out.containers = k8s::readContainers(spec);
    spec.string("serviceAccountName", out.serviceAccountName);
  });
  std::vector<std::string> errors;
  for (const api::Issue& issue : issues.errors()) {
    errors.push_back(fmt::format("{}: {}", issue.path, issue.message));
  }
  if (!errors.empty()) return invalidArgument("pod template: " + join(errors, "; "));
  return out;
}

StatusOr<StringMap> resolveContainerEnv(const std::vector<k8s::Container>& containers,
                                        std::string_view containerName, std::string_view ns,
                                        ResolverSource& source, const ResolverOptions& options) {
  StringMap env;
  if (containers.empty()) return env;  // KEDA skips env resolution for such targets
  const k8s::Container* container = findContainer(containers, containerName);
  if (container == nullptr) {
    return failedPrecondition(
        fmt::format("couldn't find container with name {} on Target object", containerName));
  }
  const bool secretsAllowed = secretEnvAllowed(ns, options);

  for (size_t i = 0; i < container->envFrom.size(); ++i) {
    const k8s::EnvFromSource& from = container->envFrom[i];
    if (!from.configMapName.empty()) {
      std::string where =
          fmt::format("container \"{}\": envFrom[{}].configMapRef", container->name, i);
      StatusOr<k8s::ConfigMap> cm = source.configMap(ns, from.configMapName);
      if (!cm.isOk()) {
        if (cm.status().code() == StatusCode::kNotFound && from.optional) continue;
        return missing(cm.status(), where, "ConfigMap", ns, from.configMapName);
      }
      for (const auto& [key, value] : cm->data) env[from.prefix + key] = value;
    } else if (!from.secretName.empty()) {
      if (!secretsAllowed) continue;
      std::string where =
          fmt::format("container \"{}\": envFrom[{}].secretRef", container->name, i);
      StatusOr<k8s::Secret> secret = source.secret(ns, from.secretName);
      if (!secret.isOk()) {
        if (secret.status().code() == StatusCode::kNotFound && from.optional) continue;
        return missing(secret.status(), where, "Secret", ns, from.secretName);
      }
      for (const auto& [key, value] : secret->data) env[from.prefix + key] = value;
    }
  }

  for (size_t i = 0; i < container->env.size(); ++i) {
    const k8s::EnvVar& var = container->env[i];
    std::string value;
    if (!var.value.empty()) {
      value = expandEnvReferences(var.value, env);
    } else if (var.secretKeyRef) {
      if (!secretsAllowed) continue;
      const k8s::KeySelector& ref = *var.secretKeyRef;
      std::string where = fmt::format("container \"{}\": env[{}] ({}).valueFrom.secretKeyRef",
                                      container->name, i, var.name);
      StatusOr<k8s::Secret> secret = source.secret(ns, ref.name);
      if (!secret.isOk()) {
        if (secret.status().code() == StatusCode::kNotFound && ref.optional) continue;
        return missing(secret.status(), where, "Secret", ns, ref.name);
      }
      auto it = secret->data.find(ref.key);
      if (it == secret->data.end() && ref.optional) continue;
      if (it != secret->data.end()) value = it->second;
    } else if (var.configMapKeyRef) {
      const k8s::KeySelector& ref = *var.configMapKeyRef;
      std::string where = fmt::format("container \"{}\": env[{}] ({}).valueFrom.configMapKeyRef",
                                      container->name, i, var.name);
      StatusOr<k8s::ConfigMap> cm = source.configMap(ns, ref.name);
      if (!cm.isOk()) {
        if (cm.status().code() == StatusCode::kNotFound && ref.optional) continue;
        return missing(cm.status(), where, "ConfigMap", ns, ref.name);
      }
      auto it = cm->data.find(ref.key);
      if (it == cm->data.end() && ref.optional) continue;
      if (it != cm->data.end()) value = it->second;
    }
    env[var.name] = std::move(value);
  }
  return env;
}

}  // namespace tidal::scaling
