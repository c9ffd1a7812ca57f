#include "k8s/testing/fake_transport.h"

#include <condition_variable>

namespace tidal::k8s::testing {

void FakeTransport::push(FakeReply reply) {
  std::lock_guard lock(mu_);
  replies_.push_back(std::move(reply));
}

void FakeTransport::setHandler(std::function<FakeReply(const HttpRequest&)> handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

std::vector<HttpRequest> FakeTransport::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

size_t FakeTransport::requestCount() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

FakeReply FakeTransport::next(const HttpRequest& request) {
  std::function<FakeReply(const HttpRequest&)> handler;
  {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    if (!replies_.empty()) {
      FakeReply reply = std::move(replies_.front());
      replies_.pop_front();
      return reply;
    }
    handler = handler_;
  }
  if (handler) return handler(request);
  return FakeReply::json(599, "no scripted reply for " + request.method + " " + request.url);
}

StatusOr<HttpResponse> FakeTransport::send(const HttpRequest& request,
                                           const std::stop_token& stop) {
  if (stop.stop_requested()) return Status(StatusCode::kCancelled, "cancelled");
  FakeReply reply = next(request);
  if (!reply.error.isOk()) return reply.error;
  HttpResponse response;
  response.status = reply.status;
  response.headers = reply.headers;
  response.body = reply.body;
  for (const std::string& chunk : reply.chunks) response.body += chunk;
  return response;
}

StatusOr<HttpResponse> FakeTransport::stream(const HttpRequest& request, const BodyChunkFn& onChunk,
                                             const std::stop_token& stop) {
  if (stop.stop_requested()) return Status(StatusCode::kCancelled, "cancelled");
  FakeReply reply = next(request);
  HttpResponse response;
  response.status = reply.status;
  response.headers = reply.headers;
  if (reply.status >= 200 && reply.status < 300) {
    for (const std::string& chunk : reply.chunks) {
      if (!onChunk(chunk)) return response;
    }
  } else {
    response.body = reply.body;
  }
  if (!reply.error.isOk()) return reply.error;
  if (reply.hold) {
    std::mutex mu;
    std::condition_variable_any cv;
    std::unique_lock lock(mu);
    cv.wait(lock, stop, [] { return false; });
    return Status(StatusCode::kCancelled, "cancelled");
  }
  return response;
}

}  // namespace tidal::k8s::testing
