// Generating X.509 certificates with OpenSSL: a self-signed CA and certificates signed by it, as
// PEM text. tidal uses this for its self-generated serving certificate (metrics API, admission
// webhook) and tests use it for every TLS case (server, client, front-proxy, expired, wrong CA).
//
// Keys are EC P-256 by default (fast handshakes, small PEM) or RSA 2048. Serial numbers are 128
// random bits. Certificates carry SANs for DNS names and IP addresses (Go clients ignore the CN
// for host checks), key usages suited to their role, and extended key usages serverAuth and/or
// clientAuth as asked.
//
// Example:
//   TIDAL_ASSIGN_OR_RETURN(PemPair ca, generateCa({.commonName = "tidal-ca"}));
//   TIDAL_ASSIGN_OR_RETURN(PemPair serving, generateSignedCertificate(
//       {.commonName = "tidal-metrics", .dnsNames = {"localhost"}, .ipAddresses = {"127.0.0.1"}},
//       ca));
//   TIDAL_RETURN_IF_ERROR(writePemPair(serving, "/tmp/tls.crt", "/tmp/tls.key"));
//
// All functions are thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace tidal::net {

enum class KeyType { kEcP256, kRsa2048 };

struct CertificateOptions {
  std::string commonName;
  std::vector<std::string> organizations;  // subject O entries
  std::vector<std::string> dnsNames;
  std::vector<std::string> ipAddresses;  // "127.0.0.1", "::1"
  KeyType keyType = KeyType::kEcP256;
  // Validity starts at `notBefore` (default: now minus five minutes, for clock skew) and lasts
  // `validity`. A negative validity makes an already expired certificate (for tests).
  std::optional<std::chrono::system_clock::time_point> notBefore;
  std::chrono::seconds validity = std::chrono::hours(24 * 365);
  // Extended key usages of a leaf certificate (ignored for a CA).
  bool serverAuth = true;
  bool clientAuth = false;
};

struct PemPair {
  std::string certificatePem;
  std::string privateKeyPem;  // PKCS#8
};

// A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign and cRLSign).
StatusOr<PemPair> generateCa(const CertificateOptions& options);

// A leaf certificate signed by `ca`. kInvalidArgument for an unparsable IP address or CA pair.
StatusOr<PemPair> generateSignedCertificate(const CertificateOptions& options, const PemPair& ca);

// What a PEM certificate says about itself (its first certificate).
struct CertificateInfo {
  std::string commonName;
  std::vector<std::string> organizations;
  std::vector<std::string> dnsNames;
  std::vector<std::string> ipAddresses;
  std::chrono::system_clock::time_point notBefore;
  std::chrono::system_clock::time_point notAfter;
  bool isCa = false;
};
StatusOr<CertificateInfo> inspectCertificate(const std::string& certificatePem);

// Writes the certificate and the key (mode 0600) through a temporary file and a rename, so a
// reader never sees half a file. kUnavailable naming the path when writing fails.
Status writePemPair(const PemPair& pair, const std::string& certificatePath,
                    const std::string& keyPath);
// Same, for one file of PEM text (mode 0644).
Status writeTextFile(const std::string& path, const std::string& text, bool secret = false);

}  // namespace tidal::net
