// A small AMQP 0-9-1 session for the example consumer and publisher: parses an AMQP URL, opens a
// connection (plain or TLS) with one channel, and turns rabbitmq-c's replies into readable errors.
//
// Messages never include the password: the URL is described as "amqp://user@host:port/vhost".
// Not thread-safe: one session belongs to one thread, as rabbitmq-c connections do.
#pragma once

#include <string>

#include <amqp.h>

namespace tidal::example {

struct AmqpUrl {
  bool tls = false;
  std::string host;
  int port = 5672;
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";

  // "amqp://user@host:port/vhost" (no password), for messages.
  std::string describe() const;
};

// Parses amqp://user:password@host:port/vhost (or amqps://). False with `error` set when the text
// is not an AMQP URL. An empty path or "/" means the default vhost "/".
bool parseAmqpUrl(const std::string& text, AmqpUrl& url, std::string& error);

class AmqpSession {
 public:
  AmqpSession() = default;
  ~AmqpSession();  // close()
  AmqpSession(const AmqpSession&) = delete;
  AmqpSession& operator=(const AmqpSession&) = delete;

  // Connects, logs in and opens channel 1. With TLS the peer is verified; RABBITMQ_CA_FILE names
  // a CA bundle when the server's certificate is not signed by a system CA. False with `error`.
  bool open(const AmqpUrl& url, const std::string& connectionName, std::string& error);
  // Declares `queue` as the KEDA sample does: not durable, not exclusive, not auto-deleted.
  bool declareQueue(const std::string& queue, std::string& error);
  // Closes the channel and the connection (messages delivered but not acknowledged go back to the
  // queue). Idempotent.
  void close();

  amqp_connection_state_t connection() const { return conn_; }
  static constexpr amqp_channel_t kChannel = 1;

  // The error of the last RPC, or "" when it succeeded.
  std::string rpcError(const std::string& what) const;

 private:
  amqp_connection_state_t conn_ = nullptr;
  bool loggedIn_ = false;
  bool channelOpen_ = false;
};

}  // namespace tidal::example
