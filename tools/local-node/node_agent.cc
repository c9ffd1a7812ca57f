#include "node_agent.h"

#include <algorithm>
#include <csignal>
#include <ctime>
#include <iostream>

#include <sys/utsname.h>
#include <unistd.h>

#include "container_spec.h"
#include "k8s/client/resource.h"

namespace tidal::localnode {
namespace {

using namespace std::chrono_literals;
using SystemClock = std::chrono::system_clock;

const k8s::GroupVersionResource kNodes{"", "v1", "nodes", false};
constexpr const char* kFieldManager = "tidal-local-node";

std::string now() {
  return k8s::formatTime(SystemClock::now());
}

std::string stamp(k8s::TimePoint t) {
  return k8s::formatTime(t);
}

std::string keyOf(const Json& pod) {
  return pod.value("/metadata/namespace"_json_pointer, std::string()) + "/" +
         pod.value("/metadata/name"_json_pointer, std::string());
}

// Kubelet-like restart backoff, shortened for local runs: 1 s, 2 s, 4 s ... at most 30 s.
std::chrono::seconds backoff(int restarts) {
  int exp = std::min(std::max(restarts - 1, 0), 5);
  return std::min(std::chrono::seconds(1 << exp), std::chrono::seconds(30));
}

Json condition(const std::string& type, bool status, const std::string& since,
               const std::string& reason = "") {
  Json c{{"type", type}, {"status", status ? "True" : "False"}, {"lastTransitionTime", since}};
  if (!reason.empty()) c["reason"] = reason;
  return c;
}

}  // namespace

void logLine(const std::string& message) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%H:%M:%S", std::localtime(&t));
  std::cerr << buf << " local-node: " << message << std::endl;
}

NodeAgent::NodeAgent(k8s::Client& client, ImageMap images, AgentOptions options)
    : client_(client), images_(std::move(images)), options_(std::move(options)) {}

NodeAgent::~NodeAgent() {
  shutdown(shutdownGrace_);
}

// ---------------------------------------------------------------------------------------------
// the Node

Json NodeAgent::nodeStatus() const {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  long long memKi = static_cast<long long>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE) / 1024;
  Json resources{{"cpu", std::to_string(cpus)},
                 {"memory", std::to_string(memKi) + "Ki"},
                 {"pods", std::to_string(options_.maxPods)}};
  utsname uts{};
  uname(&uts);
  std::string since = stamp(nodeStartedAt_);
  std::string beat = now();
  auto cond = [&](const char* type, bool status, const char* reason, const char* message) {
    return Json{
        {"type", type},       {"status", status ? "True" : "False"}, {"reason", reason},
        {"message", message}, {"lastHeartbeatTime", beat},           {"lastTransitionTime", since}};
  };
  return {
      {"capacity", resources},
      {"allocatable", resources},
      {"conditions", Json::array({cond("MemoryPressure", false, "KubeletHasSufficientMemory",
                                       "not checked by the local node agent"),
                                  cond("DiskPressure", false, "KubeletHasNoDiskPressure",
                                       "not checked by the local node agent"),
                                  cond("PIDPressure", false, "KubeletHasSufficientPID",
                                       "not checked by the local node agent"),
                                  cond("Ready", true, "KubeletReady",
                                       "tidal-local-node is running pods as local processes")})},
      {"addresses", Json::array({{{"type", "InternalIP"}, {"address", options_.podIp}},
                                 {{"type", "Hostname"}, {"address", options_.nodeName}}})},
      {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", 0}}}}},
      {"nodeInfo",
       {{"machineID", ""},
        {"systemUUID", ""},
        {"bootID", ""},
        {"kernelVersion", uts.release},
        {"osImage", "local processes (tidal-local-node)"},
        {"containerRuntimeVersion", "local-process://0.1"},
        {"kubeletVersion", "v0.1.0-tidal-local-node"},
        {"kubeProxyVersion", ""},
        {"operatingSystem", "linux"},
        {"architecture", uts.machine == std::string("aarch64") ? "arm64" : "amd64"}}}};
}

Status NodeAgent::registerNode() {
  nodeStartedAt_ = SystemClock::now();
  Json node{{"apiVersion", "v1"},
            {"kind", "Node"},
            {"metadata",
             {{"name", options_.nodeName},
              {"labels",
               {{"kubernetes.io/hostname", options_.nodeName},
                {"kubernetes.io/os", "linux"},
                {"node.tidal.dev/local", "true"}}}}}};
  StatusOr<Json> created = client_.create(kNodes, "", node);
  if (!created.isOk() && created.status().code() != StatusCode::kAlreadyExists) {
    return created.status().withPrefix("cannot create Node " + options_.nodeName);
  }
  // The API server taints a new Node not-ready until a node controller clears it; there is none
  // here, and pods are bound directly, but the taint would mislead anyone reading the Node.
  StatusOr<Json> patched = client_.patch(kNodes, "", options_.nodeName, k8s::PatchType::kMerge,
                                         {{"spec", {{"taints", nullptr}}}});
  if (!patched.isOk()) return patched.status().withPrefix("cannot clear the Node's taints");
  heartbeat();
  return Status::ok();
}

void NodeAgent::heartbeat() {
  nextHeartbeat_ = std::chrono::steady_clock::now() + options_.heartbeat;
  StatusOr<Json> status = client_.patch(kNodes, "", options_.nodeName, k8s::PatchType::kMerge,
                                        {{"status", nodeStatus()}}, {.subresource = "status"});
  if (!status.isOk()) logLine("node status update failed: " + status.status().toString());
  Json lease{{"apiVersion", "coordination.k8s.io/v1"},
             {"kind", "Lease"},
             {"metadata", {{"name", options_.nodeName}, {"namespace", "kube-node-lease"}}},
             {"spec",
              {{"holderIdentity", options_.nodeName},
               {"leaseDurationSeconds", 40},
               {"renewTime", k8s::formatMicroTime(SystemClock::now())}}}};
  StatusOr<Json> renewed = client_.apply(k8s::kLeases, "kube-node-lease", lease, kFieldManager);
  if (!renewed.isOk()) logLine("node lease renewal failed: " + renewed.status().toString());
}

// ---------------------------------------------------------------------------------------------
// lifecycle

void NodeAgent::start() {
  for (const std::string& ns : options_.namespaces) {
    auto informer = std::make_unique<k8s::Informer<k8s::Unstructured>>(
        client_, k8s::InformerOptions{.gvr = k8s::kPods, .namespace_ = ns});
    informer->addHandlers({
        .onAdd = [this](const k8s::Unstructured& p) { markDirty(keyOf(p.object)); },
        .onUpdate = [this](const k8s::Unstructured&,
                           const k8s::Unstructured& p) { markDirty(keyOf(p.object)); },
        .onDelete = [this](const k8s::Unstructured& p) { markDirty(keyOf(p.object)); },
    });
    informer->start();
    informers_[ns] = std::move(informer);
  }
  worker_ = std::jthread([this](const std::stop_token& stop) { work(stop); });
}

void NodeAgent::shutdown(std::chrono::seconds grace) {
  for (auto& [ns, informer] : informers_) informer->stop();
  {
    std::lock_guard lock(mu_);
    shutdownRequested_ = true;
    shutdownGrace_ = grace;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void NodeAgent::markDirty(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    dirty_.insert(key);
  }
  cv_.notify_all();
}

void NodeAgent::work(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    std::set<std::string> keys;
    std::chrono::seconds grace{0};
    bool stopping = false;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, 200ms, [&] { return !dirty_.empty() || shutdownRequested_; });
      keys.swap(dirty_);
      stopping = shutdownRequested_;
      grace = shutdownGrace_;
    }
    if (stopping) {
      terminateAll(grace);
      return;
    }
    for (const std::string& key : keys) reconcile(key);
    tick();
  }
}

// ---------------------------------------------------------------------------------------------
// pods

std::optional<Json> NodeAgent::cachedPod(const std::string& key) const {
  k8s::ObjectKey k = k8s::ObjectKey::parse(key);
  auto it = informers_.find(k.namespace_);
  if (it == informers_.end()) return std::nullopt;
  std::shared_ptr<const k8s::Unstructured> pod = it->second->get(k);
  if (pod == nullptr) return std::nullopt;
  return pod->object;
}

void NodeAgent::reconcile(const std::string& key) {
  std::optional<Json> pod = cachedPod(key);
  auto it = runs_.find(key);
  std::string uid = pod ? pod->value("/metadata/uid"_json_pointer, std::string()) : "";
  if (it != runs_.end() && (!pod || it->second.uid != uid)) {
    // Deleted behind our back (force deletion), or replaced by a new pod of the same name.
    logLine("pod " + key + " is gone: killing its processes");
    killNow(it->second);
    runs_.erase(it);
    it = runs_.end();
  }
  if (!pod) return;
  std::string nodeName = pod->value("/spec/nodeName"_json_pointer, std::string());
  bool deleting = pod->contains("metadata") && (*pod)["metadata"].contains("deletionTimestamp");
  if (nodeName.empty()) {
    std::string scheduler =
        pod->value("/spec/schedulerName"_json_pointer, std::string("default-scheduler"));
    if (!deleting && scheduler == "default-scheduler") bind(*pod);
    return;
  }
  if (nodeName != options_.nodeName) return;
  if (deleting) {
    if (it == runs_.end()) {
      PodRun gone{.ns = (*pod)["metadata"].value("namespace", ""),
                  .name = (*pod)["metadata"].value("name", ""),
                  .uid = uid};
      deletePod(gone);
      return;
    }
    beginTermination(it->second, *pod);
    return;
  }
  if (it != runs_.end()) {
    it->second.pod = *pod;
    return;
  }
  std::string phase = pod->value("/status/phase"_json_pointer, std::string());
  if (phase == "Succeeded" || phase == "Failed") return;
  PodRun run{.ns = (*pod)["metadata"].value("namespace", ""),
             .name = (*pod)["metadata"].value("name", ""),
             .uid = uid,
             .pod = *pod,
             .startTime = SystemClock::now()};
  run.readyChangedAt = run.startTime;
  for (const Json& c : pod->value("/spec/containers"_json_pointer, Json::array())) {
    run.containers.push_back({.name = c.value("name", ""), .image = c.value("image", "")});
  }
  if (!pod->value("/spec/initContainers"_json_pointer, Json::array()).empty()) {
    logLine("pod " + key + ": initContainers are not supported; running the containers only");
  }
  auto [inserted, ok] = runs_.emplace(key, std::move(run));
  startDue(inserted->second);
  pushStatus(inserted->second);
}

void NodeAgent::bind(const Json& pod) {
  std::string ns = pod["metadata"].value("namespace", "");
  std::string name = pod["metadata"].value("name", "");
  Json binding{{"apiVersion", "v1"},
               {"kind", "Binding"},
               {"metadata", {{"name", name}, {"namespace", ns}}},
               {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", options_.nodeName}}}};
  k8s::RestRequest request{.method = "POST",
                           .path = k8s::resourcePath(k8s::kPods, ns, name, "binding"),
                           .body = binding.dump()};
  StatusOr<Json> bound = client_.rest().call(request);
  if (bound.isOk()) {
    logLine("bound pod " + ns + "/" + name + " to " + options_.nodeName);
  } else if (bound.status().code() != StatusCode::kAborted &&
             bound.status().code() != StatusCode::kAlreadyExists &&
             bound.status().code() != StatusCode::kNotFound) {
    logLine("cannot bind pod " + ns + "/" + name + ": " + bound.status().toString());
  }
}

void NodeAgent::startDue(PodRun& run) {
  if (run.terminating) return;
  SteadyTime t = std::chrono::steady_clock::now();
  ObjectFetcher fetch = [this](const std::string& resource, const std::string& ns,
                               const std::string& name) -> StatusOr<Json> {
    return client_.get(resource == "secrets" ? k8s::kSecrets : k8s::kConfigMaps, ns, name);
  };
  const Json containers = run.pod.value("/spec/containers"_json_pointer, Json::array());
  for (size_t i = 0; i < run.containers.size() && i < containers.size(); ++i) {
    ContainerRun& c = run.containers[i];
    if (c.pid > 0 || c.terminal || t < c.retryAt) continue;
    StatusOr<ContainerLaunch> launch = prepareContainer(run.pod, containers[i], images_, fetch,
                                                        {options_.nodeName, options_.podIp});
    if (!launch.isOk()) {
      std::string reason =
          images_.find(c.image) == nullptr ? "ImageNotMapped" : "CreateContainerConfigError";
      if (c.waitingMessage != launch.status().message()) {
        logLine("pod " + run.ns + "/" + run.name + ": " + launch.status().message());
      }
      c.waitingReason = reason;
      c.waitingMessage = launch.status().message();
      c.retryAt = t + 5s;
      continue;
    }
    std::string log = options_.logDir + "/" + run.ns + "_" + run.name + "_" + c.name + ".log";
    StatusOr<pid_t> pid = startProcess(launch->argv, launch->env, log);
    if (!pid.isOk()) {
      c.waitingReason = "RunContainerError";
      c.waitingMessage = pid.status().message();
      c.retryAt = t + 5s;
      logLine("pod " + run.ns + "/" + run.name + ": " + pid.status().message());
      continue;
    }
    c.pid = *pid;
    c.lastPid = *pid;
    c.binary = launch->argv[0];
    c.startedAt = SystemClock::now();
    c.waitingReason.clear();
    c.waitingMessage.clear();
    // The binary only: arguments may carry credentials (KEDA's sample passes the AMQP URL).
    logLine("pod " + run.ns + "/" + run.name + " container " + c.name + ": started " + c.binary +
            " (pid " + std::to_string(c.pid) + ", log " + log + ")");
  }
}

void NodeAgent::reap(PodRun& run) {
  std::string policy = run.pod.value("/spec/restartPolicy"_json_pointer, std::string("Always"));
  for (ContainerRun& c : run.containers) {
    if (c.pid <= 0) continue;
    std::optional<ExitInfo> exit = pollExit(c.pid);
    if (!exit) continue;
    logLine("pod " + run.ns + "/" + run.name + " container " + c.name + ": pid " +
            std::to_string(c.pid) + " exited with " + std::to_string(exit->exitCode));
    c.pid = -1;
    c.lastExit = exit;
    c.finishedAt = SystemClock::now();
    bool restart =
        !run.terminating && (policy == "Always" || (policy == "OnFailure" && exit->exitCode != 0));
    if (restart) {
      ++c.restarts;
      c.retryAt = std::chrono::steady_clock::now() + backoff(c.restarts);
    } else {
      c.terminal = true;
    }
  }
}

void NodeAgent::beginTermination(PodRun& run, const Json& pod) {
  run.pod = pod;
  if (run.terminating) return;
  run.terminating = true;
  int64_t grace = pod.value(
      "/metadata/deletionGracePeriodSeconds"_json_pointer,
      pod.value("/spec/terminationGracePeriodSeconds"_json_pointer, static_cast<int64_t>(30)));
  run.killAt = std::chrono::steady_clock::now() + std::chrono::seconds(grace);
  int signalled = 0;
  for (ContainerRun& c : run.containers) {
    if (c.pid > 0) {
      signalProcess(c.pid, SIGTERM);
      ++signalled;
    } else {
      c.terminal = true;
    }
  }
  logLine("pod " + run.ns + "/" + run.name + " is being deleted: SIGTERM to " +
          std::to_string(signalled) + " process(es), grace " + std::to_string(grace) + " s");
}

void NodeAgent::killNow(PodRun& run) {
  for (ContainerRun& c : run.containers) {
    if (c.pid <= 0) continue;
    signalProcess(c.pid, SIGKILL);
    while (!pollExit(c.pid)) std::this_thread::sleep_for(10ms);
    c.pid = -1;
  }
}

void NodeAgent::deletePod(const PodRun& run) {
  Status s = client_.remove(k8s::kPods, run.ns, run.name,
                            {.gracePeriodSeconds = 0, .preconditionUid = run.uid});
  if (s.isOk()) {
    logLine("pod " + run.ns + "/" + run.name + " stopped and deleted");
  } else if (s.code() != StatusCode::kNotFound) {
    logLine("cannot delete pod " + run.ns + "/" + run.name + ": " + s.toString());
  }
}

void NodeAgent::tick() {
  SteadyTime t = std::chrono::steady_clock::now();
  for (auto it = runs_.begin(); it != runs_.end();) {
    PodRun& run = it->second;
    reap(run);
    if (run.terminating) {
      bool anyRunning = std::any_of(run.containers.begin(), run.containers.end(),
                                    [](const ContainerRun& c) { return c.pid > 0; });
      if (!anyRunning) {
        deletePod(run);
        it = runs_.erase(it);
        continue;
      }
      if (!run.killed && t >= run.killAt) {
        run.killed = true;
        logLine("pod " + run.ns + "/" + run.name + ": grace period over, SIGKILL");
        for (ContainerRun& c : run.containers) signalProcess(c.pid, SIGKILL);
      }
    } else {
      startDue(run);
    }
    pushStatus(run);
    ++it;
  }
  if (t >= nextHeartbeat_) heartbeat();
}

void NodeAgent::terminateAll(std::chrono::seconds grace) {
  int count = 0;
  for (auto& [key, run] : runs_) {
    for (ContainerRun& c : run.containers) {
      if (c.pid > 0) {
        signalProcess(c.pid, SIGTERM);
        ++count;
      }
    }
  }
  logLine("stopping: SIGTERM to " + std::to_string(count) + " process(es)");
  SteadyTime deadline = std::chrono::steady_clock::now() + grace;
  while (true) {
    bool anyRunning = false;
    for (auto& [key, run] : runs_) {
      for (ContainerRun& c : run.containers) {
        if (c.pid > 0 && pollExit(c.pid)) c.pid = -1;
        anyRunning = anyRunning || c.pid > 0;
      }
    }
    if (!anyRunning) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      logLine("stopping: grace period over, SIGKILL to what is left");
      for (auto& [key, run] : runs_) killNow(run);
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  runs_.clear();
}

// ---------------------------------------------------------------------------------------------
// pod status

Json NodeAgent::podStatus(PodRun& run) {
  bool allTerminal = !run.containers.empty();
  bool allZero = true;
  bool anyStarted = false;
  bool allRunning = !run.containers.empty();
  Json statuses = Json::array();
  for (const ContainerRun& c : run.containers) {
    allTerminal = allTerminal && c.terminal && c.pid <= 0;
    allRunning = allRunning && c.pid > 0;
    anyStarted = anyStarted || c.lastPid > 0;
    if (c.lastExit && c.lastExit->exitCode != 0) allZero = false;
    Json s{{"name", c.name},
           {"image", c.image},
           {"imageID", c.binary.empty() ? "" : "local://" + c.binary},
           {"ready", c.pid > 0 && !run.terminating},
           {"started", c.pid > 0},
           {"restartCount", c.restarts}};
    if (c.lastPid > 0) s["containerID"] = "local://" + std::to_string(c.lastPid);
    Json terminated;
    if (c.lastExit) {
      terminated = {{"exitCode", c.lastExit->exitCode},
                    {"reason", c.lastExit->exitCode == 0 ? "Completed" : "Error"},
                    {"startedAt", stamp(c.startedAt)},
                    {"finishedAt", stamp(c.finishedAt)},
                    {"containerID", "local://" + std::to_string(c.lastPid)}};
      if (c.lastExit->signal != 0) terminated["signal"] = c.lastExit->signal;
    }
    if (c.pid > 0) {
      s["state"] = {{"running", {{"startedAt", stamp(c.startedAt)}}}};
      if (c.lastExit) s["lastState"] = {{"terminated", terminated}};
    } else if (c.terminal && c.lastExit) {
      s["state"] = {{"terminated", terminated}};
    } else {
      std::string reason = !c.waitingReason.empty() ? c.waitingReason
                           : c.restarts > 0         ? "CrashLoopBackOff"
                                                    : "ContainerCreating";
      Json waiting{{"reason", reason}};
      if (!c.waitingMessage.empty()) waiting["message"] = c.waitingMessage;
      s["state"] = {{"waiting", waiting}};
      if (c.lastExit) s["lastState"] = {{"terminated", terminated}};
    }
    statuses.push_back(std::move(s));
  }
  std::string phase = allTerminal  ? (allZero ? "Succeeded" : "Failed")
                      : anyStarted ? "Running"
                                   : "Pending";
  bool ready = allRunning && !run.terminating;
  if (ready != run.ready) {
    run.ready = ready;
    run.readyChangedAt = SystemClock::now();
  }
  std::string start = stamp(run.startTime);
  std::string readySince = stamp(run.readyChangedAt);
  std::string notReadyReason = allTerminal ? "PodCompleted" : "ContainersNotReady";
  Json ips = Json::array({{{"ip", options_.podIp}}});
  return {
      {"phase", phase},
      {"hostIP", options_.podIp},
      {"hostIPs", ips},
      {"podIP", options_.podIp},
      {"podIPs", ips},
      {"startTime", start},
      {"conditions",
       Json::array({condition("PodReadyToStartContainers", true, start),
                    condition("Initialized", true, start),
                    condition("Ready", ready, readySince, ready ? "" : notReadyReason),
                    condition("ContainersReady", ready, readySince, ready ? "" : notReadyReason),
                    condition("PodScheduled", true, start)})},
      {"containerStatuses", statuses}};
}

void NodeAgent::pushStatus(PodRun& run) {
  Json status = podStatus(run);
  std::string text = status.dump();
  if (text == run.pushedStatus) return;
  StatusOr<Json> patched = client_.patch(k8s::kPods, run.ns, run.name, k8s::PatchType::kMerge,
                                         {{"status", status}}, {.subresource = "status"});
  if (patched.isOk()) {
    run.pushedStatus = text;
  } else if (patched.status().code() != StatusCode::kNotFound) {
    logLine("cannot update the status of pod " + run.ns + "/" + run.name + ": " +
            patched.status().toString());
  }
}

}  // namespace tidal::localnode
