// The operator's servers: /metrics and the health probes over HTTP, the external metrics API and
// the admission webhook over HTTPS. Each is optional (an empty bind address switches it off).
//
// The HTTPS servers share one serving certificate: with --enable-cert-rotation tidal's own, kept
// in a Secret and renewed (managed_certificate.h); else <certDir>/tls.crt and tls.key when they
// exist (reloaded when they change, e.g. a cert-manager Secret), or a self-signed pair generated
// at start and written to a temporary directory. The metrics API authenticates the aggregator with
// the front-proxy CA from a file or from kube-system/extension-apiserver-authentication, which is
// read again every OperatorOptions::frontProxyRefresh (metrics_server/front_proxy_trust.h).
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "common/status.h"
#include "k8s/cache/informer.h"
#include "k8s/client/client.h"
#include "k8s/types/apps.h"
#include "k8s/types/autoscaling.h"
#include "metrics_server/front_proxy_trust.h"
#include "metrics_server/metrics_server.h"
#include "net/http_server.h"
#include "observability/keda_metrics.h"
#include "observability/logger.h"
#include "observability/metrics.h"
#include "operator/managed_certificate.h"
#include "operator/operator.h"
#include "scaling/scale_handler.h"
#include "webhook/admission_handler.h"

namespace tidal::op {

struct ServingDeps {
  obs::Registry* registry = nullptr;
  scaling::ScaleHandler* handler = nullptr;
  k8s::Client* client = nullptr;
  std::atomic<bool>* ready = nullptr;
  k8s::Informer<api::ScaledObject>* scaledObjects = nullptr;
  k8s::Informer<k8s::HorizontalPodAutoscaler>* hpas = nullptr;
  k8s::Informer<k8s::PodTemplateWorkload>* deployments = nullptr;
  k8s::Informer<k8s::PodTemplateWorkload>* statefulSets = nullptr;
  obs::KedaMetrics* metrics = nullptr;
  k8s::Logger* k8sLogger = nullptr;
  // Records KEDAScalerInfo events for the webhook's relevance warnings.
  std::function<void(const k8s::ObjectReference&, std::string_view type, std::string_view reason,
                     std::string_view action, std::string_view note)>
      events;
  obs::Logger log;
};

// The DNS names of the certificate the operator makes for itself when --cert-dir holds none:
// localhost and the Services of the Helm chart (and KEDA's) in namespace `ns`.
std::vector<std::string> generatedCertificateNames(std::string_view ns);

// Who the external metrics API accepts, from the data of ConfigMap
// kube-system/extension-apiserver-authentication; --requestheader-allowed-names, when given,
// replaces the names kube-apiserver publishes there (as for any aggregated API server).
StatusOr<metrics_server::RequestHeaderAuthConfig> metricsApiAuthFromConfigMap(
    const api::StringMap& data, const std::vector<std::string>& allowedNamesFlag);

class Serving {
 public:
  Serving();
  ~Serving();  // stop()
  Status start(const OperatorOptions& options, ServingDeps deps);
  void stop();

  uint16_t metricsApiPort() const;

 private:
  class Provider;
  class WebhookCluster;
  class WebhookObservers;
  StatusOr<net::TlsOptions> servingCertificate(const OperatorOptions& options);
  StatusOr<metrics_server::RequestHeaderAuthConfig> frontProxyTrustFromConfigMap(
      const OperatorOptions& options);

  ServingDeps deps_;
  std::unique_ptr<Provider> provider_;
  std::unique_ptr<net::HttpServer> metricsHttp_;
  std::unique_ptr<net::HttpServer> healthHttp_;
  std::unique_ptr<metrics_server::MetricsServer> metricsApi_;
  std::unique_ptr<WebhookCluster> webhookCluster_;
  std::unique_ptr<WebhookObservers> webhookObservers_;
  std::unique_ptr<webhook::AdmissionHandler> admission_;
  std::unique_ptr<net::HttpServer> webhook_;
  std::string generatedCertDir_;
  std::optional<net::TlsOptions> servingTls_;  // the generated certificate, made once
  std::string trustDir_;                       // the front-proxy CA read from the ConfigMap
  std::unique_ptr<metrics_server::FrontProxyTrust> frontProxyTrust_;
  std::jthread trustRefresher_;
  std::unique_ptr<ManagedCertificate> managedCert_;  // --enable-cert-rotation
  std::jthread certRefresher_;
};

}  // namespace tidal::op
