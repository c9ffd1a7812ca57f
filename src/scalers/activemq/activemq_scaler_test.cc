// The activemq trigger: parameters and KEDA's rules (required names, restAPITemplate parsing,
// corsHeader default), the rendered Jolokia URL, the answer's rules, and a poll through a fake
// HTTP transport (the real broker is in tests/integration/activemq).
#include "scalers/activemq/activemq_scaler.h"

#include <deque>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scalers/registry.h"

namespace tidal::scalers {
namespace {

using activemq::ActiveMqConfig;
using activemq::parseActiveMqConfig;
using activemq::parseJolokiaAnswer;
using http::HttpRequest;
using http::HttpResponse;

class FakeGetter : public http::HttpGetter {
 public:
  explicit FakeGetter(std::deque<StatusOr<HttpResponse>> answers) : answers_(std::move(answers)) {}
  StatusOr<HttpResponse> get(const HttpRequest& request) override {
    requests.push_back(request);
    StatusOr<HttpResponse> next = answers_.front();
    if (answers_.size() > 1) answers_.pop_front();
    return next;
  }
  std::vector<HttpRequest> requests;

 private:
  std::deque<StatusOr<HttpResponse>> answers_;
};

ScalerConfig trigger(StringMap metadata,
                     StringMap auth = {{"username", "admin"}, {"password", "hunter2"}}) {
  ScalerConfig c;
  c.triggerType = "activemq";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  return c;
}

StringMap basic() {
  return {{"managementEndpoint", "amq.default:8161"},
          {"destinationName", "jobs.high"},
          {"brokerName", "localhost"}};
}

StringMap with(StringMap base, const StringMap& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

TEST(ActiveMqParams, DefaultsUrlAndMetricName) {
  StatusOr<ActiveMqConfig> cfg = parseActiveMqConfig(trigger(basic()));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->url,
            "http://amq.default:8161/api/jolokia/read/org.apache.activemq:type=Broker,"
            "brokerName=localhost,destinationType=Queue,destinationName=jobs.high/QueueSize");
  EXPECT_EQ(cfg->origin, "http://amq.default:8161");
  EXPECT_EQ(cfg->metricName, "s0-activemq-jobs-high");
  EXPECT_EQ(cfg->metadata.targetQueueSize, 10);
  EXPECT_EQ(cfg->metadata.activationTargetQueueSize, 0);
  EXPECT_EQ(cfg->targetType, "AverageValue");

  ScalerConfig c = trigger(with(basic(), {{"corsHeader", "https://console.example"},
                                          {"targetQueueSize", "50"},
                                          {"activationTargetQueueSize", "3"}}));
  c.triggerIndex = 1;
  c.metricType = "Value";
  cfg = parseActiveMqConfig(c);
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->origin, "https://console.example");
  EXPECT_EQ(cfg->metricName, "s1-activemq-jobs-high");
  EXPECT_EQ(cfg->metadata.targetQueueSize, 50);
  EXPECT_EQ(cfg->metadata.activationTargetQueueSize, 3);
  EXPECT_EQ(cfg->targetType, "Value");
}

TEST(ActiveMqParams, CustomTemplateGivesEndpointAndNames) {
  StatusOr<ActiveMqConfig> cfg = parseActiveMqConfig(
      trigger({{"restAPITemplate",
                "https://amq.example:8443/console/jolokia/read/org.apache.activemq:type=Broker,"
                "brokerName=b1,destinationType=Queue,destinationName=orders/QueueSize"}}));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metadata.managementEndpoint, "amq.example:8443");
  EXPECT_EQ(cfg->metadata.brokerName, "b1");
  EXPECT_EQ(cfg->metadata.destinationName, "orders");
  EXPECT_EQ(cfg->url,
            "https://amq.example:8443/console/jolokia/read/org.apache.activemq:type=Broker,"
            "brokerName=b1,destinationType=Queue,destinationName=orders/QueueSize");
  EXPECT_EQ(cfg->origin, "http://amq.example:8443");
  EXPECT_EQ(cfg->metricName, "s0-activemq-orders");
}

TEST(ActiveMqParams, CredentialsFromEveryPlace) {
  ScalerConfig c =
      trigger(with(basic(), {{"username", "meta-user"}, {"passwordFromEnv", "AMQ_PASS"}}), {});
  c.resolvedEnv = {{"AMQ_PASS", "env-pass"}};
  StatusOr<ActiveMqConfig> cfg = parseActiveMqConfig(c);
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metadata.username, "meta-user");
  EXPECT_EQ(cfg->metadata.password, "env-pass");
  c.authParams = {{"username", "auth-user"}, {"password", "auth-pass"}};
  cfg = parseActiveMqConfig(c);
  ASSERT_TRUE(cfg.isOk());
  EXPECT_EQ(cfg->metadata.username, "auth-user");
  EXPECT_EQ(cfg->metadata.password, "auth-pass");
}

TEST(ActiveMqParams, Errors) {
  struct Case {
    const char* name;
    StringMap metadata;
    StringMap auth;
    std::string error;
  };
  const StringMap creds = {{"username", "admin"}, {"password", "hunter2"}};
  const std::string p = "error parsing activemq metadata: ";
  const std::vector<Case> cases = {
      {"no_credentials",
       basic(),
       {},
       p + "missing required parameter \"username\" in [authParams resolvedEnv "
           "triggerMetadata]\nmissing required parameter \"password\" in [authParams resolvedEnv "
           "triggerMetadata]"},
      {"no_endpoint",
       {{"destinationName", "q"}, {"brokerName", "b"}},
       creds,
       p + "no management endpoint given"},
      {"no_destination",
       {{"managementEndpoint", "h:1"}, {"brokerName", "b"}},
       creds,
       p + "no destination name given"},
      {"no_broker",
       {{"managementEndpoint", "h:1"}, {"destinationName", "q"}},
       creds,
       p + "no broker name given"},
      {"bad_target", with(basic(), {{"targetQueueSize", "1.5"}}), creds,
       p + "unable to set param \"targetQueueSize\" value \"1.5\": expected an integer, got a "
           "number with a fraction"},
      {"template_without_destination",
       {{"restAPITemplate",
         "http://h:8161/api/jolokia/read/org.apache.activemq:type=Broker,brokerName=b/QueueSize"}},
       creds,
       p + "no destinationName is given"},
      {"template_without_broker",
       {{"restAPITemplate",
         "http://h:8161/api/jolokia/read/org.apache.activemq:type=Broker,destinationName=q/X"}},
       creds,
       p + "no brokerName given: "
           "http://h:8161/api/jolokia/read/org.apache.activemq:type=Broker,destinationName=q/X"},
      {"template_not_a_url",
       {{"restAPITemplate", "not a url"}},
       creds,
       p + "unable to parse ActiveMQ restAPITemplate: "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<ActiveMqConfig> cfg = parseActiveMqConfig(trigger(c.metadata, c.auth));
    ASSERT_FALSE(cfg.isOk());
    EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
    if (c.error.back() == ' ') {
      EXPECT_EQ(cfg.status().message().substr(0, c.error.size()), c.error);
    } else {
      EXPECT_EQ(cfg.status().message(), c.error);
    }
    EXPECT_EQ(cfg.status().message().find("hunter2"), std::string::npos);
  }
  ScalerConfig utilization = trigger(basic());
  utilization.metricType = "Utilization";
  EXPECT_FALSE(parseActiveMqConfig(utilization).isOk());
}

TEST(ActiveMqTemplate, Rendering) {
  activemq::ActiveMqMetadata md;
  md.managementEndpoint = "h:1";
  md.brokerName = "b";
  md.destinationName = "q";
  EXPECT_EQ(activemq::renderRestApiTemplate("x/{{ .BrokerName }}/{{.DestinationName}}@"
                                            "{{.ManagementEndpoint}}",
                                            md)
                .value(),
            "x/b/q@h:1");
  StatusOr<std::string> bad = activemq::renderRestApiTemplate("{{.Queue}}", md);
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().message(),
            "restAPITemplate: unknown field {{.Queue}}; expected .ManagementEndpoint, .BrokerName "
            "or .DestinationName");
  EXPECT_FALSE(activemq::renderRestApiTemplate("{{.BrokerName", md).isOk());
}

TEST(ActiveMqAnswer, JolokiaRules) {
  EXPECT_EQ(parseJolokiaAnswer(R"({"request":{},"value":10,"timestamp":1,"status":200})").value(),
            10);
  StatusOr<int64_t> missing = parseJolokiaAnswer(
      R"({"error_type":"javax.management.InstanceNotFoundException","error":"javax.management.InstanceNotFoundException : org.apache.activemq:type=Broker,brokerName=localhost,destinationType=Queue,destinationName=nope","status":404})");
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "Jolokia answered status 404: javax.management.InstanceNotFoundException : "
            "org.apache.activemq:type=Broker,brokerName=localhost,destinationType=Queue,"
            "destinationName=nope");
  EXPECT_EQ(parseJolokiaAnswer(R"({"status":500,"error":"boom"})").status().code(),
            StatusCode::kUnavailable);
  EXPECT_FALSE(parseJolokiaAnswer("<html>login</html>").isOk());
  EXPECT_FALSE(parseJolokiaAnswer(R"({"value":"ten","status":200})").isOk());
}

TEST(ActiveMqScaler, PollSendsHeadersAndReportsActivity) {
  StatusOr<ActiveMqConfig> cfg =
      parseActiveMqConfig(trigger(with(basic(), {{"activationTargetQueueSize", "4"}})));
  ASSERT_TRUE(cfg.isOk());
  auto getter = std::make_shared<FakeGetter>(std::deque<StatusOr<HttpResponse>>{
      HttpResponse{200, R"({"value":4,"status":200})"},
      HttpResponse{200, R"({"value":5,"status":200})"},
      HttpResponse{401, "<html>Unauthorized hunter2</html>"},
      StatusOr<HttpResponse>(unavailable("Connection refused")),
  });
  std::unique_ptr<Scaler> s = activemq::makeActiveMqScaler(*cfg, getter);
  std::vector<MetricSpec> specs = s->metricSpecs();
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].metricName, "s0-activemq-jobs-high");
  EXPECT_EQ(specs[0].targetString(), "10");

  StatusOr<MetricsAndActivity> m = s->metricsAndActivity("s0-activemq-jobs-high");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 4000);
  EXPECT_FALSE(m->active);
  const HttpRequest& r = getter->requests.at(0);
  EXPECT_EQ(r.url, cfg->url);
  EXPECT_EQ(r.username, "admin");
  EXPECT_EQ(r.password, "hunter2");
  EXPECT_EQ(r.headers,
            (std::vector<std::pair<std::string, std::string>>{
                {"Content-Type", "application/json"}, {"Origin", "http://amq.default:8161"}}));

  m = s->metricsAndActivity("s0-activemq-jobs-high");
  ASSERT_TRUE(m.isOk());
  EXPECT_TRUE(m->active);

  m = s->metricsAndActivity("s0-activemq-jobs-high");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(m.status().message(),
            "activemq trigger s0-activemq-jobs-high at amq.default:8161: the management endpoint "
            "answered HTTP 401 Unauthorized");

  m = s->metricsAndActivity("s0-activemq-jobs-high");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(m.status().message().find("hunter2"), std::string::npos);

  EXPECT_EQ(s->describe().dump().find("hunter2"), std::string::npos);
}

TEST(ActiveMqScaler, Registered) {
  const ScalerType* type = builtinRegistry().find("activemq");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->metricsLabel, "activeMQScaler");
  StatusOr<std::unique_ptr<Scaler>> s = builtinRegistry().create(trigger(basic()), ScalerContext{});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  EXPECT_EQ((*s)->metricSpecs().at(0).metricName, "s0-activemq-jobs-high");
}

}  // namespace
}  // namespace tidal::scalers
