#include "net/tls_context.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

namespace tidal::net::internal {
namespace {

namespace ssl = boost::asio::ssl;

std::string openSslError(std::string_view fallback) {
  unsigned long code = ERR_get_error();  // NOLINT(google-runtime-int): OpenSSL's type
  std::string text;
  if (code == 0) return std::string(fallback);
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  text = buf;
  ERR_clear_error();
  return text;
}

StatusOr<std::string> readFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return failedPrecondition(
        fmt::format("cannot read {} file \"{}\": {}", what, path, std::strerror(errno)));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Accepts every chain during the handshake so that a client without a valid certificate can
// still reach unauthenticated endpoints; the outcome is read afterwards with
// SSL_get_verify_result() and handed to the request handler.
int acceptAnyChain(int /*preverified*/, X509_STORE_CTX* /*ctx*/) {
  return 1;
}

int selectHttp11(SSL* /*ssl*/, const unsigned char** out, unsigned char* outLen,
                 const unsigned char* in, unsigned int inLen, void* /*arg*/) {
  static constexpr unsigned char kHttp11[] = {'h', 't', 't', 'p', '/', '1', '.', '1'};
  for (unsigned int i = 0; i < inLen;) {
    unsigned int len = in[i];
    if (i + 1 + len > inLen) break;
    if (len == sizeof(kHttp11) && std::memcmp(in + i + 1, kHttp11, len) == 0) {
      *out = in + i + 1;
      *outLen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + len;
  }
  // The client speaks only other protocols: carry on without ALPN, as HTTP/1.1.
  return SSL_TLSEXT_ERR_NOACK;
}

// Every certificate in a PEM bundle, for the list of acceptable CA names sent to clients.
Status addClientCaNames(SSL_CTX* ctx, const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return internalError("BIO_new_mem_buf failed");
  int count = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    SSL_CTX_add_client_CA(ctx, cert);
    X509_free(cert);
    ++count;
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  BIO_free(bio);
  if (count == 0) return failedPrecondition("the client CA bundle holds no PEM certificate");
  return Status::ok();
}

std::string nameEntry(X509_NAME* name, int index) {
  X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(entry);
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<TlsContextSource>> TlsContextSource::create(const TlsOptions& options,
                                                                     LogFunction log) {
  if (options.certFile.empty() || options.keyFile.empty()) {
    return invalidArgument("TLS needs both certFile and keyFile");
  }
  if (!options.clientCaFile.empty() && !options.clientCaPem.empty()) {
    return invalidArgument("set clientCaFile or clientCaPem, not both");
  }
  std::unique_ptr<TlsContextSource> source(new TlsContextSource(options, std::move(log)));
  if (options.minVersion == "1.2") {
    source->minVersion_ = TLS1_2_VERSION;
  } else if (options.minVersion == "1.3") {
    source->minVersion_ = TLS1_3_VERSION;
  } else {
    return invalidArgument(fmt::format(
        "minimum TLS version \"{}\" is not supported; use \"1.2\" or \"1.3\"", options.minVersion));
  }
  source->lastSeen_ = source->stampFiles();
  TIDAL_ASSIGN_OR_RETURN(Snapshot files, source->readFiles());
  TIDAL_ASSIGN_OR_RETURN(source->current_, source->build(files));
  source->loaded_ = std::move(files);
  return source;
}

std::vector<TlsContextSource::FileStamp> TlsContextSource::stampFiles() const {
  std::vector<FileStamp> stamps;
  auto stampOf = [](const std::string& path) {
    FileStamp stamp;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      stamp = {st.st_dev, st.st_ino, st.st_size,
               int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
    }
    return stamp;
  };
  stamps.push_back(stampOf(options_.certFile));
  stamps.push_back(stampOf(options_.keyFile));
  if (!options_.clientCaFile.empty()) stamps.push_back(stampOf(options_.clientCaFile));
  return stamps;
}

StatusOr<TlsContextSource::Snapshot> TlsContextSource::readFiles() const {
  Snapshot files;
  TIDAL_ASSIGN_OR_RETURN(files.certPem, readFile(options_.certFile, "TLS certificate"));
  TIDAL_ASSIGN_OR_RETURN(files.keyPem, readFile(options_.keyFile, "TLS key"));
  if (!options_.clientCaFile.empty()) {
    TIDAL_ASSIGN_OR_RETURN(files.caPem, readFile(options_.clientCaFile, "client CA"));
  } else {
    files.caPem = options_.clientCaPem;
  }
  return files;
}

StatusOr<std::shared_ptr<ssl::context>> TlsContextSource::build(const Snapshot& files) const {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();
  SSL_CTX_set_options(
      native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_set_min_proto_version(native, minVersion_) != 1) {
    return internalError("cannot set the minimum TLS version: " + openSslError("unknown"));
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain(boost::asio::buffer(files.certPem), ec);
  if (ec) {
    return failedPrecondition(fmt::format("TLS certificate \"{}\" is not a usable PEM chain: {}",
                                          options_.certFile, openSslError(ec.message())));
  }
  ctx->use_private_key(boost::asio::buffer(files.keyPem), ssl::context::pem, ec);
  if (ec) {
    return failedPrecondition(fmt::format("TLS key \"{}\" is not a usable PEM key: {}",
                                          options_.keyFile, openSslError(ec.message())));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return failedPrecondition(fmt::format("TLS key \"{}\" does not match certificate \"{}\": {}",
                                          options_.keyFile, options_.certFile,
                                          openSslError("mismatch")));
  }
  if (!files.caPem.empty()) {
    ctx->add_certificate_authority(boost::asio::buffer(files.caPem), ec);
    if (ec) {
      return failedPrecondition(fmt::format("client CA bundle {} is not usable PEM: {}",
                                            options_.clientCaFile.empty()
                                                ? std::string("(inline)")
                                                : "\"" + options_.clientCaFile + "\"",
                                            openSslError(ec.message())));
    }
    TIDAL_RETURN_IF_ERROR(addClientCaNames(native, files.caPem));
    // Ask for a certificate, do not require one, never fail the handshake over it.
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, acceptAnyChain);
  } else if (requestsClientCertificate()) {
    return failedPrecondition("the client CA bundle is empty");
  }
  // Session resumption with client verification on needs a session id context.
  static constexpr unsigned char kSessionContext[] = {'t', 'i', 'd', 'a', 'l'};
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof(kSessionContext));
  SSL_CTX_set_alpn_select_cb(native, selectHttp11, nullptr);
  return ctx;
}

bool TlsContextSource::reloadIfChanged() {
  std::vector<FileStamp> stamps = stampFiles();
  if (stamps == lastSeen_) return false;
  lastSeen_ = stamps;
  StatusOr<Snapshot> files = readFiles();
  if (!files.isOk()) {
    if (log_) log_(LogLevel::kWarning, "TLS reload skipped: " + files.status().message());
    return false;
  }
  if (files->certPem == loaded_.certPem && files->keyPem == loaded_.keyPem &&
      files->caPem == loaded_.caPem) {
    return false;  // touched, not changed
  }
  StatusOr<std::shared_ptr<ssl::context>> ctx = build(*files);
  if (!ctx.isOk()) {
    if (log_) {
      log_(LogLevel::kWarning,
           "TLS reload failed, keeping the previous certificate: " + ctx.status().message());
    }
    return false;
  }
  current_ = std::move(ctx).value();
  loaded_ = std::move(files).value();
  if (log_) log_(LogLevel::kInfo, "TLS certificate reloaded from " + options_.certFile);
  return true;
}

PeerCertificate inspectPeer(SSL* ssl, bool verificationRequested) {
  PeerCertificate peer;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return peer;
  peer.presented = true;
  long result = SSL_get_verify_result(ssl);  // NOLINT(google-runtime-int): OpenSSL's type
  if (!verificationRequested) {
    peer.verifyError = "no client CA is configured";
  } else if (result == X509_V_OK) {
    peer.verified = true;
  } else {
    peer.verifyError = X509_verify_cert_error_string(result);
  }
  X509_NAME* subject = X509_get_subject_name(cert);
  int cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (cn >= 0) peer.commonName = nameEntry(subject, cn);
  for (int i = X509_NAME_get_index_by_NID(subject, NID_organizationName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_organizationName, i)) {
    peer.organizations.push_back(nameEntry(subject, i));
  }
  X509_free(cert);
  return peer;
}

}  // namespace tidal::net::internal
