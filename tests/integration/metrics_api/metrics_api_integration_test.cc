// The metrics-api scaler against a real HTTP(S) server on 127.0.0.1: api_server.py (Python's
// http.server), started by this test, serving JSON, YAML, XML and Prometheus text behind each kind
// of authentication, over plain HTTP and over TLS with a CA generated here.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {
namespace {

namespace fs = std::filesystem;

// A child process started with a pipe on its stdout, stopped by PID.
class ApiServer {
 public:
  ApiServer(const fs::path& dir, std::vector<std::string> extra) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<std::string> args = {
          "python3",   TIDAL_API_SERVER, "--dir",  dir.string(), "--token",    "tok-123",
          "--api-key", "key-456",        "--user", "ann",        "--password", "pw-789"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp("python3", argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    char line[32] = {0};
    if (f != nullptr && std::fgets(line, sizeof line, f) != nullptr) port_ = std::atoi(line);
    if (f != nullptr) std::fclose(f);
  }
  ~ApiServer() { stop(); }
  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

class MetricsApiIntegration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("tidal-metrics-api-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    write("stats.json", R"({"components":[{"tasks":3},{"tasks":"2k"}],"worker":{"tasks":12}})");
    write("stats.yaml", "worker:\n  tasks: 12\nqueues:\n  - depth: 4\n  - depth: 250m\n");
    write("stats.xml", "<stats><worker><tasks>12</tasks></worker><q>1</q><q>9</q></stats>");
    write("metrics.txt",
          "# TYPE queue_depth gauge\nqueue_depth{queue=\"a\"} 5\nqueue_depth{queue=\"b\"} 8\n");
    const std::string d = dir_->string();
    const std::string cmd =
        "cd " + d +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
        " -subj /CN=tidal-test-ca -keyout ca.key -out ca.pem"
        " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        " -subj /CN=localhost -keyout server.key -out server.csr"
        " && printf 'subjectAltName=IP:127.0.0.1\\n' > server.ext"
        " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1"
        " -extfile server.ext -out server.pem) > " +
        d + "/openssl.log 2>&1";
    ASSERT_EQ(std::system(("(" + cmd).c_str()), 0) << "openssl failed; see " << d;
    http_ = new ApiServer(*dir_, {});
    https_ = new ApiServer(*dir_, {"--cert", d + "/server.pem", "--key", d + "/server.key"});
    ASSERT_GT(http_->port(), 0);
    ASSERT_GT(https_->port(), 0);
  }
  static void TearDownTestSuite() {
    delete http_;
    delete https_;
    fs::remove_all(*dir_);
    delete dir_;
  }
  static void write(const std::string& name, const std::string& text) {
    std::ofstream(*dir_ / name) << text;
  }
  static std::string read(const std::string& name) {
    std::ifstream in(*dir_ / name);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static std::string url(const std::string& path, bool tls = false) {
    return (tls ? "https://127.0.0.1:" + std::to_string(https_->port())
                : "http://127.0.0.1:" + std::to_string(http_->port())) +
           path;
  }

  static StatusOr<std::unique_ptr<Scaler>> make(StringMap metadata, StringMap auth = {}) {
    ScalerConfig c;
    c.triggerType = "metrics-api";
    c.triggerMetadata = std::move(metadata);
    c.authParams = std::move(auth);
    if (!c.triggerMetadata.contains("targetValue")) c.triggerMetadata["targetValue"] = "5";
    return builtinRegistry().create(c, ScalerContext{});
  }
  static StatusOr<MetricsAndActivity> poll(Scaler& s) {
    return s.metricsAndActivity(s.metricSpecs().at(0).metricName);
  }
  // The value in thousandths, or -1 with a test failure.
  static int64_t milli(StringMap metadata, StringMap auth = {}) {
    StatusOr<std::unique_ptr<Scaler>> s = make(std::move(metadata), std::move(auth));
    EXPECT_TRUE(s.isOk()) << s.status().toString();
    if (!s.isOk()) return -1;
    StatusOr<MetricsAndActivity> m = poll(**s);
    EXPECT_TRUE(m.isOk()) << m.status().toString();
    return m.isOk() ? m->metrics.at(0).value.milliValue() : -1;
  }

  static fs::path* dir_;
  static ApiServer* http_;
  static ApiServer* https_;
};

fs::path* MetricsApiIntegration::dir_ = nullptr;
ApiServer* MetricsApiIntegration::http_ = nullptr;
ApiServer* MetricsApiIntegration::https_ = nullptr;

TEST_F(MetricsApiIntegration, EveryFormatReadsTheServedValue) {
  struct Case {
    const char* format;
    const char* file;
    const char* location;
    int64_t milli;
  };
  const Case cases[] = {
      {"json", "stats.json", "worker.tasks", 12000},
      {"json", "stats.json", "components.1.tasks", 2000000},
      {"json", "stats.json", "components.#", 2000},
      {"yaml", "stats.yaml", "queues.1.depth", 250},
      {"xml", "stats.xml", "stats.q.1", 9000},
      {"prometheus", "metrics.txt", "queue_depth{queue=\"b\"}", 8000},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.location);
    EXPECT_EQ(milli({{"url", url(std::string("/open/") + c.file)},
                     {"format", c.format},
                     {"valueLocation", c.location}}),
              c.milli);
  }
}

TEST_F(MetricsApiIntegration, ActivationFollowsTheServedValue) {
  write("live.json", R"({"depth":0})");
  StatusOr<std::unique_ptr<Scaler>> s = make({{"url", url("/open/live.json")},
                                              {"valueLocation", "depth"},
                                              {"activationTargetValue", "2"}});
  ASSERT_TRUE(s.isOk());
  for (int n : {0, 2, 3, 10, 1}) {
    SCOPED_TRACE(n);
    write("live.json", R"({"depth":)" + std::to_string(n) + "}");
    StatusOr<MetricsAndActivity> m = poll(**s);
    ASSERT_TRUE(m.isOk()) << m.status().toString();
    EXPECT_EQ(m->metrics.at(0).value.milliValue(), n * 1000);
    EXPECT_EQ(m->active, n > 2);
  }
}

TEST_F(MetricsApiIntegration, AuthModes) {
  const StringMap base = {{"format", "json"}, {"valueLocation", "worker.tasks"}};
  auto with = [&](StringMap extra) {
    StringMap m = base;
    for (auto& [k, v] : extra) m[k] = v;
    return m;
  };
  EXPECT_EQ(milli(with({{"url", url("/bearer/stats.json")}, {"authModes", "bearer"}}),
                  {{"token", "tok-123"}}),
            12000);
  EXPECT_EQ(milli(with({{"url", url("/apikey/stats.json")}, {"authMode", "apiKey"}}),
                  {{"apiKey", "key-456"}}),
            12000);
  EXPECT_EQ(
      milli(with({{"url", url("/apikey/stats.json")}, {"authMode", "apiKey"}, {"method", "query"}}),
            {{"apiKey", "key-456"}}),
      12000);
  EXPECT_EQ(milli(with({{"url", url("/basic/stats.json")}, {"authModes", "basic"}}),
                  {{"username", "ann"}, {"password", "pw-789"}}),
            12000);

  StatusOr<std::unique_ptr<Scaler>> wrong =
      make(with({{"url", url("/bearer/stats.json")}, {"authModes", "bearer"}}),
           {{"token", "nope-nope"}});
  ASSERT_TRUE(wrong.isOk());
  StatusOr<MetricsAndActivity> m = poll(**wrong);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(MetricsApiIntegration, ErrorsNameTheServerAndHideTheToken) {
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"url", url("/status/503")}, {"valueLocation", "x"}, {"authModes", "bearer"}},
           {{"token", "tok-123"}});
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_FALSE(m.isOk());
  EXPECT_TRUE(m.status().retryable());
  const std::string& msg = m.status().message();
  EXPECT_NE(msg.find("127.0.0.1:" + std::to_string(http_->port())), std::string::npos) << msg;
  EXPECT_NE(msg.find("api returned 503"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Bearer ***"), std::string::npos) << msg;  // the server echoed it
  EXPECT_EQ(msg.find("tok-123"), std::string::npos) << msg;
}

TEST_F(MetricsApiIntegration, ServerDownThenBack) {
  ApiServer own(*dir_, {});
  ASSERT_GT(own.port(), 0);
  const std::string u = "http://127.0.0.1:" + std::to_string(own.port()) + "/open/stats.json";
  StatusOr<std::unique_ptr<Scaler>> s =
      make({{"url", u}, {"valueLocation", "worker.tasks"}, {"timeout", "1s"}});
  ASSERT_TRUE(s.isOk());
  ASSERT_TRUE(poll(**s).isOk());
  own.stop();
  StatusOr<MetricsAndActivity> down = poll(**s);
  ASSERT_FALSE(down.isOk());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable) << down.status().toString();
  ApiServer again(*dir_, {"--port", std::to_string(own.port())});
  ASSERT_EQ(again.port(), own.port());
  StatusOr<MetricsAndActivity> back = poll(**s);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(back->metrics.at(0).value.milliValue(), 12000);
}

TEST_F(MetricsApiIntegration, TlsVerifiesWithTheCaOrUnsafeSsl) {
  const StringMap md = {{"url", url("/open/stats.json", true)}, {"valueLocation", "worker.tasks"}};
  EXPECT_EQ(milli(md, {{"ca", read("ca.pem")}}), 12000);

  StatusOr<std::unique_ptr<Scaler>> untrusted = make(md);
  ASSERT_TRUE(untrusted.isOk());
  StatusOr<MetricsAndActivity> m = poll(**untrusted);
  ASSERT_FALSE(m.isOk());
  EXPECT_EQ(m.status().code(), StatusCode::kFailedPrecondition) << m.status().toString();

  StringMap unsafe = md;
  unsafe["unsafeSsl"] = "true";
  EXPECT_EQ(milli(unsafe), 12000);
}

}  // namespace
}  // namespace tidal::scalers
