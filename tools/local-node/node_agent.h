// The local node agent: a stand-in for a kubelet on a machine without a container runtime.
//
// It registers one Node (Ready, with capacity, kept alive by a Lease in kube-node-lease and a
// status heartbeat), binds the Pending, unscheduled pods of the namespaces it serves to that Node
// (POST pods/binding: no scheduler needed), and runs every container of a pod bound to it as a
// local process (see container_spec.h and image_map.h). It reports each pod through pods/status as
// a kubelet would: Running with Ready conditions and podIP 127.0.0.1 while the processes run;
// Succeeded or Failed with exit codes when they end for good (restartPolicy is honoured, with a
// short backoff); and when a pod gets a deletionTimestamp it sends SIGTERM, waits the pod's grace
// period, sends SIGKILL, then deletes the pod with gracePeriodSeconds=0.
//
// Threading: informer threads only mark pods dirty; one worker thread owns every process and all
// pod state, and makes all the writes. shutdown() is called from the main thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "image_map.h"
#include "k8s/cache/informer.h"
#include "k8s/client/client.h"
#include "k8s/types/object.h"
#include "process.h"

namespace tidal::localnode {

using Json = nlohmann::json;

struct AgentOptions {
  std::string nodeName = "tidal-local-node";
  std::vector<std::string> namespaces;  // pods outside these are neither bound nor run
  std::string logDir;                   // <ns>_<pod>_<container>.log
  std::string podIp = "127.0.0.1";
  int maxPods = 110;
  std::chrono::seconds heartbeat{10};
};

class NodeAgent {
 public:
  // `client` must outlive the agent.
  NodeAgent(k8s::Client& client, ImageMap images, AgentOptions options);
  ~NodeAgent();

  // Creates the Node (or takes over an existing one of the same name), posts its Ready status and
  // its Lease. Call once, before start().
  Status registerNode();
  // Starts the pod informers and the worker.
  void start();
  // Stops watching, sends SIGTERM to every process, SIGKILL to those still running after
  // `grace`, and joins the worker. Pods are left as they are (the agent is going away).
  void shutdown(std::chrono::seconds grace);

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;

  struct ContainerRun {
    std::string name;
    std::string image;
    std::string binary;  // argv[0] of the last start
    pid_t pid = -1;
    pid_t lastPid = -1;
    int restarts = 0;
    bool terminal = false;  // ended and will not be restarted
    std::optional<ExitInfo> lastExit;
    k8s::TimePoint startedAt{};
    k8s::TimePoint finishedAt{};
    SteadyTime retryAt{};  // when pid == -1 and not terminal: start at or after this
    std::string waitingReason;
    std::string waitingMessage;
  };

  struct PodRun {
    std::string ns;
    std::string name;
    std::string uid;
    Json pod;
    std::vector<ContainerRun> containers;
    k8s::TimePoint startTime{};
    bool ready = false;
    k8s::TimePoint readyChangedAt{};
    bool terminating = false;
    bool killed = false;
    SteadyTime killAt{};
    std::string pushedStatus;  // the last status written, to skip identical writes
  };

  void markDirty(const std::string& key);
  void work(const std::stop_token& stop);
  void reconcile(const std::string& key);
  void tick();
  void terminateAll(std::chrono::seconds grace);

  std::optional<Json> cachedPod(const std::string& key) const;
  void bind(const Json& pod);
  void beginTermination(PodRun& run, const Json& pod);
  void startDue(PodRun& run);
  void reap(PodRun& run);
  void pushStatus(PodRun& run);
  Json podStatus(PodRun& run);
  void deletePod(const PodRun& run);
  void killNow(PodRun& run);
  void heartbeat();
  Json nodeStatus() const;

  k8s::Client& client_;
  const ImageMap images_;
  const AgentOptions options_;
  k8s::TimePoint nodeStartedAt_{};
  SteadyTime nextHeartbeat_{};

  std::map<std::string, std::unique_ptr<k8s::Informer<k8s::Unstructured>>> informers_;
  std::map<std::string, PodRun> runs_;  // worker thread only

  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> dirty_;
  bool shutdownRequested_ = false;
  std::chrono::seconds shutdownGrace_{10};
  std::jthread worker_;
};

// One line to stderr: "local-node: <message>", with a timestamp. Thread-safe.
void logLine(const std::string& message);

}  // namespace tidal::localnode
