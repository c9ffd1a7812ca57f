#include "net/http_server.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "net/testing_http_client.h"
#include "net/tls_certs.h"

namespace tidal::net {
namespace {

using testing::TempDir;
using testing::TestClient;
using testing::TestReply;
using testing::TestTls;
using namespace std::chrono_literals;

// Echoes what the server parsed, one "key=value" per line.
Response echo(const Request& r) {
  std::string out = fmt::format("method={}\npath={}\nrawQuery={}\nbody={}\nx-test={}\n", r.method,
                                r.path, r.rawQuery, r.body, r.header("X-TEST"));
  for (const auto& [k, v] : r.query) out += fmt::format("q:{}={}\n", k, v);
  if (r.tls) {
    out += fmt::format("presented={} verified={} cn={} o={} error={}\n", r.peer->presented,
                       r.peer->verified, r.peer->commonName, fmt::join(r.peer->organizations, ","),
                       r.peer->verifyError);
  }
  return Response{.body = std::move(out), .headers = {{"X-Reply", "1"}}};
}

std::unique_ptr<HttpServer> startOrDie(HttpServerOptions options, Handler handler = echo) {
  auto server = HttpServer::start(std::move(options), std::move(handler));
  EXPECT_TRUE(server.isOk()) << server.status().toString();
  return server.isOk() ? std::move(server).value() : nullptr;
}

std::string url(const HttpServer& server, std::string_view path) {
  return fmt::format("{}://127.0.0.1:{}{}", server.tls() ? "https" : "http", server.port(), path);
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

TEST(SplitHostPort, Table) {
  struct Case {
    std::string name, input, host;
    int port;  // -1: error
  };
  for (const Case& c : std::vector<Case>{
           {"ipv4", "127.0.0.1:8080", "127.0.0.1", 8080},
           {"any", ":6443", "", 6443},
           {"zero", "127.0.0.1:0", "127.0.0.1", 0},
           {"ipv6", "[::1]:9", "::1", 9},
           {"no port", "127.0.0.1", "", -1},
           {"bad port", "127.0.0.1:http", "", -1},
           {"too big", ":65536", "", -1},
           {"unclosed v6", "[::1:80", "", -1},
       }) {
    auto r = splitHostPort(c.input);
    if (c.port < 0) {
      EXPECT_FALSE(r.isOk()) << c.name;
      if (!r.isOk()) {
        EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.name;
      }
    } else {
      ASSERT_TRUE(r.isOk()) << c.name << ": " << r.status().toString();
      EXPECT_EQ(r->first, c.host) << c.name;
      EXPECT_EQ(r->second, c.port) << c.name;
    }
  }
}

TEST(DecodeQueryComponent, Table) {
  EXPECT_EQ(decodeQueryComponent("scaledobject.keda.sh%2Fname%3Dweb"),
            "scaledobject.keda.sh/name=web");
  EXPECT_EQ(decodeQueryComponent("a+b"), "a b");
  EXPECT_EQ(decodeQueryComponent("100%"), "100%");
  EXPECT_EQ(decodeQueryComponent("%zz"), "%zz");
}

TEST(HttpServer, RejectsBadOptions) {
  auto bad = HttpServer::start(HttpServerOptions{.bindAddress = "nope"}, echo);
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  auto notIp = HttpServer::start(HttpServerOptions{.bindAddress = "example.com:0"}, echo);
  ASSERT_FALSE(notIp.isOk());
  EXPECT_EQ(notIp.status().code(), StatusCode::kInvalidArgument);
  auto missingCert =
      HttpServer::start(HttpServerOptions{.tls = TlsOptions{.certFile = "/nonexistent/tls.crt",
                                                            .keyFile = "/nonexistent/tls.key"}},
                        echo);
  ASSERT_FALSE(missingCert.isOk());
  EXPECT_EQ(missingCert.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(missingCert.status().message().find("/nonexistent/tls.crt"), std::string::npos);
}

TEST(HttpServer, PortInUseIsUnavailable) {
  auto first = startOrDie({});
  auto second = HttpServer::start(
      HttpServerOptions{.bindAddress = fmt::format("127.0.0.1:{}", first->port())}, echo);
  ASSERT_FALSE(second.isOk());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
}

TEST(HttpServer, PlainRequestPartsReachTheHandler) {
  auto server = startOrDie({});
  ASSERT_NE(server->port(), 0);
  EXPECT_EQ(server->address(), fmt::format("127.0.0.1:{}", server->port()));
  TestClient client;
  TestReply r = client.perform(
      "POST", url(*server, "/apis/x?labelSelector=scaledobject.keda.sh%2Fname%3Dweb&a=1+2&flag"),
      "payload", {}, {"X-Test: hello"});
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "method=POST\npath=/apis/x\n"
            "rawQuery=labelSelector=scaledobject.keda.sh%2Fname%3Dweb&a=1+2&flag\n"
            "body=payload\nx-test=hello\n"
            "q:labelSelector=scaledobject.keda.sh/name=web\nq:a=1 2\nq:flag=\n");
}

TEST(HttpServer, KeepAliveReusesTheConnection) {
  auto server = startOrDie({});
  TestClient client;
  for (int i = 0; i < 5; ++i) {
    TestReply r = client.get(url(*server, fmt::format("/n{}", i)));
    ASSERT_EQ(r.code, CURLE_OK) << r.error;
    EXPECT_EQ(r.newConnections, i == 0 ? 1 : 0) << "request " << i;
    EXPECT_NE(r.body.find(fmt::format("path=/n{}", i)), std::string::npos);
  }
  EXPECT_EQ(server->connectionCount(), 1u);
}

TEST(HttpServer, ResponseCloseEndsTheConnection) {
  auto server = startOrDie({}, [](const Request&) { return Response{.body = "x", .close = true}; });
  TestClient client;
  EXPECT_EQ(client.get(url(*server, "/")).newConnections, 1);
  EXPECT_EQ(client.get(url(*server, "/")).newConnections, 1);
}

TEST(HttpServer, BodyLimit) {
  auto server = startOrDie({.maxBodyBytes = 100});
  TestClient client;
  TestReply ok = client.perform("POST", url(*server, "/"), std::string(100, 'a'));
  EXPECT_EQ(ok.status, 200);
  TestReply big = client.perform("POST", url(*server, "/"), std::string(5000, 'a'));
  EXPECT_EQ(big.code, CURLE_OK) << big.error;
  EXPECT_EQ(big.status, 413);
  TestReply expect = client.perform("POST", url(*server, "/"), std::string(5000, 'a'), {},
                                    {"Expect: 100-continue"});
  EXPECT_EQ(expect.status, 413);
  // A body that fits, sent after "100 Continue".
  TestReply continued =
      client.perform("POST", url(*server, "/"), std::string(90, 'b'), {}, {"Expect: 100-continue"});
  EXPECT_EQ(continued.status, 200);
  EXPECT_NE(continued.body.find("body=" + std::string(90, 'b')), std::string::npos);
}

TEST(HttpServer, HandlerExceptionIs500) {
  auto server = startOrDie({}, [](const Request&) -> Response { throw std::runtime_error("x"); });
  TestClient client;
  EXPECT_EQ(client.get(url(*server, "/")).status, 500);
}

TEST(HttpServer, IdleConnectionsAreClosed) {
  auto server = startOrDie({.idleTimeout = 200ms});
  TestClient client;
  ASSERT_EQ(client.get(url(*server, "/")).status, 200);
  EXPECT_EQ(server->connectionCount(), 1u);
  EXPECT_TRUE(eventually([&] { return server->connectionCount() == 0; }, 3s));
}

TEST(HttpServer, ConcurrentClients) {
  auto server = startOrDie({.ioThreads = 2});
  constexpr int kThreads = 8;
  constexpr int kRequests = 100;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestClient client;
      for (int i = 0; i < kRequests; ++i) {
        TestReply r = client.get(url(*server, fmt::format("/t{}/{}", t, i)));
        if (r.status == 200 &&
            r.body.find(fmt::format("path=/t{}/{}\n", t, i)) != std::string::npos) {
          ++good;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), kThreads * kRequests);
}

TEST(HttpServer, AsyncHandlerAnswersFromAnotherThread) {
  std::vector<std::thread> workers;
  std::mutex mu;
  auto server = HttpServer::start(
      HttpServerOptions{}, AsyncHandler([&](const Request& r, Responder responder) {
        std::string path(r.path);
        std::lock_guard lock(mu);
        workers.emplace_back([path, responder = std::move(responder)]() mutable {
          std::this_thread::sleep_for(20ms);
          responder.send(Response{.body = "late " + path});
        });
      }));
  ASSERT_TRUE(server.isOk());
  TestClient client;
  TestReply r = client.get(url(**server, "/a"));
  EXPECT_EQ(r.body, "late /a");
  TestReply again = client.get(url(**server, "/b"));
  EXPECT_EQ(again.body, "late /b");
  EXPECT_EQ(again.newConnections, 0);
  (*server)->stop();
  std::lock_guard lock(mu);
  for (auto& w : workers) w.join();
}

TEST(HttpServer, DroppedResponderAnswers500) {
  auto server =
      HttpServer::start(HttpServerOptions{}, AsyncHandler([](const Request&, Responder) {}));
  ASSERT_TRUE(server.isOk());
  TestClient client;
  EXPECT_EQ(client.get(url(**server, "/")).status, 500);
}

TEST(HttpServer, StopWhileClientsAreConnected) {
  auto server = startOrDie({.ioThreads = 2});
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<TestClient>());
    ASSERT_EQ(clients.back()->get(url(*server, "/")).status, 200);
  }
  EXPECT_EQ(server->connectionCount(), 4u);
  std::string target = url(*server, "/");
  auto start = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(server->connectionCount(), 0u);
  TestReply after = clients[0]->get(target);
  EXPECT_NE(after.code, CURLE_OK);
  server->stop();  // idempotent
}

TEST(HttpServer, StopWhileAsyncRequestIsPending) {
  std::atomic<bool> entered{false};
  Responder held;
  std::mutex mu;
  auto server = HttpServer::start(HttpServerOptions{.stopGracePeriod = 300ms},
                                  AsyncHandler([&](const Request&, Responder responder) {
                                    std::lock_guard lock(mu);
                                    held = std::move(responder);
                                    entered = true;
                                  }));
  ASSERT_TRUE(server.isOk());
  std::string target = url(**server, "/");
  std::thread client([&] {
    TestClient c;
    c.get(target);
  });
  ASSERT_TRUE(eventually([&] { return entered.load(); }));
  (*server)->stop();
  client.join();
  std::lock_guard lock(mu);
  held.send(Response{.body = "too late"});  // must be dropped safely
  server->reset();
}

// ---- TLS --------------------------------------------------------------------------------

class HttpServerTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto ca = generateCa({.commonName = "serving-ca"});
    auto serving = generateSignedCertificate(
        {.commonName = "tidal", .dnsNames = {"localhost"}, .ipAddresses = {"127.0.0.1"}}, *ca);
    auto otherCa = generateCa({.commonName = "other-ca"});
    auto otherServing = generateSignedCertificate(
        {.commonName = "tidal-2", .dnsNames = {"localhost"}, .ipAddresses = {"127.0.0.1"}},
        *otherCa);
    auto clientCa = generateCa({.commonName = "front-proxy-ca"});
    auto client = generateSignedCertificate({.commonName = "front-proxy-client",
                                             .organizations = {"org-a", "org-b"},
                                             .serverAuth = false,
                                             .clientAuth = true},
                                            *clientCa);
    auto rogue = generateSignedCertificate(
        {.commonName = "rogue", .serverAuth = false, .clientAuth = true}, *otherCa);
    ASSERT_TRUE(ca.isOk() && serving.isOk() && otherCa.isOk() && otherServing.isOk() &&
                clientCa.isOk() && client.isOk() && rogue.isOk());
    ASSERT_TRUE(writeTextFile(dir_->file("ca.crt"), ca->certificatePem).isOk());
    ASSERT_TRUE(writeTextFile(dir_->file("other-ca.crt"), otherCa->certificatePem).isOk());
    ASSERT_TRUE(writeTextFile(dir_->file("client-ca.crt"), clientCa->certificatePem).isOk());
    ASSERT_TRUE(
        writePemPair(*serving, dir_->file("serving.crt"), dir_->file("serving.key")).isOk());
    ASSERT_TRUE(
        writePemPair(*otherServing, dir_->file("other.crt"), dir_->file("other.key")).isOk());
    ASSERT_TRUE(writePemPair(*client, dir_->file("client.crt"), dir_->file("client.key")).isOk());
    ASSERT_TRUE(writePemPair(*rogue, dir_->file("rogue.crt"), dir_->file("rogue.key")).isOk());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // A serving pair in its own directory, so a test may rewrite it.
  TlsOptions tlsOptions(const TempDir& own, bool clientCa) {
    std::filesystem::copy_file(dir_->file("serving.crt"), own.file("tls.crt"));
    std::filesystem::copy_file(dir_->file("serving.key"), own.file("tls.key"));
    TlsOptions tls{.certFile = own.file("tls.crt"), .keyFile = own.file("tls.key")};
    if (clientCa) tls.clientCaFile = dir_->file("client-ca.crt");
    return tls;
  }
  static std::string file(const std::string& name) { return dir_->file(name); }

  inline static TempDir* dir_ = nullptr;
};

TEST_F(HttpServerTls, ServesWithoutClientCa) {
  TempDir own;
  auto server = startOrDie({.tls = tlsOptions(own, false)});
  ASSERT_TRUE(server->tls());
  TestClient client;
  TestReply r = client.get(url(*server, "/x"), {.caFile = file("ca.crt")});
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_NE(r.body.find("presented=false verified=false"), std::string::npos) << r.body;
  TestReply wrongCa = client.get(url(*server, "/x"), {.caFile = file("other-ca.crt")});
  EXPECT_EQ(wrongCa.code, CURLE_PEER_FAILED_VERIFICATION) << wrongCa.error;
}

TEST_F(HttpServerTls, ClientCertificatePresentedVerifiedOrNot) {
  TempDir own;
  auto server = startOrDie({.tls = tlsOptions(own, true)});
  struct Case {
    std::string name;
    TestTls tls;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"absent", {.caFile = file("ca.crt")}, "presented=false verified=false cn= o= error=\n"},
           {"verified",
            {.caFile = file("ca.crt"),
            .certFile = file("client.crt"),
            .keyFile = file("client.key")},
            "presented=true verified=true cn=front-proxy-client o=org-a,org-b error=\n"},
           {"unverified",
            {.caFile = file("ca.crt"), .certFile = file("rogue.crt"), .keyFile = file("rogue.key")},
            "presented=true verified=false cn=rogue o= error=unable to "},
       }) {
    TestClient client;
    TestReply r = client.get(url(*server, "/"), c.tls);
    ASSERT_EQ(r.code, CURLE_OK) << c.name << ": " << r.error;
    EXPECT_NE(r.body.find(c.expected), std::string::npos) << c.name << ": " << r.body;
  }
}

TEST_F(HttpServerTls, KeepAliveAndAlpnHttp11) {
  TempDir own;
  auto server = startOrDie({.tls = tlsOptions(own, true)});
  TestClient client;
  TestTls tls{.caFile = file("ca.crt"), .allowHttp2 = true};
  TestReply first = client.get(url(*server, "/"), tls);
  ASSERT_EQ(first.code, CURLE_OK) << first.error;
  EXPECT_EQ(first.httpVersion, CURL_HTTP_VERSION_1_1);
  TestReply second = client.get(url(*server, "/"), tls);
  EXPECT_EQ(second.newConnections, 0);
}

TEST_F(HttpServerTls, MinimumVersion13RefusesTls12) {
  TempDir own;
  TlsOptions options = tlsOptions(own, false);
  options.minVersion = "1.3";
  auto server = startOrDie({.tls = options});
  TestClient client;
  TestReply old =
      client.get(url(*server, "/"), {.caFile = file("ca.crt"),
                                     .sslVersion = static_cast<long>(CURL_SSLVERSION_TLSv1_2) |
                                                   static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_2)});
  EXPECT_NE(old.code, CURLE_OK);
  TestReply current = client.get(url(*server, "/"), {.caFile = file("ca.crt")});
  EXPECT_EQ(current.code, CURLE_OK) << current.error;

  options.minVersion = "1.1";
  auto bad = HttpServer::start(HttpServerOptions{.tls = options}, echo);
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpServerTls, ReloadsRewrittenCertificateAndKeepsOldOnBadPair) {
  TempDir own;
  TlsOptions options = tlsOptions(own, false);
  options.reloadInterval = 50ms;
  auto server = startOrDie({.tls = options});
  EXPECT_EQ(server->tlsGeneration(), 1u);
  TestClient oldClient;
  ASSERT_EQ(oldClient.get(url(*server, "/"), {.caFile = file("ca.crt")}).code, CURLE_OK);

  // A certificate whose key is not (yet) there: logged, the old pair stays.
  std::filesystem::copy_file(file("other.crt"), own.file("tls.crt"),
                             std::filesystem::copy_options::overwrite_existing);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(server->tlsGeneration(), 1u);
  {
    TestClient c;
    EXPECT_EQ(c.get(url(*server, "/"), {.caFile = file("ca.crt")}).code, CURLE_OK);
  }

  // Now the matching key arrives: new connections get the new certificate.
  std::filesystem::copy_file(file("other.key"), own.file("tls.key"),
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(eventually([&] { return server->tlsGeneration() == 2; }));
  TestClient c;
  TestReply fresh = c.get(url(*server, "/"), {.caFile = file("other-ca.crt")});
  EXPECT_EQ(fresh.code, CURLE_OK) << fresh.error;
  // The connection opened before the swap still works.
  TestReply old = oldClient.get(url(*server, "/"), {.caFile = file("ca.crt")});
  EXPECT_EQ(old.code, CURLE_OK) << old.error;
  EXPECT_EQ(old.newConnections, 0);
}

TEST_F(HttpServerTls, ReloadFollowsKubernetesSymlinkSwap) {
  // The layout of a Secret volume: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>.
  TempDir own;
  namespace fs = std::filesystem;
  fs::create_directory(own.file("..v1"));
  fs::copy_file(file("serving.crt"), own.file("..v1/tls.crt"));
  fs::copy_file(file("serving.key"), own.file("..v1/tls.key"));
  fs::create_directory_symlink("..v1", own.file("..data"));
  fs::create_symlink("..data/tls.crt", own.file("tls.crt"));
  fs::create_symlink("..data/tls.key", own.file("tls.key"));
  auto server = startOrDie({.tls = TlsOptions{.certFile = own.file("tls.crt"),
                                              .keyFile = own.file("tls.key"),
                                              .reloadInterval = 50ms}});
  fs::create_directory(own.file("..v2"));
  fs::copy_file(file("other.crt"), own.file("..v2/tls.crt"));
  fs::copy_file(file("other.key"), own.file("..v2/tls.key"));
  fs::create_directory_symlink("..v2", own.file("..data_tmp"));
  fs::rename(own.file("..data_tmp"), own.file("..data"));  // atomic swap, as the kubelet does
  ASSERT_TRUE(eventually([&] { return server->tlsGeneration() == 2; }));
  TestClient c;
  EXPECT_EQ(c.get(url(*server, "/"), {.caFile = file("other-ca.crt")}).code, CURLE_OK);
}

TEST_F(HttpServerTls, StopWithTlsClientsConnected) {
  TempDir own;
  auto server = startOrDie({.tls = tlsOptions(own, true)});
  TestClient a;
  TestClient b;
  ASSERT_EQ(a.get(url(*server, "/"), {.caFile = file("ca.crt")}).code, CURLE_OK);
  ASSERT_EQ(b.get(url(*server, "/"), {.caFile = file("ca.crt")}).code, CURLE_OK);
  server.reset();  // destructor stops
}

}  // namespace
}  // namespace tidal::net
