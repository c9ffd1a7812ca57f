// Internal to tidal_net: the server-side TLS context of HttpServer, built from PEM files and
// rebuilt when they change, plus the per-connection peer-certificate summary.
//
// A TlsContextSource owns the current boost::asio::ssl::context behind a shared_ptr; a new
// connection copies the pointer, so replacing it never affects connections already open, and
// the old context lives until its last connection ends. The source is not thread-safe: the
// server touches it only from its accept strand.
//
// Example:
//   TIDAL_ASSIGN_OR_RETURN(auto source, TlsContextSource::create(options.tls, log));
//   auto ctx = source->current();            // for the next accepted connection
//   if (source->reloadIfChanged()) { ... }   // from a periodic timer
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>
#include <sys/types.h>

#include "common/status.h"
#include "net/http_server.h"

namespace tidal::net::internal {

class TlsContextSource {
 public:
  // Reads and loads the files once. kFailedPrecondition naming the file and OpenSSL's reason
  // when they cannot be read or do not form a usable pair; kInvalidArgument for a bad option.
  static StatusOr<std::unique_ptr<TlsContextSource>> create(const TlsOptions& options,
                                                            LogFunction log);

  std::shared_ptr<boost::asio::ssl::context> current() const { return current_; }
  bool requestsClientCertificate() const {
    return !options_.clientCaFile.empty() || !options_.clientCaPem.empty();
  }

  // Checks the files' identity (device, inode, size, mtime, following symlinks); if any changed
  // and the content differs, builds a new context. On failure logs a warning once per distinct
  // file state and keeps the current context. Returns true when a new context was installed.
  bool reloadIfChanged();

 private:
  struct FileStamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = -1;
    int64_t mtimeNanos = 0;
    bool operator==(const FileStamp&) const = default;
  };
  struct Snapshot {
    std::vector<FileStamp> stamps;  // cert, key[, client CA file]
    std::string certPem, keyPem, caPem;
  };

  TlsContextSource(TlsOptions options, LogFunction log)
      : options_(std::move(options)), log_(std::move(log)) {}
  std::vector<FileStamp> stampFiles() const;
  StatusOr<Snapshot> readFiles() const;
  StatusOr<std::shared_ptr<boost::asio::ssl::context>> build(const Snapshot& files) const;

  TlsOptions options_;
  LogFunction log_;
  int minVersion_ = TLS1_2_VERSION;
  std::shared_ptr<boost::asio::ssl::context> current_;
  Snapshot loaded_;
  std::vector<FileStamp> lastSeen_;
};

// What a finished handshake says about the client's certificate. `verificationRequested` is
// whether the server asked for one (a client CA is configured).
PeerCertificate inspectPeer(SSL* ssl, bool verificationRequested);

}  // namespace tidal::net::internal
