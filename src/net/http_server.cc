#include "net/http_server.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <fmt/format.h>

#include "common/strings.h"
#include "net/tls_context.h"

namespace tidal::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

// ---- Request / Responder / helpers -------------------------------------------------------

std::string_view Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && beast::iequals(beast::string_view(key.data(), key.size()),
                                                    beast::string_view(name.data(), name.size()))) {
      return value;
    }
  }
  return {};
}

std::optional<std::string_view> Request::queryParam(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (sink_) sink_->deliver(Response{.status = 500, .body = "no response"});
    sink_ = std::move(other.sink_);
  }
  return *this;
}

Responder::~Responder() {
  if (sink_) sink_->deliver(Response{.status = 500, .body = "no response\n"});
}

void Responder::send(Response response) {
  if (!sink_) return;
  std::shared_ptr<Sink> sink = std::move(sink_);
  sink->deliver(std::move(response));
}

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void decodeInto(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
               hexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
}

void defaultLog(LogLevel level, std::string_view message) {
  if (level < LogLevel::kWarning) return;
  std::fprintf(stderr, "%s http-server: %.*s\n", level == LogLevel::kError ? "E" : "W",
               static_cast<int>(message.size()), message.data());
}

std::string_view sv(beast::string_view text) {
  return {text.data(), text.size()};
}

}  // namespace

std::string decodeQueryComponent(std::string_view text) {
  std::string out;
  decodeInto(text, out);
  return out;
}

StatusOr<std::pair<std::string, uint16_t>> splitHostPort(std::string_view address) {
  std::string_view host;
  std::string_view port;
  if (!address.empty() && address.front() == '[') {
    size_t close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return invalidArgument(fmt::format("bind address \"{}\": expected \"[ipv6]:port\"", address));
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
  } else {
    size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) {
      return invalidArgument(
          fmt::format("bind address \"{}\": expected \"host:port\" or \":port\"", address));
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  std::optional<int64_t> number = parseGoInt(port);
  if (port.empty() || !number || *number < 0 || *number > 65535 ||
      port.find_first_not_of("0123456789") != std::string_view::npos) {
    return invalidArgument(
        fmt::format("bind address \"{}\": port must be a number from 0 to 65535", address));
  }
  return std::pair<std::string, uint16_t>(std::string(host), static_cast<uint16_t>(*number));
}

// ---- Server state shared with connections ---------------------------------------------------

class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Asks the connection to finish: posted to its strand by stop().
  virtual void beginShutdown() = 0;
  // Called after the io threads have been joined: drops any self-reference.
  virtual void releaseForDestruction() = 0;
};

// Lets a Responder reach its connection from any thread without outliving the io_context.
struct Lifeline {
  std::mutex mu;
  bool alive = true;
};

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, Handler handler, AsyncHandler asyncHandler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        asyncHandler_(std::move(asyncHandler)),
        ioc_(std::make_unique<asio::io_context>(std::max(1, options_.ioThreads))),
        acceptStrand_(asio::make_strand(*ioc_)),
        acceptor_(std::make_unique<tcp::acceptor>(*acceptStrand_)),
        reloadTimer_(std::make_unique<asio::steady_timer>(*acceptStrand_)),
        lifeline_(std::make_shared<Lifeline>()) {
    if (!options_.log) options_.log = defaultLog;
  }
  ~Impl() { stop(); }

  Status listen();
  void run();
  void stop();

  // False once stop() has begun: the caller then drops the connection.
  bool registerConnection(ConnectionBase* raw, const std::shared_ptr<ConnectionBase>& conn) {
    std::lock_guard lock(mu_);
    if (stopped_) return false;
    connections_.emplace(raw, conn);
    return true;
  }
  void unregisterConnection(ConnectionBase* raw) {
    std::lock_guard lock(mu_);
    connections_.erase(raw);
    if (connections_.empty()) drained_.notify_all();
  }
  size_t connectionCount() const {
    std::lock_guard lock(mu_);
    return connections_.size();
  }

  void doAccept();
  void onAccept(beast::error_code ec, tcp::socket socket);
  void scheduleReload();

  HttpServerOptions options_;
  Handler handler_;
  AsyncHandler asyncHandler_;
  std::unique_ptr<internal::TlsContextSource> tls_;  // accept strand only
  std::atomic<uint64_t> tlsGeneration_{0};
  uint16_t port_ = 0;
  std::string host_;

  mutable std::mutex mu_;
  std::condition_variable drained_;
  std::unordered_map<ConnectionBase*, std::weak_ptr<ConnectionBase>> connections_;
  bool stopped_ = false;  // guarded by mu_
  std::vector<std::thread> threads_;

  std::unique_ptr<asio::io_context> ioc_;
  std::optional<Strand> acceptStrand_;  // reset before ioc_: a strand must not outlive it
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<asio::steady_timer> reloadTimer_;
  std::shared_ptr<Lifeline> lifeline_;
};

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

template <typename Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Connection(HttpServer::Impl* server, tcp::socket socket,
             std::shared_ptr<asio::ssl::context> tlsContext)
      : server_(server),
        tlsContext_(std::move(tlsContext)),
        stream_(makeStream(std::move(socket))) {
    beast::error_code ec;
    tcp::endpoint remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) remoteAddress_ = fmt::format("{}:{}", remote.address().to_string(), remote.port());
    request_.tls = kTls;
    request_.peer = &peer_;
    request_.remoteAddress = remoteAddress_;
  }
  ~Connection() override { server_->unregisterConnection(this); }

  void start() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(server_->options_.idleTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              beast::bind_front_handler(&Connection::onHandshake, self()));
    } else {
      readHeader();
    }
  }

  void beginShutdown() override {
    asio::post(stream_.get_executor(), [self = self()] {
      self->stopping_ = true;
      if (!self->busy_) {
        self->closeNow();
      }
      // A response in flight finishes first (onWritten sees stopping_); one still waiting for
      // an asynchronous handler is abandoned.
      if (self->awaitingResponse_) {
        self->awaitingResponse_ = false;
        self->closeNow();
        self->pinned_.reset();
      }
    });
  }

  void releaseForDestruction() override { pinned_.reset(); }

 private:
  // The Responder's view of this connection: holds it only weakly, and never posts to an
  // io_context that is being torn down.
  class Sink final : public Responder::Sink {
   public:
    Sink(std::weak_ptr<Connection> conn, std::shared_ptr<Lifeline> lifeline)
        : conn_(std::move(conn)), lifeline_(std::move(lifeline)) {}
    void deliver(Response response) override {
      std::lock_guard lock(lifeline_->mu);
      if (!lifeline_->alive) return;
      std::shared_ptr<Connection> conn = conn_.lock();
      if (!conn) return;
      // The closure owns the connection, so it is released on its strand (or with the
      // io_context), never here. No executor is kept in the Sink: a Responder may outlive the
      // server, and an executor must not outlive its io_context.
      auto executor = conn->stream_.get_executor();
      asio::post(executor, [conn = std::move(conn), response = std::move(response)]() mutable {
        conn->onAsyncResponse(std::move(response));
      });
    }

   private:
    std::weak_ptr<Connection> conn_;
    std::shared_ptr<Lifeline> lifeline_;
  };

  std::shared_ptr<Connection> self() { return this->shared_from_this(); }

  Stream makeStream(tcp::socket socket) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tlsContext_);
    } else {
      return Stream(std::move(socket));
    }
  }

  void onHandshake(beast::error_code ec) {
    if (ec) {
      server_->options_.log(LogLevel::kDebug, fmt::format("TLS handshake with {} failed: {}",
                                                          remoteAddress_, ec.message()));
      return closeNow();
    }
    if constexpr (kTls) {
      peer_ = internal::inspectPeer(stream_.native_handle(),
                                    !server_->options_.tls->clientCaFile.empty() ||
                                        !server_->options_.tls->clientCaPem.empty());
    }
    readHeader();
  }

  void readHeader() {
    if (stopping_) return closeNow();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->options_.maxHeaderBytes));
    parser_->body_limit(server_->options_.maxBodyBytes);
    beast::get_lowest_layer(stream_).expires_after(server_->options_.idleTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Connection::onHeader, self()));
  }

  void onHeader(beast::error_code ec, std::size_t) {
    if (ec) return onReadError(ec);
    if (auto length = parser_->content_length();
        length && *length > server_->options_.maxBodyBytes) {
      return sendError(413, "request body too large\n");
    }
    if (parser_->is_done()) return dispatch();
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue")) {
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = self()](beast::error_code wec, std::size_t) {
                          if (wec) return self->closeNow();
                          self->readBody();
                        });
      return;
    }
    readBody();
  }

  void readBody() {
    beast::get_lowest_layer(stream_).expires_after(server_->options_.idleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Connection::onBody, self()));
  }

  void onBody(beast::error_code ec, std::size_t) {
    if (ec) return onReadError(ec);
    dispatch();
  }

  void onReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) return sendError(413, "request body too large\n");
    if (ec == http::error::header_limit) return sendError(431, "request header too large\n");
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated ||
        stopping_) {
      return closeNow();
    }
    if (ec == http::error::partial_message) return closeNow();
    if (ec.category() == beast::error_code(http::error::bad_target).category()) {
      return sendError(400, "malformed request\n");
    }
    closeNow();
  }

  void dispatch() {
    busy_ = true;
    auto& req = parser_->get();
    std::string_view target = sv(req.target());
    size_t q = target.find('?');
    request_.method = sv(req.method_string());
    request_.path = target.substr(0, q);
    request_.rawQuery = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    request_.body = req.body();
    request_.headers.clear();
    for (const auto& field : req) {
      request_.headers.emplace_back(sv(field.name_string()), sv(field.value()));
    }
    parseQuery();
    keepAlive_ = req.keep_alive();
    version_ = req.version();

    if (server_->handler_) {
      Response response;
      try {
        response = server_->handler_(request_);
      } catch (const std::exception& e) {
        server_->options_.log(LogLevel::kError, fmt::format("handler threw: {}", e.what()));
        response = Response{.status = 500, .body = "internal error\n"};
      }
      return write(std::move(response));
    }
    awaitingResponse_ = true;
    pinned_ = self();  // nothing else holds the connection while the handler works
    auto sink = std::make_shared<Sink>(this->weak_from_this(), server_->lifeline_);
    try {
      server_->asyncHandler_(request_, Responder(std::move(sink)));
    } catch (const std::exception& e) {
      // The Responder, destroyed during unwinding, has already queued a 500.
      server_->options_.log(LogLevel::kError, fmt::format("handler threw: {}", e.what()));
    }
  }

  void onAsyncResponse(Response response) {
    if (!awaitingResponse_) return;
    awaitingResponse_ = false;
    auto keep = std::move(pinned_);
    write(std::move(response));
  }

  void parseQuery() {
    // Reuses the vector's slots (and their string capacity) from the previous request.
    size_t used = 0;
    std::string_view rest = request_.rawQuery;
    while (!rest.empty()) {
      size_t amp = rest.find('&');
      std::string_view part = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      if (part.empty()) continue;
      size_t eq = part.find('=');
      if (used == request_.query.size()) request_.query.emplace_back();
      auto& [key, value] = request_.query[used++];
      decodeInto(part.substr(0, eq), key);
      decodeInto(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), value);
    }
    request_.query.resize(used);
  }

  void write(Response response) {
    busy_ = true;
    response_.emplace(static_cast<http::status>(response.status), version_);
    response_->set(http::field::content_type, response.contentType);
    for (auto& [name, value] : response.headers) response_->insert(name, value);
    response_->body() = std::move(response.body);
    keepAlive_ = keepAlive_ && !response.close && !stopping_;
    response_->keep_alive(keepAlive_);
    response_->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(server_->options_.idleTimeout);
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&Connection::onWritten, self()));
  }

  void onWritten(beast::error_code ec, std::size_t) {
    busy_ = false;
    response_.reset();
    if (ec || stopping_) return closeNow();
    if (!keepAlive_) return lingerClose();
    readHeader();
  }

  // An error answer ends the connection: what follows on the stream can't be trusted.
  void sendError(int status, std::string body) {
    keepAlive_ = false;
    version_ = parser_ ? parser_->get().version() : 11;
    write(Response{.status = status, .body = std::move(body), .close = true});
  }

  // Half-closes, then drains what the client still sends for a moment, so that closing with
  // unread data (an oversized body) does not reset the connection before the client has read
  // the answer.
  void lingerClose() {
    auto& layer = beast::get_lowest_layer(stream_);
    beast::error_code ignored;
    layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
    layer.expires_after(std::chrono::seconds(2));
    drain();
  }

  void drain() {
    auto& layer = beast::get_lowest_layer(stream_);
    layer.async_read_some(asio::buffer(scratch_),
                          [self = self()](beast::error_code ec, std::size_t) {
                            if (ec || self->stopping_) return self->closeNow();
                            self->drain();
                          });
  }

  void closeNow() {
    auto& layer = beast::get_lowest_layer(stream_);
    beast::error_code ignored;
    layer.socket().shutdown(tcp::socket::shutdown_both, ignored);
    layer.close();
  }

  HttpServer::Impl* server_;
  std::shared_ptr<asio::ssl::context> tlsContext_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  Request request_;
  PeerCertificate peer_;
  std::string remoteAddress_;
  std::shared_ptr<Connection> pinned_;
  std::array<char, 4096> scratch_;
  unsigned version_ = 11;
  bool keepAlive_ = true;
  bool busy_ = false;
  bool stopping_ = false;
  bool awaitingResponse_ = false;
};

}  // namespace

// ---- Impl -------------------------------------------------------------------------------

Status HttpServer::Impl::listen() {
  if (options_.ioThreads < 1 || options_.ioThreads > 64) {
    return invalidArgument(
        fmt::format("ioThreads must be between 1 and 64, got {}", options_.ioThreads));
  }
  TIDAL_ASSIGN_OR_RETURN(auto hostPort, splitHostPort(options_.bindAddress));
  host_ = hostPort.first;
  if (options_.tls) {
    TIDAL_ASSIGN_OR_RETURN(tls_, internal::TlsContextSource::create(*options_.tls, options_.log));
    tlsGeneration_ = 1;
  }
  beast::error_code ec;
  asio::ip::address address;
  if (host_.empty()) {
    address = asio::ip::address_v6::any();
  } else {
    if (host_ == "localhost") host_ = "127.0.0.1";
    address = asio::ip::make_address(host_, ec);
    if (ec) {
      return invalidArgument(fmt::format("bind address \"{}\": \"{}\" is not an IP address",
                                         options_.bindAddress, host_));
    }
  }
  tcp::endpoint endpoint(address, hostPort.second);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec && address.is_v6() && host_.empty()) {
    acceptor_->set_option(asio::ip::v6_only(false), ec);
  }
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return unavailable(fmt::format("cannot listen on {}: {}", options_.bindAddress, ec.message()));
  }
  port_ = acceptor_->local_endpoint().port();
  if (host_.empty()) host_ = "0.0.0.0";
  return Status::ok();
}

void HttpServer::Impl::run() {
  asio::post(*acceptStrand_, [this] { doAccept(); });
  if (tls_ && options_.tls->reloadInterval.count() > 0) {
    asio::post(*acceptStrand_, [this] { scheduleReload(); });
  }
  for (int i = 0; i < options_.ioThreads; ++i) {
    threads_.emplace_back([this] { ioc_->run(); });
  }
}

void HttpServer::Impl::doAccept() {
  acceptor_->async_accept(
      asio::make_strand(*ioc_),
      asio::bind_executor(*acceptStrand_, [this](beast::error_code ec, tcp::socket socket) {
        onAccept(ec, std::move(socket));
      }));
}

void HttpServer::Impl::onAccept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_->is_open() || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Typically EMFILE: back off briefly instead of spinning.
    options_.log(LogLevel::kWarning, fmt::format("accept failed: {}", ec.message()));
    auto timer =
        std::make_shared<asio::steady_timer>(*acceptStrand_, std::chrono::milliseconds(50));
    timer->async_wait([this, timer](beast::error_code) {
      if (acceptor_->is_open()) doAccept();
    });
    return;
  }
  if (connectionCount() >= options_.maxConnections) {
    beast::error_code ignored;
    socket.close(ignored);
    return doAccept();
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (tls_) {
    auto conn = std::make_shared<Connection<TlsStream>>(this, std::move(socket), tls_->current());
    if (registerConnection(conn.get(), conn)) conn->start();
  } else {
    auto conn = std::make_shared<Connection<PlainStream>>(this, std::move(socket), nullptr);
    if (registerConnection(conn.get(), conn)) conn->start();
  }
  doAccept();
}

void HttpServer::Impl::scheduleReload() {
  reloadTimer_->expires_after(options_.tls->reloadInterval);
  reloadTimer_->async_wait([this](beast::error_code ec) {
    if (ec || !acceptor_->is_open()) return;
    if (tls_->reloadIfChanged()) tlsGeneration_.fetch_add(1);
    scheduleReload();
  });
}

void HttpServer::Impl::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  if (threads_.empty()) return;  // never started
  asio::post(*acceptStrand_, [this] {
    beast::error_code ignored;
    acceptor_->close(ignored);
    reloadTimer_->cancel();
  });
  std::vector<std::shared_ptr<ConnectionBase>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [raw, weak] : connections_) {
      if (auto conn = weak.lock()) live.push_back(std::move(conn));
    }
  }
  for (auto& conn : live) conn->beginShutdown();
  live.clear();
  {
    std::unique_lock lock(mu_);
    drained_.wait_for(lock, options_.stopGracePeriod, [this] { return connections_.empty(); });
  }
  ioc_->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  {
    std::lock_guard lock(lifeline_->mu);
    lifeline_->alive = false;
  }
  {
    std::lock_guard lock(mu_);
    for (auto& [raw, weak] : connections_) {
      if (auto conn = weak.lock()) live.push_back(std::move(conn));
    }
  }
  for (auto& conn : live) conn->releaseForDestruction();
  live.clear();  // connections whose last owner was their own pin are destroyed here
  reloadTimer_.reset();
  acceptor_.reset();
  acceptStrand_.reset();
  ioc_.reset();  // destroys queued handlers and with them the remaining connections
}

// ---- HttpServer -----------------------------------------------------------------------

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() {
  stop();
}

StatusOr<std::unique_ptr<HttpServer>> HttpServer::start(HttpServerOptions options,
                                                        Handler handler) {
  if (!handler) return invalidArgument("HttpServer needs a handler");
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler), nullptr);
  TIDAL_RETURN_IF_ERROR(impl->listen());
  impl->run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

StatusOr<std::unique_ptr<HttpServer>> HttpServer::start(HttpServerOptions options,
                                                        AsyncHandler handler) {
  if (!handler) return invalidArgument("HttpServer needs a handler");
  auto impl = std::make_unique<Impl>(std::move(options), nullptr, std::move(handler));
  TIDAL_RETURN_IF_ERROR(impl->listen());
  impl->run();
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

uint16_t HttpServer::port() const {
  return impl_->port_;
}
std::string HttpServer::address() const {
  return impl_->host_.find(':') != std::string::npos
             ? fmt::format("[{}]:{}", impl_->host_, impl_->port_)
             : fmt::format("{}:{}", impl_->host_, impl_->port_);
}
bool HttpServer::tls() const {
  return impl_->tls_ != nullptr;
}
void HttpServer::stop() {
  impl_->stop();
}
size_t HttpServer::connectionCount() const {
  return impl_->connectionCount();
}
uint64_t HttpServer::tlsGeneration() const {
  return impl_->tlsGeneration_.load();
}

}  // namespace tidal::net
