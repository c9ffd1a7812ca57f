// Local processes standing in for containers: started with an exact argv and environment, output
// appended to a log file, each in its own process group (so a Ctrl-C in the agent's terminal does
// not reach them) and killed by the kernel if the agent thread that started them dies.
//
// Signals are only ever sent to the PIDs started here. Not thread-safe: the agent's one worker
// thread starts, signals and reaps every process.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "common/status.h"

namespace tidal::localnode {

struct ExitInfo {
  int exitCode = 0;  // the exit status, or 128 + signal
  int signal = 0;    // the signal that ended it, or 0
};

// Starts argv[0] (an absolute path) with exactly `env` ("NAME=value") and stdout+stderr appended
// to `logPath`. kUnavailable when the log cannot be opened or fork fails; a binary that cannot be
// executed exits 127 (its error goes to the log).
StatusOr<pid_t> startProcess(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env, const std::string& logPath);

// Non-blocking: the exit of `pid` once it has exited (and reaps it), else nullopt.
std::optional<ExitInfo> pollExit(pid_t pid);

// Sends `signal` to `pid` (never to a group or to -1).
void signalProcess(pid_t pid, int signal);

}  // namespace tidal::localnode
