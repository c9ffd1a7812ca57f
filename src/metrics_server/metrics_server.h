// tidal's external metrics API server: ExternalMetricsApi served over HTTPS by net::HttpServer,
// with metric queries run on a DeadlinePool.
//
// Discovery, probes and errors are answered on the io threads straight away. A metric query goes
// to the pool: at most `providerThreads` provider calls run at once, `maxQueuedQueries` more may
// wait, further queries get 429 at once; each call has `providerTimeout`, after which its stop
// token fires and the HPA gets 503 (kube-apiserver's proxy and the HPA's client give up after
// tens of seconds anyway; answering first keeps their connections reusable). So a slow or stuck
// provider ties up at most the pool, never the io threads or the probes.
//
// When `auth` is set, the front-proxy CA becomes the server's client CA (requested, not required,
// so kubelet probes work without a certificate) and every /apis request must carry the
// aggregator's certificate. With `tls` unset the server speaks plain HTTP (tests only) and `auth`
// must be unset too.
//
// Example:
//   MetricsServerOptions options;
//   options.bindAddress = ":6443";
//   options.tls = net::TlsOptions{.certFile = "/certs/tls.crt", .keyFile = "/certs/tls.key"};
//   TIDAL_ASSIGN_OR_RETURN(options.api.auth, requestHeaderAuthFromConfigMap(cm.data));
//   TIDAL_ASSIGN_OR_RETURN(auto server, MetricsServer::start(options, provider, logger));
//
// Threading: start/stop from any thread but an io thread. stop() is idempotent and run by the
// destructor; it waits for provider calls in progress to return.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "k8s/log.h"
#include "metrics_server/external_metrics_api.h"
#include "net/http_server.h"

namespace tidal::metrics_server {

struct MetricsServerOptions {
  std::string bindAddress = ":6443";
  int ioThreads = 2;
  // Serving certificate; nullopt: plain HTTP (tests only).
  std::optional<net::TlsOptions> tls;
  ApiOptions api;
  int providerThreads = 4;
  size_t maxQueuedQueries = 64;
  std::chrono::milliseconds providerTimeout = std::chrono::seconds(5);
  std::chrono::milliseconds idleTimeout = std::chrono::seconds(90);
};

class MetricsServer {
 public:
  // kInvalidArgument for inconsistent options; otherwise what net::HttpServer::start returns.
  // `provider`, `logger` and `clock` must outlive the server.
  static StatusOr<std::unique_ptr<MetricsServer>> start(
      MetricsServerOptions options, ExternalMetricsProvider& provider, k8s::Logger& logger,
      const Clock& clock = SystemClock::instance());
  ~MetricsServer();

  uint16_t port() const;
  std::string address() const;
  void stop();

  // New allowed names and user/group headers for the aggregator's requests, from the next
  // request on. A new front-proxy CA goes into the file `auth.clientCaFile` named at start: the
  // TLS layer reloads it on its own (net::TlsOptions::reloadInterval). kFailedPrecondition
  // without authentication or after stop(). Any thread, but not concurrently with stop().
  Status updateAuth(RequestHeaderAuthConfig auth);
  net::HttpServer& httpServer() { return *http_; }

 private:
  class State;
  MetricsServer() = default;
  std::shared_ptr<State> state_;
  std::unique_ptr<net::HttpServer> http_;
};

}  // namespace tidal::metrics_server
