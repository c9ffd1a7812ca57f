// tidal's offline commands: check, trigger parse, scalers, version. Each returns the process exit
// status (0 success, 1 invalid input found, 2 usage error) and writes to the given streams, so
// tests can run them in-process.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

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

// Lists the scalers (text or JSON); with `markdownType`, prints that scaler's parameter table in
// Markdown (the table in docs/scalers/<type>.md).
int runScalers(bool json, std::ostream& out, const std::string& markdownType = "");

int runVersion(std::ostream& out);

// Parses argv and dispatches; the entry point of the `tidal` binary.
int runCli(int argc, char** argv);

}  // namespace tidal::cli
