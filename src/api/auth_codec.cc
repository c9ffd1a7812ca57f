// Decoding and encoding of TriggerAuthentication / ClusterTriggerAuthentication, and the dispatch
// over all keda.sh kinds.
#include <fmt/format.h>

#include "api/codec.h"
#include "api/manifest.h"

namespace tidal::api {
namespace {

Json withUnknown(const Json& unknown) {
  return unknown.is_object() ? unknown : Json::object();
}

void putString(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
void putOpt(Json& j, const char* key, const std::optional<std::string>& v) {
  if (v) j[key] = *v;
}

std::vector<TargetRef> readTargetRefs(ObjectReader& r, std::string_view key) {
  std::vector<TargetRef> out;
  r.objectList(key, [&](ObjectReader& t, size_t) {
    TargetRef ref;
    t.require("parameter");
    t.require("name");
    t.require("key");
    t.string("parameter", ref.parameter);
    t.string("name", ref.name);
    t.string("key", ref.key);
    ref.unknown = t.remaining();
    out.push_back(std::move(ref));
  });
  return out;
}

Json encodeTargetRefs(const std::vector<TargetRef>& refs) {
  Json arr = Json::array();
  for (const auto& ref : refs) {
    Json j = withUnknown(ref.unknown);
    j["parameter"] = ref.parameter;
    j["name"] = ref.name;
    j["key"] = ref.key;
    arr.push_back(std::move(j));
  }
  return arr;
}

}  // namespace

TriggerAuthentication decodeTriggerAuthentication(const Json& json, Issues& issues) {
  TriggerAuthentication ta;
  ObjectReader top(issues, &json, "");
  std::string apiVersion;
  std::string kind;
  top.string("apiVersion", apiVersion);
  top.string("kind", kind);
  ta.clusterScoped = kind == "ClusterTriggerAuthentication";
  top.object("metadata", [&](ObjectReader& r) { ta.metadata = decodeObjectMeta(r); });
  top.require("spec");
  top.object("spec", [&](ObjectReader& r) {
    TriggerAuthenticationSpec& spec = ta.spec;
    r.object("podIdentity", [&](ObjectReader& p) {
      PodIdentity id;
      p.require("provider");
      p.string("provider", id.provider);
      p.optString("identityId", id.identityId);
      p.optString("identityTenantId", id.identityTenantId);
      p.optString("identityAuthorityHost", id.identityAuthorityHost);
      p.optString("roleArn", id.roleArn);
      p.optString("externalID", id.externalID);
      p.optString("identityOwner", id.identityOwner);
      id.unknown = p.remaining();
      spec.podIdentity = std::move(id);
    });
    spec.secretTargetRef = readTargetRefs(r, "secretTargetRef");
    spec.configMapTargetRef = readTargetRefs(r, "configMapTargetRef");
    r.objectList("env", [&](ObjectReader& e, size_t) {
      AuthEnvironment env;
      e.require("parameter");
      e.require("name");
      e.string("parameter", env.parameter);
      e.string("name", env.name);
      e.string("containerName", env.containerName);
      env.unknown = e.remaining();
      spec.env.push_back(std::move(env));
    });
    r.string("filePath", spec.filePath);
    r.objectList("boundServiceAccountToken", [&](ObjectReader& b, size_t) {
      BoundServiceAccountToken token;
      b.require("parameter");
      b.require("serviceAccountName");
      b.string("parameter", token.parameter);
      b.string("serviceAccountName", token.serviceAccountName);
      token.unknown = b.remaining();
      spec.boundServiceAccountToken.push_back(std::move(token));
    });
    r.object("oauth2", [&](ObjectReader& o) {
      OAuth2 oauth;
      o.string("type", oauth.type);
      o.string("clientId", oauth.clientId);
      o.raw("clientSecret", oauth.clientSecret);
      o.string("tokenUrl", oauth.tokenUrl);
      o.stringList("scopes", oauth.scopes);
      o.stringMap("tokenUrlParams", oauth.tokenUrlParams);
      oauth.unknown = o.remaining();
      spec.oauth2 = std::move(oauth);
    });
    r.raw("hashiCorpVault", spec.hashiCorpVault);
    r.raw("azureKeyVault", spec.azureKeyVault);
    r.raw("gcpSecretManager", spec.gcpSecretManager);
    r.raw("awsSecretManager", spec.awsSecretManager);
    spec.unknown = r.remaining();
  });
  top.object("status", [&](ObjectReader& r) {
    TriggerAuthenticationStatus st;
    r.string("scaledobjects", st.scaledobjects);
    r.string("scaledjobs", st.scaledjobs);
    st.unknown = r.remaining();
    ta.status = std::move(st);
  });
  ta.unknown = top.remaining();
  return ta;
}

Json encode(const TriggerAuthentication& ta) {
  const TriggerAuthenticationSpec& s = ta.spec;
  Json spec = withUnknown(s.unknown);
  if (s.podIdentity) {
    const PodIdentity& p = *s.podIdentity;
    Json j = withUnknown(p.unknown);
    j["provider"] = p.provider;
    putOpt(j, "identityId", p.identityId);
    putOpt(j, "identityTenantId", p.identityTenantId);
    putOpt(j, "identityAuthorityHost", p.identityAuthorityHost);
    putOpt(j, "roleArn", p.roleArn);
    putOpt(j, "externalID", p.externalID);
    putOpt(j, "identityOwner", p.identityOwner);
    spec["podIdentity"] = std::move(j);
  }
  if (!s.secretTargetRef.empty()) spec["secretTargetRef"] = encodeTargetRefs(s.secretTargetRef);
  if (!s.configMapTargetRef.empty()) {
    spec["configMapTargetRef"] = encodeTargetRefs(s.configMapTargetRef);
  }
  if (!s.env.empty()) {
    Json arr = Json::array();
    for (const auto& e : s.env) {
      Json j = withUnknown(e.unknown);
      j["parameter"] = e.parameter;
      j["name"] = e.name;
      putString(j, "containerName", e.containerName);
      arr.push_back(std::move(j));
    }
    spec["env"] = std::move(arr);
  }
  putString(spec, "filePath", s.filePath);
  if (!s.boundServiceAccountToken.empty()) {
    Json arr = Json::array();
    for (const auto& b : s.boundServiceAccountToken) {
      Json j = withUnknown(b.unknown);
      j["parameter"] = b.parameter;
      j["serviceAccountName"] = b.serviceAccountName;
      arr.push_back(std::move(j));
    }
    spec["boundServiceAccountToken"] = std::move(arr);
  }
  if (s.oauth2) {
    const OAuth2& o = *s.oauth2;
    Json j = withUnknown(o.unknown);
    putString(j, "type", o.type);
    putString(j, "clientId", o.clientId);
    if (!o.clientSecret.is_null()) j["clientSecret"] = o.clientSecret;
    putString(j, "tokenUrl", o.tokenUrl);
    if (!o.scopes.empty()) j["scopes"] = o.scopes;
    if (!o.tokenUrlParams.empty()) j["tokenUrlParams"] = o.tokenUrlParams;
    spec["oauth2"] = std::move(j);
  }
  for (const auto& [key, value] : {std::pair{"hashiCorpVault", &s.hashiCorpVault},
                                   std::pair{"azureKeyVault", &s.azureKeyVault},
                                   std::pair{"gcpSecretManager", &s.gcpSecretManager},
                                   std::pair{"awsSecretManager", &s.awsSecretManager}}) {
    if (!value->is_null()) spec[key] = *value;
  }
  Json out = withUnknown(ta.unknown);
  out["apiVersion"] = kApiVersion;
  out["kind"] = ta.kind();
  out["metadata"] = encode(ta.metadata);
  out["spec"] = std::move(spec);
  if (ta.status) {
    Json st = withUnknown(ta.status->unknown);
    putString(st, "scaledobjects", ta.status->scaledobjects);
    putString(st, "scaledjobs", ta.status->scaledjobs);
    out["status"] = std::move(st);
  }
  return out;
}

StatusOr<KedaObject> decodeKedaObject(const Json& json, Issues& issues) {
  if (!json.is_object()) {
    return invalidArgument("expected a Kubernetes object, got " + describeJson(json));
  }
  const std::string apiVersion = stringField(json, "apiVersion");
  const std::string kind = stringField(json, "kind");
  if (apiVersion != kApiVersion) {
    return invalidArgument(
        fmt::format("apiVersion \"{}\" (kind \"{}\") is not served by tidal; expected \"{}\"",
                    apiVersion, kind, kApiVersion));
  }
  if (kind == "ScaledObject") return KedaObject(decodeScaledObject(json, issues));
  if (kind == "ScaledJob") return KedaObject(decodeScaledJob(json, issues));
  if (kind == "TriggerAuthentication" || kind == "ClusterTriggerAuthentication") {
    return KedaObject(decodeTriggerAuthentication(json, issues));
  }
  return invalidArgument(
      fmt::format("kind \"{}\" is not a keda.sh/v1alpha1 kind; expected ScaledObject, ScaledJob, "
                  "TriggerAuthentication or ClusterTriggerAuthentication",
                  kind));
}

const ObjectMeta& metadataOf(const KedaObject& object) {
  return std::visit([](const auto& o) -> const ObjectMeta& { return o.metadata; }, object);
}

std::string kindOf(const KedaObject& object) {
  struct Visitor {
    std::string operator()(const ScaledObject&) const { return "ScaledObject"; }
    std::string operator()(const ScaledJob&) const { return "ScaledJob"; }
    std::string operator()(const TriggerAuthentication& t) const { return t.kind(); }
  };
  return std::visit(Visitor{}, object);
}

}  // namespace tidal::api
