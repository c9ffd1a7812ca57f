// The rabbitmq trigger's parameters, read as spec/keda-scalers.md §2.1 describes them: every
// parameter, alias, source, default and rule, with KEDA's error texts.
#include "scalers/rabbitmq/rabbitmq_metadata.h"

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tidal::scalers::rabbitmq {
namespace {

using std::chrono::milliseconds;

constexpr char kPrefix[] = "error parsing RabbitMQ metadata: ";

ScalerConfig trigger(StringMap metadata, StringMap auth = {}, StringMap env = {},
                     int triggerIndex = 0, std::string metricType = "") {
  ScalerConfig c;
  c.triggerType = "rabbitmq";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  c.resolvedEnv = std::move(env);
  c.triggerIndex = triggerIndex;
  c.metricType = std::move(metricType);
  return c;
}

// A minimal valid AMQP trigger plus `extra` (which may override).
StringMap amqp(StringMap extra = {}) {
  StringMap m = {{"queueName", "hello"}, {"host", "amqp://guest:secret@rabbit:5672/"}};
  for (auto& [k, v] : extra) m[k] = v;
  return m;
}

// A minimal valid management API trigger plus `extra`.
StringMap http(StringMap extra = {}) {
  StringMap m = {{"queueName", "hello"}, {"host", "http://guest:secret@rabbit:15672/"}};
  for (auto& [k, v] : extra) m[k] = v;
  return m;
}

struct ParseCase {
  const char* name;
  ScalerConfig config;
  std::function<void(const RabbitMqConfig&)> check;
};

TEST(RabbitMqMetadata, Parses) {
  const std::
      vector<ParseCase>
          cases =
              {
                  {"defaults_amqp", trigger(amqp()),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.protocol, RabbitMqProtocol::kAmqp);
                     EXPECT_EQ(c.mode, RabbitMqMode::kQueueLength);
                     EXPECT_EQ(c.value, 20);
                     EXPECT_EQ(c.metadata.activationValue, 0);
                     EXPECT_EQ(c.metricName, "s0-rabbitmq-hello");
                     EXPECT_EQ(c.targetType, "AverageValue");
                     EXPECT_EQ(c.timeout, milliseconds(3000));
                     EXPECT_EQ(c.metadata.pageSize, 100);
                     EXPECT_EQ(c.metadata.operation, "sum");
                     EXPECT_EQ(c.metadata.tls, "disable");
                     EXPECT_EQ(c.metadata.protocol, "auto");
                     EXPECT_EQ(c.amqp.host, "rabbit");
                     EXPECT_EQ(c.amqp.port, 5672);
                     EXPECT_EQ(c.amqp.vhost, "/");
                     EXPECT_EQ(c.amqp.username, "guest");
                     EXPECT_EQ(c.amqp.password, "secret");
                     EXPECT_FALSE(c.amqp.tls);
                     EXPECT_EQ(c.amqp.endpoint(), "rabbit:5672");
                     EXPECT_EQ(c.displayHost, "amqp://rabbit:5672/");
                   }},
                  {"defaults_http", trigger(http()),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.protocol, RabbitMqProtocol::kHttp);
                     EXPECT_EQ(c.mode, RabbitMqMode::kQueueLength);
                     EXPECT_EQ(c.value, 20);
                     EXPECT_EQ(c.http.baseUrl, "http://rabbit:15672");
                     EXPECT_EQ(c.http.vhostSegment, "/%2F");
                     EXPECT_EQ(c.http.username, "guest");
                     EXPECT_EQ(c.http.password, "secret");
                     EXPECT_EQ(c.http.endpoint, "rabbit:15672");
                     EXPECT_EQ(c.http.queueUrl("hello"),
                               "http://rabbit:15672/api/queues/%2F/hello");
                     EXPECT_TRUE(c.http.verifyPeer);
                   }},
                  {"mode_and_value", trigger(amqp({{"mode", "QueueLength"}, {"value", "100.50"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.value, 100.5); }},
                  {"deprecated_queueLength", trigger(amqp({{"queueLength", "7"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.mode, RabbitMqMode::kQueueLength);
                     EXPECT_EQ(c.value, 7);
                   }},
                  {"activationValue", trigger(amqp({{"activationValue", "2.5"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.metadata.activationValue, 2.5); }},
                  {"mode_MessageRate", trigger(http({{"mode", "MessageRate"}, {"value", "5"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.mode, RabbitMqMode::kMessageRate); }},
                  {"mode_DeliverGetRate",
                   trigger(http({{"mode", "DeliverGetRate"}, {"value", "5"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.mode, RabbitMqMode::kDeliverGetRate);
                   }},
                  {"mode_PublishedToDeliveredRatio",
                   trigger(http({{"mode", "PublishedToDeliveredRatio"}, {"value", "1.1"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.mode, RabbitMqMode::kPublishedToDeliveredRatio);
                   }},
                  {"mode_ExpectedQueueConsumptionTime",
                   trigger(http({{"mode", "ExpectedQueueConsumptionTime"}, {"value", "30"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.mode, RabbitMqMode::kExpectedQueueConsumptionTime);
                   }},
                  {"negative_value_accepted_as_keda_does",
                   trigger(amqp({{"mode", "QueueLength"}, {"value", "-3"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.value, -3); }},
                  // host: metadata, then authParams, then the environment (hostFromEnv).
                  {"host_from_auth", trigger({{"queueName", "q"}}, {{"host", "amqp://a:5672/"}}),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.host, "a"); }},
                  {"host_from_env",
                   trigger({{"queueName", "q"}, {"hostFromEnv", "RMQ"}}, {},
                           {{"RMQ", "amqp://e:5672/"}}),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.host, "e"); }},
                  {"host_metadata_wins",
                   trigger(amqp({{"host", "amqp://m/"}}), {{"host", "amqp://a/"}}),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.host, "m"); }},
                  {"host_auth_wins_over_env",
                   trigger({{"queueName", "q"}, {"hostFromEnv", "RMQ"}}, {{"host", "amqp://a/"}},
                           {{"RMQ", "amqp://e/"}}),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.host, "a"); }},
                  {"host_trimmed", trigger(amqp({{"host", "  amqp://t:1/  "}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.endpoint(), "t:1"); }},
                  // protocol: explicit, from authParams, auto by scheme (case-insensitive).
                  {"protocol_http_explicit", trigger(http({{"protocol", "http"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.protocol, RabbitMqProtocol::kHttp); }},
                  {"protocol_amqp_explicit", trigger(amqp({{"protocol", "amqp"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.protocol, RabbitMqProtocol::kAmqp); }},
                  {"protocol_from_auth", trigger(http(), {{"protocol", "http"}}),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.protocol, RabbitMqProtocol::kHttp); }},
                  {"protocol_auto_amqps", trigger(amqp({{"host", "amqps://r/"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.protocol, RabbitMqProtocol::kAmqp);
                     EXPECT_TRUE(c.amqp.tls);
                     EXPECT_EQ(c.amqp.port, 5671);
                   }},
                  {"protocol_auto_https", trigger(http({{"host", "https://r/"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.protocol, RabbitMqProtocol::kHttp);
                     EXPECT_EQ(c.http.endpoint, "r:443");
                   }},
                  {"protocol_auto_upper_case_scheme", trigger(amqp({{"host", "AMQP://r/"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.protocol, RabbitMqProtocol::kAmqp); }},
                  // AMQP vhosts and credentials.
                  {"amqp_no_path_is_default_vhost", trigger(amqp({{"host", "amqp://r"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.vhost, "/"); }},
                  {"amqp_vhost_from_path", trigger(amqp({{"host", "amqp://r/orders"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.vhost, "orders"); }},
                  {"amqp_escaped_root_vhost", trigger(amqp({{"host", "amqp://r/%2F"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.vhost, "/"); }},
                  {"amqp_escaped_vhost", trigger(amqp({{"host", "amqp://r/a%2Fb"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.vhost, "a/b"); }},
                  {"amqp_vhostName_overrides",
                   trigger(amqp({{"host", "amqp://r/x"}, {"vhostName", "y"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.vhost, "y"); }},
                  {"amqp_vhostName_from_auth",
                   trigger(amqp({{"host", "amqp://r/x"}}), {{"vhostName", "z"}}),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.vhost, "z"); }},
                  {"amqp_no_userinfo_is_guest", trigger(amqp({{"host", "amqp://r/"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.amqp.username, "guest");
                     EXPECT_EQ(c.amqp.password, "guest");
                   }},
                  {"amqp_escaped_password", trigger(amqp({{"host", "amqp://u:p%40ss%3Aw@r/"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.amqp.username, "u");
                     EXPECT_EQ(c.amqp.password, "p@ss:w");
                     EXPECT_EQ(c.displayHost, "amqp://r/");
                   }},
                  {"amqp_credentials_from_auth_override",
                   trigger(amqp(), {{"username", "au"}, {"password", "ap"}}),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.amqp.username, "au");
                     EXPECT_EQ(c.amqp.password, "ap");
                   }},
                  {"credentials_from_env",
                   trigger(amqp({{"usernameFromEnv", "U"}, {"passwordFromEnv", "P"}}), {},
                           {{"U", "eu"}, {"P", "ep"}}),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.amqp.username, "eu");
                     EXPECT_EQ(c.amqp.password, "ep");
                   }},
                  {"credentials_auth_before_env",
                   trigger(amqp({{"usernameFromEnv", "U"}, {"passwordFromEnv", "P"}}),
                           {{"username", "au"}, {"password", "ap"}}, {{"U", "eu"}, {"P", "ep"}}),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.username, "au"); }},
                  {"credentials_in_metadata_are_ignored",
                   trigger(amqp({{"username", "mu"}, {"password", "mp"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.amqp.username, "guest"); }},
                  {"amqp_ipv6_host", trigger(amqp({{"host", "amqp://[::1]:5673/"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.amqp.host, "::1");
                     EXPECT_EQ(c.amqp.endpoint(), "[::1]:5673");
                   }},
                  // TLS.
                  {"tls_enable_with_client_cert_uses_external",
                   trigger(amqp({{"host", "amqps://r/"}}),
                           {{"tls", "enable"}, {"ca", "C"}, {"cert", "X"}, {"key", "K"}}),
                   [](const RabbitMqConfig& c) {
                     EXPECT_TRUE(c.amqp.useTlsMaterial);
                     EXPECT_TRUE(c.amqp.saslExternal);
                     EXPECT_EQ(c.amqp.tlsMaterial.ca, "C");
                     EXPECT_TRUE(c.amqp.verifyPeer);
                   }},
                  {"tls_client_cert_with_password_in_uri_uses_plain",
                   trigger(amqp({{"host", "amqps://u:p@r/"}}),
                           {{"tls", "enable"}, {"cert", "X"}, {"key", "K"}}),
                   [](const RabbitMqConfig& c) { EXPECT_FALSE(c.amqp.saslExternal); }},
                  {"tls_client_cert_with_credentials_uses_plain",
                   trigger(amqp({{"host", "amqps://r/"}}), {{"tls", "enable"},
                                                            {"cert", "X"},
                                                            {"key", "K"},
                                                            {"username", "u"},
                                                            {"password", "p"}}),
                   [](const RabbitMqConfig& c) { EXPECT_FALSE(c.amqp.saslExternal); }},
                  {"tls_disable_ignores_material",
                   trigger(amqp({{"host", "amqps://r/"}}), {{"ca", "C"}}),
                   [](const RabbitMqConfig& c) {
                     EXPECT_FALSE(c.amqp.useTlsMaterial);
                     EXPECT_TRUE(c.amqp.verifyPeer);
                   }},
                  {"amqp_unsafeSsl_with_tls_enable",
                   trigger(amqp({{"host", "amqps://r/"}, {"unsafeSsl", "true"}}),
                           {{"tls", "enable"}}),
                   [](const RabbitMqConfig& c) { EXPECT_FALSE(c.amqp.verifyPeer); }},
                  {"http_unsafeSsl", trigger(http({{"host", "https://r/"}, {"unsafeSsl", "true"}})),
                   [](const RabbitMqConfig& c) { EXPECT_FALSE(c.http.verifyPeer); }},
                  // Management API URLs.
                  {"http_no_path", trigger(http({{"host", "http://r:15672"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.http.baseUrl, "http://r:15672");
                     EXPECT_EQ(c.http.vhostSegment, "/%2F");
                   }},
                  {"http_vhost_from_path", trigger(http({{"host", "http://r:15672/orders"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.http.queueUrl("q"), "http://r:15672/api/queues/orders/q");
                   }},
                  {"http_escaped_vhost_kept", trigger(http({{"host", "http://r/%2F"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.http.vhostSegment, "/%2F"); }},
                  {"http_prefix_and_vhost",
                   trigger(http({{"host", "https://r:8443/rabbit/mgmt/vh"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.http.baseUrl, "https://r:8443/rabbit/mgmt");
                     EXPECT_EQ(c.http.queueUrl("q"), "https://r:8443/rabbit/mgmt/api/queues/vh/q");
                   }},
                  {"http_prefix_trailing_slash", trigger(http({{"host", "http://r/rabbit/"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.http.queueUrl("q"), "http://r/rabbit/api/queues/%2F/q");
                   }},
                  {"http_vhostName_escaped", trigger(http({{"vhostName", "my/vh"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.http.vhostSegment, "/my%2Fvh"); }},
                  {"http_root_vhostName",
                   trigger(http({{"host", "http://r/x"}, {"vhostName", "/"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.http.vhostSegment, "/%2F"); }},
                  {"http_queue_name_escaped", trigger(http({{"queueName", "a b/c"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.http.queueUrl(c.metadata.queueName),
                               "http://rabbit:15672/api/queues/%2F/a+b%2Fc");
                   }},
                  {"http_no_userinfo_no_basic_auth", trigger(http({{"host", "http://r/"}})),
                   [](const RabbitMqConfig& c) { EXPECT_FALSE(c.http.username.has_value()); }},
                  {"http_user_without_password", trigger(http({{"host", "http://u@r/"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.http.username, "u");
                     EXPECT_EQ(c.http.password, "");
                   }},
                  {"http_credentials_from_auth_override",
                   trigger(http(), {{"username", "au"}, {"password", "ap"}}),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.http.username, "au");
                     EXPECT_EQ(c.http.password, "ap");
                   }},
                  // Regex selection.
                  {"regex_defaults",
                   trigger(http({{"useRegex", "true"}, {"queueName", "^orders-.*$"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_TRUE(c.metadata.useRegex);
                     EXPECT_EQ(c.operation, RabbitMqOperation::kSum);
                     EXPECT_EQ(c.http.regexPageUrl(c.metadata.queueName, c.metadata.pageSize, 2),
                               "http://rabbit:15672/api/queues/"
                               "%2F?page=2&use_regex=true&pagination=false&"
                               "name=%5Eorders-.%2A%24&page_size=100");
                     EXPECT_EQ(c.metricName, "s0-rabbitmq--5Eorders---2A-24");
                   }},
                  {"regex_avg_page_size",
                   trigger(http({{"useRegex", "true"}, {"operation", "avg"}, {"pageSize", "7"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.operation, RabbitMqOperation::kAvg);
                     EXPECT_EQ(c.metadata.pageSize, 7);
                   }},
                  {"regex_max", trigger(http({{"useRegex", "true"}, {"operation", "max"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.operation, RabbitMqOperation::kMax);
                   }},
                  {"unknown_operation_ignored_without_regex",
                   trigger(http({{"operation", "median"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.metadata.operation, "median"); }},
                  {"excludeUnacknowledged", trigger(http({{"excludeUnacknowledged", "true"}})),
                   [](const RabbitMqConfig& c) { EXPECT_TRUE(c.metadata.excludeUnacknowledged); }},
                  // Timeouts.
                  {"timeout_millis", trigger(http({{"timeout", "1000"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.timeout, milliseconds(1000)); }},
                  {"timeout_go_duration", trigger(http({{"timeout", "2s"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.timeout, milliseconds(2000)); }},
                  {"amqp_timeout_with_default_mode_is_accepted_as_keda_does",
                   trigger(amqp({{"timeout", "1000"}})),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.timeout, milliseconds(1000)); }},
                  // Metric names and targets.
                  {"metric_name_index", trigger(amqp({{"queueName", "namespace/name"}}), {}, {}, 1),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.metricName, "s1-rabbitmq-namespace-2Fname");
                   }},
                  {"metric_name_dots_and_space", trigger(amqp({{"queueName", "jobs.v1 high"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.metricName, "s0-rabbitmq-jobs-v1+high");
                   }},
                  {"metric_name_utf8", trigger(amqp({{"queueName", "tâche"}})),
                   [](const RabbitMqConfig& c) {
                     EXPECT_EQ(c.metricName, "s0-rabbitmq-t-C3-A2che");
                   }},
                  {"metric_type_value", trigger(amqp(), {}, {}, 0, "Value"),
                   [](const RabbitMqConfig& c) { EXPECT_EQ(c.targetType, "Value"); }},
              };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<RabbitMqConfig> cfg = parseRabbitMqConfig(c.config);
    ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
    c.check(*cfg);
  }
}

TEST(RabbitMqMetadata, GlobalTimeout) {
  ScalerConfig c = trigger(http());
  c.globalHttpTimeout = milliseconds(1500);
  EXPECT_EQ(parseRabbitMqConfig(c)->timeout, milliseconds(1500));
  c.globalHttpTimeout = milliseconds(0);  // KEDA_HTTP_DEFAULT_TIMEOUT <= 0 means 300 ms
  EXPECT_EQ(parseRabbitMqConfig(c)->timeout, milliseconds(300));
}

struct ErrorCase {
  const char* name;
  ScalerConfig config;
  StatusCode code;
  std::string message;  // the whole message
};

TEST(RabbitMqMetadata, Errors) {
  const std::string p = kPrefix;
  const std::vector<ErrorCase> cases = {
      {"missing_queueName", trigger({{"host", "amqp://r/"}}), StatusCode::kInvalidArgument,
       p + "missing required parameter \"queueName\" in [triggerMetadata]"},
      {"missing_host", trigger({{"queueName", "q"}}), StatusCode::kInvalidArgument,
       p + "missing required parameter \"host\" in [triggerMetadata authParams resolvedEnv]"},
      {"empty_host_is_missing", trigger({{"queueName", "q"}, {"host", "  "}}),
       StatusCode::kInvalidArgument,
       p + "missing required parameter \"host\" in [triggerMetadata authParams resolvedEnv]"},
      {"hostFromEnv_unset", trigger({{"queueName", "q"}, {"hostFromEnv", "NOPE"}}),
       StatusCode::kInvalidArgument,
       p + "missing required parameter \"host\" in [triggerMetadata authParams resolvedEnv]"},
      {"both_missing", trigger({}), StatusCode::kInvalidArgument,
       p + "missing required parameter \"queueName\" in [triggerMetadata]\nmissing required "
           "parameter \"host\" in [triggerMetadata authParams resolvedEnv]"},
      {"queueLength_with_mode", trigger(amqp({{"queueLength", "5"}, {"mode", "QueueLength"}})),
       StatusCode::kInvalidArgument, p + "queueLength is deprecated; use mode and value"},
      {"queueLength_with_value", trigger(amqp({{"queueLength", "5"}, {"value", "5"}})),
       StatusCode::kInvalidArgument, p + "queueLength is deprecated; use mode and value"},
      {"mode_without_value", trigger(amqp({{"mode", "QueueLength"}})), StatusCode::kInvalidArgument,
       p + "value must be specified"},
      {"value_without_mode", trigger(amqp({{"value", "5"}})), StatusCode::kInvalidArgument,
       p + "mode must be specified"},
      {"zero_value", trigger(amqp({{"mode", "QueueLength"}, {"value", "0"}})),
       StatusCode::kInvalidArgument, p + "value must be specified"},
      {"unknown_mode", trigger(amqp({{"mode", "Length"}, {"value", "5"}})),
       StatusCode::kInvalidArgument,
       p + "trigger mode Length must be one of QueueLength, MessageRate, DeliverGetRate, "
           "PublishedToDeliveredRatio or ExpectedQueueConsumptionTime"},
      {"MessageRate_over_amqp", trigger(amqp({{"mode", "MessageRate"}, {"value", "5"}})),
       StatusCode::kInvalidArgument,
       p + "protocol amqp not supported; must be HTTP to use trigger mode MessageRate"},
      {"DeliverGetRate_over_amqp", trigger(amqp({{"mode", "DeliverGetRate"}, {"value", "5"}})),
       StatusCode::kInvalidArgument,
       p + "protocol amqp not supported; must be HTTP to use trigger mode DeliverGetRate"},
      {"ExpectedQueueConsumptionTime_over_amqp",
       trigger(amqp({{"mode", "ExpectedQueueConsumptionTime"}, {"value", "5"}})),
       StatusCode::kInvalidArgument,
       p + "protocol amqp not supported; must be HTTP to use trigger mode "
           "ExpectedQueueConsumptionTime"},
      {"bad_value", trigger(amqp({{"mode", "QueueLength"}, {"value", "lots"}})),
       StatusCode::kInvalidArgument,
       p + "unable to set param \"value\" value \"lots\": expected a number"},
      {"bad_queueLength", trigger(amqp({{"queueLength", "x"}})), StatusCode::kInvalidArgument,
       p + "unable to set param \"queueLength\" value \"x\": expected a number"},
      {"bad_activationValue", trigger(amqp({{"activationValue", "abc"}})),
       StatusCode::kInvalidArgument,
       p + "unable to set param \"activationValue\" value \"abc\": expected a number"},
      {"unknown_protocol", trigger(amqp({{"protocol", "tcp"}})), StatusCode::kInvalidArgument,
       p + "the protocol has to be either `amqp`, `http`, or `auto` but is `tcp`"},
      {"unknown_scheme", trigger(amqp({{"host", "tcp://r:5672"}})), StatusCode::kInvalidArgument,
       p + "unknown host URL scheme: `tcp`"},
      {"host_without_scheme", trigger(amqp({{"host", "rabbit:5672"}})),
       StatusCode::kInvalidArgument, p + "unknown host URL scheme: `rabbit`"},
      {"host_plain_name", trigger(amqp({{"host", "rabbit"}})), StatusCode::kInvalidArgument,
       p + "unknown host URL scheme: ``"},
      {"host_leading_colon", trigger(amqp({{"host", ":5672"}})), StatusCode::kInvalidArgument,
       p + "can't parse host to find protocol: missing protocol scheme"},
      {"amqp_protocol_with_http_host", trigger(http({{"protocol", "amqp"}})),
       StatusCode::kInvalidArgument,
       p + "error parsing RabbitMQ connection string: AMQP scheme must be either 'amqp://' or "
           "'amqps://'"},
      {"http_protocol_with_amqp_host", trigger(amqp({{"protocol", "http"}})),
       StatusCode::kInvalidArgument,
       p + "protocol http needs an http:// or https:// host, but the host's scheme is `amqp`"},
      {"bad_port", trigger(amqp({{"host", "amqp://u:hunter2x@r:56x72/"}})),
       StatusCode::kInvalidArgument,
       p + "error parsing RabbitMQ connection string: invalid port after host (expected a "
           "number up to 65535)"},
      {"bad_tls", trigger(amqp(), {{"tls", "yes"}}), StatusCode::kInvalidArgument,
       p + "incorrect value for TLS given: yes"},
      {"cert_without_key", trigger(amqp(), {{"tls", "enable"}, {"cert", "X"}}),
       StatusCode::kInvalidArgument, p + "both key and certificate must be provided"},
      {"key_without_cert", trigger(amqp(), {{"key", "K"}}), StatusCode::kInvalidArgument,
       p + "both key and certificate must be provided"},
      {"pageSize_zero", trigger(http({{"useRegex", "true"}, {"pageSize", "0"}})),
       StatusCode::kInvalidArgument, p + "pageSize should be 1 or greater"},
      {"pageSize_not_int", trigger(http({{"pageSize", "1.5"}})), StatusCode::kInvalidArgument,
       p + "unable to set param \"pageSize\" value \"1.5\": expected an integer, got a number "
           "with a fraction"},
      {"username_without_password", trigger(amqp(), {{"username", "u"}}),
       StatusCode::kInvalidArgument, p + "username and password must be given together"},
      {"password_without_username", trigger(amqp(), {{"password", "p"}}),
       StatusCode::kInvalidArgument, p + "username and password must be given together"},
      {"useRegex_over_amqp", trigger(amqp({{"useRegex", "true"}})), StatusCode::kInvalidArgument,
       p + "configure useRegex=true only with HTTP protocol"},
      {"excludeUnacknowledged_over_amqp", trigger(amqp({{"excludeUnacknowledged", "true"}})),
       StatusCode::kInvalidArgument,
       p + "configure excludeUnacknowledged=true only with HTTP protocol"},
      {"bad_useRegex", trigger(http({{"useRegex", "yes"}})), StatusCode::kInvalidArgument,
       p + "unable to set param \"useRegex\" value \"yes\": expected a boolean (true, false, 1, "
           "0, t or f)"},
      {"unknown_operation_with_regex",
       trigger(http({{"useRegex", "true"}, {"operation", "median"}})), StatusCode::kInvalidArgument,
       p + "operation mode median must be one of sum, avg, max"},
      {"amqp_timeout_with_mode",
       trigger(amqp({{"mode", "QueueLength"}, {"value", "5"}, {"timeout", "1000"}})),
       StatusCode::kInvalidArgument,
       p + "AMQP protocol doesn't support custom timeouts: 1000000000"},
      {"negative_timeout", trigger(http({{"timeout", "-5"}})), StatusCode::kInvalidArgument,
       ""},  // checked by prefix below: the duration parser's text
      {"workload_identity_over_amqp", trigger(amqp(), {{"workloadIdentityResource", "api://x"}}),
       StatusCode::kInvalidArgument,
       p + "workload identity is not supported for the AMQP protocol at the moment"},
      {"workload_identity_over_http", trigger(http(), {{"workloadIdentityResource", "api://x"}}),
       StatusCode::kUnimplemented,
       p + "Azure workload identity and OAuth2 authentication of the rabbitmq trigger are not "
           "supported by tidal yet; use username and password"},
      {"oauth_incomplete", trigger(http(), {{"oauthTokenURI", "https://t/"}, {"clientID", "c"}}),
       StatusCode::kInvalidArgument,
       p + "OAuth2 requires tokenUrl clientId and clientSecret to be configured in "
           "TriggerAuthentication"},
      {"oauth_over_amqp",
       trigger(amqp(), {{"oauthTokenURI", "https://t/"}, {"clientID", "c"}, {"clientSecret", "s"}}),
       StatusCode::kInvalidArgument,
       p + "OAuth2 authentication is only supported with HTTP protocol, not AMQP"},
      {"oauth_with_basic",
       trigger(http(), {{"oauthTokenURI", "https://t/"},
                        {"clientID", "c"},
                        {"clientSecret", "s"},
                        {"username", "u"},
                        {"password", "p"}}),
       StatusCode::kInvalidArgument,
       p + "OAuth2 authentication cannot be combined with username/password authentication or "
           "Azure Workload Identity"},
      {"oauth_complete",
       trigger(http(), {{"oauthTokenURI", "https://t/"},
                        {"clientID", "c"},
                        {"clientSecret", "s"},
                        {"scope", "a,b"}}),
       StatusCode::kUnimplemented,
       p + "Azure workload identity and OAuth2 authentication of the rabbitmq trigger are not "
           "supported by tidal yet; use username and password"},
      {"utilization_metric_type", trigger(amqp(), {}, {}, 0, "Utilization"),
       StatusCode::kInvalidArgument,
       "error getting scaler metric type: 'Utilization' metric type is unsupported for external "
       "metrics, allowed values are 'Value' or 'AverageValue'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<RabbitMqConfig> cfg = parseRabbitMqConfig(c.config);
    ASSERT_FALSE(cfg.isOk());
    EXPECT_EQ(cfg.status().code(), c.code) << cfg.status().toString();
    if (c.message.empty()) {
      EXPECT_EQ(cfg.status().message().rfind(p + "unable to set param \"timeout\"", 0), 0u)
          << cfg.status().message();
    } else {
      EXPECT_EQ(cfg.status().message(), c.message);
    }
    EXPECT_EQ(cfg.status().message().find("hunter2x"), std::string::npos);
    EXPECT_EQ(cfg.status().message().find("secret"), std::string::npos);
  }
}

TEST(RabbitMqMetadata, DeclarationMatchesTheSpec) {
  // Sources and defaults as keda-scalers.md §2.1 lists them.
  struct Want {
    const char* name;
    std::vector<ParamSource> order;
    std::optional<std::string> defaultValue;
    bool secret;
  };
  const auto M = ParamSource::kTriggerMetadata;
  const auto A = ParamSource::kAuthParams;
  const auto E = ParamSource::kResolvedEnv;
  const std::vector<Want> wants = {
      {"queueName", {M}, std::nullopt, false},
      {"mode", {M}, "Unknown", false},
      {"queueLength", {M}, std::nullopt, false},
      {"value", {M}, std::nullopt, false},
      {"activationValue", {M}, std::nullopt, false},
      {"host", {M, A, E}, std::nullopt, false},
      {"protocol", {M, A}, "auto", false},
      {"vhostName", {M, A}, std::nullopt, false},
      {"useRegex", {M}, std::nullopt, false},
      {"excludeUnacknowledged", {M}, std::nullopt, false},
      {"pageSize", {M}, "100", false},
      {"operation", {M}, "sum", false},
      {"timeout", {M}, std::nullopt, false},
      {"username", {A, E}, std::nullopt, false},
      {"password", {A, E}, std::nullopt, true},
      {"ca", {A}, std::nullopt, false},
      {"cert", {A}, std::nullopt, false},
      {"key", {A}, std::nullopt, true},
      {"keyPassword", {A}, std::nullopt, true},
      {"tls", {A}, "disable", false},
      {"unsafeSsl", {M}, std::nullopt, false},
      {"workloadIdentityResource", {A}, std::nullopt, false},
      {"oauthTokenURI", {A}, std::nullopt, false},
      {"clientID", {A}, std::nullopt, false},
      {"clientSecret", {A}, std::nullopt, true},
      {"scopes", {A}, std::nullopt, false},
      {"endpointParams", {A}, std::nullopt, false},
  };
  const std::vector<ParamInfo> infos = rabbitMqParams().infos();
  ASSERT_EQ(infos.size(), wants.size());
  for (size_t i = 0; i < wants.size(); ++i) {
    SCOPED_TRACE(wants[i].name);
    EXPECT_EQ(infos[i].names.front(), wants[i].name);
    EXPECT_EQ(infos[i].order, wants[i].order);
    EXPECT_EQ(infos[i].defaultValue, wants[i].defaultValue);
    EXPECT_EQ(infos[i].secret, wants[i].secret);
    EXPECT_FALSE(infos[i].description.empty());
  }
  EXPECT_EQ(infos[25].names, (std::vector<std::string>{"scopes", "scope"}));
}

}  // namespace
}  // namespace tidal::scalers::rabbitmq
