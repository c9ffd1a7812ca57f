#include "net/tls_certs.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

namespace tidal::net {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

std::string sslError(std::string_view what) {
  unsigned long code = ERR_get_error();  // NOLINT(google-runtime-int): OpenSSL's type
  ERR_clear_error();
  if (code == 0) return std::string(what);
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return fmt::format("{}: {}", what, buf);
}

StatusOr<Owned<EVP_PKEY>> generateKey(KeyType type) {
  EVP_PKEY* key = type == KeyType::kRsa2048 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  if (key == nullptr) return internalError(sslError("key generation failed"));
  return Owned<EVP_PKEY>(key);
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);  // NOLINT(google-runtime-int): OpenSSL's type
  return std::string(data, static_cast<size_t>(len));
}

StatusOr<PemPair> toPem(X509* cert, EVP_PKEY* key) {
  Owned<BIO> certBio(BIO_new(BIO_s_mem()));
  Owned<BIO> keyBio(BIO_new(BIO_s_mem()));
  if (!certBio || !keyBio || PEM_write_bio_X509(certBio.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(keyBio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return internalError(sslError("PEM encoding failed"));
  }
  return PemPair{bioText(certBio.get()), bioText(keyBio.get())};
}

Status addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return invalidArgument(
        sslError(fmt::format("certificate extension {}=\"{}\" rejected", OBJ_nid2sn(nid), value)));
  }
  return Status::ok();
}

Status validateNames(const CertificateOptions& options) {
  for (const std::string& name : options.dnsNames) {
    if (name.empty() || name.find_first_of(",\n\r ") != std::string::npos) {
      return invalidArgument(fmt::format("DNS name \"{}\" is not valid in a certificate", name));
    }
  }
  for (const std::string& ip : options.ipAddresses) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, ip.c_str(), buf) != 1 && inet_pton(AF_INET6, ip.c_str(), buf) != 1) {
      return invalidArgument(fmt::format("\"{}\" is not an IP address", ip));
    }
  }
  return Status::ok();
}

// A certificate with subject, validity, serial and public key set; not yet signed.
StatusOr<Owned<X509>> newCertificate(const CertificateOptions& options, EVP_PKEY* key) {
  TIDAL_RETURN_IF_ERROR(validateNames(options));
  Owned<X509> cert(X509_new());
  if (!cert) return internalError(sslError("X509_new failed"));
  X509_set_version(cert.get(), X509_VERSION_3);

  Owned<BIGNUM> serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return internalError(sslError("serial number generation failed"));
  }

  auto start =
      options.notBefore.value_or(std::chrono::system_clock::now() - std::chrono::minutes(5));
  auto end = start + options.validity;
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), std::chrono::system_clock::to_time_t(start)) ==
          nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), std::chrono::system_clock::to_time_t(end)) ==
          nullptr) {
    return internalError(sslError("setting the validity failed"));
  }

  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const std::string& org : options.organizations) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  }
  if (!options.commonName.empty()) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(options.commonName.c_str()),
                               -1, -1, 0);
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return internalError(sslError("X509_set_pubkey"));
  return cert;
}

Status addSubjectAltNames(X509* cert, const CertificateOptions& options) {
  std::string san;
  for (const std::string& dns : options.dnsNames) san += (san.empty() ? "DNS:" : ",DNS:") + dns;
  for (const std::string& ip : options.ipAddresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  if (san.empty()) return Status::ok();
  return addExtension(cert, nullptr, NID_subject_alt_name, san);
}

std::chrono::system_clock::time_point toTimePoint(const ASN1_TIME* time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string nameEntry(X509_NAME* name, int index) {
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

StatusOr<Owned<X509>> parseCertificate(const std::string& pem) {
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Owned<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return invalidArgument(sslError("not a PEM certificate"));
  return cert;
}

}  // namespace

StatusOr<PemPair> generateCa(const CertificateOptions& options) {
  TIDAL_ASSIGN_OR_RETURN(Owned<EVP_PKEY> key, generateKey(options.keyType));
  TIDAL_ASSIGN_OR_RETURN(Owned<X509> cert, newCertificate(options, key.get()));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  TIDAL_RETURN_IF_ERROR(
      addExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE"));
  TIDAL_RETURN_IF_ERROR(addExtension(cert.get(), cert.get(), NID_key_usage,
                                     "critical,digitalSignature,keyCertSign,cRLSign"));
  TIDAL_RETURN_IF_ERROR(addExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  TIDAL_RETURN_IF_ERROR(addSubjectAltNames(cert.get(), options));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return internalError(sslError("signing the CA certificate failed"));
  }
  return toPem(cert.get(), key.get());
}

StatusOr<PemPair> generateSignedCertificate(const CertificateOptions& options, const PemPair& ca) {
  TIDAL_ASSIGN_OR_RETURN(Owned<X509> caCert, parseCertificate(ca.certificatePem));
  Owned<BIO> keyBio(
      BIO_new_mem_buf(ca.privateKeyPem.data(), static_cast<int>(ca.privateKeyPem.size())));
  Owned<EVP_PKEY> caKey(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  if (!caKey) return invalidArgument(sslError("the CA private key is not a PEM key"));
  if (X509_check_private_key(caCert.get(), caKey.get()) != 1) {
    return invalidArgument(sslError("the CA private key does not match the CA certificate"));
  }

  TIDAL_ASSIGN_OR_RETURN(Owned<EVP_PKEY> key, generateKey(options.keyType));
  TIDAL_ASSIGN_OR_RETURN(Owned<X509> cert, newCertificate(options, key.get()));
  X509_set_issuer_name(cert.get(), X509_get_subject_name(caCert.get()));
  TIDAL_RETURN_IF_ERROR(
      addExtension(cert.get(), caCert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  // RSA key exchange in TLS 1.2 wants keyEncipherment; it is harmless for EC keys.
  TIDAL_RETURN_IF_ERROR(addExtension(cert.get(), caCert.get(), NID_key_usage,
                                     options.keyType == KeyType::kRsa2048
                                         ? "critical,digitalSignature,keyEncipherment"
                                         : "critical,digitalSignature"));
  std::string eku;
  if (options.serverAuth) eku = "serverAuth";
  if (options.clientAuth) eku += eku.empty() ? "clientAuth" : ",clientAuth";
  if (!eku.empty()) {
    TIDAL_RETURN_IF_ERROR(addExtension(cert.get(), caCert.get(), NID_ext_key_usage, eku));
  }
  TIDAL_RETURN_IF_ERROR(
      addExtension(cert.get(), caCert.get(), NID_authority_key_identifier, "keyid:always"));
  TIDAL_RETURN_IF_ERROR(addSubjectAltNames(cert.get(), options));
  if (X509_sign(cert.get(), caKey.get(), EVP_sha256()) == 0) {
    return internalError(sslError("signing the certificate failed"));
  }
  return toPem(cert.get(), key.get());
}

StatusOr<CertificateInfo> inspectCertificate(const std::string& certificatePem) {
  TIDAL_ASSIGN_OR_RETURN(Owned<X509> cert, parseCertificate(certificatePem));
  CertificateInfo info;
  X509_NAME* subject = X509_get_subject_name(cert.get());
  int cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (cn >= 0) info.commonName = nameEntry(subject, cn);
  for (int i = X509_NAME_get_index_by_NID(subject, NID_organizationName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_organizationName, i)) {
    info.organizations.push_back(nameEntry(subject, i));
  }
  Owned<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* s = name->d.dNSName;
      info.dnsNames.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = {};
      int family = ASN1_STRING_length(s) == 4 ? AF_INET : AF_INET6;
      if (inet_ntop(family, ASN1_STRING_get0_data(s), text, sizeof(text)) != nullptr) {
        info.ipAddresses.emplace_back(text);
      }
    }
  }
  info.notBefore = toTimePoint(X509_get0_notBefore(cert.get()));
  info.notAfter = toTimePoint(X509_get0_notAfter(cert.get()));
  info.isCa = X509_check_ca(cert.get()) > 0;
  return info;
}

Status writeTextFile(const std::string& path, const std::string& text, bool secret) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
  if (fd < 0) {
    return unavailable(fmt::format("cannot create \"{}\": {}", tmp, std::strerror(errno)));
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return unavailable(fmt::format("cannot write \"{}\": {}", tmp, std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return unavailable(fmt::format("cannot rename to \"{}\": {}", path, std::strerror(err)));
  }
  return Status::ok();
}

Status writePemPair(const PemPair& pair, const std::string& certificatePath,
                    const std::string& keyPath) {
  TIDAL_RETURN_IF_ERROR(writeTextFile(keyPath, pair.privateKeyPem, /*secret=*/true));
  return writeTextFile(certificatePath, pair.certificatePem);
}

}  // namespace tidal::net
