#include "amqp_session.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>

namespace tidal::example {
namespace {

std::string bytesToString(amqp_bytes_t bytes) {
  return std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

}  // namespace

std::string AmqpUrl::describe() const {
  return std::string(tls ? "amqps://" : "amqp://") + user + "@" + host + ":" +
         std::to_string(port) + "/" + (vhost == "/" ? "" : vhost);
}

bool parseAmqpUrl(const std::string& text, AmqpUrl& url, std::string& error) {
  if (text.rfind("amqp://", 0) != 0 && text.rfind("amqps://", 0) != 0) {
    error = "not an AMQP URL (expected amqp://user:password@host:port/vhost)";
    return false;
  }
  // amqp_parse_url works in place and points into the buffer.
  std::vector<char> buffer(text.begin(), text.end());
  buffer.push_back('\0');
  amqp_connection_info info{};
  amqp_default_connection_info(&info);
  if (amqp_parse_url(buffer.data(), &info) != AMQP_STATUS_OK) {
    error = "malformed AMQP URL (expected amqp://user:password@host:port/vhost)";
    return false;
  }
  url.tls = info.ssl != 0;
  url.host = info.host;
  url.port = info.port;
  url.user = info.user;
  url.password = info.password;
  url.vhost = (info.vhost == nullptr || std::strlen(info.vhost) == 0) ? "/" : info.vhost;
  return true;
}

AmqpSession::~AmqpSession() {
  close();
}

std::string AmqpSession::rpcError(const std::string& what) const {
  amqp_rpc_reply_t reply = amqp_get_rpc_reply(conn_);
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "";
    case AMQP_RESPONSE_NONE:
      return what + ": no reply from the server";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return what + ": " + amqp_error_string2(reply.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        auto* m = static_cast<amqp_connection_close_t*>(reply.reply.decoded);
        return what + ": server closed the connection (" + std::to_string(m->reply_code) + " " +
               bytesToString(m->reply_text) + ")";
      }
      if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto* m = static_cast<amqp_channel_close_t*>(reply.reply.decoded);
        return what + ": server closed the channel (" + std::to_string(m->reply_code) + " " +
               bytesToString(m->reply_text) + ")";
      }
      return what + ": server error";
  }
  return what + ": unknown error";
}

bool AmqpSession::open(const AmqpUrl& url, const std::string& connectionName, std::string& error) {
  close();
  conn_ = amqp_new_connection();
  amqp_socket_t* socket = nullptr;
  if (url.tls) {
    socket = amqp_ssl_socket_new(conn_);
    if (socket != nullptr) {
      amqp_ssl_socket_set_verify_peer(socket, 1);
      amqp_ssl_socket_set_verify_hostname(socket, 1);
      const char* ca = std::getenv("RABBITMQ_CA_FILE");
      if (ca != nullptr && amqp_ssl_socket_set_cacert(socket, ca) != AMQP_STATUS_OK) {
        error = std::string("cannot read the CA file named by RABBITMQ_CA_FILE: ") + ca;
        return false;
      }
    }
  } else {
    socket = amqp_tcp_socket_new(conn_);
  }
  if (socket == nullptr) {
    error = "cannot create a socket";
    return false;
  }
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  int rc = amqp_socket_open_noblock(socket, url.host.c_str(), url.port, &timeout);
  if (rc != AMQP_STATUS_OK) {
    error = "cannot connect to RabbitMQ at " + url.describe() + ": " + amqp_error_string2(rc);
    return false;
  }
  amqp_table_entry_t property;
  property.key = amqp_cstring_bytes("connection_name");
  property.value.kind = AMQP_FIELD_KIND_UTF8;
  property.value.value.bytes = amqp_cstring_bytes(connectionName.c_str());
  amqp_table_t properties{.num_entries = 1, .entries = &property};
  amqp_rpc_reply_t login =
      amqp_login_with_properties(conn_, url.vhost.c_str(), 0, 131072, 30, &properties,
                                 AMQP_SASL_METHOD_PLAIN, url.user.c_str(), url.password.c_str());
  if (login.reply_type != AMQP_RESPONSE_NORMAL) {
    error = rpcError("cannot log in to RabbitMQ at " + url.describe() +
                     " (check the user, password and vhost)");
    return false;
  }
  loggedIn_ = true;
  amqp_channel_open(conn_, kChannel);
  error = rpcError("cannot open a channel on " + url.describe());
  if (!error.empty()) return false;
  channelOpen_ = true;
  return true;
}

bool AmqpSession::declareQueue(const std::string& queue, std::string& error) {
  amqp_queue_declare(conn_, kChannel, amqp_cstring_bytes(queue.c_str()), /*passive=*/0,
                     /*durable=*/0, /*exclusive=*/0, /*auto_delete=*/0, amqp_empty_table);
  error = rpcError("cannot declare queue '" + queue + "'");
  return error.empty();
}

void AmqpSession::close() {
  if (conn_ == nullptr) return;
  if (channelOpen_) amqp_channel_close(conn_, kChannel, AMQP_REPLY_SUCCESS);
  if (loggedIn_) amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn_);
  conn_ = nullptr;
  loggedIn_ = false;
  channelOpen_ = false;
}

}  // namespace tidal::example
