// Test helpers that act on a real RabbitMQ the way users and workers do: the management API
// (queues, vhosts, users, connections) and a plain AMQP client that publishes and consumes.
// They abort the test (gtest ASSERT/ADD_FAILURE) on any unexpected answer.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace tidal::testing {

// The management API at http://127.0.0.1:<port>, as guest.
class RabbitAdmin {
 public:
  explicit RabbitAdmin(int httpPort);

  // Sends a request; returns the HTTP status, the body in `out`.
  long call(const std::string& method, const std::string& path, const std::string& body = "",
            std::string* out = nullptr) const;  // NOLINT(google-runtime-int)
  nlohmann::json getJson(const std::string& path) const;

  void createVhost(const std::string& vhost) const;
  // A user with full permissions on `vhost` (password "" makes a certificate-only user).
  void createUser(const std::string& name, const std::string& password,
                  const std::string& vhost) const;
  void createQueue(const std::string& vhost, const std::string& queue, bool durable = false) const;
  void deleteQueue(const std::string& vhost, const std::string& queue) const;
  // Connections whose client named itself `connectionName`.
  int connectionsNamed(const std::string& connectionName) const;

 private:
  std::string base_;
};

// One AMQP connection with one channel, as a worker would hold.
class AmqpClient {
 public:
  AmqpClient(int port, const std::string& vhost = "/", const std::string& user = "guest",
             const std::string& password = "guest");
  ~AmqpClient();
  AmqpClient(const AmqpClient&) = delete;
  AmqpClient& operator=(const AmqpClient&) = delete;

  // Publishes `count` messages to `queue` through the default exchange.
  void publish(const std::string& queue, int count, bool persistent = false);
  // Starts consuming `count` messages without acknowledging them: they stay unacknowledged until
  // this client closes.
  void takeWithoutAck(const std::string& queue, int count);

 private:
  void* conn_;  // amqp_connection_state_t
};

// The value of an environment variable the test run must provide (fails the test if unset).
std::string requiredEnv(const char* name);

}  // namespace tidal::testing
