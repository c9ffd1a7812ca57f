#include "scalers/redis/tls_transport.h"

#include <array>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "scalers/redis/hiredis_transport.h"

namespace tidal::scalers::redis {
namespace {

using SslCtxPtr = std::shared_ptr<SSL_CTX>;

std::string opensslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown TLS error";
  std::array<char, 256> buf{};
  ERR_error_string_n(e, buf.data(), buf.size());
  return buf.data();
}

std::unique_ptr<BIO, decltype(&BIO_free)> memBio(const std::string& pem) {
  return {BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free};
}

int passwordCallback(char* buf, int size, int /*rwflag*/, void* userdata) {
  const auto* password = static_cast<const std::string*>(userdata);
  const int n = std::min(size, static_cast<int>(password->size()));
  std::memcpy(buf, password->data(), static_cast<size_t>(n));
  return n;
}

StatusOr<SslCtxPtr> buildContext(const RedisTls& tls) {
  ERR_clear_error();
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (ctx == nullptr) return internalError("TLS: " + opensslError());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (tls.unsafeSsl) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (!tls.ca.empty()) {
      auto bio = memBio(tls.ca);
      X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
      int loaded = 0;
      while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(store, cert);
        X509_free(cert);
        ++loaded;
      }
      ERR_clear_error();  // the end of the PEM text reads as an error
      if (loaded == 0) return invalidArgument("unable to load the CA certificate (ca): no PEM");
    } else {
      SSL_CTX_set_default_verify_paths(ctx.get());
    }
  }
  if (!tls.cert.empty() || !tls.key.empty()) {
    if (tls.cert.empty() || tls.key.empty()) {
      return invalidArgument("a client certificate needs both cert and key");
    }
    auto certBio = memBio(tls.cert);
    X509* cert = PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr || SSL_CTX_use_certificate(ctx.get(), cert) != 1) {
      if (cert != nullptr) X509_free(cert);
      return invalidArgument("unable to load the client certificate (cert): " + opensslError());
    }
    X509_free(cert);
    auto keyBio = memBio(tls.key);
    std::string password = tls.keyPassword;
    EVP_PKEY* key = PEM_read_bio_PrivateKey(keyBio.get(), nullptr, passwordCallback, &password);
    if (key == nullptr || SSL_CTX_use_PrivateKey(ctx.get(), key) != 1) {
      if (key != nullptr) EVP_PKEY_free(key);
      return invalidArgument("unable to load the client key (key, keyPassword): " + opensslError());
    }
    EVP_PKEY_free(key);
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      return invalidArgument("the client key does not match the client certificate");
    }
  }
  return ctx;
}

bool isIpAddress(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

// Waits until `fd` is ready for `events` or the deadline passes.
Status waitFor(int fd, short events, Deadline deadline, std::string_view what) {
  for (;;) {
    pollfd pfd{fd, events, 0};
    const int n = ::poll(&pfd, 1, static_cast<int>(remainingMillis(deadline).count()));
    if (n > 0) return Status::ok();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unavailable(fmt::format("{}: poll: {}", what, std::strerror(errno)));
    if (std::chrono::steady_clock::now() >= deadline) {
      return {StatusCode::kDeadlineExceeded, fmt::format("{}: timed out", what)};
    }
  }
}

class TlsTransport : public RedisTransport {
 public:
  explicit TlsTransport(SslCtxPtr ctx) : ctx_(std::move(ctx)) {}
  ~TlsTransport() override { close(); }

  Status open(const HostPort& address, Deadline deadline) override {
    close();
    Status s = openLocked(address, deadline);
    if (!s.isOk()) close();
    return s;
  }

  StatusOr<RedisReply> roundTrip(const std::vector<std::string>& args, Deadline deadline) override {
    if (ssl_ == nullptr) return unavailable("not connected");
    const std::string what = args.empty() ? std::string("command") : args.front();
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    char* wire = nullptr;
    const int len =
        redisFormatCommandArgv(&wire, static_cast<int>(argv.size()), argv.data(), lens.data());
    if (len < 0) return internalError("cannot encode the command");
    Status written = writeAll(wire, static_cast<size_t>(len), deadline, what);
    redisFreeCommand(wire);
    if (!written.isOk()) {
      close();
      return written;
    }
    StatusOr<std::optional<RedisReply>> reply = readReply(deadline, what, /*mayTimeOut=*/false);
    if (!reply.isOk()) {
      close();
      return reply.status();
    }
    return **reply;
  }

  StatusOr<std::optional<RedisReply>> awaitPush(Deadline deadline) override {
    if (ssl_ == nullptr) return unavailable("not connected");
    StatusOr<std::optional<RedisReply>> reply = readReply(deadline, "read", /*mayTimeOut=*/true);
    if (!reply.isOk()) close();
    return reply;
  }

  bool isOpen() const override { return ssl_ != nullptr; }

  void close() override {
    if (ssl_ != nullptr) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (reader_ != nullptr) {
      redisReaderFree(reader_);
      reader_ = nullptr;
    }
  }

 private:
  Status openLocked(const HostPort& address, Deadline deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(address.port);
    if (int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
      return unavailable(fmt::format("connect: {}", gai_strerror(rc)));
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, &freeaddrinfo);
    Status last = unavailable("connect: no address");
    for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
      last = connectOne(ai, deadline);
      if (last.isOk()) break;
      if (last.code() == StatusCode::kDeadlineExceeded) return last;
    }
    TIDAL_RETURN_IF_ERROR(last);
    return handshake(address, deadline);
  }

  Status connectOne(const addrinfo* ai, Deadline deadline) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd_ < 0) return unavailable(fmt::format("connect: {}", std::strerror(errno)));
    if (::connect(fd_, ai->ai_addr, ai->ai_addrlen) == 0) return Status::ok();
    if (errno != EINPROGRESS) return unavailable(fmt::format("connect: {}", std::strerror(errno)));
    TIDAL_RETURN_IF_ERROR(waitFor(fd_, POLLOUT, deadline, "connect"));
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return unavailable(fmt::format("connect: {}", std::strerror(err)));
    return Status::ok();
  }

  Status handshake(const HostPort& address, Deadline deadline) {
    ERR_clear_error();
    ssl_ = SSL_new(ctx_.get());
    if (ssl_ == nullptr) return internalError("TLS: " + opensslError());
    SSL_set_fd(ssl_, fd_);
    if (isIpAddress(address.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), address.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl_, address.host.c_str());
      SSL_set1_host(ssl_, address.host.c_str());
    }
    for (;;) {
      const int rc = SSL_connect(ssl_);
      if (rc == 1) break;
      const int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        TIDAL_RETURN_IF_ERROR(
            waitFor(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "TLS handshake"));
        continue;
      }
      const long verify = SSL_get_verify_result(ssl_);
      if (verify != X509_V_OK) {
        return unavailable(fmt::format("TLS handshake: certificate verify failed: {}",
                                       X509_verify_cert_error_string(verify)));
      }
      return unavailable("TLS handshake: " + opensslError());
    }
    reader_ = redisReaderCreate();
    return Status::ok();
  }

  Status writeAll(const char* data, size_t size, Deadline deadline, std::string_view what) {
    while (size > 0) {
      ERR_clear_error();
      const int n = SSL_write(ssl_, data, static_cast<int>(size));
      if (n > 0) {
        data += n;
        size -= static_cast<size_t>(n);
        continue;
      }
      const int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        TIDAL_RETURN_IF_ERROR(
            waitFor(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, what));
        continue;
      }
      return unavailable(fmt::format("{}: write: {}", what, opensslError()));
    }
    return Status::ok();
  }

  // Reads until the reader holds one whole reply. With `mayTimeOut`, running out of time before
  // any byte arrived is "nothing yet" rather than an error.
  StatusOr<std::optional<RedisReply>> readReply(Deadline deadline, std::string_view what,
                                                bool mayTimeOut) {
    bool gotBytes = false;
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
        return unavailable(fmt::format("{}: protocol error", what));
      }
      if (raw != nullptr) {
        RedisReply out = fromHiredisReply(static_cast<redisReply*>(raw));
        freeReplyObject(raw);
        return std::optional<RedisReply>(std::move(out));
      }
      std::array<char, 16384> buf{};
      ERR_clear_error();
      const int n = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
      if (n > 0) {
        gotBytes = true;
        if (redisReaderFeed(reader_, buf.data(), static_cast<size_t>(n)) != REDIS_OK) {
          return unavailable(fmt::format("{}: protocol error", what));
        }
        continue;
      }
      const int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        Status ready = waitFor(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, what);
        if (!ready.isOk()) {
          if (mayTimeOut && !gotBytes && ready.code() == StatusCode::kDeadlineExceeded) {
            return std::optional<RedisReply>();
          }
          return ready;
        }
        continue;
      }
      if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && n == 0)) {
        return unavailable(fmt::format("{}: the server closed the connection", what));
      }
      return unavailable(fmt::format("{}: read: {}", what, opensslError()));
    }
  }

  SslCtxPtr ctx_;
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  redisReader* reader_ = nullptr;
};

}  // namespace

StatusOr<RedisTransportFactory> newTlsTransportFactory(const RedisTls& tls) {
  TIDAL_ASSIGN_OR_RETURN(SslCtxPtr ctx, buildContext(tls));
  return RedisTransportFactory([ctx] { return std::make_unique<TlsTransport>(ctx); });
}

}  // namespace tidal::scalers::redis
