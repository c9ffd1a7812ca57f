// How the etcd scaler reaches etcd: JSON over HTTP to etcd's gRPC gateway (etcd 3.4+ serves
// /v3/kv/range, /v3/auth/authenticate and the streaming /v3/watch on its client port). An
// injected interface, so the client logic (etcd_client.h) is tested without sockets, and its
// libcurl implementation.
//
// The shared HTTP client (scalers/http/http_client.h) only GETs; etcd's gateway needs POST and a
// long-lived streamed answer for watches, so this transport is etcd's own. It reuses the shared
// TLS material loader.
//
// Threading: post() is thread-safe; each stream() call is independent.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "scalers/http/http_client.h"

namespace tidal::scalers::etcd {

struct EtcdRequest {
  std::string url;   // base URL + path, e.g. "http://127.0.0.1:2379/v3/kv/range"
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Authorization: <token>
  std::chrono::milliseconds timeout{3000};  // post: the whole call; stream: connecting
};

class EtcdTransport {
 public:
  virtual ~EtcdTransport() = default;

  // POSTs `request.body`. Any HTTP status is a response; transport failures are kUnavailable
  // (cannot connect, reset), kDeadlineExceeded (timed out) or kFailedPrecondition (TLS
  // verification of the server failed).
  virtual StatusOr<http::HttpResponse> post(const EtcdRequest& request) = 0;

  // POSTs `request.body` and hands every piece of the streamed answer to `onData` as it arrives.
  // Returns OK once `stop()` is true (checked at least every 100 ms), kDeadlineExceeded when
  // nothing arrived for `idleTimeout`, kUnavailable when the connection failed or the server
  // ended the answer, and an error from codeForHttpStatus() for an HTTP status other than 200.
  virtual Status stream(const EtcdRequest& request,
                        const std::function<void(std::string_view)>& onData,
                        const std::function<bool()>& stop,
                        std::chrono::milliseconds idleTimeout) = 0;
};

// The libcurl transport: keeps a few idle handles (with their kept-alive connections) for post();
// each stream uses a handle of its own. Shared between triggers with the same TLS settings
// through sharedEtcdTransport().
class CurlEtcdTransport : public EtcdTransport {
 public:
  explicit CurlEtcdTransport(http::HttpTlsOptions tls);
  ~CurlEtcdTransport() override;
  CurlEtcdTransport(const CurlEtcdTransport&) = delete;
  CurlEtcdTransport& operator=(const CurlEtcdTransport&) = delete;

  StatusOr<http::HttpResponse> post(const EtcdRequest& request) override;
  Status stream(const EtcdRequest& request, const std::function<void(std::string_view)>& onData,
                const std::function<bool()>& stop, std::chrono::milliseconds idleTimeout) override;

 private:
  void* borrowHandle();
  void returnHandle(void* handle);

  const http::HttpTlsOptions tls_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* handles
};

// The shared transport for `poolKey` (the endpoints) and `tls`.
std::shared_ptr<EtcdTransport> sharedEtcdTransport(const std::string& poolKey,
                                                   const http::HttpTlsOptions& tls);

}  // namespace tidal::scalers::etcd
