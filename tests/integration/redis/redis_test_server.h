// Helpers for the Redis integration tests: a redis-server process the test owns (started on a
// free loopback port with extra arguments, stopped and restarted by PID), and a small hiredis
// admin connection that puts data in place (following cluster redirections).
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

struct redisContext;

namespace tidal::scalers::testing {

// The value of an environment variable the test needs; fails the test (empty) when unset.
std::string requiredEnv(const char* name);

// A TCP port on 127.0.0.1 that nothing listens on right now.
int freePort();

// A redis-server child process on 127.0.0.1:port() with its own temp dir and no persistence.
// With `tls`, port() is a TLS port (and there is no plain one); `extraArgs` then carry the
// --tls-* settings.
class RedisServerProcess {
 public:
  explicit RedisServerProcess(std::vector<std::string> extraArgs = {}, bool tls = false);
  ~RedisServerProcess();
  RedisServerProcess(const RedisServerProcess&) = delete;
  RedisServerProcess& operator=(const RedisServerProcess&) = delete;

  // Starts the server (same port every time) and waits until it answers PING (with `password`
  // when it needs one; a TLS server: until it accepts connections). Returns false when it did not
  // come up in 10 s.
  bool start(const std::string& password = "");
  // SIGTERM and wait for the process to exit.
  void stop();

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::vector<std::string> extraArgs_;
  bool tls_;
  std::string dir_;
  int port_;
  pid_t pid_ = -1;
};

// Writes a test CA, a server certificate for localhost and 127.0.0.1, and a client certificate
// (client.key plain, client-enc.key encrypted with `keyPassword`) into `dir` with the openssl
// command. Returns false on failure.
bool makeTestCertificates(const std::string& dir, const std::string& keyPassword);

// The whole content of a file.
std::string readFile(const std::string& path);

// One admin connection. Commands abort the test on transport errors; replies are rendered as
// text ("7", "OK", "(error) ...", "[a, b]") so tests can compare them.
class RedisAdmin {
 public:
  RedisAdmin(const std::string& address, const std::string& password = "");
  ~RedisAdmin();
  RedisAdmin(const RedisAdmin&) = delete;
  RedisAdmin& operator=(const RedisAdmin&) = delete;

  bool connected() const { return ctx_ != nullptr; }
  std::string run(const std::vector<std::string>& args);
  // Like run(), but follows MOVED/ASK replies to other cluster nodes.
  std::string runClustered(const std::vector<std::string>& args);

 private:
  std::string password_;
  redisContext* ctx_ = nullptr;
};

}  // namespace tidal::scalers::testing
