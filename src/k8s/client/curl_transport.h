// The production Transport: libcurl (OpenSSL flavour), one process-wide set of pooled handles.
//
// Connections are reused: finished easy handles go back to a pool, and all handles share one
// connection cache, DNS cache and TLS session cache (a curl share handle), so steady-state
// requests to the API server ride on open keep-alive connections without new handshakes. TLS
// verification is on unless the config explicitly asks to skip it. Each transfer runs on its own
// curl multi handle so that cancelling the stop token wakes it at once (curl_multi_wakeup) rather
// than at curl's next progress tick; this matters for idle watch streams at shutdown.
//
// HTTP/1.1 is used: each watch holds its own connection, as with client-go over HTTP/1.1. So a
// burst of concurrent requests (the first lists, a thousand new ScaledObjects) opens many
// connections, each with its TLS state and buffers, and a pooled handle for each. Pooled handles
// and kept-alive connections unused for `idleTtl` are closed (handles when another is released,
// connections when a request next looks for one), so the steady state keeps what it uses.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "k8s/client/config.h"
#include "k8s/client/transport.h"

typedef void CURL;    // NOLINT: the exact typedefs of <curl/curl.h>, so that it stays private
typedef void CURLM;   // NOLINT
typedef void CURLSH;  // NOLINT

namespace tidal::k8s {

struct CurlTransportOptions {
  TlsConfig tls;
  std::chrono::milliseconds connectTimeout{std::chrono::seconds(10)};
  size_t maxIdleHandles = 32;        // pooled handles kept for reuse; more are closed after use
  std::chrono::seconds idleTtl{60};  // a pooled handle or connection unused this long is closed
  std::string userAgent = "tidal";
};

class CurlTransport : public Transport {
 public:
  // Validates the options (PEM material present where needed). Thread-safe; calls
  // curl_global_init once per process.
  static StatusOr<std::unique_ptr<CurlTransport>> create(CurlTransportOptions options);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  StatusOr<HttpResponse> send(const HttpRequest& request, const std::stop_token& stop) override;
  StatusOr<HttpResponse> stream(const HttpRequest& request, const BodyChunkFn& onChunk,
                                const std::stop_token& stop) override;

  // How many TCP connections were opened so far (for tests of connection reuse).
  long connectionsOpened() const;
  // How many handles wait in the pool now (for tests).
  size_t idleHandles() const;

 private:
  struct Handle;
  explicit CurlTransport(CurlTransportOptions options);
  StatusOr<HttpResponse> perform(const HttpRequest& request, const BodyChunkFn* onChunk,
                                 const std::stop_token& stop);
  std::unique_ptr<Handle> acquire();
  void release(std::unique_ptr<Handle> handle);

  const CurlTransportOptions options_;
  CURLSH* share_ = nullptr;
  // One lock per curl_lock_data value the share handle uses.
  std::array<std::mutex, 8> shareLocks_;
  mutable std::mutex poolMu_;
  std::vector<std::unique_ptr<Handle>> idle_;
  long connections_ = 0;
};

}  // namespace tidal::k8s
