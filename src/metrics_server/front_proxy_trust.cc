#include "metrics_server/front_proxy_trust.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "net/tls_certs.h"

namespace tidal::metrics_server {
namespace {

std::string joined(const std::vector<std::string>& names) {
  return fmt::format("[{}]", fmt::join(names, ", "));
}

}  // namespace

StatusOr<std::unique_ptr<FrontProxyTrust>> FrontProxyTrust::create(std::string caFile, Fetch fetch,
                                                                   k8s::Logger& logger) {
  std::unique_ptr<FrontProxyTrust> trust(
      new FrontProxyTrust(std::move(caFile), std::move(fetch), logger));
  TIDAL_ASSIGN_OR_RETURN(RequestHeaderAuthConfig published, trust->fetch_());
  TIDAL_RETURN_IF_ERROR(net::writeTextFile(trust->caFile_, published.clientCaPem));
  trust->caPem_ = std::move(published.clientCaPem);
  trust->current_ = std::move(published);
  trust->current_.clientCaPem.clear();
  trust->current_.clientCaFile = trust->caFile_;
  return trust;
}

bool FrontProxyTrust::refresh(MetricsServer& server) {
  StatusOr<RequestHeaderAuthConfig> published = fetch_();
  if (!published.isOk()) {
    std::string error = published.status().toString();
    if (error != lastError_) {
      logger_.log(k8s::LogLevel::kWarning, "metrics-server",
                  "cannot read the front-proxy trust; keeping the current one", {{"error", error}});
      lastError_ = std::move(error);
    }
    return false;
  }
  lastError_.clear();
  bool changed = false;
  if (published->clientCaPem != caPem_) {
    if (Status written = net::writeTextFile(caFile_, published->clientCaPem); !written.isOk()) {
      logger_.log(k8s::LogLevel::kWarning, "metrics-server",
                  "cannot write the new front-proxy CA; keeping the current one",
                  {{"error", written.toString()}});
      return false;
    }
    caPem_ = published->clientCaPem;
    logger_.log(k8s::LogLevel::kInfo, "metrics-server",
                "the front-proxy CA changed; the metrics API trusts the new one from its next "
                "certificate reload",
                {{"file", caFile_}});
    changed = true;
  }
  if (published->allowedNames != current_.allowedNames ||
      published->usernameHeaders != current_.usernameHeaders ||
      published->groupHeaders != current_.groupHeaders) {
    RequestHeaderAuthConfig next = current_;
    next.allowedNames = published->allowedNames;
    next.usernameHeaders = published->usernameHeaders;
    next.groupHeaders = published->groupHeaders;
    if (Status updated = server.updateAuth(next); !updated.isOk()) {
      logger_.log(k8s::LogLevel::kWarning, "metrics-server",
                  "cannot apply the new front-proxy names", {{"error", updated.toString()}});
      return changed;
    }
    logger_.log(k8s::LogLevel::kInfo, "metrics-server", "the front-proxy allowed names changed",
                {{"before", joined(current_.allowedNames)}, {"now", joined(next.allowedNames)}});
    current_ = std::move(next);
    changed = true;
  }
  return changed;
}

}  // namespace tidal::metrics_server
