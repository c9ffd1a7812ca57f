#include "operator/serving.h"

#include <cstdlib>
#include <filesystem>
#include <functional>

#include <fmt/format.h>

#include "k8s/client/discovery.h"
#include "k8s/client/sleeper.h"
#include "k8s/types/core.h"
#include "k8s/types/keda.h"
#include "metrics_server/authenticator.h"
#include "net/tls_certs.h"
#include "scalers/registry.h"

namespace tidal::op {
namespace {

// A thread that calls `fn` every `period` until it is asked to stop (which wakes it at once).
std::jthread every(std::chrono::milliseconds period, std::function<void()> fn) {
  return std::jthread([period, fn = std::move(fn)](const std::stop_token& stop) {
    while (k8s::RealSleeper::instance().sleepFor(period, stop)) fn();
  });
}

using Json = nlohmann::json;
namespace fs = std::filesystem;

net::LogFunction netLog(obs::Logger log) {
  return [log](net::LogLevel level, std::string_view message) {
    switch (level) {
      case net::LogLevel::kDebug:
        log.debug(message);
        break;
      case net::LogLevel::kInfo:
        log.info(message);
        break;
      case net::LogLevel::kWarning:
        log.warn(message);
        break;
      case net::LogLevel::kError:
        log.error(message);
        break;
    }
  };
}

}  // namespace

// The metrics API's provider: the ScaleHandler, in the same process.
class Serving::Provider : public metrics_server::ExternalMetricsProvider {
 public:
  explicit Provider(scaling::ScaleHandler& handler) : handler_(handler) {}
  StatusOr<std::vector<metrics_server::ExternalMetricValue>> getMetrics(
      std::string_view ns, std::string_view scaledObject, std::string_view metricName,
      const std::stop_token& stop) override {
    return convert(handler_.getMetrics(ns, scaledObject, metricName, stop));
  }

  std::optional<StatusOr<std::vector<metrics_server::ExternalMetricValue>>> getMetricsNow(
      std::string_view ns, std::string_view scaledObject, std::string_view metricName) override {
    std::optional<StatusOr<std::vector<scalers::MetricValue>>> values =
        handler_.getMetricsNow(ns, scaledObject, metricName);
    if (!values) return std::nullopt;
    return convert(std::move(*values));
  }

 private:
  static StatusOr<std::vector<metrics_server::ExternalMetricValue>> convert(
      StatusOr<std::vector<scalers::MetricValue>> values) {
    if (!values.isOk()) return values.status();
    std::vector<metrics_server::ExternalMetricValue> out;
    out.reserve(values->size());
    auto now = std::chrono::system_clock::now();
    for (scalers::MetricValue& v : *values) {
      out.push_back({.metricName = std::move(v.metricName), .value = v.value, .timestamp = now});
    }
    return out;
  }

  scaling::ScaleHandler& handler_;
};

// What the webhook's cluster rules read: fresh from the API (admission requests are rare).
class Serving::WebhookCluster : public webhook::ClusterState {
 public:
  explicit WebhookCluster(k8s::Client& client)
      : client_(client), mapper_(client, SystemClock::instance()) {}
  StatusOr<std::vector<api::ScaledObject>> scaledObjects(std::string_view ns) override {
    TIDAL_ASSIGN_OR_RETURN(k8s::ObjectList list, client_.listAll(k8s::kScaledObjects, ns));
    std::vector<api::ScaledObject> out;
    for (const Json& item : list.items) {
      StatusOr<api::ScaledObject> so = k8s::decodeScaledObject(item);
      if (so.isOk()) out.push_back(std::move(so).value());
    }
    return out;
  }
  StatusOr<std::vector<Json>> horizontalPodAutoscalers(std::string_view ns) override {
    TIDAL_ASSIGN_OR_RETURN(k8s::ObjectList list,
                           client_.listAll(k8s::kHorizontalPodAutoscalers, ns));
    return list.items;
  }
  StatusOr<std::vector<Json>> limitRanges(std::string_view ns) override {
    TIDAL_ASSIGN_OR_RETURN(k8s::ObjectList list,
                           client_.listAll({"", "v1", "limitranges", true}, ns));
    return list.items;
  }
  StatusOr<Json> workload(std::string_view ns, std::string_view apiVersion, std::string_view kind,
                          std::string_view name) override {
    TIDAL_ASSIGN_OR_RETURN(k8s::ResourceMapping mapping, mapper_.map(apiVersion, kind));
    return client_.get(mapping.gvr, ns, name);
  }

 private:
  k8s::Client& client_;
  k8s::RestMapper mapper_;
};

class Serving::WebhookObservers : public webhook::ValidationMetrics,
                                  public webhook::AdmissionEvents {
 public:
  explicit WebhookObservers(const ServingDeps& deps) : deps_(deps) {}
  void onValidation(std::string_view ns, std::string_view action) override {
    if (deps_.metrics) deps_.metrics->recordWebhookValidation(ns, action);
  }
  void onValidationError(std::string_view ns, std::string_view action,
                         std::string_view reason) override {
    if (deps_.metrics) deps_.metrics->recordWebhookValidationError(ns, action, reason);
  }
  void onScalerInfo(std::string_view kind, std::string_view ns, std::string_view name,
                    std::string_view message) override {
    if (!deps_.events) return;
    deps_.events({.apiVersion = api::kApiVersion,
                  .kind = std::string(kind),
                  .namespace_ = std::string(ns),
                  .name = std::string(name)},
                 "Normal", "KEDAScalerInfo", "Validate", message);
  }

 private:
  const ServingDeps& deps_;
};

Serving::Serving() = default;
Serving::~Serving() {
  stop();
}

uint16_t Serving::metricsApiPort() const {
  return metricsApi_ ? metricsApi_->port() : 0;
}

StatusOr<metrics_server::RequestHeaderAuthConfig> metricsApiAuthFromConfigMap(
    const api::StringMap& data, const std::vector<std::string>& allowedNamesFlag) {
  TIDAL_ASSIGN_OR_RETURN(metrics_server::RequestHeaderAuthConfig auth,
                         metrics_server::requestHeaderAuthFromConfigMap(data));
  if (!allowedNamesFlag.empty()) auth.allowedNames = allowedNamesFlag;
  return auth;
}

std::vector<std::string> generatedCertificateNames(std::string_view ns) {
  std::vector<std::string> names = {"localhost"};
  // keda-operator-metrics-apiserver is the chart's (and KEDA's) metrics Service; the others are
  // the names older KEDA manifests and tidal's own examples use.
  for (const char* svc :
       {"keda-operator-metrics-apiserver", "keda-metrics-apiserver", "keda-admission-webhooks",
        "keda-operator", "tidal-metrics-apiserver", "tidal-admission-webhooks"}) {
    names.push_back(fmt::format("{}.{}.svc", svc, ns));
    names.push_back(fmt::format("{}.{}.svc.cluster.local", svc, ns));
  }
  return names;
}

StatusOr<net::TlsOptions> Serving::servingCertificate(const OperatorOptions& options) {
  if (servingTls_) return *servingTls_;
  if (options.enableCertRotation) {
    char tmpl[] = "/tmp/tidal-certs-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return unavailable("cannot create a directory for certificates");
    generatedCertDir_ = tmpl;
    TIDAL_ASSIGN_OR_RETURN(
        managedCert_,
        ManagedCertificate::start(
            *deps_.client,
            {.ns = options.podNamespace,
             .secretName = options.certSecretName,
             .dir = generatedCertDir_,
             .dnsNames = generatedCertificateNames(options.podNamespace),
             .patchApiService =
                 options.enableApiServicePatching && !options.metricsServerBindAddress.empty(),
             .patchWebhook = options.enableWebhookPatching && !options.webhookBindAddress.empty(),
             .webhookName = options.validatingWebhookName,
             .minTlsVersion = options.minTlsVersion},
            *deps_.k8sLogger));
    if (options.certRefresh.count() > 0) {
      // refresh() logs what failed; the current files stay.
      certRefresher_ = every(options.certRefresh, [this] { (void)managedCert_->refresh(); });
    }
    servingTls_ = managedCert_->tls();
    return *servingTls_;
  }
  fs::path dir = options.certDir;
  std::error_code ec;
  if (!options.certDir.empty() && fs::exists(dir / "tls.crt", ec) &&
      fs::exists(dir / "tls.key", ec)) {
    return net::TlsOptions{.certFile = (dir / "tls.crt").string(),
                           .keyFile = (dir / "tls.key").string(),
                           .minVersion = options.minTlsVersion};
  }
  // No certificate provided: make one, valid for the names the Services of the chart use.
  std::vector<std::string> names = generatedCertificateNames(options.podNamespace);
  TIDAL_ASSIGN_OR_RETURN(net::PemPair ca,
                         net::generateCa({.commonName = "tidal-ca", .organizations = {"tidal"}}));
  TIDAL_ASSIGN_OR_RETURN(
      net::PemPair leaf,
      net::generateSignedCertificate(
          {.commonName = "tidal-operator", .dnsNames = names, .ipAddresses = {"127.0.0.1"}}, ca));
  char tmpl[] = "/tmp/tidal-certs-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return unavailable("cannot create a directory for certificates");
  generatedCertDir_ = tmpl;
  fs::path out = generatedCertDir_;
  TIDAL_RETURN_IF_ERROR(
      net::writePemPair(leaf, (out / "tls.crt").string(), (out / "tls.key").string()));
  TIDAL_RETURN_IF_ERROR(net::writeTextFile((out / "ca.crt").string(), ca.certificatePem));
  deps_.log.info("generated a self-signed serving certificate",
                 {{"dir", generatedCertDir_}, {"hint", "give --cert-dir for a real one"}});
  servingTls_ = net::TlsOptions{.certFile = (out / "tls.crt").string(),
                                .keyFile = (out / "tls.key").string(),
                                .minVersion = options.minTlsVersion};
  return *servingTls_;
}

// The front-proxy trust kube-apiserver publishes, kept by frontProxyTrust_ (its CA in a file of
// the server's, so a rotated CA is reloaded like a certificate).
StatusOr<metrics_server::RequestHeaderAuthConfig> Serving::frontProxyTrustFromConfigMap(
    const OperatorOptions& options) {
  k8s::Client* client = deps_.client;
  metrics_server::FrontProxyTrust::Fetch fetch = [client,
                                                  names = options.requestHeaderAllowedNames]()
      -> StatusOr<metrics_server::RequestHeaderAuthConfig> {
    StatusOr<Json> cm =
        client->get(k8s::kConfigMaps, "kube-system", "extension-apiserver-authentication");
    if (!cm.isOk()) {
      return cm.status().withPrefix(
          "reading the front-proxy CA from kube-system/extension-apiserver-authentication "
          "(or give --requestheader-client-ca-file)");
    }
    TIDAL_ASSIGN_OR_RETURN(k8s::ConfigMap config, k8s::ConfigMap::decode(*cm));
    api::StringMap data(config.data.begin(), config.data.end());
    return metricsApiAuthFromConfigMap(data, names);
  };
  char tmpl[] = "/tmp/tidal-front-proxy-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    return unavailable("cannot create a directory for the front-proxy CA");
  }
  trustDir_ = tmpl;
  TIDAL_ASSIGN_OR_RETURN(
      frontProxyTrust_, metrics_server::FrontProxyTrust::create(
                            trustDir_ + "/front-proxy-ca.crt", std::move(fetch), *deps_.k8sLogger));
  return frontProxyTrust_->config();
}

Status Serving::start(const OperatorOptions& options, ServingDeps deps) {
  deps_ = std::move(deps);
  obs::Registry* registry = deps_.registry;
  if (!options.metricsBindAddress.empty()) {
    TIDAL_ASSIGN_OR_RETURN(
        metricsHttp_, net::HttpServer::start(
                          {.bindAddress = options.metricsBindAddress, .log = netLog(deps_.log)},
                          [registry](const net::Request& request) {
                            if (request.path != "/metrics") {
                              return net::Response{.status = 404, .body = "not found\n"};
                            }
                            return net::Response{
                                .contentType = "text/plain; version=0.0.4; charset=utf-8",
                                .body = registry->render()};
                          }));
    deps_.log.info("serving /metrics", {{"address", metricsHttp_->address()}});
  }
  if (!options.healthProbeBindAddress.empty()) {
    std::atomic<bool>* ready = deps_.ready;
    TIDAL_ASSIGN_OR_RETURN(
        healthHttp_, net::HttpServer::start(
                         {.bindAddress = options.healthProbeBindAddress, .log = netLog(deps_.log)},
                         [ready](const net::Request& request) {
                           if (request.path == "/healthz" || request.path == "/livez") {
                             return net::Response{.body = "ok"};
                           }
                           if (request.path == "/readyz") {
                             return ready->load()
                                        ? net::Response{.body = "ok"}
                                        : net::Response{.status = 503, .body = "not ready"};
                           }
                           return net::Response{.status = 404, .body = "not found\n"};
                         }));
    deps_.log.info("serving health probes", {{"address", healthHttp_->address()}});
  }
  if (!options.metricsServerBindAddress.empty()) {
    metrics_server::MetricsServerOptions server;
    server.bindAddress = options.metricsServerBindAddress;
    TIDAL_ASSIGN_OR_RETURN(server.tls, servingCertificate(options));
    if (!options.requestHeaderClientCaFile.empty()) {
      TIDAL_ASSIGN_OR_RETURN(server.api.auth, metrics_server::requestHeaderAuthFromFiles(
                                                  options.requestHeaderClientCaFile,
                                                  options.requestHeaderAllowedNames));
    } else {
      TIDAL_ASSIGN_OR_RETURN(server.api.auth, frontProxyTrustFromConfigMap(options));
    }
    provider_ = std::make_unique<Provider>(*deps_.handler);
    TIDAL_ASSIGN_OR_RETURN(
        metricsApi_, metrics_server::MetricsServer::start(server, *provider_, *deps_.k8sLogger));
    deps_.log.info("serving external.metrics.k8s.io", {{"address", metricsApi_->address()}});
    if (frontProxyTrust_ && options.frontProxyRefresh.count() > 0) {
      trustRefresher_ =
          every(options.frontProxyRefresh, [this] { frontProxyTrust_->refresh(*metricsApi_); });
    }
  }
  if (!options.webhookBindAddress.empty()) {
    TIDAL_ASSIGN_OR_RETURN(net::TlsOptions tls, servingCertificate(options));
    webhookCluster_ = std::make_unique<WebhookCluster>(*deps_.client);
    webhookObservers_ = std::make_unique<WebhookObservers>(deps_);
    admission_ = std::make_unique<webhook::AdmissionHandler>(
        *webhookCluster_, webhookObservers_.get(), webhookObservers_.get(),
        webhook::AdmissionOptions{.registry = &scalers::builtinRegistry()});
    webhook::AdmissionHandler* admission = admission_.get();
    // The rules read the cluster (blocking calls), so requests are answered off the io thread.
    TIDAL_ASSIGN_OR_RETURN(
        webhook_,
        net::HttpServer::start(
            {.bindAddress = options.webhookBindAddress, .tls = tls, .log = netLog(deps_.log)},
            net::AsyncHandler([admission](const net::Request& request, net::Responder responder) {
              std::thread([admission, method = std::string(request.method),
                           target = std::string(request.path),
                           contentType = std::string(request.header("Content-Type")),
                           body = std::string(request.body),
                           responder = std::move(responder)]() mutable {
                webhook::HttpReply reply = admission->handleHttp(method, target, contentType, body);
                responder.send(net::Response{
                    .status = reply.status, .contentType = reply.contentType, .body = reply.body});
              }).detach();
            })));
    deps_.log.info("serving the admission webhook", {{"address", webhook_->address()}});
  }
  return Status::ok();
}

void Serving::stop() {
  certRefresher_ = {};  // a jthread asks its thread to stop and joins it when replaced
  trustRefresher_ = {};
  if (webhook_) webhook_->stop();
  if (metricsApi_) metricsApi_->stop();
  if (healthHttp_) healthHttp_->stop();
  if (metricsHttp_) metricsHttp_->stop();
  if (!generatedCertDir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(generatedCertDir_, ec);
    generatedCertDir_.clear();
  }
  if (!trustDir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(trustDir_, ec);
    trustDir_.clear();
  }
}

}  // namespace tidal::op
