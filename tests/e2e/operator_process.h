// Runs `tidal operator` as a child process for end-to-end tests: on free loopback ports, against
// the test cluster's kubeconfig, with its log in a file the test prints when it fails. Also
// registers the external-metrics APIService so kube-apiserver's aggregator (and through it the
// real HPA controller) reaches the operator: a Service of type ExternalName -> localhost, as
// spec/k8s-local-control-plane.md §4 describes.
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

#include "k8s/client/client.h"

namespace tidal::e2e {

// A TCP port that was free a moment ago (bound to 127.0.0.1:0, then closed).
int freePort();

class OperatorProcess {
 public:
  // `binary` is the tidal executable; `extraArgs` are appended to `tidal operator`; `extraEnv`
  // ("NAME=value") is added to the environment the child inherits.
  OperatorProcess(std::string binary, std::string kubeconfig,
                  std::vector<std::string> extraArgs = {}, std::vector<std::string> extraEnv = {});
  ~OperatorProcess();  // stop()

  // Starts the process and waits for /readyz (up to 60 s). False when it exited or never got ready.
  bool start();
  // SIGTERM, then SIGKILL after 10 s. Returns the exit status (or -1).
  int stop();
  // SIGKILL at once (a crash).
  void kill();
  bool running() const;

  int metricsApiPort() const { return metricsApiPort_; }
  int metricsPort() const { return metricsPort_; }
  int healthPort() const { return healthPort_; }
  int webhookPort() const { return webhookPort_; }
  const std::string& logFile() const { return logFile_; }
  const std::string& caPem() const { return caPem_; }
  // The whole log.
  std::string log() const;
  // The last `lines` lines of the log.
  std::string tail(size_t lines = 60) const;
  // GET http://127.0.0.1:<metricsPort>/metrics.
  std::string scrapeMetrics() const;

 private:
  std::string binary_;
  std::string kubeconfig_;
  std::vector<std::string> extraArgs_;
  std::vector<std::string> extraEnv_;
  std::string logFile_;
  std::string certDir_;
  std::string caPem_;
  pid_t pid_ = -1;
  int metricsApiPort_ = 0;
  int metricsPort_ = 0;
  int healthPort_ = 0;
  int webhookPort_ = 0;
};

// Creates or replaces APIService v1beta1.external.metrics.k8s.io pointing at 127.0.0.1:`port`
// through Service keda/keda-metrics-apiserver (ExternalName localhost), verified with `caPem`.
Status registerMetricsApi(k8s::Client& client, int port, const std::string& caPem);
// Creates or replaces ValidatingWebhookConfiguration keda-admission for the four kinds, calling
// https://127.0.0.1:`port` (KEDA's settings: failurePolicy Ignore, sideEffects None, 10 s).
Status registerWebhook(k8s::Client& client, int port, const std::string& caPem);
Status unregisterWebhook(k8s::Client& client);
// Removes the APIService (before the operator stops, so namespace deletion does not stall on
// discovery).
Status unregisterMetricsApi(k8s::Client& client);

// GET of a URL with libcurl; the body, or "" on failure.
std::string httpGet(const std::string& url);

}  // namespace tidal::e2e
