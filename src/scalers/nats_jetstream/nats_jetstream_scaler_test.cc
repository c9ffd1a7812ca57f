// The nats-jetstream trigger: parameters and KEDA's rules, the /jsz and /varz answers, the lag,
// activity, and the clustered-server search through a fake HTTP transport keyed by URL (a
// three-node cluster cannot run here on distinct hosts; the real single server is in
// tests/integration/nats_jetstream).
#include "scalers/nats_jetstream/nats_jetstream_scaler.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scalers/registry.h"

namespace tidal::scalers {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using nats_jetstream::JszAnswer;
using nats_jetstream::NatsJetStreamConfig;
using nats_jetstream::parseJsz;
using nats_jetstream::parseNatsJetStreamConfig;

class FakeGetter : public http::HttpGetter {
 public:
  StatusOr<HttpResponse> get(const HttpRequest& request) override {
    requests.push_back(request.url);
    timeouts.push_back(request.timeout);
    auto it = answers.find(request.url);
    if (it == answers.end()) return unavailable("Could not resolve host");
    return it->second;
  }
  std::map<std::string, StatusOr<HttpResponse>> answers;
  std::vector<std::string> requests;
  std::vector<std::chrono::milliseconds> timeouts;
};

ScalerConfig trigger(StringMap metadata, StringMap auth = {}) {
  ScalerConfig c;
  c.triggerType = "nats-jetstream";
  c.triggerIndex = 2;
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  return c;
}

StringMap basic() {
  return {{"natsServerMonitoringEndpoint", "nats.nats.svc:8222"},
          {"account", "$G"},
          {"stream", "JOBS"},
          {"consumer", "WORKER"}};
}

StringMap with(StringMap base, const StringMap& extra) {
  for (const auto& [k, v] : extra) base[k] = v;
  return base;
}

// A /jsz answer with one account holding stream JOBS and consumer WORKER.
std::string jszBody(int pending, int ackPending, const std::string& leader = "",
                    int clusterSize = 0, const std::string& consumer = "WORKER") {
  std::string meta = clusterSize > 0
                         ? R"("meta_cluster":{"cluster_size":)" + std::to_string(clusterSize) + "},"
                         : "";
  return "{" + meta + R"("account_details":[{"name":"$G","id":"$G","stream_detail":[
    {"name":"OTHER","consumer_detail":[{"name":"WORKER","num_pending":999}]},
    {"name":"JOBS","state":{"messages":50,"last_seq":77},"consumer_detail":[
      {"name":"OTHERC","num_pending":555},
      {"name":")" +
         consumer + R"(","num_pending":)" + std::to_string(pending) + R"(,"num_ack_pending":)" +
         std::to_string(ackPending) + R"(,"cluster":{"leader":")" + leader + R"("}}]}]}]})";
}

HttpResponse ok(std::string body) {
  return HttpResponse{200, std::move(body)};
}

const std::string kJsz = "http://nats.nats.svc:8222/jsz?acc=%24G&config=true&consumers=true";

TEST(NatsJetStreamParams, DefaultsMetricNameAndUrl) {
  StatusOr<NatsJetStreamConfig> cfg = parseNatsJetStreamConfig(trigger(basic()));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metricName, "s2-nats-jetstream-JOBS");
  EXPECT_EQ(cfg->metadata.lagThreshold, 10);
  EXPECT_EQ(cfg->metadata.activationLagThreshold, 0);
  EXPECT_FALSE(cfg->metadata.useHttps);
  EXPECT_EQ(cfg->metadata.accountID, "$G");  // defaults to account
  EXPECT_EQ(cfg->jszUrl, kJsz);
  EXPECT_EQ(cfg->targetType, "AverageValue");
  EXPECT_EQ(cfg->timeout, std::chrono::milliseconds(3000));
}

TEST(NatsJetStreamParams, SourcesAndOverrides) {
  ScalerConfig c = trigger({{"stream", "orders.v1"},
                            {"consumer", "c"},
                            {"accountID", "ACC ID"},
                            {"account", "meta-account"},
                            {"useHttps", "true"},
                            {"lagThreshold", "25"},
                            {"activationLagThreshold", "3"},
                            {"natsServerMonitoringEndpoint", "meta:1"}},
                           // authParams win over metadata for account and the endpoint.
                           {{"account", "auth-account"}, {"natsServerMonitoringEndpoint", "n:9"}});
  c.metricType = "Value";
  StatusOr<NatsJetStreamConfig> cfg = parseNatsJetStreamConfig(c);
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->metadata.account, "auth-account");
  EXPECT_EQ(cfg->metadata.accountID, "ACC ID");
  EXPECT_EQ(cfg->jszUrl, "https://n:9/jsz?acc=ACC+ID&config=true&consumers=true");
  EXPECT_EQ(cfg->metricName, "s2-nats-jetstream-orders-v1");  // '.' normalised
  EXPECT_EQ(cfg->targetType, "Value");
  EXPECT_EQ(cfg->metadata.lagThreshold, 25);
  EXPECT_EQ(cfg->metadata.activationLagThreshold, 3);

  // accountID alone is enough.
  StringMap idOnly = basic();
  idOnly.erase("account");
  idOnly["accountID"] = "AB12";
  cfg = parseNatsJetStreamConfig(trigger(idOnly));
  ASSERT_TRUE(cfg.isOk()) << cfg.status().toString();
  EXPECT_EQ(cfg->jszUrl, "http://nats.nats.svc:8222/jsz?acc=AB12&config=true&consumers=true");
}

TEST(NatsJetStreamParams, Errors) {
  struct Case {
    const char* name;
    StringMap metadata;
    std::string error;
  };
  const std::string p = "error parsing NATS JetStream metadata: ";
  StringMap noAccount = basic();
  noAccount.erase("account");
  const std::vector<Case> cases = {
      {"no_endpoint",
       {{"account", "$G"}, {"stream", "s"}, {"consumer", "c"}},
       p + "missing required parameter \"natsServerMonitoringEndpoint\" in [authParams "
           "triggerMetadata]"},
      {"no_stream",
       {{"natsServerMonitoringEndpoint", "n:1"}, {"account", "$G"}, {"consumer", "c"}},
       p + "missing required parameter \"stream\" in [triggerMetadata]"},
      {"no_consumer",
       {{"natsServerMonitoringEndpoint", "n:1"}, {"account", "$G"}, {"stream", "s"}},
       p + "missing required parameter \"consumer\" in [triggerMetadata]"},
      {"no_account", noAccount, p + "no account name or id given"},
      {"blank_account", with(basic(), {{"account", "  "}}), p + "no account name or id given"},
      {"lag_not_int", with(basic(), {{"lagThreshold", "1.5"}}),
       p + "unable to set param \"lagThreshold\" value \"1.5\": expected an integer, got a number "
           "with a fraction"},
      {"activation_not_int", with(basic(), {{"activationLagThreshold", "x"}}),
       p + "unable to set param \"activationLagThreshold\" value \"x\": expected an integer"},
      {"https_not_bool", with(basic(), {{"useHttps", "yes"}}),
       p + "unable to set param \"useHttps\" value \"yes\": expected a boolean (true, false, 1, "
           "0, t or f)"},
      {"endpoint_with_scheme", with(basic(), {{"natsServerMonitoringEndpoint", "http://n:8222"}}),
       p + "natsServerMonitoringEndpoint must be host:port (no scheme, path or user; use "
           "useHttps for https)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<NatsJetStreamConfig> cfg = parseNatsJetStreamConfig(trigger(c.metadata));
    ASSERT_FALSE(cfg.isOk());
    EXPECT_EQ(cfg.status().message(), c.error);
    EXPECT_EQ(cfg.status().code(), StatusCode::kInvalidArgument);
  }
  ScalerConfig utilization = trigger(basic());
  utilization.metricType = "Utilization";
  EXPECT_FALSE(parseNatsJetStreamConfig(utilization).isOk());
}

TEST(NatsJetStreamAnswer, FindsAccountByIdOrName) {
  nats_jetstream::NatsJetStreamMetadata md;
  md.stream = "JOBS";
  md.consumer = "WORKER";
  struct Case {
    const char* name;
    std::string account, accountID;
    bool found;
  };
  const std::vector<Case> cases = {
      {"by_name", "$G", "other-id", true},
      {"by_id", "other-name", "$G", true},
      {"neither", "x", "y", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    md.account = c.account;
    md.accountID = c.accountID;
    StatusOr<JszAnswer> a = parseJsz(jszBody(4, 1, "n-1", 3), md);
    ASSERT_TRUE(a.isOk());
    EXPECT_EQ(a->accountFound, c.found);
    EXPECT_EQ(a->consumer.has_value(), c.found);
    EXPECT_EQ(a->clusterSize, 3);
    if (c.found) {
      EXPECT_EQ(a->consumer->numPending, 4);
      EXPECT_EQ(a->consumer->numAckPending, 1);
      EXPECT_EQ(a->consumer->leader, "n-1");
    }
  }
  EXPECT_FALSE(parseJsz("<html>", md).isOk());
  StatusOr<JszAnswer> empty = parseJsz(R"({"server_id":"x"})", md);  // no JetStream accounts
  ASSERT_TRUE(empty.isOk());
  EXPECT_FALSE(empty->accountFound);
  EXPECT_EQ(empty->clusterSize, 0);
}

StatusOr<std::unique_ptr<Scaler>> scaler(std::shared_ptr<FakeGetter> getter,
                                         StringMap metadata = basic()) {
  return newNatsJetStreamScalerWithGetter(trigger(std::move(metadata)), std::move(getter));
}

TEST(NatsJetStreamScaler, LagIsPendingPlusAckPendingAndActivationIsStrict) {
  auto getter = std::make_shared<FakeGetter>();
  StatusOr<std::unique_ptr<Scaler>> s =
      scaler(getter, with(basic(), {{"activationLagThreshold", "5"}, {"lagThreshold", "7"}}));
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  const std::vector<MetricSpec> specs = (*s)->metricSpecs();
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].metricName, "s2-nats-jetstream-JOBS");
  EXPECT_EQ(specs[0].targetString(), "7");
  EXPECT_EQ((*s)->activationTarget(), 5.0);

  struct Case {
    int pending, ackPending;
    int64_t milli;
    bool active;
  };
  for (const Case& c : {Case{3, 2, 5000, false}, Case{4, 2, 6000, true}, Case{0, 0, 0, false}}) {
    getter->answers.insert_or_assign(kJsz, ok(jszBody(c.pending, c.ackPending)));
    StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s2-nats-jetstream-JOBS");
    ASSERT_TRUE(m.isOk()) << m.status().toString();
    EXPECT_EQ(m->metrics.at(0).metricName, "s2-nats-jetstream-JOBS");
    EXPECT_EQ(m->metrics.at(0).value.milliValue(), c.milli);
    EXPECT_EQ(m->active, c.active);
  }
  EXPECT_EQ(getter->requests, std::vector<std::string>(3, kJsz));
  EXPECT_EQ(getter->timeouts.at(0), std::chrono::milliseconds(3000));
}

TEST(NatsJetStreamScaler, MissingAccountStreamOrConsumerAreNotFound) {
  struct Case {
    const char* name;
    StringMap metadata;
    std::string error;
  };
  const std::string at = "nats-jetstream trigger s2-nats-jetstream-";
  const std::vector<Case> cases = {
      {"account", with(basic(), {{"account", "NOPE"}}),
       at + "JOBS at nats.nats.svc:8222: account NOPE not found"},
      {"stream", with(basic(), {{"stream", "GONE"}}),
       at + "GONE at nats.nats.svc:8222: stream GONE not found in account $G"},
      {"consumer", with(basic(), {{"consumer", "NOBODY"}}),
       at + "JOBS at nats.nats.svc:8222: consumer NOBODY not found in stream JOBS"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto getter = std::make_shared<FakeGetter>();
    StatusOr<std::unique_ptr<Scaler>> s = scaler(getter, c.metadata);
    ASSERT_TRUE(s.isOk());
    NatsJetStreamConfig cfg = *parseNatsJetStreamConfig(trigger(c.metadata));
    getter->answers.insert_or_assign(cfg.jszUrl, ok(jszBody(1, 0)));
    StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity(cfg.metricName);
    ASSERT_FALSE(m.isOk());
    EXPECT_EQ(m.status().message(), c.error);
    EXPECT_EQ(m.status().code(), StatusCode::kNotFound);
  }
}

TEST(NatsJetStreamScaler, HttpAndTransportErrors) {
  auto getter = std::make_shared<FakeGetter>();
  StatusOr<std::unique_ptr<Scaler>> s = scaler(getter);
  ASSERT_TRUE(s.isOk());
  // Nothing answers: the transport's error, retryable.
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s2-nats-jetstream-JOBS");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(m.status().message(),
            "nats-jetstream trigger s2-nats-jetstream-JOBS at nats.nats.svc:8222: Could not "
            "resolve host");

  getter->answers.insert_or_assign(kJsz, HttpResponse{503, "unavailable\n"});
  m = (*s)->metricsAndActivity("s2-nats-jetstream-JOBS");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(m.status().message().find("GET http://nats.nats.svc:8222/jsz returned 503"),
            std::string::npos)
      << m.status().message();

  getter->answers.insert_or_assign(kJsz, ok("not json"));
  m = (*s)->metricsAndActivity("s2-nats-jetstream-JOBS");
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.status().message().find("the /jsz answer is not a JSON object"), std::string::npos);

  (*s)->close();
  EXPECT_FALSE((*s)->metricsAndActivity("s2-nats-jetstream-JOBS").isOk());
}

// A three-node cluster reached through a Service at nats.nats.svc:8222; the consumer's leader is
// nats-2, which advertises its client URL as nats-2.nats.nats.svc:4222.
class NatsJetStreamCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    getter_ = std::make_shared<FakeGetter>();
    // The Service's node (nats-0) knows the consumer but its counts lag behind the leader's.
    getter_->answers.insert_or_assign(kJsz, ok(jszBody(1, 0, "nats-2", 3)));
    getter_->answers.insert_or_assign(
        "http://nats.nats.svc:8222/varz",
        ok(R"({"server_name":"nats-0","connect_urls":["nats-0.nats.nats.svc:4222",
              "nats-1.nats.nats.svc:4222","nats-2.nats.nats.svc:4222"],
              "cluster":{"urls":["nats-1.nats.nats.svc:6222"]}})"));
    for (int i = 0; i < 3; ++i) {
      const std::string host = "http://nats-" + std::to_string(i) + ".nats.nats.svc:8222";
      getter_->answers.insert_or_assign(
          host + "/varz", ok(R"({"server_name":"nats-)" + std::to_string(i) + R"("})"));
      getter_->answers.insert_or_assign(host + "/jsz?acc=%24G&config=true&consumers=true",
                                        ok(jszBody(10 * i, i, "nats-2", 3)));
    }
  }
  std::shared_ptr<FakeGetter> getter_;
};

TEST_F(NatsJetStreamCluster, AsksTheConsumerLeaderAndRemembersIt) {
  StatusOr<std::unique_ptr<Scaler>> s = scaler(getter_);
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s2-nats-jetstream-JOBS");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 22000);  // nats-2: 20 + 2
  const std::string leaderJsz =
      "http://nats-2.nats.nats.svc:8222/jsz?acc=%24G&config=true&consumers=true";
  EXPECT_EQ(getter_->requests.back(), leaderJsz);

  // Next poll: straight to the leader.
  getter_->requests.clear();
  m = (*s)->metricsAndActivity("s2-nats-jetstream-JOBS");
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 22000);
  EXPECT_EQ(getter_->requests, std::vector<std::string>{leaderJsz});

  // The leader moves to nats-1: the cached node's answer names another leader, search again.
  for (const char* url :
       {kJsz.c_str(), leaderJsz.c_str(),
        "http://nats-1.nats.nats.svc:8222/jsz?acc=%24G&config=true&consumers=true",
        "http://nats-0.nats.nats.svc:8222/jsz?acc=%24G&config=true&consumers=true"}) {
    std::string body = getter_->answers.at(url)->body;
    const size_t at = body.find("\"leader\":\"nats-2\"");
    body.replace(at, 17, "\"leader\":\"nats-1\"");
    getter_->answers.insert_or_assign(url, ok(body));
  }
  m = (*s)->metricsAndActivity("s2-nats-jetstream-JOBS");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 11000);  // nats-1: 10 + 1
}

TEST_F(NatsJetStreamCluster, TheEndpointsOwnNodeMayBeTheLeader) {
  getter_->answers.insert_or_assign(kJsz, ok(jszBody(5, 5, "nats-0", 3)));
  StatusOr<std::unique_ptr<Scaler>> s = scaler(getter_);
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s2-nats-jetstream-JOBS");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 10000);
  EXPECT_EQ(getter_->requests, (std::vector<std::string>{kJsz, "http://nats.nats.svc:8222/varz"}));
}

TEST_F(NatsJetStreamCluster, WithoutConnectUrlsTheRouteHostsNameTheNodes) {
  getter_->answers.insert_or_assign(
      "http://nats.nats.svc:8222/varz",
      ok(R"({"server_name":"nats-0","cluster":{"urls":["nats-1.nats.nats.svc:6222",
            "nats-2.nats.nats.svc:6222"]}})"));
  // KEDA's headless-Service rule: "<first label>.<endpoint>".
  getter_->answers.insert_or_assign(
      "http://nats-2.nats.nats.svc:8222/jsz?acc=%24G&config=true&consumers=true",
      HttpResponse{404, ""});
  getter_->answers.insert_or_assign(
      "http://nats-2.nats.nats.svc.cluster.local:8222/jsz?acc=%24G&config=true&consumers=true",
      HttpResponse{404, ""});
  StatusOr<std::unique_ptr<Scaler>> s =
      scaler(getter_, with(basic(), {{"natsServerMonitoringEndpoint", "nats.nats.svc:8222"}}));
  ASSERT_TRUE(s.isOk());
  getter_->answers.insert_or_assign(
      "http://nats-2.nats.nats.svc:8222/jsz?acc=%24G&config=true&consumers=true",
      ok(jszBody(8, 0, "nats-2", 3)));
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s2-nats-jetstream-JOBS");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 8000);
  EXPECT_EQ(getter_->requests.back(),
            "http://nats-2.nats.nats.svc:8222/jsz?acc=%24G&config=true&consumers=true");
}

TEST_F(NatsJetStreamCluster, NoLeaderFoundIsAnError) {
  for (int i = 0; i < 3; ++i) {
    getter_->answers.insert_or_assign(
        "http://nats-" + std::to_string(i) +
            ".nats.nats.svc:8222/jsz?acc=%24G&config=true&consumers=true",
        ok(jszBody(1, 0, "nats-9", 3)));
  }
  getter_->answers.erase("http://nats-1.nats.nats.svc:8222/varz");  // one node unreachable
  StatusOr<std::unique_ptr<Scaler>> s = scaler(getter_);
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = (*s)->metricsAndActivity("s2-nats-jetstream-JOBS");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(m.status().message(),
            "nats-jetstream trigger s2-nats-jetstream-JOBS at nats.nats.svc:8222: leader node "
            "not found for consumer WORKER (stream JOBS, 3 of 3 cluster nodes asked); last "
            "error: Could not resolve host");
}

TEST(NatsJetStreamRegistry, RegisteredWithKedaLabelAndDescribe) {
  const ScalerType* t = builtinRegistry().find("nats-jetstream");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->metricsLabel, "natsJetStreamScaler");
  StatusOr<std::unique_ptr<Scaler>> s = builtinRegistry().create(trigger(basic()), {});
  ASSERT_TRUE(s.isOk()) << s.status().toString();
  const Json d = (*s)->describe();
  EXPECT_EQ(d["monitoringURL"], kJsz);
  EXPECT_EQ(d["lagThreshold"], 10);
  EXPECT_EQ(d["accountID"], "$G");
}

}  // namespace
}  // namespace tidal::scalers
