#include "operator/operator.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include "api/duration.h"
#include "common/strings.h"
#include "common/version.h"
#include "controller/auth_controller.h"
#include "controller/scaledjob_controller.h"
#include "controller/scaledobject_controller.h"
#include "k8s/cache/informer.h"
#include "k8s/client/config.h"
#include "k8s/client/discovery.h"
#include "k8s/events/recorder.h"
#include "k8s/leader/leader_elector.h"
#include "k8s/types/apps.h"
#include "k8s/types/autoscaling.h"
#include "k8s/types/keda.h"
#include "k8s/workqueue/worker_pool.h"
#include "net/http_server.h"
#include "observability/keda_metrics.h"
#include "observability/logger.h"
#include "observability/metrics.h"
#include "observability/process_metrics.h"
#include "operator/cluster_reader.h"
#include "operator/serving.h"
#include "scalers/registry.h"
#include "scaling/scale_handler.h"
#include "scaling/scaledjob_handler.h"
#include "scaling/scheduler.h"

namespace tidal::op {
namespace {

using Json = nlohmann::json;

// Forwards the k8s library's log records to the structured logger.
class LogAdapter : public k8s::Logger {
 public:
  explicit LogAdapter(std::shared_ptr<obs::LogSink> sink) : sink_(std::move(sink)) {}
  void write(const k8s::LogRecord& record) override {
    obs::LogLevel level = toObs(record.level);
    if (!sink_->enabled(level)) return;
    std::vector<obs::LogField> fields;
    fields.reserve(record.fields.size());
    for (const auto& [k, v] : record.fields) fields.push_back({k, v});
    sink_->write(level, record.component, record.message, {}, fields);
  }
  bool enabled(k8s::LogLevel level) const override { return sink_->enabled(toObs(level)); }

 private:
  static obs::LogLevel toObs(k8s::LogLevel from) {
    obs::LogLevel level = obs::LogLevel::kInfo;
    switch (from) {
      case k8s::LogLevel::kDebug:
        level = obs::LogLevel::kDebug;
        break;
      case k8s::LogLevel::kInfo:
        level = obs::LogLevel::kInfo;
        break;
      case k8s::LogLevel::kWarning:
        level = obs::LogLevel::kWarn;
        break;
      case k8s::LogLevel::kError:
        level = obs::LogLevel::kError;
        break;
    }
    return level;
  }

  std::shared_ptr<obs::LogSink> sink_;
};

StatusOr<std::chrono::milliseconds> envDuration(const char* name,
                                                std::chrono::milliseconds fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  StatusOr<std::chrono::nanoseconds> d = api::parseGoDuration(value);
  if (!d.isOk()) {
    return invalidArgument(
        fmt::format("environment variable {}={:?}: {}; expected a Go duration "
                    "such as 15s",
                    name, value, d.status().message()));
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

StatusOr<int64_t> envInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  std::optional<int64_t> n = parseGoInt(value);
  if (!n || *n <= 0) {
    return invalidArgument(
        fmt::format("environment variable {}={:?}: expected a positive integer", name, value));
  }
  return *n;
}

std::string envString(const char* name, std::string fallback = "") {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::string(value);
}

std::string hostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "tidal";
  return buf;
}

// The SO key an HPA belongs to: its controller owner reference, if it is a ScaledObject.
std::optional<std::string> ownerKey(const k8s::HorizontalPodAutoscaler& hpa) {
  if (hpa.controllerScaledObject.empty()) return std::nullopt;
  return hpa.metadata.namespace_ + "/" + hpa.controllerScaledObject;
}

std::string keyOf(const api::ObjectMeta& meta) {
  return meta.namespace_ + "/" + meta.name;
}

volatile std::sig_atomic_t gStopSignal = 0;

}  // namespace

StatusOr<OperatorOptions> OperatorOptions::fromEnvironment() {
  OperatorOptions o;
  std::string ns = envString("WATCH_NAMESPACE");
  if (ns == "\"\"") ns.clear();
  o.watchNamespace = ns;
  o.watchLabelSelector = envString("WATCH_LABEL_SELECTOR");
  o.podNamespace = envString("POD_NAMESPACE", "keda");
  o.clusterObjectNamespace = envString("KEDA_CLUSTER_OBJECT_NAMESPACE");
  o.restrictSecretAccess = envString("KEDA_RESTRICT_SECRET_ACCESS") == "true";
  TIDAL_ASSIGN_OR_RETURN(int64_t timeoutMs, envInt("KEDA_HTTP_DEFAULT_TIMEOUT", 3000));
  o.httpTimeout = std::chrono::milliseconds(timeoutMs);
  TIDAL_ASSIGN_OR_RETURN(int64_t reconciles, envInt("KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES", 5));
  o.scaledObjectMaxReconciles = static_cast<int>(reconciles);
  TIDAL_ASSIGN_OR_RETURN(int64_t jobReconciles, envInt("KEDA_SCALEDJOB_CTRL_MAX_RECONCILES", 1));
  o.scaledJobMaxReconciles = static_cast<int>(jobReconciles);
  TIDAL_ASSIGN_OR_RETURN(
      o.leaseDuration,
      envDuration("KEDA_OPERATOR_LEADER_ELECTION_LEASE_DURATION", o.leaseDuration));
  TIDAL_ASSIGN_OR_RETURN(
      o.renewDeadline,
      envDuration("KEDA_OPERATOR_LEADER_ELECTION_RENEW_DEADLINE", o.renewDeadline));
  TIDAL_ASSIGN_OR_RETURN(o.retryPeriod,
                         envDuration("KEDA_OPERATOR_LEADER_ELECTION_RETRY_PERIOD", o.retryPeriod));
  std::string tls =
      envString("KEDA_SERVICE_MIN_TLS_VERSION", envString("KEDA_HTTP_MIN_TLS_VERSION"));
  if (tls == "TLS13") o.minTlsVersion = "1.3";
  if (!tls.empty() && tls != "TLS12" && tls != "TLS13") {
    return invalidArgument(fmt::format(
        "KEDA_SERVICE_MIN_TLS_VERSION / KEDA_HTTP_MIN_TLS_VERSION={:?}: expected TLS12 or TLS13",
        tls));
  }
  return o;
}

int runOperator(const OperatorOptions& options) {
  // glibc gives a thread that meets contention its own malloc arena, up to 8 per core, and each
  // arena keeps the pages freed into it. The operator's threads are mostly idle: one arena per
  // core (at least 2) kept ~4 MiB less resident at 1,000 ScaledObjects (docs/performance.md).
  // MALLOC_ARENA_MAX in the environment still decides when it is set.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    mallopt(M_ARENA_MAX, std::max(2, static_cast<int>(std::thread::hardware_concurrency())));
  }
  // ---- logging ----
  StatusOr<obs::LogLevel> level = obs::parseLogLevel(options.logLevel);
  StatusOr<obs::LogFormat> format = obs::parseLogFormat(options.logFormat);
  if (!level.isOk() || !format.isOk()) {
    fmt::print(stderr, "tidal operator: {}\n",
               (!level.isOk() ? level.status() : format.status()).message());
    return 2;
  }
  auto sink =
      std::make_shared<obs::LogSink>(obs::LogSinkOptions{.format = *format, .minLevel = *level});
  obs::Logger log(sink, "operator");
  LogAdapter k8sLog(sink);

  // ---- cluster access ----
  StatusOr<k8s::RestConfig> config = k8s::loadDefaultConfig(options.kubeconfig, options.context);
  if (!config.isOk()) {
    // A configuration the user must fix (missing or malformed kubeconfig): a usage error.
    log.error("cannot load cluster configuration", {{"error", config.status().message()}});
    return 2;
  }
  config->qps = options.kubeApiQps;
  config->burst = options.kubeApiBurst;
  config->userAgent = fmt::format("tidal-operator/{}", kVersion);

  // ---- metrics ----
  obs::Registry registry;
  obs::registerProcessMetrics(registry);
  StatusOr<std::unique_ptr<obs::KedaMetrics>> metrics = obs::KedaMetrics::create(registry);
  if (!metrics.isOk()) {
    log.error("cannot register metrics", {{"error", metrics.status().message()}});
    return 1;
  }
  (*metrics)->setBuildInfo(kVersion, kGitCommit);
  // client-go's request counter, as KEDA's /metrics has it: what tidal costs the API server.
  StatusOr<obs::CounterFamily*> apiRequests = registry.counter(
      "rest_client_requests_total",
      "Number of HTTP requests to the Kubernetes API server, partitioned by status code, method, "
      "and host.",
      {"code", "host", "method"});
  if (!apiRequests.isOk()) {
    log.error("cannot register metrics", {{"error", apiRequests.status().message()}});
    return 1;
  }
  std::string apiHost = config->server;
  if (size_t scheme = apiHost.find("://"); scheme != std::string::npos) {
    apiHost = apiHost.substr(scheme + 3);
  }
  apiHost = apiHost.substr(0, apiHost.find('/'));
  auto countRequest = [family = *apiRequests, apiHost](std::string_view method,
                                                       std::optional<int> status) {
    std::string code = status ? std::to_string(*status) : std::string("<error>");
    family->withLabels({std::string_view(code), std::string_view(apiHost), method})->inc();
  };

  StatusOr<std::unique_ptr<k8s::RestClient>> rest =
      k8s::RestClient::create(*config, {.logger = &k8sLog, .onAttempt = countRequest});
  if (!rest.isOk()) {
    log.error("cannot create the API client", {{"error", rest.status().message()}});
    return 1;
  }
  k8s::Client client(std::shared_ptr<k8s::RestClient>(std::move(rest).value()));
  log.info("starting",
           {{"version", kVersion},
            {"server", config->server},
            {"watchNamespace", options.watchNamespace.empty() ? "(all)" : options.watchNamespace}});

  // ---- informers ----
  auto informerOptions = [&](k8s::GroupVersionResource gvr, std::string selector) {
    return k8s::InformerOptions{.gvr = std::move(gvr),
                                .namespace_ = options.watchNamespace,
                                .labelSelector = std::move(selector),
                                .logger = &k8sLog,
                                // Nothing here selects from a cache by label.
                                .indexLabels = false};
  };
  k8s::Informer<api::ScaledObject> scaledObjects(
      client, informerOptions(k8s::kScaledObjects, options.watchLabelSelector));
  k8s::Informer<api::ScaledJob> scaledJobs(
      client, informerOptions(k8s::kScaledJobs, options.watchLabelSelector));
  k8s::Informer<k8s::HorizontalPodAutoscaler> hpas(
      client, informerOptions(k8s::kHorizontalPodAutoscalers,
                              "app.kubernetes.io/managed-by=keda-operator"));
  k8s::Informer<k8s::PodTemplateWorkload> deployments(client,
                                                      informerOptions(k8s::kDeployments, ""));
  k8s::Informer<k8s::PodTemplateWorkload> statefulSets(client,
                                                       informerOptions(k8s::kStatefulSets, ""));
  std::string authSelector = envString("WATCH_LABEL_SELECTOR_FOR_TRIGGERAUTH");
  k8s::Informer<api::TriggerAuthentication> triggerAuths(
      client, informerOptions(k8s::kTriggerAuthentications, authSelector));
  k8s::InformerOptions ctaOptions =
      informerOptions(k8s::kClusterTriggerAuthentications, authSelector);
  ctaOptions.namespace_.clear();  // cluster-scoped
  k8s::Informer<api::TriggerAuthentication> clusterTriggerAuths(client, ctaOptions);
  ClusterReader reader(client, {.scaledObjects = &scaledObjects,
                                .deployments = &deployments,
                                .statefulSets = &statefulSets,
                                .hpas = &hpas});

  // ---- events ----
  k8s::EventRecorder recorder(client, {.reportingInstance = hostName(), .logger = &k8sLog});
  auto events = [&recorder](const k8s::ObjectReference& ref, std::string_view type,
                            std::string_view reason, std::string_view action,
                            std::string_view note) {
    recorder.record(ref, type, reason, action, note);
  };

  // ---- scaling ----
  scaling::Scheduler scheduler({.workers = options.scaleLoopWorkers});
  scaling::ResolverOptions resolverOptions;
  resolverOptions.clusterObjectNamespace = options.clusterObjectNamespace.empty()
                                               ? options.podNamespace
                                               : options.clusterObjectNamespace;
  resolverOptions.restrictSecretAccess = options.restrictSecretAccess;
  resolverOptions.filePathAuthRoot = options.filepathAuthRootPath;
  resolverOptions.globalHttpTimeout = options.httpTimeout;
  // Set once this process leads (at once without leader election); a standby serves metrics but
  // writes nothing.
  std::atomic<bool> leading{false};
  scaling::ScaleHandler handler({.client = &client,
                                 .registry = &scalers::builtinRegistry(),
                                 .resolverSource = &reader,
                                 .resolverOptions = resolverOptions,
                                 .targets = &reader,
                                 .scheduler = &scheduler,
                                 .events = events,
                                 .metrics = metrics->get(),
                                 .logger = &k8sLog,
                                 .httpTimeout = options.httpTimeout,
                                 .lastActiveRefresh = options.lastActiveTimeRefresh,
                                 .mayWrite = [&leading] { return leading.load(); }});

  obs::KedaMetrics* kedaMetrics = metrics->get();

  // ---- the (Cluster)TriggerAuthentication controller ----
  // The ScaledJob handler is built further down; credentials only change once work has started.
  scaling::ScaledJobHandler* jobHandlerForAuth = nullptr;
  controller::AuthController authController(
      {.client = &client,
       .lookup =
           [&](std::string_view ns, std::string_view name, bool cluster) {
             return cluster ? clusterTriggerAuths.get({"", std::string(name)})
                            : triggerAuths.get({std::string(ns), std::string(name)});
           },
       .scaledObjects = [&] { return scaledObjects.list(); },
       .scaledJobs = [&] { return scaledJobs.list(); },
       .events = events,
       .registered =
           [&](std::string_view type, std::string_view ns, int delta) {
             if (delta > 0) {
               kedaMetrics->incResourceRegistered(type, ns);
             } else {
               kedaMetrics->decResourceRegistered(type, ns);
             }
           },
       .onChanged =
           [&](const api::TriggerAuthentication& auth) {
             // Rebuild the scalers that use it, so new credentials apply at the next poll.
             std::string key = controller::AuthController::keyOf(auth);
             for (const auto& so : scaledObjects.list()) {
               for (const api::ScaleTrigger& t : so->spec.triggers) {
                 if (controller::AuthController::keyForTrigger(t, so->metadata.namespace_) == key) {
                   handler.invalidate(so->metadata.namespace_, so->metadata.name);
                   break;
                 }
               }
             }
             if (jobHandlerForAuth == nullptr) return;
             for (const auto& sj : scaledJobs.list()) {
               for (const api::ScaleTrigger& t : sj->spec.triggers) {
                 if (controller::AuthController::keyForTrigger(t, sj->metadata.namespace_) == key) {
                   jobHandlerForAuth->invalidate(sj->metadata.namespace_, sj->metadata.name);
                   break;
                 }
               }
             }
           },
       .logger = &k8sLog});
  k8s::WorkQueue authQueue;
  k8s::WorkerPool authWorkers(
      "triggerauthentication", authQueue,
      [&](const std::string& key, const std::stop_token& stop) {
        return authController.reconcile(key, stop);
      },
      1, k8sLog);
  auto enqueueAuth = [&](const api::TriggerAuthentication& auth) {
    authQueue.add(controller::AuthController::keyOf(auth));
  };
  for (auto* informer : {&triggerAuths, &clusterTriggerAuths}) {
    informer->addHandlers(
        {.onAdd = enqueueAuth,
         .onUpdate = [&](const api::TriggerAuthentication&,
                         const api::TriggerAuthentication& after) { enqueueAuth(after); },
         .onDelete = enqueueAuth});
  }
  // A ScaledObject or ScaledJob that starts or stops referencing an authentication changes its
  // status.
  auto enqueueReferencedAuths = [&](const auto& object) {
    for (const api::ScaleTrigger& t : object.spec.triggers) {
      std::string key = controller::AuthController::keyForTrigger(t, object.metadata.namespace_);
      if (!key.empty()) authQueue.add(key);
    }
  };

  // ---- the ScaledObject controller ----
  k8s::RestMapper mapper(client, SystemClock::instance());
  std::mutex registeredMu;
  std::map<std::string, std::vector<std::string>, std::less<>> registeredTriggers;
  controller::ScaledObjectController soController(
      {.client = &client,
       .mapper = &mapper,
       .scalables = &handler,
       .lookup = [&](const k8s::ObjectKey& key) { return scaledObjects.get(key); },
       .hpaLookup = [&](const k8s::ObjectKey& key) { return hpas.get(key); },
       .cachedReplicas = [&](const api::ScaledObject& so) { return reader.cachedReplicas(so); },
       .events = events,
       .metrics = {.registered =
                       [&](const api::ScaledObject& so) {
                         std::lock_guard lock(registeredMu);
                         auto [it, inserted] = registeredTriggers.try_emplace(keyOf(so.metadata));
                         if (inserted) {
                           kedaMetrics->incResourceRegistered(obs::kRegisteredScaledObject,
                                                              so.metadata.namespace_);
                         }
                         for (const std::string& t : it->second)
                           kedaMetrics->decTriggerRegistered(t);
                         it->second.clear();
                         for (const api::ScaleTrigger& t : so.spec.triggers) {
                           kedaMetrics->incTriggerRegistered(t.type);
                           it->second.push_back(t.type);
                         }
                       },
                   .unregistered =
                       [&](std::string_view ns, std::string_view name) {
                         std::lock_guard lock(registeredMu);
                         auto it =
                             registeredTriggers.find(std::string(ns) + "/" + std::string(name));
                         if (it == registeredTriggers.end()) return;
                         for (const std::string& t : it->second)
                           kedaMetrics->decTriggerRegistered(t);
                         kedaMetrics->decResourceRegistered(obs::kRegisteredScaledObject, ns);
                         registeredTriggers.erase(it);
                       },
                   .paused = [&](std::string_view ns, std::string_view name,
                                 bool paused) { kedaMetrics->setPaused(ns, name, paused); }},
       .logger = &k8sLog,
       .version = kVersion});
  k8s::WorkQueue queue;
  k8s::WorkerPool workers(
      "scaledobject", queue,
      [&](const std::string& key, const std::stop_token& stop) {
        return soController.reconcile(key, stop);
      },
      options.scaledObjectMaxReconciles, k8sLog);
  scaledObjects.addHandlers(
      {.onAdd =
           [&](const api::ScaledObject& so) {
             queue.add(keyOf(so.metadata));
             enqueueReferencedAuths(so);
           },
       .onUpdate =
           [&](const api::ScaledObject& before, const api::ScaledObject& after) {
             handler.cacheUpdated(after);
             if (controller::ScaledObjectController::needsReconcile(before, after)) {
               queue.add(keyOf(after.metadata));
               enqueueReferencedAuths(before);
               enqueueReferencedAuths(after);
             }
           },
       .onDelete =
           [&](const api::ScaledObject& so) {
             queue.add(keyOf(so.metadata));
             enqueueReferencedAuths(so);
           }});
  hpas.addHandlers({.onUpdate =
                        [&](const k8s::HorizontalPodAutoscaler& before,
                            const k8s::HorizontalPodAutoscaler& after) {
                          // Someone edited tidal's HPA: put it back. Status-only changes are
                          // ignored.
                          if (before.metrics == after.metrics &&
                              before.behavior == after.behavior &&
                              before.minReplicas == after.minReplicas &&
                              before.maxReplicas == after.maxReplicas &&
                              before.scaleTargetRef.apiVersion == after.scaleTargetRef.apiVersion &&
                              before.scaleTargetRef.kind == after.scaleTargetRef.kind &&
                              before.scaleTargetRef.name == after.scaleTargetRef.name &&
                              before.metadata.labels == after.metadata.labels &&
                              before.metadata.annotations == after.metadata.annotations) {
                            return;
                          }
                          if (auto key = ownerKey(after)) queue.add(*key);
                        },
                    .onDelete =
                        [&](const k8s::HorizontalPodAutoscaler& hpa) {
                          if (auto key = ownerKey(hpa)) queue.add(*key);
                        }});

  // ---- the ScaledJob controller and its scale loops ----
  scaling::ScaledJobHandler jobHandler(
      {.client = &client,
       .registry = &scalers::builtinRegistry(),
       .resolverSource = &reader,
       .resolverOptions = resolverOptions,
       .lookup =
           [&](std::string_view ns, std::string_view name) {
             return scaledJobs.get({std::string(ns), std::string(name)});
           },
       .scheduler = &scheduler,
       .events = events,
       .metrics = kedaMetrics,
       .logger = &k8sLog,
       .httpTimeout = options.httpTimeout,
       .version = kVersion});
  std::mutex registeredJobsMu;
  std::map<std::string, std::vector<std::string>, std::less<>> registeredJobTriggers;
  controller::ScaledJobController sjController(
      {.client = &client,
       .scalables = &jobHandler,
       .lookup = [&](const k8s::ObjectKey& key) { return scaledJobs.get(key); },
       .events = events,
       .metrics = {.registered =
                       [&](const api::ScaledJob& sj) {
                         std::lock_guard lock(registeredJobsMu);
                         auto [it, inserted] =
                             registeredJobTriggers.try_emplace(keyOf(sj.metadata));
                         if (inserted) {
                           kedaMetrics->incResourceRegistered(obs::kRegisteredScaledJob,
                                                              sj.metadata.namespace_);
                         }
                         for (const std::string& t : it->second)
                           kedaMetrics->decTriggerRegistered(t);
                         it->second.clear();
                         for (const api::ScaleTrigger& t : sj.spec.triggers) {
                           kedaMetrics->incTriggerRegistered(t.type);
                           it->second.push_back(t.type);
                         }
                       },
                   .unregistered =
                       [&](std::string_view ns, std::string_view name) {
                         std::lock_guard lock(registeredJobsMu);
                         auto it =
                             registeredJobTriggers.find(std::string(ns) + "/" + std::string(name));
                         if (it == registeredJobTriggers.end()) return;
                         for (const std::string& t : it->second)
                           kedaMetrics->decTriggerRegistered(t);
                         kedaMetrics->decResourceRegistered(obs::kRegisteredScaledJob, ns);
                         registeredJobTriggers.erase(it);
                       }},
       .logger = &k8sLog});
  k8s::WorkQueue jobQueue;
  k8s::WorkerPool jobWorkers(
      "scaledjob", jobQueue,
      [&](const std::string& key, const std::stop_token& stop) {
        return sjController.reconcile(key, stop);
      },
      options.scaledJobMaxReconciles, k8sLog);
  jobHandlerForAuth = &jobHandler;
  scaledJobs.addHandlers(
      {.onAdd =
           [&](const api::ScaledJob& sj) {
             jobQueue.add(keyOf(sj.metadata));
             enqueueReferencedAuths(sj);
           },
       .onUpdate =
           [&](const api::ScaledJob& before, const api::ScaledJob& after) {
             if (controller::ScaledJobController::needsReconcile(before, after)) {
               jobQueue.add(keyOf(after.metadata));
               enqueueReferencedAuths(before);
               enqueueReferencedAuths(after);
             }
           },
       .onDelete =
           [&](const api::ScaledJob& sj) {
             jobQueue.add(keyOf(sj.metadata));
             enqueueReferencedAuths(sj);
           }});

  // ---- serving ----
  std::atomic<bool> ready{false};
  Serving serving;
  Status served = serving.start(options, {.registry = &registry,
                                          .handler = &handler,
                                          .client = &client,
                                          .ready = &ready,
                                          .scaledObjects = &scaledObjects,
                                          .hpas = &hpas,
                                          .deployments = &deployments,
                                          .statefulSets = &statefulSets,
                                          .metrics = kedaMetrics,
                                          .k8sLogger = &k8sLog,
                                          .events = events,
                                          .log = log.named("serving")});
  if (!served.isOk()) {
    log.error("cannot start serving", {{"error", served.message()}});
    return 1;
  }

  // ---- start ----
  std::signal(SIGTERM, [](int) { gStopSignal = 1; });
  std::signal(SIGINT, [](int) { gStopSignal = 1; });
  std::signal(SIGPIPE, SIG_IGN);

  recorder.start();
  scaledObjects.start();
  scaledJobs.start();
  triggerAuths.start();
  clusterTriggerAuths.start();
  hpas.start();
  deployments.start();
  statefulSets.start();
  auto waitSynced = [](const auto& informer) {
    while (!informer.waitForSync(std::chrono::seconds(1))) {
      if (gStopSignal) return false;
    }
    return true;
  };
  bool synced = waitSynced(scaledObjects) && waitSynced(scaledJobs) && waitSynced(triggerAuths) &&
                waitSynced(clusterTriggerAuths) && waitSynced(hpas) && waitSynced(deployments) &&
                waitSynced(statefulSets);
  (void)synced;
  if (gStopSignal) {
    log.info("stopped before the caches synced");
    return 0;
  }
  log.info("caches synced", {{"scaledObjects", std::to_string(scaledObjects.size())}});

  std::atomic<bool> lostLeadership{false};
  auto startWork = [&] {
    leading = true;
    scheduler.start();
    workers.start();
    jobWorkers.start();
    authWorkers.start();
    ready = true;
    log.info("controllers started");
  };
  std::unique_ptr<k8s::LeaderElector> elector;
  if (options.leaderElect) {
    std::string identity = fmt::format("{}_{:08x}", hostName(), std::random_device{}());
    k8s::LeaderElectionConfig election{.leaseNamespace = options.podNamespace,
                                       .leaseName = options.leaderElectionId,
                                       .identity = identity,
                                       .leaseDuration = options.leaseDuration,
                                       .renewDeadline = options.renewDeadline,
                                       .retryPeriod = options.retryPeriod,
                                       .onStartedLeading = startWork,
                                       .onStoppedLeading =
                                           [&] {
                                             leading = false;
                                             lostLeadership = true;
                                           },
                                       .logger = &k8sLog};
    if (Status s = k8s::LeaderElector::validate(election); !s.isOk()) {
      log.error("invalid leader election settings", {{"error", s.message()}});
      return 1;
    }
    elector = std::make_unique<k8s::LeaderElector>(client, election);
    ready = true;  // a standby serves metrics and probes
    elector->start();
  } else {
    startWork();
  }

  // glibc keeps the pages of freed memory resident; the informers' first lists (every
  // ScaledObject, HPA and Deployment at once, parsed as JSON) free far more than the steady state
  // uses. Handing free pages back every 30 s costs well under a millisecond each time.
  // TIDAL_NO_MALLOC_TRIM set: no trimming (to measure what it saves; docs/performance.md).
  const bool trimMemory = std::getenv("TIDAL_NO_MALLOC_TRIM") == nullptr;
  auto nextTrim = std::chrono::steady_clock::now();
  while (!gStopSignal && !lostLeadership) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (trimMemory && std::chrono::steady_clock::now() >= nextTrim) {
      malloc_trim(0);
      nextTrim = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    }
  }
  // Decided here: elector->stop() below releases the Lease and so calls onStoppedLeading too,
  // which must not turn a clean stop (a rolling update, SIGTERM) into a failure exit.
  const bool leadershipLost = lostLeadership.load();
  log.info(leadershipLost ? "leadership lost; exiting" : "stopping");

  // ---- stop, in reverse order ----
  ready = false;
  workers.stop();
  queue.shutdown();
  jobWorkers.stop();
  jobQueue.shutdown();
  jobHandler.stopAll();
  authWorkers.stop();
  authQueue.shutdown();
  handler.stopAll();
  scheduler.stop();
  if (elector) elector->stop();
  serving.stop();
  scaledObjects.stop();
  scaledJobs.stop();
  triggerAuths.stop();
  clusterTriggerAuths.stop();
  hpas.stop();
  deployments.stop();
  statefulSets.stop();
  recorder.stop();
  log.info("stopped");
  return leadershipLost ? 1 : 0;
}

}  // namespace tidal::op
