// A scripted Transport for unit tests: no sockets, every reply decided by the test.
//
// Replies are queued with push() and consumed in order, or computed by a handler. A reply can be
// a transport failure, a whole response, or (for stream()) a series of body chunks optionally
// followed by a failure, which is how tests produce a watch cut in the middle of an event.
// Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "k8s/client/transport.h"

namespace tidal::k8s::testing {

struct FakeReply {
  int status = 200;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // the whole body (send, or non-2xx streams)
  std::vector<std::string> chunks;             // stream(): delivered one by one when 2xx
  Status error;       // non-OK: a transport failure (after the chunks, for streams)
  bool hold = false;  // stream(): after the chunks, block until the stop token fires

  static FakeReply failure(Status status) {
    FakeReply r;
    r.error = std::move(status);
    return r;
  }
  static FakeReply json(int status, std::string body) {
    FakeReply r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

class FakeTransport : public Transport {
 public:
  void push(FakeReply reply);
  // Used when the queue is empty. Without one, an unexpected request gets a 599 reply.
  void setHandler(std::function<FakeReply(const HttpRequest&)> handler);

  std::vector<HttpRequest> requests() const;
  size_t requestCount() const;

  StatusOr<HttpResponse> send(const HttpRequest& request, const std::stop_token& stop) override;
  StatusOr<HttpResponse> stream(const HttpRequest& request, const BodyChunkFn& onChunk,
                                const std::stop_token& stop) override;

 private:
  FakeReply next(const HttpRequest& request);

  mutable std::mutex mu_;
  std::deque<FakeReply> replies_;
  std::function<FakeReply(const HttpRequest&)> handler_;
  std::vector<HttpRequest> requests_;
};

}  // namespace tidal::k8s::testing
