#include "process.h"

#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tidal::localnode {

StatusOr<pid_t> startProcess(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env, const std::string& logPath) {
  if (argv.empty()) return invalidArgument("empty argv");
  int logFd = open(logPath.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (logFd < 0) return unavailable("cannot open " + logPath + ": " + std::strerror(errno));
  int devNull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> argvCopy = argv;
  std::vector<std::string> envCopy = env;
  std::vector<char*> cArgv;
  std::vector<char*> cEnv;
  for (std::string& a : argvCopy) cArgv.push_back(a.data());
  cArgv.push_back(nullptr);
  for (std::string& e : envCopy) cEnv.push_back(e.data());
  cEnv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(logFd);
    if (devNull >= 0) close(devNull);
    return unavailable(std::string("fork failed: ") + std::strerror(err));
  }
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the agent died before prctl
    // The agent blocks SIGTERM/SIGINT in its threads and may ignore SIGPIPE: undo both.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    if (devNull >= 0) dup2(devNull, STDIN_FILENO);
    dup2(logFd, STDOUT_FILENO);
    dup2(logFd, STDERR_FILENO);
    execve(cArgv[0], cArgv.data(), cEnv.data());
    const char* msg = "local-node: exec failed: ";
    (void)!write(STDERR_FILENO, msg, strlen(msg));
    const char* why = strerror(errno);
    (void)!write(STDERR_FILENO, why, strlen(why));
    (void)!write(STDERR_FILENO, "\n", 1);
    _exit(127);
  }
  close(logFd);
  if (devNull >= 0) close(devNull);
  return pid;
}

std::optional<ExitInfo> pollExit(pid_t pid) {
  int status = 0;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r != pid) return std::nullopt;
  if (WIFSIGNALED(status)) return ExitInfo{128 + WTERMSIG(status), WTERMSIG(status)};
  return ExitInfo{WEXITSTATUS(status), 0};
}

void signalProcess(pid_t pid, int signal) {
  if (pid > 0) kill(pid, signal);
}

}  // namespace tidal::localnode
