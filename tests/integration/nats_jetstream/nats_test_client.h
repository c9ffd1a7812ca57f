// A tiny NATS client for the integration tests, speaking the text protocol over a plain TCP
// socket: enough to create JetStream streams and consumers (JSON requests on $JS.API.*
// subjects), publish messages and pull a batch. Debian has no `nats` CLI; libnats would be one
// more dependency for what is forty lines of protocol. Not for production use: blocking reads
// with a 5 s socket timeout, failures reported as test failures.
#pragma once

#include <string>
#include <vector>

namespace tidal::testing {

class NatsTestClient {
 public:
  // Connects to "host:port", reads INFO, sends CONNECT and waits for the first PONG.
  explicit NatsTestClient(const std::string& address);
  ~NatsTestClient();
  NatsTestClient(const NatsTestClient&) = delete;
  NatsTestClient& operator=(const NatsTestClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Publishes `payload` on `subject` with a reply inbox and returns the first reply's payload
  // ("" on timeout or error, after recording a test failure).
  std::string request(const std::string& subject, const std::string& payload);

  // Publishes without a reply and waits until the server processed it (PING/PONG).
  void publish(const std::string& subject, const std::string& payload);

  struct Message {
    std::string subject;
    std::string reply;  // for a JetStream delivery: the $JS.ACK... subject
    std::string data;
  };
  // Pulls `count` messages from a durable pull consumer (they stay unacknowledged).
  std::vector<Message> pull(const std::string& stream, const std::string& consumer, int count);

 private:
  bool sendAll(const std::string& bytes);
  bool readLine(std::string& line);
  bool readBytes(size_t n, std::string& out);
  // Reads until a MSG on `inbox` (answering PINGs); false on timeout.
  bool readMessage(const std::string& inbox, Message& out);

  int fd_ = -1;
  std::string buffer_;
  int nextInbox_ = 0;
};

}  // namespace tidal::testing
