// The `tidal` command line: subcommands wired to the functions in commands.h.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "common/version.h"
#include "operator/operator.h"

namespace tidal::cli {

int runCli(int argc, char** argv) {
  CLI::App app{"tidal: a KEDA-compatible event-driven autoscaler for Kubernetes", "tidal"};
  app.require_subcommand(1);

  CheckOptions check;
  bool checkJson = false;
  auto* checkCmd = app.add_subcommand(
      "check",
      "Validate ScaledObject, ScaledJob and (Cluster)TriggerAuthentication manifests offline and "
      "show the HPA and metrics tidal would create. Exit 0 valid, 1 invalid, 2 usage error.");
  checkCmd->add_option("files", check.files, "YAML or JSON files; - reads standard input")
      ->required();
  checkCmd->add_flag("--json", checkJson, "same as --output json");
  std::string output = "text";
  checkCmd->add_option("-o,--output", output, "output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));

  auto* trigger = app.add_subcommand("trigger", "Parse or probe triggers");
  trigger->require_subcommand(1);
  TriggerParseOptions parse;
  auto* parseCmd = trigger->add_subcommand(
      "parse", "Parse one trigger as the operator would and print its configuration as JSON");
  parseCmd->add_option("--type", parse.type, "trigger type, e.g. cron, rabbitmq")->required();
  parseCmd->add_option("--metadata", parse.metadataJson, "trigger metadata as a JSON object");
  parseCmd->add_option("--auth", parse.authJson, "authentication parameters as a JSON object");
  parseCmd->add_option("--env", parse.envJson,
                       "the scale target's environment as a JSON object (for ...FromEnv keys)");
  parseCmd->add_option("--metric-type", parse.metricType,
                       "the trigger's metricType: AverageValue (default), Value or Utilization");
  parseCmd->add_option("--index", parse.index, "trigger index (the N in metric names sN-...)");

  // `tidal trigger probe`: the timeout defaults to KEDA_HTTP_DEFAULT_TIMEOUT like the operator's.
  TriggerProbeOptions probe;
  const StatusOr<op::OperatorOptions> probeEnv = op::OperatorOptions::fromEnvironment();
  int64_t probeTimeoutMs = probeEnv.isOk() ? probeEnv->httpTimeout.count() : 3000;
  std::string probeOutput = "text";
  auto* probeCmd = trigger->add_subcommand(
      "probe",
      "Query each trigger once against its live source and print value, activity, latency or "
      "the error. Reads ScaledObjects/ScaledJobs from FILE... and resolves their "
      "authentication and env from the Secrets, ConfigMaps, TriggerAuthentications and "
      "workloads in the same files (what is not there is reported as not resolvable offline), "
      "or probes one trigger given with --type/--metadata. Secrets are redacted from all "
      "output. Exit 0 every trigger answered, 1 any failed, 2 usage error.");
  probeCmd->add_option("files", probe.files, "YAML or JSON files; - reads standard input");
  probeCmd->add_option("--type", probe.type, "probe one trigger of this type instead of files");
  probeCmd->add_option("--metadata", probe.metadataJson,
                       "with --type: trigger metadata as a JSON object");
  probeCmd
      ->add_option("--auth", probe.auth,
                   "authentication parameter KEY=VALUE, or a JSON object of them "
                   "(repeatable); with files, used for triggers with an authenticationRef "
                   "and replaces what the files cannot resolve")
      ->allow_extra_args(false);  // one value per --auth, so FILE... may follow
  probeCmd
      ->add_option("--env", probe.env,
                   "scale target environment variable NAME=VALUE, or a JSON object of them "
                   "(repeatable), for ...FromEnv parameters")
      ->allow_extra_args(false);
  probeCmd->add_option("--metric-type", probe.metricType,
                       "with --type: AverageValue (default), Value or Utilization");
  probeCmd->add_option("--index", probe.index, "with --type: trigger index (sN- in metric names)");
  probeCmd
      ->add_option("--http-timeout-ms", probeTimeoutMs,
                   "timeout of each call to an event source (default: KEDA_HTTP_DEFAULT_TIMEOUT "
                   "or 3000); a trigger's own timeout parameter still applies")
      ->capture_default_str();
  probeCmd->add_option("-o,--output", probeOutput, "output format: text or json")
      ->check(CLI::IsMember({"text", "json"}));

  bool scalersJson = false;
  auto* scalersCmd = app.add_subcommand("scalers", "List built-in scalers and their parameters");
  scalersCmd->add_flag("--json", scalersJson, "print the parameter schema as JSON");
  std::string markdownType;
  scalersCmd->add_option("--markdown", markdownType,
                         "print one scaler's parameter table as Markdown (for docs/scalers/)");

  auto* versionCmd = app.add_subcommand("version", "Print the version");

  // `tidal operator`: defaults come from KEDA's environment variables, flags override them.
  StatusOr<op::OperatorOptions> fromEnv = op::OperatorOptions::fromEnvironment();
  op::OperatorOptions oper = fromEnv.isOk() ? *fromEnv : op::OperatorOptions{};
  int64_t httpTimeoutMs = oper.httpTimeout.count();
  int64_t lastActiveRefresh = oper.lastActiveTimeRefresh.count();
  auto* operatorCmd = app.add_subcommand(
      "operator",
      "Run the autoscaler: the ScaledObject controller, the scale loops, the external metrics API "
      "(HTTPS), /metrics and health probes. Reads KEDA's environment variables (WATCH_NAMESPACE, "
      "WATCH_LABEL_SELECTOR, WATCH_LABEL_SELECTOR_FOR_TRIGGERAUTH, POD_NAMESPACE, "
      "KEDA_HTTP_DEFAULT_TIMEOUT, KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES, "
      "KEDA_SCALEDJOB_CTRL_MAX_RECONCILES, KEDA_RESTRICT_SECRET_ACCESS, "
      "KEDA_CLUSTER_OBJECT_NAMESPACE, KEDA_SERVICE_MIN_TLS_VERSION (or KEDA_HTTP_MIN_TLS_VERSION), "
      "KEDA_OPERATOR_LEADER_ELECTION_*); flags override them.");
  operatorCmd->add_option("--kubeconfig", oper.kubeconfig,
                          "kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)");
  operatorCmd->add_option("--context", oper.context, "kubeconfig context to use");
  operatorCmd->add_option("--kube-api-qps", oper.kubeApiQps, "client-side QPS limit")
      ->capture_default_str();
  operatorCmd->add_option("--kube-api-burst", oper.kubeApiBurst, "client-side burst")
      ->capture_default_str();
  operatorCmd->add_option("--watch-namespace", oper.watchNamespace,
                          "namespace to watch (WATCH_NAMESPACE; empty: all)");
  operatorCmd
      ->add_option("--metrics-bind-address", oper.metricsBindAddress,
                   "address of /metrics (empty: off)")
      ->capture_default_str();
  operatorCmd
      ->add_option("--health-probe-bind-address", oper.healthProbeBindAddress,
                   "address of /healthz and /readyz (empty: off)")
      ->capture_default_str();
  operatorCmd
      ->add_option("--metrics-server-bind-address", oper.metricsServerBindAddress,
                   "HTTPS address of the external metrics API (empty: off)")
      ->capture_default_str();
  operatorCmd
      ->add_option("--webhook-bind-address", oper.webhookBindAddress,
                   "HTTPS address of the admission webhook (empty: off)")
      ->capture_default_str();
  operatorCmd
      ->add_option("--cert-dir", oper.certDir,
                   "directory with tls.crt and tls.key for the HTTPS servers; a "
                   "self-signed pair is generated when they are missing")
      ->capture_default_str();
  operatorCmd->add_flag("--enable-cert-rotation", oper.enableCertRotation,
                        "make and keep the serving certificate in Secret <POD_NAMESPACE>/"
                        "<--cert-secret-name> (created by the first replica, renewed 30 days "
                        "before it expires) and inject its CA; --cert-dir is not read");
  operatorCmd
      ->add_option("--cert-secret-name", oper.certSecretName,
                   "the Secret of --enable-cert-rotation")
      ->capture_default_str();
  operatorCmd
      ->add_option("--enable-apiservice-patching", oper.enableApiServicePatching,
                   "with --enable-cert-rotation: put the CA into the caBundle of the APIService "
                   "v1beta1.external.metrics.k8s.io")
      ->capture_default_str();
  operatorCmd
      ->add_option("--enable-webhook-patching", oper.enableWebhookPatching,
                   "with --enable-cert-rotation: put the CA into the caBundle of every webhook "
                   "of --validating-webhook-name")
      ->capture_default_str();
  operatorCmd
      ->add_option("--validating-webhook-name", oper.validatingWebhookName,
                   "the ValidatingWebhookConfiguration whose caBundle --enable-cert-rotation "
                   "keeps")
      ->capture_default_str();
  operatorCmd->add_option("--requestheader-client-ca-file", oper.requestHeaderClientCaFile,
                          "front-proxy CA that signs the aggregator's client certificate "
                          "(default: read kube-system/extension-apiserver-authentication)");
  operatorCmd->add_option("--requestheader-allowed-names", oper.requestHeaderAllowedNames,
                          "client certificate CNs accepted from the aggregator (default: the "
                          "names in extension-apiserver-authentication, or any when it lists "
                          "none)");
  operatorCmd->add_flag("--leader-elect", oper.leaderElect,
                        "elect a leader on a Lease; only the leader scales");
  operatorCmd->add_option("--leader-election-id", oper.leaderElectionId, "the Lease name")
      ->capture_default_str();
  operatorCmd
      ->add_option("--scale-loop-workers", oper.scaleLoopWorkers, "threads running scale loops")
      ->capture_default_str();
  operatorCmd
      ->add_option("--scaledjob-max-reconciles", oper.scaledJobMaxReconciles,
                   "ScaledJob reconciles run at once (KEDA_SCALEDJOB_CTRL_MAX_RECONCILES)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  operatorCmd
      ->add_option("--http-timeout-ms", httpTimeoutMs,
                   "timeout of calls to event sources (KEDA_HTTP_DEFAULT_TIMEOUT)")
      ->capture_default_str();
  operatorCmd->add_option("--filepath-auth-root-path", oper.filepathAuthRootPath,
                          "root directory for ClusterTriggerAuthentication filePath");
  operatorCmd
      ->add_option("--last-active-time-refresh-seconds", lastActiveRefresh,
                   "write status.lastActiveTime refreshes at most this often; decisions "
                   "use the exact time (0: every active poll, as KEDA)")
      ->capture_default_str();
  operatorCmd->add_option("--log-level", oper.logLevel, "debug, info, warn or error")
      ->capture_default_str();
  operatorCmd->add_option("--log-format", oper.logFormat, "json or text")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (checkCmd->parsed()) {
    check.output = (checkJson || output == "json") ? OutputFormat::kJson : OutputFormat::kText;
    return runCheck(check, std::cin, std::cout, std::cerr);
  }
  if (parseCmd->parsed()) return runTriggerParse(parse, std::cout, std::cerr);
  if (probeCmd->parsed()) {
    probe.timeout = std::chrono::milliseconds(probeTimeoutMs);
    probe.output = probeOutput == "json" ? OutputFormat::kJson : OutputFormat::kText;
    return runTriggerProbe(probe, std::cin, std::cout, std::cerr);
  }
  if (scalersCmd->parsed()) return runScalers(scalersJson, std::cout, markdownType);
  if (versionCmd->parsed()) return runVersion(std::cout);
  if (operatorCmd->parsed()) {
    if (!fromEnv.isOk()) {
      std::cerr << "tidal operator: " << fromEnv.status().message() << "\n";
      return 2;
    }
    oper.httpTimeout = std::chrono::milliseconds(httpTimeoutMs);
    oper.lastActiveTimeRefresh = std::chrono::seconds(lastActiveRefresh);
    return op::runOperator(oper);
  }
  return 2;
}

}  // namespace tidal::cli
