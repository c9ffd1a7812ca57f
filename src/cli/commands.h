// tidal's command-line commands: check, trigger parse, trigger probe, scalers, version. Each
// returns the process exit status (0 success, 1 invalid input found, 2 usage error) and writes to
// the given streams, so tests can run them in-process.
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include "common/clock.h"

namespace tidal::cli {

enum class OutputFormat { kText, kJson };

struct CheckOptions {
  std::vector<std::string> files;  // "-" is standard input
  OutputFormat output = OutputFormat::kText;
};
int runCheck(const CheckOptions& options, std::istream& in, std::ostream& out, std::ostream& err);

struct TriggerParseOptions {
  std::string type;
  std::string metadataJson = "{}";
  std::string authJson = "{}";
  std::string envJson = "{}";
  std::string metricType;
  int index = 0;
};
int runTriggerParse(const TriggerParseOptions& options, std::ostream& out, std::ostream& err);

// `tidal trigger probe`: FILE... (ScaledObjects/ScaledJobs, with the Secrets, ConfigMaps,
// TriggerAuthentications and workloads their auth and env come from) or one trigger given by
// --type/--metadata. Each External metric is queried once; see docs/trigger-probe.md.
struct TriggerProbeOptions {
  std::vector<std::string> files;  // "-" is standard input
  std::string type;                // one trigger from the flags when set
  std::string metadataJson = "{}";
  std::vector<std::string> auth;  // each KEY=VALUE or a JSON object of strings
  std::vector<std::string> env;   // likewise
  std::string metricType;
  int index = 0;
  std::chrono::milliseconds timeout{3000};  // KEDA_HTTP_DEFAULT_TIMEOUT
  OutputFormat output = OutputFormat::kText;
  const Clock* clock = nullptr;  // scalers' clock (cron); the system clock when null
};
// Exit status: 0 every trigger answered (cpu/memory count as answered), 1 any failed, 2 usage.
int runTriggerProbe(const TriggerProbeOptions& options, std::istream& in, std::ostream& out,
                    std::ostream& err);

// Lists the scalers (text or JSON); with `markdownType`, prints that scaler's parameter table in
// Markdown (the table in docs/scalers/<type>.md).
int runScalers(bool json, std::ostream& out, const std::string& markdownType = "");

int runVersion(std::ostream& out);

// Parses argv and dispatches; the entry point of the `tidal` binary.
int runCli(int argc, char** argv);

}  // namespace tidal::cli
