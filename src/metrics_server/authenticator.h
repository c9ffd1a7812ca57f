// Who may call the external metrics API: kube-apiserver's aggregator, recognised by its front-proxy
// client certificate ("requestheader" authentication, as every aggregated API server does).
//
// kube-apiserver proxies `/apis/external.metrics.k8s.io/...` to tidal over TLS, presenting the
// certificate of --proxy-client-cert-file, signed by the CA of --requestheader-client-ca-file,
// and names the end user in X-Remote-User / X-Remote-Group. It has already authenticated and
// authorised that user (RBAC `get` on `externalmetrics`), so tidal only has to check that the
// connection really comes from the aggregator: the client certificate must verify against the
// front-proxy CA and, when allowed names are configured, its CN must be one of them.
//
// The CA and the allowed names are published by kube-apiserver in the ConfigMap
// `kube-system/extension-apiserver-authentication` (keys `requestheader-client-ca-file`,
// `requestheader-allowed-names`, `requestheader-username-headers`, `requestheader-group-headers`;
// the list-valued keys hold JSON arrays). requestHeaderAuthFromConfigMap() reads that data (the
// caller fetches the ConfigMap); requestHeaderAuthFromFiles() serves flags and tests.
//
// Example:
//   TIDAL_ASSIGN_OR_RETURN(auto auth, requestHeaderAuthFromConfigMap(configMap.data));
//   StatusOr<Caller> caller = authenticateProxy(request, auth);  // per request
//   if (!caller.isOk()) ... 401 (kUnauthenticated) or 403 (kPermissionDenied)
#pragma once

#include <string>
#include <vector>

#include "api/types.h"
#include "common/status.h"
#include "net/http_server.h"

namespace tidal::metrics_server {

struct RequestHeaderAuthConfig {
  // PEM bundle of the front-proxy CA, or the file holding it (the server then reloads it when it
  // changes). Exactly one is set.
  std::string clientCaPem;
  std::string clientCaFile;
  // CNs accepted on the proxy's certificate; empty: any certificate the CA verifies.
  std::vector<std::string> allowedNames;
  // Headers naming the end user and groups (only for logging: the aggregator already authorised).
  std::vector<std::string> usernameHeaders{"X-Remote-User"};
  std::vector<std::string> groupHeaders{"X-Remote-Group"};
};

// From the data of ConfigMap kube-system/extension-apiserver-authentication. kFailedPrecondition
// when it has no requestheader CA (kube-apiserver runs without --requestheader-client-ca-file),
// kInvalidArgument when a list-valued key is not a JSON array of strings.
StatusOr<RequestHeaderAuthConfig> requestHeaderAuthFromConfigMap(const api::StringMap& data);

// From a CA file and the allowed names (flags, tests). kFailedPrecondition when the file cannot be
// read or holds no certificate.
StatusOr<RequestHeaderAuthConfig> requestHeaderAuthFromFiles(std::string caFile,
                                                             std::vector<std::string> allowedNames);

// The identity behind an authenticated request.
struct Caller {
  std::string proxyName;  // CN of the proxy's certificate
  std::string user;       // from the username headers; "" when absent
  std::vector<std::string> groups;
};

// Checks that `request` comes from the aggregator. kUnauthenticated when it did not arrive over
// TLS or carries no verified client certificate; kPermissionDenied when the certificate's CN is
// not an allowed name.
StatusOr<Caller> authenticateProxy(const net::Request& request,
                                   const RequestHeaderAuthConfig& config);

}  // namespace tidal::metrics_server
