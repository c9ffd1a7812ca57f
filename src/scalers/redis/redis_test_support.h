// Test doubles for the Redis scalers' unit tests: a fake network of scripted Redis servers that
// RedisConnections reach through FakeTransport (no sockets), and a scripted RedisClient.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/strings.h"
#include "scalers/redis/redis_client.h"
#include "scalers/redis/redis_transport.h"

namespace tidal::scalers::redis::testing {

// One scripted server: `handle` answers every command (after the fake's handling of nothing).
struct FakeServer {
  bool up = true;
  std::function<StatusOr<RedisReply>(const std::vector<std::string>&)> handle;
  std::vector<std::vector<std::string>> received;  // every command, in order
  std::vector<RedisReply> pushes;                  // handed out by awaitPush(), in order
  int opens = 0;
};

// Servers by "host:port". Not thread-safe; the tests are single-threaded.
class FakeNetwork {
 public:
  FakeServer& server(const std::string& address) { return servers_[address]; }
  bool has(const std::string& address) const { return servers_.count(address) > 0; }
  RedisTransportFactory factory();

 private:
  std::map<std::string, FakeServer> servers_;
};

class FakeTransport : public RedisTransport {
 public:
  explicit FakeTransport(FakeNetwork* network) : network_(network) {}

  Status open(const HostPort& address, Deadline) override {
    const std::string name = address.toString();
    if (!network_->has(name) || !network_->server(name).up) {
      return unavailable("connect: Connection refused");
    }
    server_ = &network_->server(name);
    ++server_->opens;
    return Status::ok();
  }
  StatusOr<RedisReply> roundTrip(const std::vector<std::string>& args, Deadline) override {
    if (server_ == nullptr) return unavailable("not connected");
    if (!server_->up) {
      server_ = nullptr;
      return unavailable(args.front() + ": the server closed the connection");
    }
    server_->received.push_back(args);
    if (!server_->handle) return RedisReply::status("OK");
    StatusOr<RedisReply> reply = server_->handle(args);
    if (!reply.isOk()) server_ = nullptr;
    return reply;
  }
  StatusOr<std::optional<RedisReply>> awaitPush(Deadline) override {
    if (server_ == nullptr) return unavailable("not connected");
    if (server_->pushes.empty()) return std::optional<RedisReply>();
    RedisReply next = server_->pushes.front();
    server_->pushes.erase(server_->pushes.begin());
    return std::optional<RedisReply>(std::move(next));
  }
  bool isOpen() const override { return server_ != nullptr; }
  void close() override { server_ = nullptr; }

 private:
  FakeNetwork* network_;
  FakeServer* server_ = nullptr;
};

inline RedisTransportFactory FakeNetwork::factory() {
  return [this] { return std::make_unique<FakeTransport>(this); };
}

// A RedisClient that answers from a table keyed by the command's words joined with spaces
// (EVAL's script is replaced by "<script>"); unknown commands get an error reply.
class ScriptedClient : public RedisClient {
 public:
  std::map<std::string, StatusOr<RedisReply>> replies;
  std::vector<RedisCommand> calls;

  StatusOr<RedisReply> run(const RedisCommand& command, Deadline) override {
    calls.push_back(command);
    std::vector<std::string> words = command.args;
    if (!words.empty() && words[0] == "EVAL" && words.size() > 1) words[1] = "<script>";
    auto it = replies.find(join(words, " "));
    if (it == replies.end()) return RedisReply::error("ERR unknown command in test");
    return it->second;
  }
  std::string serverName() const override { return "fake:6379"; }
};

}  // namespace tidal::scalers::redis::testing
