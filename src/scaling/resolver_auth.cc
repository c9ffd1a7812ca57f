// TriggerAuthentication / ClusterTriggerAuthentication resolution and filePath reading (see
// resolver.h for the contract and the error policy).
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include "common/strings.h"
#include "scaling/resolver.h"

namespace tidal::scaling {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kEksRoleArnAnnotation = "eks.amazonaws.com/role-arn";

// One TriggerAuthentication being applied to one trigger: where its objects live, how to name it
// in messages, and where non-fatal problems go.
class AuthScope {
 public:
  AuthScope(const TriggerLocation& context, std::string authName, std::string objectNamespace,
            ResolverSource& source, const ResolverOptions& options,
            std::vector<Status>& diagnostics)
      : context_(context),
        authName_(std::move(authName)),
        namespace_(std::move(objectNamespace)),
        source_(source),
        options_(options),
        diagnostics_(diagnostics) {}

  const std::string& objectNamespace() const { return namespace_; }
  ResolverSource& source() { return source_; }
  const ResolverOptions& options() const { return options_; }

  // "<object and trigger>: <TA kind and key>: <field>".
  std::string where(std::string_view field) const {
    return fmt::format("{}: {}: {}", context_.describe(), authName_, field);
  }

  // A lookup failed: transient failures are returned (the caller aborts with them), anything
  // else becomes a diagnostic and the parameter gets "" as in KEDA.
  Status lookupFailed(const Status& error, std::string_view field, std::string_view kind,
                      std::string_view ns, std::string_view name) {
    if (error.retryable()) return error.withPrefix(where(field));
    if (error.code() == StatusCode::kNotFound) {
      diagnostics_.push_back(
          notFound(fmt::format("{}: {} {}/{} not found", where(field), kind, ns, name)));
    } else {
      diagnostics_.push_back(error.withPrefix(where(field)));
    }
    return Status::ok();
  }

  void diagnose(Status problem) { diagnostics_.push_back(std::move(problem)); }

  // The value of `key` in Secret `name`, honouring restrictSecretAccess; "" when missing.
  StatusOr<std::string> secretValue(std::string_view field, const std::string& name,
                                    const std::string& key) {
    if (name.empty() || key.empty()) {
      diagnose(invalidArgument(where(field) + ": the Secret name and key are both required"));
      return std::string();
    }
    const std::string& ns =
        options_.restrictSecretAccess ? options_.clusterObjectNamespace : namespace_;
    StatusOr<k8s::Secret> secret = source_.secret(ns, name);
    if (!secret.isOk()) {
      TIDAL_RETURN_IF_ERROR(lookupFailed(secret.status(), field, "Secret", ns, name));
      return std::string();
    }
    auto it = secret->data.find(key);
    if (it == secret->data.end()) {
      diagnose(notFound(
          fmt::format("{}: key \"{}\" not found in Secret {}/{}", where(field), key, ns, name)));
      return std::string();
    }
    return it->second;
  }

  StatusOr<std::string> configMapValue(std::string_view field, const std::string& name,
                                       const std::string& key) {
    StatusOr<k8s::ConfigMap> cm = source_.configMap(namespace_, name);
    if (!cm.isOk()) {
      TIDAL_RETURN_IF_ERROR(lookupFailed(cm.status(), field, "ConfigMap", namespace_, name));
      return std::string();
    }
    auto it = cm->data.find(key);
    if (it == cm->data.end()) {
      diagnose(notFound(fmt::format("{}: key \"{}\" not found in ConfigMap {}/{}", where(field),
                                    key, namespace_, name)));
      return std::string();
    }
    return it->second;
  }

 private:
  const TriggerLocation& context_;
  std::string authName_;
  std::string namespace_;
  ResolverSource& source_;
  const ResolverOptions& options_;
  std::vector<Status>& diagnostics_;
};

// Go's url.QueryEscape: unreserved characters kept, space as '+', the rest %XX.
std::string queryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.append(fmt::format("%{:02X}", c));
    }
  }
  return out;
}

// Go's url.Values.Encode for single values: sorted by key, "k=v" joined with '&'.
std::string encodeQuery(const StringMap& values) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : values) parts.push_back(queryEscape(k) + "=" + queryEscape(v));
  return join(parts, "&");
}

// spec.oauth2.clientSecret is kept as JSON: {valueFrom: {secretKeyRef: {name, key}}}.
std::pair<std::string, std::string> secretKeyRefOf(const api::Json& valueFromHolder) {
  std::string name;
  std::string key;
  if (!valueFromHolder.is_object()) return {name, key};
  auto from = valueFromHolder.find("valueFrom");
  if (from == valueFromHolder.end() || !from->is_object()) return {name, key};
  auto ref = from->find("secretKeyRef");
  if (ref == from->end() || !ref->is_object()) return {name, key};
  if (auto n = ref->find("name"); n != ref->end() && n->is_string()) name = n->get<std::string>();
  if (auto k = ref->find("key"); k != ref->end() && k->is_string()) key = k->get<std::string>();
  return {name, key};
}

// The settings KEDA refuses outright, checked before anything is read.
Status checkPodIdentity(const api::PodIdentity& identity, AuthScope& scope) {
  if (identity.provider == "azure-workload" && identity.identityId &&
      identity.identityId->empty()) {
    return invalidArgument(scope.where("spec.podIdentity.identityId") +
                           ": IdentityID of PodIdentity should not be empty");
  }
  if (identity.provider == "aws" && identity.roleArn &&
      identity.identityOwner.value_or("keda") == "workload") {
    return invalidArgument(scope.where("spec.podIdentity.roleArn") +
                           ": roleArn can't be set if KEDA isn't identityOwner");
  }
  return Status::ok();
}

// AWS identities take a role ARN from the TA or from the target's ServiceAccount annotation.
Status applyPodIdentity(const api::PodIdentity& identity, const TriggerLocation& context,
                        const TargetPodTemplate& target, AuthScope& scope, StringMap& params) {
  bool fromServiceAccount =
      identity.provider == "aws-eks" || (identity.provider == "aws" && !identity.roleArn &&
                                         identity.identityOwner.value_or("keda") == "workload");
  if (identity.provider == "aws" && identity.roleArn) {
    params["awsRoleArn"] = *identity.roleArn;
    return Status::ok();
  }
  if (!fromServiceAccount) return Status::ok();
  std::string account = target.serviceAccountName.empty() ? "default" : target.serviceAccountName;
  StatusOr<StringMap> annotations =
      scope.source().serviceAccountAnnotations(context.namespace_, account);
  if (!annotations.isOk()) {
    // KEDA aborts here: without the ServiceAccount the identity cannot be known.
    return annotations.status().withPrefix(fmt::format("{}: error getting service account {}/{}",
                                                       scope.where("spec.podIdentity"),
                                                       context.namespace_, account));
  }
  auto it = annotations->find(kEksRoleArnAnnotation);
  if (it == annotations->end()) {
    scope.diagnose(notFound(fmt::format("{}: ServiceAccount {}/{} has no {} annotation",
                                        scope.where("spec.podIdentity"), context.namespace_,
                                        account, kEksRoleArnAnnotation)));
    params["awsRoleArn"] = "";
  } else {
    params["awsRoleArn"] = it->second;
  }
  return Status::ok();
}

Status unsupported(const api::TriggerAuthenticationSpec& spec, AuthScope& scope) {
  const std::pair<const api::Json*, const char*> stores[] = {
      {&spec.hashiCorpVault, "spec.hashiCorpVault"},
      {&spec.azureKeyVault, "spec.azureKeyVault"},
      {&spec.gcpSecretManager, "spec.gcpSecretManager"},
      {&spec.awsSecretManager, "spec.awsSecretManager"},
  };
  for (const auto& [json, field] : stores) {
    if (!json->is_null()) {
      return {StatusCode::kUnimplemented,
              scope.where(field) +
                  " is not supported by tidal yet; use secretTargetRef, "
                  "configMapTargetRef or env instead"};
    }
  }
  return Status::ok();
}

// Whether `path` lies strictly inside `root` (both canonical).
bool isInside(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *r != *p) return false;
  }
  return p != path.end();
}

}  // namespace

StatusOr<StringMap> readAuthFile(std::string_view root, std::string_view relativePath,
                                 size_t maxBytes) {
  if (root.empty()) {
    return failedPrecondition(
        "filePath authentication is disabled: the operator was started without "
        "--filepath-auth-root-path");
  }
  if (relativePath.empty()) return invalidArgument("filePath is empty");
  const fs::path relative{std::string(relativePath)};
  if (relative.is_absolute() || relative.has_root_path()) {
    return invalidArgument(
        fmt::format("filePath \"{}\" must be a path relative to the auth root, not an absolute one",
                    relativePath));
  }
  for (const fs::path& part : relative) {
    if (part == "..") {
      return invalidArgument(
          fmt::format("filePath \"{}\" must not contain \"..\" components", relativePath));
    }
  }
  std::error_code ec;
  const fs::path canonicalRoot = fs::canonical(fs::path(std::string(root)), ec);
  if (ec) {
    return failedPrecondition(
        fmt::format("filePath auth root \"{}\" is not accessible: {}", root, ec.message()));
  }
  // canonical() resolves every symlink, so a link that leads out of the root is caught below.
  const fs::path canonicalFile = fs::canonical(canonicalRoot / relative, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) {
      return notFound(fmt::format("filePath \"{}\": no such file under {}", relativePath,
                                  canonicalRoot.string()));
    }
    return failedPrecondition(
        fmt::format("filePath \"{}\" cannot be read: {}", relativePath, ec.message()));
  }
  if (!isInside(canonicalRoot, canonicalFile)) {
    return Status{StatusCode::kPermissionDenied,
                  fmt::format("filePath \"{}\" leads outside the auth root {} (through a symlink)",
                              relativePath, canonicalRoot.string())};
  }
  if (!fs::is_regular_file(canonicalFile, ec)) {
    return invalidArgument(fmt::format("filePath \"{}\" is not a regular file", relativePath));
  }
  const uintmax_t size = fs::file_size(canonicalFile, ec);
  if (ec || size > maxBytes) {
    return invalidArgument(fmt::format("filePath \"{}\" is larger than {} bytes (or unreadable)",
                                       relativePath, maxBytes));
  }
  std::ifstream in(canonicalFile, std::ios::binary);
  if (!in) {
    return failedPrecondition(fmt::format("filePath \"{}\" cannot be opened", relativePath));
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (content.size() > maxBytes) {
    return invalidArgument(
        fmt::format("filePath \"{}\" is larger than {} bytes", relativePath, maxBytes));
  }
  // The parser's own messages quote the input, which is secret: report only that it failed.
  api::Json json = api::Json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return invalidArgument(
        fmt::format("filePath \"{}\" must hold a JSON object of string values", relativePath));
  }
  StringMap out;
  for (const auto& [key, value] : json.items()) {
    if (!value.is_string()) {
      return invalidArgument(fmt::format("filePath \"{}\": key \"{}\": expected a string, got {}",
                                         relativePath, key, value.type_name()));
    }
    out[key] = value.get<std::string>();
  }
  return out;
}

StatusOr<AuthResolution> resolveAuth(const api::ScaleTrigger& trigger,
                                     const TriggerLocation& context,
                                     const TargetPodTemplate& target, const StringMap& resolvedEnv,
                                     ResolverSource& source, const ResolverOptions& options) {
  AuthResolution result;
  if (!trigger.authenticationRef || trigger.authenticationRef->name.empty()) return result;
  const api::AuthenticationRef& ref = *trigger.authenticationRef;

  // Find the TA or CTA; not finding it is a diagnostic, as KEDA only logs it.
  const std::string kind = ref.kind.empty() ? "TriggerAuthentication" : ref.kind;
  StatusOr<api::TriggerAuthentication> auth = Status(StatusCode::kInternal, "unset");
  std::string authName;
  std::string objectNamespace;
  if (kind == "TriggerAuthentication") {
    auth = source.triggerAuthentication(context.namespace_, ref.name);
    authName = fmt::format("TriggerAuthentication {}/{}", context.namespace_, ref.name);
    objectNamespace = context.namespace_;
  } else if (kind == "ClusterTriggerAuthentication") {
    auth = source.clusterTriggerAuthentication(ref.name);
    authName = fmt::format("ClusterTriggerAuthentication {}", ref.name);
    objectNamespace = options.clusterObjectNamespace;
  } else {
    result.diagnostics.push_back(invalidArgument(
        fmt::format("{}: authenticationRef: unknown kind \"{}\" (expected TriggerAuthentication or "
                    "ClusterTriggerAuthentication)",
                    context.describe(), ref.kind)));
    if (options.strict) return result.diagnostics.front();
    return result;
  }
  if (!auth.isOk()) {
    std::string where = fmt::format("{}: authenticationRef", context.describe());
    if (auth.status().retryable()) return auth.status().withPrefix(where);
    result.diagnostics.push_back(auth.status().code() == StatusCode::kNotFound
                                     ? notFound(fmt::format("{}: {} not found", where, authName))
                                     : auth.status().withPrefix(where));
    if (options.strict) return result.diagnostics.front();
    return result;
  }
  const api::TriggerAuthenticationSpec& spec = auth->spec;
  AuthScope scope(context, authName, objectNamespace, source, options, result.diagnostics);
  StringMap& params = result.params;

  // 1. podIdentity is returned as is, after KEDA's sanity checks.
  if (spec.podIdentity) {
    TIDAL_RETURN_IF_ERROR(checkPodIdentity(*spec.podIdentity, scope));
    result.podIdentity = spec.podIdentity;
  }

  // 2. env: a variable of the default container, or of the named one (always in the scaled
  // object's namespace, also for a CTA). Failures give "".
  for (size_t i = 0; i < spec.env.size(); ++i) {
    const api::AuthEnvironment& e = spec.env[i];
    std::string field = fmt::format("spec.env[{}] (parameter \"{}\")", i, e.parameter);
    const StringMap* env = &resolvedEnv;
    StringMap named;
    if (!e.containerName.empty()) {
      StatusOr<StringMap> resolved = resolveContainerEnv(target.containers, e.containerName,
                                                         context.namespace_, source, options);
      if (!resolved.isOk()) {
        if (resolved.status().retryable()) return resolved.status().withPrefix(scope.where(field));
        scope.diagnose(resolved.status().withPrefix(scope.where(field)));
        params[e.parameter] = "";
        continue;
      }
      named = std::move(resolved).value();
      env = &named;
    }
    auto it = env->find(e.name);
    if (it == env->end()) {
      scope.diagnose(notFound(fmt::format("{}: the scale target's container has no env var {}",
                                          scope.where(field), e.name)));
      params[e.parameter] = "";
    } else {
      params[e.parameter] = it->second;
    }
  }

  // 3. filePath (CTA only) replaces everything resolved so far and ends resolution.
  if (!spec.filePath.empty()) {
    if (!auth->clusterScoped) {
      return invalidArgument(fmt::format(
          "{}: filePath is only supported for ClusterTriggerAuthentication, got kind: {}",
          scope.where("spec.filePath"), kind));
    }
    StatusOr<StringMap> file =
        readAuthFile(options.filePathAuthRoot, spec.filePath, options.maxAuthFileBytes);
    if (!file.isOk()) return file.status().withPrefix(scope.where("spec.filePath"));
    params = std::move(file).value();
  } else {
    // 4. configMapTargetRef.
    for (size_t i = 0; i < spec.configMapTargetRef.size(); ++i) {
      const api::TargetRef& r = spec.configMapTargetRef[i];
      std::string field =
          fmt::format("spec.configMapTargetRef[{}] (parameter \"{}\")", i, r.parameter);
      TIDAL_ASSIGN_OR_RETURN(params[r.parameter], scope.configMapValue(field, r.name, r.key));
    }
    // 5. secretTargetRef.
    for (size_t i = 0; i < spec.secretTargetRef.size(); ++i) {
      const api::TargetRef& r = spec.secretTargetRef[i];
      std::string field =
          fmt::format("spec.secretTargetRef[{}] (parameter \"{}\")", i, r.parameter);
      TIDAL_ASSIGN_OR_RETURN(params[r.parameter], scope.secretValue(field, r.name, r.key));
    }
    // 6-9. External secret stores.
    TIDAL_RETURN_IF_ERROR(unsupported(spec, scope));
    // 10. boundServiceAccountToken: a TokenRequest in the TA's namespace.
    for (size_t i = 0; i < spec.boundServiceAccountToken.size(); ++i) {
      const api::BoundServiceAccountToken& b = spec.boundServiceAccountToken[i];
      std::string field =
          fmt::format("spec.boundServiceAccountToken[{}] (parameter \"{}\")", i, b.parameter);
      params[b.parameter] = "";
      if (b.serviceAccountName.empty()) {
        scope.diagnose(invalidArgument(scope.where(field) + ": serviceAccountName is required"));
        continue;
      }
      StatusOr<std::string> token = source.serviceAccountToken(
          objectNamespace, b.serviceAccountName, options.boundServiceAccountTokenExpiry);
      if (!token.isOk()) {
        TIDAL_RETURN_IF_ERROR(scope.lookupFailed(token.status(), field, "ServiceAccount",
                                                 objectNamespace, b.serviceAccountName));
        continue;
      }
      params[b.parameter] = std::move(token).value();
    }
    // 11. oauth2 client credentials.
    if (spec.oauth2) {
      const api::OAuth2& o = *spec.oauth2;
      params["oauthTokenURI"] = o.tokenUrl;
      params["clientID"] = o.clientId;
      if (!o.clientSecret.is_null()) {
        auto [name, key] = secretKeyRefOf(o.clientSecret);
        TIDAL_ASSIGN_OR_RETURN(
            params["clientSecret"],
            scope.secretValue("spec.oauth2.clientSecret.valueFrom.secretKeyRef", name, key));
      }
      if (!o.scopes.empty()) params["scopes"] = join(o.scopes, ",");
      if (!o.tokenUrlParams.empty()) params["endpointParams"] = encodeQuery(o.tokenUrlParams);
    }
  }

  if (spec.podIdentity) {
    TIDAL_RETURN_IF_ERROR(applyPodIdentity(*spec.podIdentity, context, target, scope, params));
  }
  if (options.strict && !result.diagnostics.empty()) return result.diagnostics.front();
  return result;
}

}  // namespace tidal::scaling
