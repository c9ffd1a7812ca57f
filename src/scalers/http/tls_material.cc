#include "scalers/http/tls_material.h"

#include <memory>
#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace tidal::scalers::http {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

BioPtr memoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate in a PEM bundle, in order.
std::vector<X509Ptr> readCertificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  BioPtr bio = memoryBio(pem);
  if (!bio) return out;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(x);
  ERR_clear_error();  // the read that ends the loop leaves a "no start line" error behind
  return out;
}

int passwordCallback(char* buf, int size, int /*rwflag*/, void* userdata) {
  const auto* password = static_cast<const std::string*>(userdata);
  if (password == nullptr || password->empty() || static_cast<int>(password->size()) > size) {
    return 0;
  }
  password->copy(buf, password->size());
  return static_cast<int>(password->size());
}

StatusOr<PkeyPtr> readKey(const TlsMaterial& m) {
  BioPtr bio = memoryBio(m.key);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, passwordCallback,
                                      const_cast<std::string*>(&m.keyPassword)));
  ERR_clear_error();
  if (!key) {
    return invalidArgument(m.keyPassword.empty()
                               ? "key: not a PEM private key (or encrypted and keyPassword is "
                                 "missing)"
                               : "key: not a PEM private key, or keyPassword does not decrypt it");
  }
  return key;
}

}  // namespace

Status checkTlsMaterial(const TlsMaterial& m) {
  if (!m.ca.empty() && readCertificates(m.ca).empty()) {
    return invalidArgument("ca: no PEM certificate found");
  }
  if (m.cert.empty() && m.key.empty()) return Status::ok();
  std::vector<X509Ptr> chain = readCertificates(m.cert);
  if (chain.empty()) return invalidArgument("cert: no PEM certificate found");
  TIDAL_ASSIGN_OR_RETURN(PkeyPtr key, readKey(m));
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return invalidArgument("key: does not match the certificate in cert");
  }
  return Status::ok();
}

Status applyTlsMaterial(void* sslCtx, const TlsMaterial& m) {
  auto* ctx = static_cast<SSL_CTX*>(sslCtx);
  if (m.ca.empty()) {
    SSL_CTX_set_default_verify_paths(ctx);
  } else {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    std::vector<X509Ptr> cas = readCertificates(m.ca);
    if (cas.empty()) return invalidArgument("ca: no PEM certificate found");
    for (const auto& ca : cas) X509_STORE_add_cert(store, ca.get());  // duplicates are harmless
    ERR_clear_error();
  }
  if (m.cert.empty()) return Status::ok();
  std::vector<X509Ptr> chain = readCertificates(m.cert);
  if (chain.empty()) return invalidArgument("cert: no PEM certificate found");
  TIDAL_ASSIGN_OR_RETURN(PkeyPtr key, readKey(m));
  if (SSL_CTX_use_certificate(ctx, chain.front().get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return invalidArgument("cert/key: the client certificate and key could not be used together");
  }
  for (size_t i = 1; i < chain.size(); ++i) {
    // The context takes ownership of extra chain certificates.
    if (SSL_CTX_add_extra_chain_cert(ctx, chain[i].get()) == 1) chain[i].release();
  }
  return Status::ok();
}

}  // namespace tidal::scalers::http
