// Access to the real control plane the k8s integration tests run against.
//
// tests/support/with-cluster starts a fresh etcd + kube-apiserver + kube-controller-manager and
// exports KUBECONFIG, TIDAL_CLUSTER_DIR and TIDAL_ETCD_URL before running the test binary; this
// helper turns them into clients, creates a namespace per test, installs the keda.sh CRDs from
// deploy/crds/, and drives the faults the tests need: an etcd compaction (to force 410 Gone) and a
// kube-apiserver restart (scripts/cluster restart-apiserver).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "k8s/client/client.h"
#include "k8s/log.h"

namespace tidal::k8s::integration {

class Cluster {
 public:
  // The process-wide instance; aborts the test binary with a message when KUBECONFIG is unset.
  static Cluster& get();

  const RestConfig& config() const { return config_; }
  Client& client() { return *client_; }
  // A client with its own rate limiter and logger.
  std::unique_ptr<Client> newClient(double qps, int burst, Logger& logger);

  // A fresh namespace "<prefix>-<n>", and its deletion (not awaited).
  std::string createNamespace(const std::string& prefix);
  void deleteNamespace(const std::string& name);

  // Applies deploy/crds/*.yaml (server-side apply, idempotent) and waits until all are
  // Established. Returns the time it took.
  StatusOr<std::chrono::milliseconds> installCrds();

  // etcd's current revision (= the newest resourceVersion), and a compaction up to `revision`.
  StatusOr<int64_t> etcdRevision();
  Status compactEtcd(int64_t revision);

  // Restarts kube-apiserver with the same flags and port; returns once it is ready again.
  StatusOr<std::chrono::milliseconds> restartApiServer();

  std::string sourceDir() const;

 private:
  Cluster();
  StatusOr<Json> etcdPost(const std::string& path, const Json& body);

  RestConfig config_;
  std::unique_ptr<Client> client_;
  int namespaces_ = 0;
};

// Polls `condition` every `interval` until it holds or `timeout` passes; returns whether it held.
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
             std::chrono::milliseconds interval = std::chrono::milliseconds(50));

// Prints a measured figure in a greppable form: "[measure] name = value".
void measure(const std::string& name, const std::string& value);

}  // namespace tidal::k8s::integration
