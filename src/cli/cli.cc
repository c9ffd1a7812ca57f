// The `tidal` command line: subcommands wired to the functions in commands.h.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/version.h"

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

  auto* trigger = app.add_subcommand("trigger", "Work with a single trigger");
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

  bool scalersJson = false;
  auto* scalersCmd = app.add_subcommand("scalers", "List built-in scalers and their parameters");
  scalersCmd->add_flag("--json", scalersJson, "print the parameter schema as JSON");
  std::string markdownType;
  scalersCmd->add_option("--markdown", markdownType,
                         "print one scaler's parameter table as Markdown (for docs/scalers/)");

  auto* versionCmd = app.add_subcommand("version", "Print the version");

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
  if (scalersCmd->parsed()) return runScalers(scalersJson, std::cout, markdownType);
  if (versionCmd->parsed()) return runVersion(std::cout);
  return 2;
}

}  // namespace tidal::cli
