#include "metrics_server/metrics_server.h"

#include <atomic>

#include <fmt/format.h>

#include "metrics_server/deadline_pool.h"

namespace tidal::metrics_server {

class MetricsServer::State {
 public:
  State(ExternalMetricsProvider& provider, ApiOptions api, const Clock& clock, k8s::Logger& logger,
        DeadlinePoolOptions pool, std::chrono::milliseconds timeout)
      : api_(provider, std::move(api), clock, logger), pool_(pool), timeout_(timeout) {}

  // Runs on an io thread: never blocks.
  void handle(const net::Request& request, net::Responder responder) {
    auto routed = api_.route(request);
    if (auto* response = std::get_if<net::Response>(&routed)) {
      return responder.send(std::move(*response));
    }
    // A value at hand (the metric cache) is answered here, on the io thread.
    if (std::optional<net::Response> now = api_.answerNow(std::get<MetricQuery>(routed))) {
      return responder.send(std::move(*now));
    }
    // Whichever of the provider call and the deadline finishes first answers.
    struct Call {
      std::atomic<bool> answered{false};
      net::Responder responder;
      MetricQuery query;
    };
    auto call = std::make_shared<Call>();
    call->responder = std::move(responder);
    call->query = std::move(std::get<MetricQuery>(routed));
    auto answer = [call](net::Response response) {
      if (!call->answered.exchange(true)) call->responder.send(std::move(response));
    };
    bool queued = pool_.submit(
        std::chrono::steady_clock::now() + timeout_,
        [this, call, answer](std::stop_token stop) { answer(api_.answer(call->query, stop)); },
        [this, call, answer] {
          answer(statusResponse(
              Status(StatusCode::kDeadlineExceeded,
                     fmt::format("metric {} of ScaledObject {}/{} took longer than {} ms",
                                 call->query.metricName, call->query.ns, call->query.scaledObject,
                                 timeout_.count()))));
        });
    if (!queued) {
      answer(statusResponse(
          Status(StatusCode::kResourceExhausted,
                 "too many metric queries in progress; the HPA will ask again at its next sync")));
    }
  }

  Status updateAuth(RequestHeaderAuthConfig auth) { return api_.updateAuth(std::move(auth)); }

 private:
  ExternalMetricsApi api_;
  DeadlinePool pool_;
  std::chrono::milliseconds timeout_;
};

StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::start(MetricsServerOptions options,
                                                              ExternalMetricsProvider& provider,
                                                              k8s::Logger& logger,
                                                              const Clock& clock) {
  if (options.api.auth && !options.tls) {
    return invalidArgument("front-proxy authentication needs TLS: set the serving certificate");
  }
  if (options.providerTimeout.count() <= 0) {
    return invalidArgument("providerTimeout must be positive");
  }
  net::HttpServerOptions http;
  http.bindAddress = options.bindAddress;
  http.ioThreads = options.ioThreads;
  http.idleTimeout = options.idleTimeout;
  http.maxBodyBytes = 64 << 10;  // only GETs are served
  http.tls = options.tls;
  if (options.tls && options.api.auth) {
    http.tls->clientCaFile = options.api.auth->clientCaFile;
    http.tls->clientCaPem = options.api.auth->clientCaPem;
  }
  http.log = [&logger](net::LogLevel level, std::string_view message) {
    k8s::LogLevel mapped = level == net::LogLevel::kDebug     ? k8s::LogLevel::kDebug
                           : level == net::LogLevel::kInfo    ? k8s::LogLevel::kInfo
                           : level == net::LogLevel::kWarning ? k8s::LogLevel::kWarning
                                                              : k8s::LogLevel::kError;
    logger.log(mapped, "metrics-server", std::string(message));
  };

  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->state_ =
      std::make_shared<State>(provider, std::move(options.api), clock, logger,
                              DeadlinePoolOptions{.threads = options.providerThreads,
                                                  .maxQueued = options.maxQueuedQueries},
                              options.providerTimeout);
  State* state = server->state_.get();
  TIDAL_ASSIGN_OR_RETURN(
      server->http_,
      net::HttpServer::start(std::move(http), net::AsyncHandler([state](const net::Request& request,
                                                                        net::Responder responder) {
                               state->handle(request, std::move(responder));
                             })));
  return server;
}

MetricsServer::~MetricsServer() {
  stop();
}

void MetricsServer::stop() {
  // The HTTP side first (no new queries), then the pool (waits for running provider calls; their
  // answers go to connections that no longer exist and are dropped).
  if (http_) http_->stop();
  state_.reset();
}

Status MetricsServer::updateAuth(RequestHeaderAuthConfig auth) {
  std::shared_ptr<State> state = state_;
  if (!state) return Status(StatusCode::kFailedPrecondition, "the metrics server has stopped");
  return state->updateAuth(std::move(auth));
}

uint16_t MetricsServer::port() const {
  return http_->port();
}

std::string MetricsServer::address() const {
  return http_->address();
}

}  // namespace tidal::metrics_server
