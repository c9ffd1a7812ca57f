// `tidal operator`: everything KEDA runs in three Deployments (operator, metrics API server,
// admission webhooks), in one process.
//
// Components, wired here and nowhere else:
//   - informers on ScaledObjects, the HPAs tidal owns, and the Deployments/StatefulSets they scale
//     (one watch stream each);
//   - the ScaledObject controller on a work queue (KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES workers);
//   - the ScaleHandler and its Scheduler (the scale loops);
//   - the external metrics API over HTTPS (answered from the ScaleHandler, in-process);
//   - the validating admission webhook over HTTPS;
//   - /metrics (Prometheus, KEDA's metric names) and /healthz, /readyz over HTTP;
//   - leader election on a Lease: only the leader reconciles and runs scale loops; every replica
//     answers metric requests. A leader that loses its Lease exits, and its Deployment restarts
//     it as a candidate (what controller-runtime does, so KEDA users know the behaviour).
//
// Configuration comes from flags and KEDA's environment variables (spec/keda-spec.md §h); see
// OperatorOptions::fromEnvironment and `tidal operator --help`.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace tidal::op {

struct OperatorOptions {
  // Cluster access.
  std::string kubeconfig;  // "" : $KUBECONFIG, in-cluster, ~/.kube/config
  std::string context;
  double kubeApiQps = 20;
  int kubeApiBurst = 30;

  // What to watch (WATCH_NAMESPACE: "" = all namespaces; WATCH_LABEL_SELECTOR).
  std::string watchNamespace;
  std::string watchLabelSelector;

  // Serving. An empty address disables that server.
  std::string metricsBindAddress = ":8080";        // /metrics
  std::string healthProbeBindAddress = ":8081";    // /healthz, /readyz
  std::string metricsServerBindAddress = ":6443";  // external.metrics.k8s.io (HTTPS)
  std::string webhookBindAddress = ":9443";        // admission webhook (HTTPS)
  // Serving certificate: <certDir>/tls.crt and tls.key, reloaded when they change. When the files
  // do not exist, a self-signed certificate is generated at start.
  std::string certDir = "/certs";
  // The front-proxy CA that signs the aggregator's client certificate. "" reads it from
  // kube-system/extension-apiserver-authentication, and again every frontProxyRefresh, so a
  // rotated CA or changed names are trusted without a restart (a file given here is reloaded when
  // it changes, like the serving certificate).
  std::string requestHeaderClientCaFile;
  std::vector<std::string> requestHeaderAllowedNames;
  std::chrono::milliseconds frontProxyRefresh = std::chrono::seconds(60);
  // --enable-cert-rotation: the serving certificate is tidal's own, kept with its CA in Secret
  // <podNamespace>/<certSecretName>, renewed before it expires, its CA injected into the
  // APIService and the ValidatingWebhookConfiguration (operator/managed_certificate.h);
  // --cert-dir is not read. Checked every certRefresh.
  bool enableCertRotation = false;
  std::string certSecretName = "kedaorg-certs";
  bool enableApiServicePatching = true;
  bool enableWebhookPatching = true;
  std::string validatingWebhookName = "keda-admission";
  std::chrono::milliseconds certRefresh = std::chrono::hours(1);
  std::string minTlsVersion = "1.2";  // KEDA_SERVICE_MIN_TLS_VERSION / KEDA_HTTP_MIN_TLS_VERSION

  // Leader election.
  bool leaderElect = false;
  std::string leaderElectionId = "operator.keda.sh";
  std::string podNamespace = "keda";  // POD_NAMESPACE
  std::chrono::milliseconds leaseDuration{15000};
  std::chrono::milliseconds renewDeadline{10000};
  std::chrono::milliseconds retryPeriod{2000};

  // Work.
  int scaledObjectMaxReconciles = 5;  // KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES
  int scaledJobMaxReconciles = 1;     // KEDA_SCALEDJOB_CTRL_MAX_RECONCILES
  int scaleLoopWorkers = 8;
  std::chrono::milliseconds httpTimeout{3000};  // KEDA_HTTP_DEFAULT_TIMEOUT
  bool restrictSecretAccess = false;            // KEDA_RESTRICT_SECRET_ACCESS
  std::string clusterObjectNamespace;           // KEDA_CLUSTER_OBJECT_NAMESPACE ("" = podNamespace)
  std::string filepathAuthRootPath;             // --filepath-auth-root-path
  // status.lastActiveTime refreshes are written at most this often (0: on every active poll, as
  // KEDA does).
  std::chrono::seconds lastActiveTimeRefresh{300};

  // Logging.
  std::string logLevel = "info";
  std::string logFormat = "json";

  // Reads KEDA's environment variables into the defaults above (flags override afterwards).
  // Errors name the variable and the expected form.
  static StatusOr<OperatorOptions> fromEnvironment();
};

// Runs until SIGTERM or SIGINT (or until leadership is lost). Returns the process exit code:
// 0 after a clean stop, 2 when the cluster configuration (kubeconfig) is missing or malformed,
// 1 when anything else stops start-up or leadership is lost (the reason is logged).
int runOperator(const OperatorOptions& options);

}  // namespace tidal::op
