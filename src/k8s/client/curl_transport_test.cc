// CurlTransport against a local HTTP stub: only what needs real bytes on a socket (a watch cut in
// the middle of an object, cancellation of an idle stream, connection reuse, Retry-After through
// the real sleeper). The API server's own behaviour is covered by the integration tests.
#include "k8s/client/curl_transport.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "k8s/client/client.h"
#include "k8s/testing/http_stub.h"

namespace tidal::k8s {
namespace {

using testing::HttpStub;
using Clock = std::chrono::steady_clock;

std::unique_ptr<CurlTransport> makeTransport() {
  StatusOr<std::unique_ptr<CurlTransport>> t = CurlTransport::create({});
  EXPECT_TRUE(t.isOk()) << t.status().toString();
  return std::move(t).value();
}

std::shared_ptr<RestClient> restClient(const std::string& server, std::shared_ptr<Transport> t) {
  RestConfig config;
  config.server = server;
  config.qps = 0;
  RestClientOptions options;
  options.logger = &nullLogger();
  return std::make_shared<RestClient>(config, std::move(t), options);
}

std::string event(const std::string& type, const std::string& name, const std::string& rv) {
  return R"({"type":")" + type + R"(","object":{"metadata":{"name":")" + name +
         R"(","resourceVersion":")" + rv + "\"}}}\n";
}

TEST(CurlTransportTest, ResponseAndLowerCasedHeaders) {
  HttpStub stub([](const std::string& head, const std::string& body) {
    EXPECT_NE(head.find("PUT /things/a HTTP/1.1"), std::string::npos);
    EXPECT_EQ(body, R"({"x":1})");
    return HttpStub::Reply{{HttpStub::response(409, R"({"kind":"Status"})", "X-Thing: yes\r\n")}};
  });
  auto transport = makeTransport();
  HttpRequest request;
  request.method = "PUT";
  request.url = stub.url() + "/things/a";
  request.body = R"({"x":1})";
  request.headers = {{"Content-Type", "application/json"}};
  StatusOr<HttpResponse> r = transport->send(request, {});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(r->header("x-thing"), "yes");
  EXPECT_EQ(r->body, R"({"kind":"Status"})");
}

TEST(CurlTransportTest, ReusesTheConnection) {
  HttpStub stub([](const std::string&, const std::string&) {
    return HttpStub::Reply{{HttpStub::response(200, "{}")}};
  });
  auto transport = makeTransport();
  HttpRequest request;
  request.url = stub.url() + "/x";
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(transport->send(request, {}).isOk());
  EXPECT_EQ(stub.requests(), 5);
  EXPECT_EQ(stub.connections(), 1);
  EXPECT_EQ(transport->connectionsOpened(), 1);
}

TEST(CurlTransportTest, ReusesConnectionsUnderConcurrency) {
  HttpStub stub([](const std::string&, const std::string&) {
    return HttpStub::Reply{{HttpStub::response(200, "{}")}};
  });
  auto transport = makeTransport();
  HttpRequest request;
  request.url = stub.url() + "/x";
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  // Eight at once: more than curl's default cache limit of four per multi handle.
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (!transport->send(request, {}).isOk()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(stub.requests(), 200);
  EXPECT_LE(stub.connections(), 8) << "one connection per concurrent request at most";
}

TEST(CurlTransportTest, HandlesAndConnectionsUnusedForTheirTtlAreClosed) {
  HttpStub stub([](const std::string&, const std::string&) {
    return HttpStub::Reply{{HttpStub::response(200, "{}")}};
  });
  CurlTransportOptions options;
  options.idleTtl = std::chrono::seconds(1);
  StatusOr<std::unique_ptr<CurlTransport>> created = CurlTransport::create(options);
  ASSERT_TRUE(created.isOk()) << created.status().toString();
  std::unique_ptr<CurlTransport> transport = std::move(created).value();
  HttpRequest request;
  request.url = stub.url() + "/x";
  // A burst: four requests at once leave four handles in the pool.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::atomic<int> inFlight{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      ++inFlight;
      while (inFlight.load() < 4) std::this_thread::yield();
      if (!transport->send(request, {}).isOk()) ++failures;
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  const size_t afterBurst = transport->idleHandles();
  const long connectionsAfterBurst = transport->connectionsOpened();
  EXPECT_GE(afterBurst, 1u);
  ASSERT_TRUE(transport->send(request, {}).isOk());
  EXPECT_EQ(transport->connectionsOpened(), connectionsAfterBurst) << "within the TTL: reused";

  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  ASSERT_TRUE(transport->send(request, {}).isOk());
  EXPECT_EQ(transport->idleHandles(), 1u) << "the burst's other handles are closed";
  EXPECT_EQ(transport->connectionsOpened(), connectionsAfterBurst + 1)
      << "the idle connection was closed, not reused";
  EXPECT_EQ(stub.connections(), connectionsAfterBurst + 1);
}

TEST(CurlTransportTest, WatchCutInTheMiddleOfAnObject) {
  const std::string third = event("ADDED", "c", "3");
  HttpStub stub([&](const std::string&, const std::string&) {
    // Two events, then half of a third, then the connection drops without the final chunk.
    return HttpStub::Reply{{HttpStub::chunkedHead(),
                            HttpStub::chunk(event("ADDED", "a", "1") + event("ADDED", "b", "2")),
                            HttpStub::chunk(third.substr(0, 25))},
                           std::chrono::milliseconds(20),
                           /*close=*/true};
  });
  Client client(restClient(stub.url(), makeTransport()));
  std::vector<std::string> names;
  WatchResult r = client.watch(kConfigMaps, "x", {}, [&](WatchEvent&& e) {
    names.push_back(e.object["metadata"]["name"]);
    return true;
  });
  EXPECT_EQ(r.end, WatchEnd::kFailed);
  EXPECT_EQ(r.status.code(), StatusCode::kUnavailable) << r.status.toString();
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.lastResourceVersion, "2") << "the resume point is the last complete event";
}

TEST(CurlTransportTest, WatchWithAMalformedLine) {
  HttpStub stub([&](const std::string&, const std::string&) {
    return HttpStub::Reply{
        {HttpStub::chunkedHead(),
         HttpStub::chunk(event("ADDED", "a", "1") + "{not json}\n" + event("ADDED", "b", "2")),
         HttpStub::chunk("")}};
  });
  Client client(restClient(stub.url(), makeTransport()));
  std::vector<std::string> names;
  WatchResult r = client.watch(kConfigMaps, "x", {}, [&](WatchEvent&& e) {
    names.push_back(e.object["metadata"]["name"]);
    return true;
  });
  EXPECT_EQ(r.end, WatchEnd::kFailed);
  EXPECT_NE(r.status.message().find("watch event is not JSON: \"{not json}\""), std::string::npos)
      << r.status.toString();
  EXPECT_EQ(names, (std::vector<std::string>{"a"}));
}

TEST(CurlTransportTest, WatchEndsCleanly) {
  HttpStub stub([&](const std::string&, const std::string&) {
    return HttpStub::Reply{
        {HttpStub::chunkedHead(), HttpStub::chunk(event("ADDED", "a", "1")), HttpStub::chunk("")}};
  });
  Client client(restClient(stub.url(), makeTransport()));
  WatchResult r = client.watch(kConfigMaps, "x", {}, [](WatchEvent&&) { return true; });
  EXPECT_EQ(r.end, WatchEnd::kClosed) << r.status.toString();
  EXPECT_EQ(r.events, 1u);
}

TEST(CurlTransportTest, CancellingAnIdleStreamIsPrompt) {
  HttpStub stub([&](const std::string&, const std::string&) {
    HttpStub::Reply reply{{HttpStub::chunkedHead(), HttpStub::chunk(event("ADDED", "a", "1"))}};
    reply.hang = true;
    return reply;
  });
  auto transport = makeTransport();
  std::stop_source stop;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.request_stop();
  });
  HttpRequest request;
  request.url = stub.url() + "/watch";
  int chunks = 0;
  auto start = Clock::now();
  StatusOr<HttpResponse> r = transport->stream(
      request, [&](std::string_view) { return ++chunks > 0; }, stop.get_token());
  auto elapsed = Clock::now() - start;
  canceller.join();
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(chunks, 1);
  EXPECT_LT(elapsed, std::chrono::milliseconds(700)) << "woken by the stop token, not a tick";
}

TEST(CurlTransportTest, RequestTimeout) {
  HttpStub stub([&](const std::string&, const std::string&) {
    HttpStub::Reply reply;
    reply.hang = true;
    return reply;
  });
  auto transport = makeTransport();
  HttpRequest request;
  request.url = stub.url() + "/slow";
  request.timeout = std::chrono::milliseconds(300);
  StatusOr<HttpResponse> r = transport->send(request, {});
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().toString();
}

TEST(CurlTransportTest, RefusedConnectionIsMarkedNotSent) {
  // A port that was just bound and released: nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  auto transport = makeTransport();
  HttpRequest request;
  request.method = "POST";
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/x";
  StatusOr<HttpResponse> r = transport->send(request, {});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(requestNotSent(r.status())) << r.status().toString();
}

TEST(CurlTransportTest, RetryAfterIsHonouredInRealTime) {
  std::atomic<int> calls{0};
  HttpStub stub([&](const std::string&, const std::string&) {
    if (calls++ == 0) {
      return HttpStub::Reply{
          {HttpStub::response(429, R"({"kind":"Status","code":429,"reason":"TooManyRequests"})",
                              "Retry-After: 1\r\n")}};
    }
    return HttpStub::Reply{{HttpStub::response(200, R"({"kind":"Pod"})")}};
  });
  auto rest = restClient(stub.url(), makeTransport());
  RestRequest request;
  request.path = "/api/v1/pods";
  auto start = Clock::now();
  StatusOr<Json> r = rest->call(request);
  auto elapsed = Clock::now() - start;
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(calls.load(), 2);
  EXPECT_GE(elapsed, std::chrono::milliseconds(990));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1900));
}

}  // namespace
}  // namespace tidal::k8s
