// The external and external-push scalers against a real gRPC external scaler. An external scaler
// is a user-written gRPC server implementing externalscaler.proto, so the server below, started
// in this process on a free loopback port, is the real thing: tidal's client talks to it through
// real gRPC channels (plaintext and TLS with certificates from gen-certs.sh).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "externalscaler.grpc.pb.h"
#include "scalers/external/external_client.h"
#include "scalers/registry.h"

namespace tidal::scalers {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The external scaler server: answers from fields the test sets, records what it was asked.
class TestScaler final : public externalscaler::ExternalScaler::Service {
 public:
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, double>> specs = {{"queueLength", 5}};
  bool specsAsFloat = false;
  double value = 12;
  bool active = true;
  std::chrono::milliseconds delay{0};
  grpc::Status failWith = grpc::Status::OK;
  externalscaler::ScaledObjectRef lastRef;
  std::string lastMetricName;
  std::deque<bool> pushQueue;  // messages for open StreamIsActive calls
  int streamsOpened = 0;

  void push(bool result) {
    std::lock_guard lock(mu);
    pushQueue.push_back(result);
    cv.notify_all();
  }

  grpc::Status IsActive(grpc::ServerContext*, const externalscaler::ScaledObjectRef* ref,
                        externalscaler::IsActiveResponse* out) override {
    grpc::Status s = common(*ref);
    std::lock_guard lock(mu);
    out->set_result(active);
    return s;
  }

  grpc::Status GetMetricSpec(grpc::ServerContext*, const externalscaler::ScaledObjectRef* ref,
                             externalscaler::GetMetricSpecResponse* out) override {
    grpc::Status s = common(*ref);
    std::lock_guard lock(mu);
    for (const auto& [name, target] : specs) {
      auto* spec = out->add_metricspecs();
      spec->set_metricname(name);
      if (specsAsFloat) {
        spec->set_targetsizefloat(target);
      } else {
        spec->set_targetsize(static_cast<int64_t>(target));
      }
    }
    return s;
  }

  grpc::Status GetMetrics(grpc::ServerContext*, const externalscaler::GetMetricsRequest* request,
                          externalscaler::GetMetricsResponse* out) override {
    grpc::Status s = common(request->scaledobjectref());
    std::lock_guard lock(mu);
    lastMetricName = request->metricname();
    auto* v = out->add_metricvalues();
    v->set_metricname(request->metricname());
    v->set_metricvaluefloat(value);
    return s;
  }

  grpc::Status StreamIsActive(
      grpc::ServerContext* context, const externalscaler::ScaledObjectRef* ref,
      grpc::ServerWriter<externalscaler::IsActiveResponse>* writer) override {
    std::unique_lock lock(mu);
    lastRef = *ref;
    ++streamsOpened;
    cv.notify_all();
    while (!context->IsCancelled()) {
      if (pushQueue.empty()) {
        cv.wait_for(lock, 20ms);
        continue;
      }
      externalscaler::IsActiveResponse message;
      message.set_result(pushQueue.front());
      pushQueue.pop_front();
      lock.unlock();
      const bool ok = writer->Write(message);
      lock.lock();
      if (!ok) break;
    }
    return grpc::Status::OK;
  }

 private:
  grpc::Status common(const externalscaler::ScaledObjectRef& ref) {
    std::chrono::milliseconds d;
    {
      std::lock_guard lock(mu);
      lastRef = ref;
      d = delay;
    }
    if (d.count() > 0) std::this_thread::sleep_for(d);
    std::lock_guard lock(mu);
    return failWith;
  }
};

struct Server {
  Server() = default;
  Server(Server&&) = default;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  void stop() {
    if (server) server->Shutdown(std::chrono::system_clock::now() + 200ms);
    server.reset();
  }
  ~Server() { stop(); }
};

Server startServer(TestScaler& service, int port = 0,
                   std::shared_ptr<grpc::ServerCredentials> creds = nullptr) {
  Server s;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port),
                           creds ? creds : grpc::InsecureServerCredentials(), &s.port);
  builder.RegisterService(&service);
  s.server = builder.BuildAndStart();
  EXPECT_NE(s.server, nullptr);
  EXPECT_GT(s.port, 0);
  return s;
}

// A loopback port nothing listens on.
int closedPort() {
  TestScaler unused;
  Server s = startServer(unused);
  const int port = s.port;
  s.stop();
  return port;
}

ScalerConfig trigger(const std::string& address, std::string type = "external") {
  ScalerConfig c;
  c.triggerType = std::move(type);
  c.scalableObjectName = "worker";
  c.scalableObjectNamespace = "jobs";
  c.triggerMetadata = {{"scalerAddress", address}, {"queue", "orders"}};
  c.globalHttpTimeout = 1000ms;
  return c;
}

std::unique_ptr<Scaler> build(const ScalerConfig& c) {
  ScalerContext context;
  auto s = builtinRegistry().create(c, context);
  EXPECT_TRUE(s.isOk()) << s.status().message();
  return s.isOk() ? std::move(s).value() : nullptr;
}

// The error of a build that must fail (the factory asks GetMetricSpec).
Status buildError(const ScalerConfig& c) {
  ScalerContext context;
  auto s = builtinRegistry().create(c, context);
  EXPECT_FALSE(s.isOk());
  return s.isOk() ? Status::ok() : s.status();
}

TEST(ExternalIntegrationTest, SpecsValuesAndActivity) {
  TestScaler service;
  Server server = startServer(service);
  std::unique_ptr<Scaler> scaler = build(trigger(server.address()));
  ASSERT_NE(scaler, nullptr);

  std::vector<MetricSpec> specs = scaler->metricSpecs();
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].metricName, "s0-queueLength");
  EXPECT_EQ(specs[0].targetType, "AverageValue");
  EXPECT_EQ(specs[0].targetString(), "5");
  {
    std::lock_guard lock(service.mu);
    EXPECT_EQ(service.lastRef.name(), "worker");
    EXPECT_EQ(service.lastRef.namespace_(), "jobs");
    EXPECT_EQ(service.lastRef.scalermetadata().at("queue"), "orders");
    EXPECT_EQ(service.lastRef.scalermetadata().at("scalerAddress"), server.address());
  }

  StatusOr<MetricsAndActivity> m = scaler->metricsAndActivity("s0-queueLength");
  ASSERT_TRUE(m.isOk()) << m.status().message();
  ASSERT_EQ(m->metrics.size(), 1u);
  EXPECT_EQ(m->metrics[0].metricName, "s0-queueLength");
  EXPECT_EQ(m->metrics[0].value.toString(), "12");
  EXPECT_TRUE(m->active);
  {
    std::lock_guard lock(service.mu);
    EXPECT_EQ(service.lastMetricName, "queueLength") << "the s0- prefix is removed";
    service.value = 0.5;
    service.active = false;
  }
  m = scaler->metricsAndActivity("s0-queueLength");
  ASSERT_TRUE(m.isOk()) << m.status().message();
  EXPECT_EQ(m->metrics[0].value.toString(), "500m");
  EXPECT_FALSE(m->active);
  scaler->close();
}

TEST(ExternalIntegrationTest, FloatTargetsSeveralSpecsAndTriggerIndex) {
  TestScaler service;
  service.specs = {{"lag", 2.5}, {"depth", 40}};
  service.specsAsFloat = true;
  Server server = startServer(service);
  ScalerConfig c = trigger(server.address());
  c.triggerIndex = 2;
  c.metricType = "Value";
  std::unique_ptr<Scaler> scaler = build(c);
  ASSERT_NE(scaler, nullptr);
  std::vector<MetricSpec> specs = scaler->metricSpecs();
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].metricName, "s2-lag");
  EXPECT_EQ(specs[0].targetType, "Value");
  EXPECT_EQ(specs[0].targetString(), "2500m");
  EXPECT_EQ(specs[1].metricName, "s2-depth");
  EXPECT_EQ(specs[1].targetString(), "40");
}

TEST(ExternalIntegrationTest, ServerDownNamesTheAddress) {
  // Building asks GetMetricSpec: a server that is not there fails the build, retryably.
  const std::string address = "127.0.0.1:" + std::to_string(closedPort());
  ScalerContext context;
  auto start = Clock::now();
  auto built = builtinRegistry().create(trigger(address), context);
  ASSERT_FALSE(built.isOk());
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_TRUE(built.status().retryable()) << built.status().toString();
  EXPECT_NE(built.status().message().find("external scaler " + address + ": GetMetricSpec"),
            std::string::npos)
      << built.status().message();

  // A server that goes away after the build: the poll fails naming the address.
  TestScaler service;
  Server server = startServer(service);
  std::unique_ptr<Scaler> scaler = build(trigger(server.address()));
  ASSERT_NE(scaler, nullptr);
  const std::string up = server.address();
  server.stop();
  start = Clock::now();
  StatusOr<MetricsAndActivity> m = scaler->metricsAndActivity("s0-queueLength");
  ASSERT_FALSE(m.isOk());
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_TRUE(m.status().retryable()) << m.status().toString();
  EXPECT_NE(m.status().message().find("external scaler " + up + ": GetMetrics"), std::string::npos)
      << m.status().message();
}

TEST(ExternalIntegrationTest, SpecsKeptWhenServerGoesAway) {
  TestScaler service;
  Server server = startServer(service);
  std::unique_ptr<Scaler> scaler = build(trigger(server.address()));
  ASSERT_NE(scaler, nullptr);
  ASSERT_EQ(scaler->metricSpecs().size(), 1u);
  server.stop();
  std::vector<MetricSpec> specs = scaler->metricSpecs();
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].metricName, "s0-queueLength");
}

TEST(ExternalIntegrationTest, SlowServerTimesOut) {
  TestScaler service;
  Server server = startServer(service);
  ScalerConfig c = trigger(server.address());
  c.globalHttpTimeout = 300ms;
  std::unique_ptr<Scaler> scaler = build(c);
  ASSERT_NE(scaler, nullptr);
  {
    std::lock_guard lock(service.mu);
    service.delay = 3000ms;
  }
  const auto start = Clock::now();
  StatusOr<MetricsAndActivity> m = scaler->metricsAndActivity("s0-queueLength");
  ASSERT_FALSE(m.isOk());
  EXPECT_LT(Clock::now() - start, 2000ms);
  EXPECT_EQ(m.status().code(), StatusCode::kDeadlineExceeded) << m.status().toString();
  EXPECT_NE(m.status().message().find(server.address()), std::string::npos);
}

TEST(ExternalIntegrationTest, ServerErrorIsReported) {
  TestScaler service;
  Server server = startServer(service);
  std::unique_ptr<Scaler> scaler = build(trigger(server.address()));
  ASSERT_NE(scaler, nullptr);
  {
    std::lock_guard lock(service.mu);
    service.failWith = grpc::Status(grpc::StatusCode::UNKNOWN, "queue orders does not exist");
  }
  Status failedBuild = buildError(trigger(server.address()));
  EXPECT_NE(failedBuild.message().find("GetMetricSpec: UNKNOWN: queue orders does not exist"),
            std::string::npos)
      << failedBuild.message();
  StatusOr<MetricsAndActivity> m = scaler->metricsAndActivity("s0-queueLength");
  ASSERT_FALSE(m.isOk());
  EXPECT_NE(m.status().message().find("queue orders does not exist"), std::string::npos)
      << m.status().message();
  EXPECT_NE(m.status().message().find(server.address()), std::string::npos);
}

TEST(ExternalIntegrationTest, WrongMetricNameIsRejectedWithoutACall) {
  TestScaler service;
  Server server = startServer(service);
  std::unique_ptr<Scaler> scaler = build(trigger(server.address()));
  ASSERT_NE(scaler, nullptr);
  StatusOr<MetricsAndActivity> m = scaler->metricsAndActivity("s1-queueLength");
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
}

// ---- external-push ---------------------------------------------------------------------------

// Runs a push scaler's run() on a thread and records what it reports.
class PushRun {
 public:
  explicit PushRun(PushScaler& scaler) {
    thread_ = std::thread([this, &scaler] {
      scaler.run(
          [this](bool active) {
            std::lock_guard lock(mu_);
            reports_.push_back({Clock::now(), active});
            cv_.notify_all();
          },
          [this] { return stop_.load(); });
      finished_ = true;
    });
  }
  ~PushRun() { stop(); }

  // Waits until `n` reports arrived; returns the time of the n-th, or nullopt after `limit`.
  std::optional<Clock::time_point> waitFor(size_t n, std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, limit, [&] { return reports_.size() >= n; })) return std::nullopt;
    return reports_[n - 1].first;
  }
  bool report(size_t i) {
    std::lock_guard lock(mu_);
    return reports_.at(i).second;
  }
  std::chrono::milliseconds stop() {
    const auto start = Clock::now();
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  }
  bool finished() const { return finished_.load(); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<Clock::time_point, bool>> reports_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

bool waitForStreams(TestScaler& service, int n, std::chrono::milliseconds limit) {
  std::unique_lock lock(service.mu);
  return service.cv.wait_for(lock, limit, [&] { return service.streamsOpened >= n; });
}

TEST(ExternalPushIntegrationTest, StreamedTrueActivatesAtOnce) {
  TestScaler service;
  Server server = startServer(service);
  std::unique_ptr<Scaler> scaler = build(trigger(server.address(), "external-push"));
  auto* push = dynamic_cast<PushScaler*>(scaler.get());
  ASSERT_NE(push, nullptr);
  PushRun run(*push);
  ASSERT_TRUE(waitForStreams(service, 1, 5s));
  {
    std::lock_guard lock(service.mu);
    EXPECT_EQ(service.lastRef.name(), "worker");
    EXPECT_EQ(service.lastRef.scalermetadata().at("queue"), "orders");
  }
  const auto sent = Clock::now();
  service.push(true);
  std::optional<Clock::time_point> got = run.waitFor(1, 2s);
  ASSERT_TRUE(got.has_value()) << "no activation within 2 s";
  EXPECT_LT(*got - sent, 1s);
  EXPECT_TRUE(run.report(0));
  service.push(false);
  ASSERT_TRUE(run.waitFor(2, 2s).has_value());
  EXPECT_FALSE(run.report(1));
  EXPECT_LT(run.stop(), 2s) << "run() ends promptly when asked to stop";
  EXPECT_TRUE(run.finished());
}

TEST(ExternalPushIntegrationTest, BrokenStreamIsReopened) {
  TestScaler first;
  Server server = startServer(first);
  const int port = server.port;
  std::unique_ptr<Scaler> scaler = build(trigger(server.address(), "external-push"));
  auto* push = dynamic_cast<PushScaler*>(scaler.get());
  ASSERT_NE(push, nullptr);
  PushRun run(*push);
  ASSERT_TRUE(waitForStreams(first, 1, 5s));
  first.push(true);
  ASSERT_TRUE(run.waitFor(1, 2s).has_value());

  // The server goes away (the stream breaks) and comes back on the same address.
  server.stop();
  TestScaler second;
  Server again = startServer(second, port);
  ASSERT_EQ(again.port, port);
  ASSERT_TRUE(waitForStreams(second, 1, 8s)) << "the stream was not reopened";
  const auto sent = Clock::now();
  second.push(true);
  std::optional<Clock::time_point> got = run.waitFor(2, 2s);
  ASSERT_TRUE(got.has_value());
  EXPECT_LT(*got - sent, 1s);
  EXPECT_LT(run.stop(), 2s);
}

TEST(ExternalPushIntegrationTest, ServerDownThenUpIsRetriedAndStopIsPrompt) {
  TestScaler first;
  Server server = startServer(first);
  const int port = server.port;
  std::unique_ptr<Scaler> scaler = build(trigger(server.address(), "external-push"));
  auto* push = dynamic_cast<PushScaler*>(scaler.get());
  ASSERT_NE(push, nullptr);
  server.stop();
  PushRun run(*push);
  std::this_thread::sleep_for(500ms);  // the first attempt fails; run() waits 2 s to retry
  TestScaler service;
  Server again = startServer(service, port);
  ASSERT_TRUE(waitForStreams(service, 1, 8s)) << "the stream was not retried";
  EXPECT_LT(run.stop(), 2s);
}

// ---- TLS ---------------------------------------------------------------------------------

class ExternalTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("tidal-external-tls-" + std::to_string(::getpid())));
    std::filesystem::create_directories(*dir_);
    const std::string cmd = std::string("sh ") + TIDAL_GEN_CERTS + " " + dir_->string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static std::string read(const std::string& name) {
    std::ifstream in(*dir_ / name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static std::shared_ptr<grpc::ServerCredentials> serverCreds(bool requireClientCert) {
    grpc::SslServerCredentialsOptions options(
        requireClientCert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                          : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    options.pem_root_certs = read("ca.crt");
    options.pem_key_cert_pairs.push_back({read("server.key"), read("server.crt")});
    return grpc::SslServerCredentials(options);
  }
  ScalerConfig tlsTrigger(const Server& server, StringMap auth, StringMap extra = {}) {
    ScalerConfig c = trigger(server.address());
    c.authParams = std::move(auth);
    c.globalHttpTimeout = 5000ms;  // TLS handshakes under ASan on a loaded machine
    for (auto& [k, v] : extra) c.triggerMetadata[k] = v;
    return c;
  }

  static std::filesystem::path* dir_;
};
std::filesystem::path* ExternalTlsTest::dir_ = nullptr;

TEST_F(ExternalTlsTest, CaVerifiesTheServer) {
  TestScaler service;
  Server server = startServer(service, 0, serverCreds(false));
  std::unique_ptr<Scaler> scaler = build(tlsTrigger(server, {{"caCert", read("ca.crt")}}));
  ASSERT_NE(scaler, nullptr);
  StatusOr<MetricsAndActivity> m = scaler->metricsAndActivity("s0-queueLength");
  ASSERT_TRUE(m.isOk()) << m.status().message();
  EXPECT_EQ(m->metrics[0].value.toString(), "12");
}

TEST_F(ExternalTlsTest, UntrustedServerIsRefusedUnlessUnsafeSsl) {
  TestScaler service;
  Server server = startServer(service, 0, serverCreds(false));
  Status wrongCa = buildError(tlsTrigger(server, {{"caCert", read("other-ca.crt")}}));
  EXPECT_NE(wrongCa.message().find(server.address()), std::string::npos) << wrongCa.message();
  EXPECT_TRUE(wrongCa.retryable()) << wrongCa.toString();

  Status plain = buildError(trigger(server.address()));
  EXPECT_FALSE(plain.isOk()) << "plaintext to a TLS server";

  std::unique_ptr<Scaler> unsafe =
      build(tlsTrigger(server, {}, {{"enableTLS", "true"}, {"unsafeSsl", "true"}}));
  ASSERT_NE(unsafe, nullptr);
  StatusOr<MetricsAndActivity> m = unsafe->metricsAndActivity("s0-queueLength");
  ASSERT_TRUE(m.isOk()) << m.status().message();
}

TEST_F(ExternalTlsTest, ClientCertificateForMutualTls) {
  TestScaler service;
  Server server = startServer(service, 0, serverCreds(true));
  Status noCert = buildError(tlsTrigger(server, {{"caCert", read("ca.crt")}}));
  EXPECT_FALSE(noCert.isOk()) << "the server requires a client certificate";

  const std::string key = read("client.key");
  std::unique_ptr<Scaler> withCert = build(tlsTrigger(
      server,
      {{"caCert", read("ca.crt")}, {"tlsClientCert", read("client.crt")}, {"tlsClientKey", key}}));
  ASSERT_NE(withCert, nullptr);
  StatusOr<MetricsAndActivity> m = withCert->metricsAndActivity("s0-queueLength");
  ASSERT_TRUE(m.isOk()) << m.status().message();
  EXPECT_TRUE(m->active);
}

}  // namespace
}  // namespace tidal::scalers
