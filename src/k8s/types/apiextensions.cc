#include "k8s/types/apiextensions.h"

namespace tidal::k8s {
namespace {

bool isTrue(const std::vector<ApiCondition>& conditions, std::string_view type) {
  const ApiCondition* c = findCondition(conditions, type);
  return c != nullptr && c->status == "True";
}

}  // namespace

bool CustomResourceDefinition::isEstablished() const {
  return isTrue(conditions, "Established") && isTrue(conditions, "NamesAccepted");
}

StatusOr<CustomResourceDefinition> CustomResourceDefinition::decode(const Json& json) {
  api::Issues issues;
  api::ObjectReader top(issues, &json, "");
  CustomResourceDefinition crd;
  crd.metadata = readObjectMeta(top);
  top.object("spec", [&](api::ObjectReader& spec) {
    spec.string("group", crd.group);
    spec.string("scope", crd.scope);
    spec.object("names", [&](api::ObjectReader& names) {
      names.string("plural", crd.plural);
      names.string("singular", crd.singular);
      names.string("kind", crd.kind);
      names.string("listKind", crd.listKind);
    });
    spec.objectList("versions", [&](api::ObjectReader& v, size_t) {
      CrdVersion version;
      v.string("name", version.name);
      v.boolean("served", version.served);
      v.boolean("storage", version.storage);
      v.object("subresources", [&](api::ObjectReader& sub) {
        version.hasStatus = sub.has("status");
        version.hasScale = sub.has("scale");
      });
      crd.versions.push_back(std::move(version));
    });
  });
  top.object("status", [&](api::ObjectReader& status) { crd.conditions = readConditions(status); });
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "CustomResourceDefinition", json));
  return crd;
}

bool ApiService::isAvailable() const {
  return isTrue(conditions, "Available");
}

StatusOr<ApiService> ApiService::decode(const Json& json) {
  api::Issues issues;
  api::ObjectReader top(issues, &json, "");
  ApiService s;
  s.metadata = readObjectMeta(top);
  top.object("spec", [&](api::ObjectReader& spec) {
    spec.string("group", s.group);
    spec.string("version", s.version);
    spec.boolean("insecureSkipTLSVerify", s.insecureSkipTlsVerify);
    spec.object("service", [&](api::ObjectReader& svc) {
      svc.string("namespace", s.serviceNamespace);
      svc.string("name", s.serviceName);
      svc.optInt32("port", s.servicePort);
    });
  });
  top.object("status", [&](api::ObjectReader& status) { s.conditions = readConditions(status); });
  TIDAL_RETURN_IF_ERROR(decodeStatus(issues, "APIService", json));
  return s;
}

}  // namespace tidal::k8s
