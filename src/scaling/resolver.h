// Resolution of the values a trigger's scaler receives besides its metadata: the environment of
// the scale target's container (ResolvedEnv) and the parameters of its TriggerAuthentication or
// ClusterTriggerAuthentication (AuthParams), as KEDA does it (spec/keda-spec.md §g).
//
// Everything here is a pure function over a ResolverSource, the one seam to the cluster: the
// operator implements it on informer caches and API GETs, unit tests with a map. No function here
// logs, sleeps or keeps state.
//
// Error policy. KEDA only logs most lookup failures and carries on with an empty value (a missing
// TriggerAuthentication gives no auth params, a missing secretTargetRef Secret gives ""); the
// scaler then usually fails with "missing required parameter". tidal keeps that behaviour, so a
// trigger whose optional password is missing still works, but records each such problem as a
// `diagnostic` (a kNotFound Status naming the object, the trigger, the TriggerAuthentication, the
// field and the missing Secret/key) that the caller can attach to the scaler error or an event.
// With ResolverOptions::strict the first diagnostic is returned as the error instead.
// Hard errors (a Status) are:
//   - transient source failures (the source's code is kept, e.g. kUnavailable: retry);
//   - what KEDA also refuses: a container named by envSourceContainerName that does not exist,
//     a missing non-optional env/envFrom source, filePath on a namespaced TriggerAuthentication,
//     an unreadable or unsafe filePath, bad podIdentity settings;
//   - what tidal does not implement yet (hashiCorpVault, azureKeyVault, gcpSecretManager,
//     awsSecretManager): kUnimplemented naming the object and field.
// No message ever contains a value read from a Secret, ConfigMap, file or token.
//
// Example (ScaledJob):
//   TIDAL_ASSIGN_OR_RETURN(ResolverInput sj, resolverInputFor(scaledJob));
//   TIDAL_ASSIGN_OR_RETURN(auto triggers, resolveTriggers(sj, source, options));
//   for (ResolvedTrigger& t : triggers) buildScaler(t.config);
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "common/status.h"
#include "k8s/types/core.h"
#include "scalers/scaler.h"

namespace tidal::scaling {

using api::StringMap;

// Read access to the cluster objects resolution needs. Every lookup returns kNotFound (and only
// then) when the object does not exist; transient failures keep their retryable code
// (kUnavailable, ...). Messages must not contain object contents. Implementations must be safe to
// call from the thread that calls the resolve functions; the resolver never calls them
// concurrently itself.
class ResolverSource {
 public:
  virtual ~ResolverSource() = default;

  virtual StatusOr<k8s::Secret> secret(std::string_view ns, std::string_view name) = 0;
  virtual StatusOr<k8s::ConfigMap> configMap(std::string_view ns, std::string_view name) = 0;
  virtual StatusOr<api::TriggerAuthentication> triggerAuthentication(std::string_view ns,
                                                                     std::string_view name) = 0;
  virtual StatusOr<api::TriggerAuthentication> clusterTriggerAuthentication(
      std::string_view name) = 0;
  // metadata.annotations of a ServiceAccount (AWS pod identity reads the role ARN from it).
  virtual StatusOr<StringMap> serviceAccountAnnotations(std::string_view ns,
                                                        std::string_view name) = 0;
  // A bound token for the ServiceAccount (TokenRequest with `expiry`); kNotFound when the
  // ServiceAccount does not exist.
  virtual StatusOr<std::string> serviceAccountToken(std::string_view ns,
                                                    std::string_view serviceAccount,
                                                    std::chrono::seconds expiry) = 0;
};

// Operator-level settings (spec §h).
struct ResolverOptions {
  // KEDA_CLUSTER_OBJECT_NAMESPACE (else the operator's namespace): where ClusterTrigger-
  // Authentication Secrets and ConfigMaps live, and the only namespace secrets are read from when
  // restrictSecretAccess is set.
  std::string clusterObjectNamespace = "keda";
  // KEDA_RESTRICT_SECRET_ACCESS=true: secretTargetRef (and oauth2 clientSecret) reads
  // <clusterObjectNamespace>/<name> whatever the TriggerAuthentication's namespace, and container
  // env from Secrets is skipped for targets outside clusterObjectNamespace.
  bool restrictSecretAccess = false;
  // --filepath-auth-root-path. Empty disables ClusterTriggerAuthentication filePath (an error
  // when used), so tidal never reads a file the operator did not offer.
  std::string filePathAuthRoot;
  // The largest filePath file read, so a misconfigured path cannot exhaust memory.
  size_t maxAuthFileBytes = 1 << 20;
  // KEDA_BOUND_SERVICE_ACCOUNT_TOKEN_EXPIRY (validated by the operator's configuration).
  std::chrono::seconds boundServiceAccountTokenExpiry{3600};
  // KEDA_HTTP_DEFAULT_TIMEOUT, copied into every ScalerConfig.
  std::chrono::milliseconds globalHttpTimeout{3000};
  // Return the first diagnostic as an error (for `tidal trigger probe` and `tidal check`).
  bool strict = false;
};

// The parts of a pod template resolution reads.
struct TargetPodTemplate {
  std::vector<k8s::Container> containers;
  std::string serviceAccountName;  // spec.serviceAccountName; "" means "default"
};

// Reads a PodTemplateSpec ({metadata, spec}) as found at a workload's spec.template or a
// ScaledJob's jobTargetRef.template. Null gives an empty template; a wrong JSON type is
// kInvalidArgument naming the field.
StatusOr<TargetPodTemplate> podTemplateFromJson(const api::Json& podTemplateSpec);

// ---- container environment ------------------------------------------------------------------

// Expands $(VAR) references in `value` exactly as Kubernetes does for env values: `$$` is a
// literal `$`, `$(NAME)` is replaced by vars[NAME] when defined and kept verbatim otherwise, and
// any other `$` (including an unterminated `$(`) is kept as written.
std::string expandEnvReferences(std::string_view value, const StringMap& vars);

// The environment of the container named `containerName` (or the first container when empty), in
// namespace `ns`, as KEDA resolves it:
//   1. envFrom in order: ConfigMap data / Secret data, keys prefixed with `prefix`; a missing
//      optional source is skipped, a missing required one is an error;
//   2. env in order (a later entry with the same name wins, so env overrides envFrom): a literal
//      value with $(VAR) expanded against the variables resolved so far; secretKeyRef /
//      configMapKeyRef (missing optional source or key: skipped; missing key of a required
//      source: "" as KEDA); fieldRef / resourceFieldRef are not resolved by KEDA, and since
//      k8s::EnvVar does not model them they arrive as an empty literal value and give "".
// With restrictSecretAccess and `ns` != clusterObjectNamespace, Secret-based entries are skipped.
// No containers gives an empty map; an unknown `containerName` is kFailedPrecondition
// "couldn't find container with name X on Target object".
StatusOr<StringMap> resolveContainerEnv(const std::vector<k8s::Container>& containers,
                                        std::string_view containerName, std::string_view ns,
                                        ResolverSource& source, const ResolverOptions& options);

// ---- authentication -------------------------------------------------------------------------

// Which trigger of which object is being resolved; it prefixes every message.
struct TriggerLocation {
  std::string objectKind = "ScaledObject";  // or "ScaledJob"
  std::string namespace_;
  std::string objectName;
  size_t index = 0;
  std::string triggerType;
  std::string triggerName;

  // `ScaledObject default/app: trigger 0 (rabbitmq)`; the trigger name is added when set.
  std::string describe() const;
};

struct AuthResolution {
  StringMap params;
  std::optional<api::PodIdentity> podIdentity;  // spec.podIdentity of the TA/CTA, if any
  std::vector<Status> diagnostics;              // see the file comment
};

// The auth params of `trigger` from its authenticationRef (none: empty). `target` and
// `resolvedEnv` (the default container's env) serve spec.env entries; `target` also gives the
// ServiceAccount for AWS workload identity. The order and overwrite rules are KEDA's (spec §g):
// env, filePath (CTA only; replaces everything else), configMapTargetRef, secretTargetRef,
// external stores (unsupported), boundServiceAccountToken, oauth2, then podIdentity checks.
StatusOr<AuthResolution> resolveAuth(const api::ScaleTrigger& trigger,
                                     const TriggerLocation& context,
                                     const TargetPodTemplate& target, const StringMap& resolvedEnv,
                                     ResolverSource& source, const ResolverOptions& options);

// Reads a filePath auth file: `relativePath` must be relative, have no ".." component and, once
// every symlink is resolved, stay inside `root` (symlinks within the root are followed, as
// Kubernetes volume mounts use them). The file must be a regular file of at most `maxBytes`
// holding a JSON object of strings. Errors: kFailedPrecondition (no root configured),
// kInvalidArgument (path or content), kPermissionDenied (escapes the root), kNotFound.
StatusOr<StringMap> readAuthFile(std::string_view root, std::string_view relativePath,
                                 size_t maxBytes);

// ---- whole triggers -------------------------------------------------------------------------

// A ScaledObject or ScaledJob reduced to what resolution needs.
struct ResolverInput {
  std::string kind;  // "ScaledObject" or "ScaledJob"
  std::string namespace_;
  std::string name;
  std::string envSourceContainerName;
  std::vector<api::ScaleTrigger> triggers;
  TargetPodTemplate podTemplate;
};

// `target` is the scale target's pod template, which the caller reads from the workload (an
// empty template when the target has none, e.g. a custom resource without spec.template).
ResolverInput resolverInputFor(const api::ScaledObject& scaledObject, TargetPodTemplate target);
// Takes the pod template from spec.jobTargetRef.template.
StatusOr<ResolverInput> resolverInputFor(const api::ScaledJob& scaledJob);

struct ResolvedTrigger {
  scalers::ScalerConfig config;  // names, index, metadata, resolvedEnv, authParams, metricType...
  std::optional<api::PodIdentity> podIdentity;
  std::vector<Status> diagnostics;
};

// Resolves trigger `index` (kInvalidArgument when out of range). Container env errors are
// prefixed with the object and trigger.
StatusOr<ResolvedTrigger> resolveTrigger(const ResolverInput& scalable, size_t index,
                                         ResolverSource& source, const ResolverOptions& options);
// A scaler that failed to build, with the resolver's diagnostics that may explain it (a missing
// TriggerAuthentication, Secret or key usually surfaces as "missing required parameter"):
// "<error> (while resolving its authentication: <diagnostic>; <diagnostic>)", same code.
Status withDiagnostics(const Status& error, const std::vector<Status>& diagnostics);

// Resolves every trigger, reading the container env once.
StatusOr<std::vector<ResolvedTrigger>> resolveTriggers(const ResolverInput& scalable,
                                                       ResolverSource& source,
                                                       const ResolverOptions& options);

}  // namespace tidal::scaling
