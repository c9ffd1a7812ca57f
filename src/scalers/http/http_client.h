// The HTTP client the HTTP-based scalers share (rabbitmq's management API, metrics-api,
// prometheus): an injected interface, so each scaler's API logic is tested without sockets, and
// its libcurl implementation.
//
// A request carries its own URL, basic-auth credentials, extra headers (bearer tokens, API keys,
// custom headers) and timeout; the transport carries the TLS settings (verification on unless
// `unsafeSsl`, the trigger's CA, client certificate and key). CurlHttpGetter keeps a few libcurl
// handles, each holding its kept-alive connection, and lends one per request; getters are shared
// between triggers with the same endpoint and TLS settings through a SharedPool, so many triggers
// on one server reuse a few connections. Thread-safe.
//
// Example:
//   HttpTlsOptions tls{.verifyPeer = true};
//   std::shared_ptr<CurlHttpGetter> getter = sharedGetter("http://127.0.0.1:9090", tls);
//   StatusOr<HttpResponse> r = getter->get({.url = "http://127.0.0.1:9090/api/v1/query?query=up"});
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "scalers/http/tls_material.h"
#include "scalers/shared_pool.h"

namespace tidal::scalers::http {

struct HttpRequest {
  std::string url;                      // never with credentials in it
  std::optional<std::string> username;  // basic auth when set
  std::string password;
  std::chrono::milliseconds timeout{3000};  // the whole request: connect, TLS, send, receive
  // Extra request headers, in order (Authorization: Bearer ..., X-API-KEY, custom headers). A
  // header named here replaces libcurl's own of that name.
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
  long status = 0;  // NOLINT(google-runtime-int): libcurl's type
  std::string body;
};

// The Status code for an answer other than 2xx: kNotFound, kUnauthenticated, kPermissionDenied,
// kResourceExhausted (429), kUnavailable (5xx, 408) or kFailedPrecondition.
StatusCode codeForHttpStatus(long status);  // NOLINT(google-runtime-int)

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

  // Every field, joined: equal keys mean interchangeable transports. Contains key material;
  // never print it.
  std::string poolKey() const;
};

class CurlHttpGetter : public HttpGetter {
 public:
  explicit CurlHttpGetter(HttpTlsOptions tls);
  ~CurlHttpGetter() override;
  CurlHttpGetter(const CurlHttpGetter&) = delete;
  CurlHttpGetter& operator=(const CurlHttpGetter&) = delete;

  StatusOr<HttpResponse> get(const HttpRequest& request) override;

  // The process-wide pool the HTTP-based scalers share clients through (keyed by scheme, host,
  // port and TLS options; see sharedGetter()).
  static SharedPool<CurlHttpGetter>& pool();

 private:
  void* borrowHandle();
  void returnHandle(void* handle);

  const HttpTlsOptions tls_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL* handles with their open connections
};

// The shared getter for requests to `url` (only its scheme://host:port part matters) with `tls`.
std::shared_ptr<CurlHttpGetter> sharedGetter(std::string_view url, const HttpTlsOptions& tls);

// Go's http.StatusText-style "404 Not Found" for a status code (just the number when unknown).
std::string httpStatusLine(long status);  // NOLINT(google-runtime-int)

}  // namespace tidal::scalers::http
