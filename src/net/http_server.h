// An HTTP/1.1 server, plain or TLS, for tidal's own endpoints: the external metrics API, the
// admission webhook, /metrics and the health probes.
//
// Overview
//   The server runs a Boost.Asio io_context on a small, fixed number of io threads (1 or 2 is
//   plenty: one core serves tens of thousands of small requests per second). Each connection is
//   a chain of asynchronous reads and writes on its own strand; there is no thread per request or
//   per connection and no lock on the per-request path. Connections are kept alive (HTTP/1.1
//   default) until the client closes, the idle timeout passes, or the server stops.
//
//   A request is handed to the handler once it has been read in full (a body larger than
//   `maxBodyBytes` is refused with 413 before it is read). The handler runs on an io thread and
//   must be fast: anything that may block (a call to an external system, a lock held by slow
//   code) stalls every other connection served by that thread. Handlers that need to wait use
//   the asynchronous form (AsyncHandler): they take the request, hand the work to their own
//   executor and answer later through the Responder; the connection waits without holding a
//   thread.
//
//   TLS: the serving certificate and key are read from files and checked for changes every
//   `reloadInterval` (Kubernetes Secret volumes replace files by swapping a `..data` symlink, so
//   the check follows symlinks and compares device, inode, size and mtime, then the content).
//   A changed pair that loads is used for new connections; existing connections keep the old
//   one. A pair that fails to load (a key that does not match the certificate, a half-written
//   file) is logged and the previous one stays in use. With a client CA bundle, the server asks
//   for a client certificate but does not require one, so that probes such as /healthz work
//   without one; the handler sees whether a certificate was presented and whether it verified
//   (PeerCertificate) and decides. ALPN offers only "http/1.1".
//
// Example:
//   HttpServerOptions options;
//   options.bindAddress = "127.0.0.1:0";
//   options.tls = TlsOptions{.certFile = "/certs/tls.crt", .keyFile = "/certs/tls.key"};
//   TIDAL_ASSIGN_OR_RETURN(auto server, HttpServer::start(std::move(options),
//       [](const Request& r) { return Response{.body = "ok"}; }));
//   uint16_t port = server->port();
//   ...
//   server->stop();  // also done by the destructor
//
// Threading: start(), port(), stop() and the destructor may be called from any thread except an
// io thread of the same server (a handler must not stop its own server). The handler is called
// concurrently from all io threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tidal::net {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Where the server reports what it cannot return as a Status (a failed certificate reload, an
// accept error). Called from io threads; must be thread-safe and must not block.
using LogFunction = std::function<void(LogLevel level, std::string_view message)>;

// What the TLS layer learned about the client's certificate. Computed once per connection, after
// the handshake.
struct PeerCertificate {
  // The client sent a certificate.
  bool presented = false;
  // It chains to the configured client CA bundle and is valid now for client authentication.
  // Always false when no client CA is configured (the server then does not ask for one).
  bool verified = false;
  std::string commonName;                  // subject CN ("" when none)
  std::vector<std::string> organizations;  // subject O entries, in order
  std::string verifyError;                 // OpenSSL's reason when presented && !verified
};

// One request, valid only during the handler call (or, for AsyncHandler, until the Responder
// is used): the views point into buffers the connection reuses.
struct Request {
  std::string_view method;  // "GET", as sent
  // The path part of the request target, not percent-decoded ("/apis/x/v1"), so that an encoded
  // "/" cannot change how the path splits into segments.
  std::string_view path;
  std::string_view rawQuery;  // after '?', not decoded ("" when none)
  // Query parameters in order, names and values decoded ("%2F" -> "/", "+" -> " ").
  std::vector<std::pair<std::string, std::string>> query;
  // Header fields in order, as sent.
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
  bool tls = false;
  // Meaningful only when `tls`.
  const PeerCertificate* peer = nullptr;
  std::string_view remoteAddress;  // "127.0.0.1:54321"

  // The first value of a header, by case-insensitive name; "" when absent.
  std::string_view header(std::string_view name) const;
  // The first value of a query parameter; nullopt when absent.
  std::optional<std::string_view> queryParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  // Extra header fields; Content-Type, Content-Length, Connection are set by the server.
  std::vector<std::pair<std::string, std::string>> headers;
  // Close the connection after this response.
  bool close = false;
};

// Answers a request later, exactly once, from any thread. A Responder destroyed without having
// answered sends 500, so a lost request cannot leave a connection hanging.
class Responder {
 public:
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void deliver(Response response) = 0;
  };

  Responder() = default;
  explicit Responder(std::shared_ptr<Sink> sink) : sink_(std::move(sink)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  // Sends the response. Later calls do nothing.
  void send(Response response);
  bool answered() const { return sink_ == nullptr; }

 private:
  std::shared_ptr<Sink> sink_;
};

// Called on an io thread for each request; must not block (see the file comment).
using Handler = std::function<Response(const Request&)>;
// Called on an io thread; must return quickly and answer through the Responder, possibly from
// another thread. The Request stays valid until the Responder has been used.
using AsyncHandler = std::function<void(const Request&, Responder)>;

struct TlsOptions {
  std::string certFile;  // PEM serving certificate (chain)
  std::string keyFile;   // PEM private key
  // PEM bundle of CAs that sign acceptable client certificates. Either a file (reloaded like the
  // serving pair) or inline PEM; both empty: no client certificate is requested.
  std::string clientCaFile;
  std::string clientCaPem;
  std::string minVersion = "1.2";  // "1.2" or "1.3"
  // How often the files are checked for changes; zero disables reloading.
  std::chrono::milliseconds reloadInterval = std::chrono::seconds(10);
};

struct HttpServerOptions {
  // "host:port", "[v6]:port" or ":port" (all interfaces); port 0 picks a free one.
  std::string bindAddress = "127.0.0.1:0";
  int ioThreads = 1;
  size_t maxBodyBytes = 1 << 20;
  size_t maxHeaderBytes = 16 << 10;
  // A connection that sends nothing for this long (between or within requests) is closed; also
  // bounds each response write and the TLS handshake.
  std::chrono::milliseconds idleTimeout = std::chrono::seconds(60);
  // Further connections are closed at once while this many are open.
  size_t maxConnections = 10000;
  // How long stop() lets connections finish writing before cutting them off.
  std::chrono::milliseconds stopGracePeriod = std::chrono::seconds(5);
  std::optional<TlsOptions> tls;
  LogFunction log;  // null: stderr for warnings and errors
};

class HttpServer {
 public:
  // Binds, listens and starts the io threads. kInvalidArgument for a malformed bind address or
  // option, kFailedPrecondition when the certificate pair or client CA cannot be loaded,
  // kUnavailable when the address cannot be bound.
  static StatusOr<std::unique_ptr<HttpServer>> start(HttpServerOptions options, Handler handler);
  static StatusOr<std::unique_ptr<HttpServer>> start(HttpServerOptions options,
                                                     AsyncHandler handler);

  // Stops the server (see stop()).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the chosen one when the options said 0).
  uint16_t port() const;
  // "127.0.0.1:43117"
  std::string address() const;
  bool tls() const;

  // Stops accepting, closes idle connections at once, lets responses in flight finish for up to
  // `stopGracePeriod`, then closes the rest and joins the io threads. Idempotent. Must not be
  // called from a handler.
  void stop();

  // Connections open now.
  size_t connectionCount() const;
  // How many certificate pairs have been loaded (1 after start; +1 per successful reload).
  uint64_t tlsGeneration() const;

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port", "[v6]:port" or ":port". kInvalidArgument when malformed.
StatusOr<std::pair<std::string, uint16_t>> splitHostPort(std::string_view address);

// Decodes an application/x-www-form-urlencoded component ("a%2Fb+c" -> "a/b c"). Malformed
// escapes are kept literally, as browsers and Go do.
std::string decodeQueryComponent(std::string_view text);

}  // namespace tidal::net
