#include "redis_test_server.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace tidal::scalers::testing {
namespace {

std::string render(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "nil";
    case REDIS_REPLY_ERROR:
      return "(error) " + std::string(r->str, r->len);
    case REDIS_REPLY_ARRAY: {
      std::string out = "[";
      for (size_t i = 0; i < r->elements; ++i) {
        out += (i > 0 ? ", " : "") + render(r->element[i]);
      }
      return out + "]";
    }
    default:
      return std::string(r->str, r->len);
  }
}

redisContext* connectTo(const std::string& address) {
  const size_t colon = address.rfind(':');
  timeval tv{2, 0};
  redisContext* c = redisConnectWithTimeout(address.substr(0, colon).c_str(),
                                            std::atoi(address.substr(colon + 1).c_str()), tv);
  if (c == nullptr || c->err != 0) {
    if (c != nullptr) redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, tv);
  return c;
}

std::string command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (r == nullptr) return "(transport error) " + std::string(c->errstr);
  std::string out = render(r);
  freeReplyObject(r);
  return out;
}

}  // namespace

std::string requiredEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    ADD_FAILURE() << name << " is not set: run through tests/support/with-services";
    return "";
  }
  return v;
}

int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

RedisServerProcess::RedisServerProcess(std::vector<std::string> extraArgs, bool tls)
    : extraArgs_(std::move(extraArgs)), tls_(tls), port_(freePort()) {
  const char* base = std::getenv("TIDAL_SERVICES_DIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/redis-test.XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  dir_ = ::mkdtemp(buf.data()) != nullptr ? std::string(buf.data()) : "/tmp";
}

RedisServerProcess::~RedisServerProcess() {
  stop();
  std::error_code ec;
  if (dir_ != "/tmp") std::filesystem::remove_all(dir_, ec);
}

bool RedisServerProcess::start(const std::string& password) {
  std::vector<std::string> args = {"redis-server",
                                   "--bind",
                                   "127.0.0.1",
                                   "--port",
                                   tls_ ? std::string("0") : std::to_string(port_),
                                   "--dir",
                                   dir_,
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--logfile",
                                   dir_ + "/redis.log"};
  if (tls_) {
    args.push_back("--tls-port");
    args.push_back(std::to_string(port_));
  }
  args.insert(args.end(), extraArgs_.begin(), extraArgs_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (::posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ) != 0) {
    pid_ = -1;
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (tls_) {
      if (redisContext* c = connectTo(address())) {
        redisFree(c);
        return true;
      }
    } else if (redisContext* c = connectTo(address())) {
      if (!password.empty()) command(c, {"AUTH", password});
      const bool up = command(c, {"PING"}) == "PONG";
      redisFree(c);
      if (up) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void RedisServerProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool makeTestCertificates(const std::string& dir, const std::string& keyPassword) {
  const std::string newKey = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string sign = " -CA ca.pem -CAkey ca.key -CAcreateserial -days 2";
  const std::string script =
      "set -e; cd '" + dir + "';" +                                         //
      "openssl req -x509" + newKey + " -days 2 -subj /CN=tidal-test-ca" +   //
      " -keyout ca.key -out ca.pem;" +                                      //
      "openssl req" + newKey + " -subj /CN=localhost -keyout server.key" +  //
      " -out server.csr;" +                                                 //
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n'" +
      " > server.ext;" +  //
      "openssl x509 -req -in server.csr" + sign + " -extfile server.ext -out server.pem;" +
      "openssl req" + newKey + " -subj /CN=tidal-client -keyout client.key" +  //
      " -out client.csr;" +                                                    //
      "printf 'extendedKeyUsage=clientAuth\\n' > client.ext;" +                //
      "openssl x509 -req -in client.csr" + sign + " -extfile client.ext -out client.pem;" +
      "openssl pkey -in client.key -aes256 -passout pass:'" + keyPassword +  //
      "' -out client-enc.key";
  const std::string command = "bash -c \"" + script + "\" > '" + dir + "/openssl.log' 2>&1";
  return std::system(command.c_str()) == 0;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RedisAdmin::RedisAdmin(const std::string& address, const std::string& password)
    : password_(password), ctx_(connectTo(address)) {
  if (ctx_ == nullptr) {
    ADD_FAILURE() << "cannot connect to " << address;
    return;
  }
  if (!password.empty()) command(ctx_, {"AUTH", password});
}

RedisAdmin::~RedisAdmin() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

std::string RedisAdmin::run(const std::vector<std::string>& args) {
  if (ctx_ == nullptr) return "(not connected)";
  return command(ctx_, args);
}

std::string RedisAdmin::runClustered(const std::vector<std::string>& args) {
  std::string reply = run(args);
  for (int hop = 0; hop < 3; ++hop) {
    const bool moved = reply.rfind("(error) MOVED ", 0) == 0;
    const bool ask = reply.rfind("(error) ASK ", 0) == 0;
    if (!moved && !ask) return reply;
    const std::string target = reply.substr(reply.rfind(' ') + 1);
    std::unique_ptr<redisContext, void (*)(redisContext*)> other(connectTo(target), redisFree);
    if (other == nullptr) return "(cannot connect to " + target + ")";
    if (!password_.empty()) command(other.get(), {"AUTH", password_});
    if (ask) command(other.get(), {"ASKING"});
    reply = command(other.get(), args);
  }
  return reply;
}

}  // namespace tidal::scalers::testing
