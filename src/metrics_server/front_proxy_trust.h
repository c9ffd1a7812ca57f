// Keeps the metrics API's trust in the aggregator current while tidal runs, as Kubernetes' own
// aggregated API servers do: kube-apiserver publishes its front-proxy CA, the allowed client
// certificate names and the user/group headers in ConfigMap
// kube-system/extension-apiserver-authentication, and a cluster whose front-proxy CA is rotated
// updates that ConfigMap without restarting the API servers behind it.
//
// FrontProxyTrust reads the published trust through `fetch` (the caller reads the ConfigMap and
// turns it into a RequestHeaderAuthConfig with clientCaPem set), keeps the CA in a file of its own
// (the metrics server's TLS layer reloads that file when it changes) and hands changed names or
// headers to the running MetricsServer. A failed read or an unusable ConfigMap keeps the current
// trust and is logged once until the failure changes.
//
// Example:
//   TIDAL_ASSIGN_OR_RETURN(auto trust, FrontProxyTrust::create(dir + "/front-proxy-ca.crt",
//                                                              fetchFromConfigMap, logger));
//   options.api.auth = trust->config();
//   TIDAL_ASSIGN_OR_RETURN(auto server, MetricsServer::start(options, provider, logger));
//   trust->refresh(*server);   // periodically, from one thread
//
// Threading: refresh() from one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "k8s/log.h"
#include "metrics_server/authenticator.h"
#include "metrics_server/metrics_server.h"

namespace tidal::metrics_server {

class FrontProxyTrust {
 public:
  // The published trust, with clientCaPem set (clientCaFile is ignored).
  using Fetch = std::function<StatusOr<RequestHeaderAuthConfig>()>;

  // Fetches once and writes the CA to `caFile` (replaced through a rename). What `fetch` returns
  // when it fails; kUnavailable when the file cannot be written.
  static StatusOr<std::unique_ptr<FrontProxyTrust>> create(std::string caFile, Fetch fetch,
                                                           k8s::Logger& logger);

  // The trust to start the metrics server with: clientCaFile = the file above, no inline PEM.
  const RequestHeaderAuthConfig& config() const { return current_; }

  // Fetches again. A changed CA is written to the file; changed names or headers go to
  // server.updateAuth(). Returns true when anything changed, false when nothing did or the fetch
  // failed (logged as a warning, once until the failure changes).
  bool refresh(MetricsServer& server);

 private:
  FrontProxyTrust(std::string caFile, Fetch fetch, k8s::Logger& logger)
      : caFile_(std::move(caFile)), fetch_(std::move(fetch)), logger_(logger) {}

  std::string caFile_;
  Fetch fetch_;
  k8s::Logger& logger_;
  RequestHeaderAuthConfig current_;  // clientCaFile = caFile_
  std::string caPem_;
  std::string lastError_;
};

}  // namespace tidal::metrics_server
