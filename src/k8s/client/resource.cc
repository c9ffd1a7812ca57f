#include "k8s/client/resource.h"

namespace tidal::k8s {

std::string GroupVersionResource::apiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string GroupVersionResource::toString() const {
  return group.empty() ? resource : resource + "." + group;
}

std::string ObjectKey::toString() const {
  return namespace_.empty() ? name : namespace_ + "/" + name;
}

ObjectKey ObjectKey::parse(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

std::string resourcePath(const GroupVersionResource& gvr, std::string_view ns,
                         std::string_view name, std::string_view subresource) {
  std::string path =
      gvr.group.empty() ? "/api/" + gvr.version : "/apis/" + gvr.group + "/" + gvr.version;
  if (gvr.namespaced && !ns.empty()) {
    path += "/namespaces/";
    path += urlEncode(ns);
  }
  path += "/";
  path += gvr.resource;
  if (!name.empty()) {
    path += "/";
    path += urlEncode(name);
    if (!subresource.empty()) {
      path += "/";
      path += subresource;
    }
  }
  return path;
}

std::string urlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string encodeQuery(const QueryParams& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    out += out.empty() ? "?" : "&";
    out += urlEncode(key);
    out += "=";
    out += urlEncode(value);
  }
  return out;
}

}  // namespace tidal::k8s
