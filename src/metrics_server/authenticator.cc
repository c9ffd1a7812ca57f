#include "metrics_server/authenticator.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace tidal::metrics_server {
namespace {

constexpr std::string_view kCaKey = "requestheader-client-ca-file";

StatusOr<std::vector<std::string>> jsonStringList(const api::StringMap& data, std::string_view key,
                                                  std::vector<std::string> fallback) {
  auto it = data.find(key);
  if (it == data.end() || trim(it->second).empty()) return fallback;
  nlohmann::json parsed = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (parsed.is_null()) return out;  // "null": no restriction
  if (!parsed.is_array()) {
    return invalidArgument(fmt::format(
        "extension-apiserver-authentication key {} must be a JSON array of strings, got \"{}\"",
        key, it->second));
  }
  for (const auto& item : parsed) {
    if (!item.is_string()) {
      return invalidArgument(fmt::format(
          "extension-apiserver-authentication key {} must hold only strings, got \"{}\"", key,
          it->second));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

StatusOr<RequestHeaderAuthConfig> requestHeaderAuthFromConfigMap(const api::StringMap& data) {
  RequestHeaderAuthConfig config;
  auto ca = data.find(kCaKey);
  if (ca == data.end() || ca->second.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return failedPrecondition(
        "ConfigMap kube-system/extension-apiserver-authentication has no requestheader client "
        "CA (key requestheader-client-ca-file); start kube-apiserver with "
        "--requestheader-client-ca-file");
  }
  config.clientCaPem = ca->second;
  TIDAL_ASSIGN_OR_RETURN(config.allowedNames,
                         jsonStringList(data, "requestheader-allowed-names", {}));
  TIDAL_ASSIGN_OR_RETURN(
      config.usernameHeaders,
      jsonStringList(data, "requestheader-username-headers", config.usernameHeaders));
  TIDAL_ASSIGN_OR_RETURN(config.groupHeaders,
                         jsonStringList(data, "requestheader-group-headers", config.groupHeaders));
  return config;
}

StatusOr<RequestHeaderAuthConfig> requestHeaderAuthFromFiles(
    std::string caFile, std::vector<std::string> allowedNames) {
  std::ifstream in(caFile, std::ios::binary);
  if (!in) {
    return failedPrecondition(
        fmt::format("cannot read requestheader client CA file \"{}\"", caFile));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return failedPrecondition(
        fmt::format("requestheader client CA file \"{}\" holds no PEM certificate", caFile));
  }
  RequestHeaderAuthConfig config;
  config.clientCaFile = std::move(caFile);
  config.allowedNames = std::move(allowedNames);
  return config;
}

StatusOr<Caller> authenticateProxy(const net::Request& request,
                                   const RequestHeaderAuthConfig& config) {
  if (!request.tls || request.peer == nullptr || !request.peer->presented) {
    return Status(StatusCode::kUnauthenticated,
                  "a client certificate from the front proxy is required");
  }
  const net::PeerCertificate& peer = *request.peer;
  if (!peer.verified) {
    return Status(StatusCode::kUnauthenticated,
                  fmt::format("the client certificate is not signed by the requestheader client "
                              "CA: {}",
                              peer.verifyError));
  }
  if (!config.allowedNames.empty()) {
    bool allowed = false;
    for (const std::string& name : config.allowedNames)
      allowed = allowed || name == peer.commonName;
    if (!allowed) {
      return Status(StatusCode::kPermissionDenied,
                    fmt::format("client certificate CN \"{}\" is not one of the requestheader "
                                "allowed names [{}]",
                                peer.commonName, join(config.allowedNames, ", ")));
    }
  }
  Caller caller;
  caller.proxyName = peer.commonName;
  for (const std::string& header : config.usernameHeaders) {
    std::string_view user = request.header(header);
    if (!user.empty()) {
      caller.user = std::string(user);
      break;
    }
  }
  for (const std::string& header : config.groupHeaders) {
    for (const auto& [name, value] : request.headers) {
      if (name.size() == header.size() && toLower(name) == toLower(header)) {
        caller.groups.emplace_back(value);
      }
    }
  }
  return caller;
}

}  // namespace tidal::metrics_server
