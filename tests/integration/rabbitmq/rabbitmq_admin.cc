#include "rabbitmq_admin.h"

#include <cstdlib>

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <curl/curl.h>
#include <gtest/gtest.h>

namespace tidal::testing {
namespace {

size_t append(char* p, size_t s, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, s * n);
  return s * n;
}

std::string escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out(e);
  curl_free(e);
  return out;
}

void expectOk(amqp_rpc_reply_t r, const char* what) {
  ASSERT_EQ(r.reply_type, AMQP_RESPONSE_NORMAL) << what;
}

}  // namespace

std::string requiredEnv(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    ADD_FAILURE() << name << " is not set: run this test through tests/support/with-services "
                  << "rabbitmq -- <binary> (ctest does)";
    return "";
  }
  return v;
}

RabbitAdmin::RabbitAdmin(int httpPort) : base_("http://127.0.0.1:" + std::to_string(httpPort)) {}

long RabbitAdmin::call(const std::string& method, const std::string& path,  // NOLINT
                       const std::string& body, std::string* out) const {
  CURL* h = curl_easy_init();
  std::string sink;
  std::string url = base_ + path;
  curl_slist* headers = curl_slist_append(nullptr, "content-type: application/json");
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(h, CURLOPT_USERPWD, "guest:guest");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
  if (!body.empty()) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, out != nullptr ? out : &sink);
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;  // NOLINT(google-runtime-int)
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  EXPECT_EQ(rc, CURLE_OK) << method << " " << path;
  return status;
}

nlohmann::json RabbitAdmin::getJson(const std::string& path) const {
  std::string body;
  EXPECT_EQ(call("GET", path, "", &body), 200) << path << ": " << body;
  return nlohmann::json::parse(body, nullptr, false);
}

void RabbitAdmin::createVhost(const std::string& vhost) const {
  const long s = call("PUT", "/api/vhosts/" + escape(vhost));  // NOLINT
  EXPECT_TRUE(s == 201 || s == 204) << s;
  // The creator usually has access already (204); 201 when it is granted here.
  const long p = call("PUT", "/api/permissions/" + escape(vhost) + "/guest",  // NOLINT
                      R"({"configure":".*","write":".*","read":".*"})");
  EXPECT_TRUE(p == 201 || p == 204) << p;
}

void RabbitAdmin::createUser(const std::string& name, const std::string& password,
                             const std::string& vhost) const {
  // The "management" tag lets the user read the management API too.
  const std::string body = password.empty()
                               ? R"({"password_hash":"","tags":"management"})"
                               : R"({"password":")" + password + R"(","tags":"management"})";
  const long s = call("PUT", "/api/users/" + escape(name), body);  // NOLINT
  EXPECT_TRUE(s == 201 || s == 204) << s;
  const long p = call("PUT", "/api/permissions/" + escape(vhost) + "/" + escape(name),  // NOLINT
                      R"({"configure":".*","write":".*","read":".*"})");
  EXPECT_TRUE(p == 201 || p == 204) << p;
}

void RabbitAdmin::createQueue(const std::string& vhost, const std::string& queue,
                              bool durable) const {
  const long s = call("PUT", "/api/queues/" + escape(vhost) + "/" + escape(queue),  // NOLINT
                      durable ? R"({"durable":true})" : R"({"durable":false})");
  EXPECT_TRUE(s == 201 || s == 204) << "create queue " << queue << ": " << s;
}

void RabbitAdmin::deleteQueue(const std::string& vhost, const std::string& queue) const {
  call("DELETE", "/api/queues/" + escape(vhost) + "/" + escape(queue));
}

int RabbitAdmin::connectionsNamed(const std::string& connectionName) const {
  const nlohmann::json list = getJson("/api/connections");
  int n = 0;
  for (const auto& c : list) {
    const auto props = c.value("client_properties", nlohmann::json::object());
    if (props.value("connection_name", "") == connectionName) ++n;
  }
  return n;
}

AmqpClient::AmqpClient(int port, const std::string& vhost, const std::string& user,
                       const std::string& password) {
  amqp_connection_state_t conn = amqp_new_connection();
  conn_ = conn;
  amqp_socket_t* socket = amqp_tcp_socket_new(conn);
  EXPECT_EQ(amqp_socket_open(socket, "127.0.0.1", port), AMQP_STATUS_OK);
  amqp_table_entry_t name{};
  name.key = amqp_cstring_bytes("connection_name");
  name.value.kind = AMQP_FIELD_KIND_UTF8;
  name.value.value.bytes = amqp_cstring_bytes("tidal-integration-test");
  amqp_table_t props{1, &name};
  expectOk(amqp_login_with_properties(conn, vhost.c_str(), 0, 131072, 0, &props,
                                      AMQP_SASL_METHOD_PLAIN, user.c_str(), password.c_str()),
           "login");
  amqp_channel_open(conn, 1);
  expectOk(amqp_get_rpc_reply(conn), "channel.open");
}

AmqpClient::~AmqpClient() {
  auto conn = static_cast<amqp_connection_state_t>(conn_);
  amqp_channel_close(conn, 1, AMQP_REPLY_SUCCESS);
  amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  amqp_destroy_connection(conn);
}

void AmqpClient::publish(const std::string& queue, int count, bool persistent) {
  auto conn = static_cast<amqp_connection_state_t>(conn_);
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.delivery_mode = persistent ? 2 : 1;
  for (int i = 0; i < count; ++i) {
    const std::string body = "job-" + std::to_string(i);
    ASSERT_EQ(amqp_basic_publish(conn, 1, amqp_empty_bytes, amqp_cstring_bytes(queue.c_str()), 0, 0,
                                 &props, amqp_cstring_bytes(body.c_str())),
              AMQP_STATUS_OK);
  }
  // A round trip makes sure the broker has taken every message before we measure.
  amqp_queue_declare(conn, 1, amqp_cstring_bytes(queue.c_str()), 1, 0, 0, 0, amqp_empty_table);
  expectOk(amqp_get_rpc_reply(conn), "queue.declare after publish");
}

void AmqpClient::takeWithoutAck(const std::string& queue, int count) {
  auto conn = static_cast<amqp_connection_state_t>(conn_);
  amqp_basic_qos(conn, 1, 0, static_cast<uint16_t>(count), 0);
  expectOk(amqp_get_rpc_reply(conn), "basic.qos");
  amqp_basic_consume(conn, 1, amqp_cstring_bytes(queue.c_str()), amqp_empty_bytes, 0,
                     /*no_ack=*/0, 0, amqp_empty_table);
  expectOk(amqp_get_rpc_reply(conn), "basic.consume");
  for (int i = 0; i < count; ++i) {
    amqp_envelope_t envelope;
    timeval tv{10, 0};
    amqp_maybe_release_buffers(conn);
    const amqp_rpc_reply_t r = amqp_consume_message(conn, &envelope, &tv, 0);
    ASSERT_EQ(r.reply_type, AMQP_RESPONSE_NORMAL) << "delivery " << i;
    amqp_destroy_envelope(&envelope);
  }
}

}  // namespace tidal::testing
