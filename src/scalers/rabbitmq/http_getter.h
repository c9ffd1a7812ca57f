// The HTTP transport of the rabbitmq trigger's management API calls: an injected interface, so
// the API logic is tested without sockets, and its libcurl implementation.
//
// CurlHttpGetter keeps a few libcurl handles, each holding its kept-alive connection, and lends
// one per request; objects are shared between triggers with the same endpoint, credentials and
// TLS settings through a SharedPool, so many triggers on one broker reuse a few connections.
// Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "scalers/rabbitmq/rabbitmq_metadata.h"
#include "scalers/rabbitmq/shared_pool.h"

namespace tidal::scalers::rabbitmq {

struct HttpRequest {
  std::string url;                      // never with credentials in it
  std::optional<std::string> username;  // basic auth when set
  std::string password;
  std::chrono::milliseconds timeout{3000};  // the whole request: connect, TLS, send, receive
};

struct HttpResponse {
  long status = 0;  // NOLINT(google-runtime-int): libcurl's type
  std::string body;
};

class HttpGetter {
 public:
  virtual ~HttpGetter() = default;
  // GETs `request.url`. Any HTTP status is a response; only transport failures are errors:
  // kUnavailable (cannot connect, connection reset, TLS handshake failed), kDeadlineExceeded
  // (timed out), kFailedPrecondition (the server's certificate failed verification).
  virtual StatusOr<HttpResponse> get(const HttpRequest& request) = 0;
};

// TLS settings of the transport.
struct HttpTlsOptions {
  bool useTlsMaterial = false;
  TlsMaterial material;
  bool verifyPeer = true;

  std::string poolKey() const;
};

class CurlHttpGetter : public HttpGetter {
 public:
  explicit CurlHttpGetter(HttpTlsOptions tls);
  ~CurlHttpGetter() override;
  CurlHttpGetter(const CurlHttpGetter&) = delete;
  CurlHttpGetter& operator=(const CurlHttpGetter&) = delete;

  StatusOr<HttpResponse> get(const HttpRequest& request) override;

  // The process-wide pool the rabbitmq scaler shares clients through (keyed by base URL,
  // credentials and TLS options).
  static SharedPool<CurlHttpGetter>& pool();

 private:
  void* borrowHandle();
  void returnHandle(void* handle);

  const HttpTlsOptions tls_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* handles with their open connections
};

// Go's http.StatusText-style "404 Not Found" for a status code (just the number when unknown).
std::string httpStatusLine(long status);  // NOLINT(google-runtime-int)

}  // namespace tidal::scalers::rabbitmq
