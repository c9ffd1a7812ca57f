// --enable-cert-rotation: tidal makes and keeps its own serving certificate, as KEDA's operator
// does, instead of taking it from --cert-dir.
//
// The CA and the certificate live in Secret <namespace>/<secretName> (keys ca.crt, ca.key,
// tls.crt, tls.key), shared by every replica: the first to start creates it, the others use it
// (a create that finds it already there reads it). The certificate names the operator's Services
// (generatedCertificateNames). Its CA goes into the caBundle of the APIService
// v1beta1.external.metrics.k8s.io and of every webhook in the ValidatingWebhookConfiguration,
// each when asked; one that does not exist is left alone (logged once).
//
// refresh() (the operator calls it every hour) reads the Secret again: a certificate renewed by
// another replica is picked up; one that expires within `renewBefore` is renewed with the same CA
// (so the caBundle stays valid) and the Secret updated with its resourceVersion (a conflict means
// another replica renewed it first: its certificate is used at the next refresh); the files the
// HTTPS servers reload are rewritten when the certificate changed; a caBundle someone changed is
// put back.
//
// Example:
//   TIDAL_ASSIGN_OR_RETURN(auto cert, ManagedCertificate::start(client, options, logger));
//   net::TlsOptions tls = cert->tls();   // files the servers reload when they change
//   cert->refresh();                     // periodically, from one thread
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "k8s/client/client.h"
#include "k8s/log.h"
#include "net/http_server.h"
#include "net/tls_certs.h"

namespace tidal::op {

struct ManagedCertificateOptions {
  std::string ns;                            // the Secret's namespace (POD_NAMESPACE)
  std::string secretName = "kedaorg-certs";  // --cert-secret-name
  std::string dir;                           // where tls.crt, tls.key and ca.crt are written
  std::vector<std::string> dnsNames;
  bool patchApiService = true;  // --enable-apiservice-patching
  std::string apiServiceName = "v1beta1.external.metrics.k8s.io";
  bool patchWebhook = true;                    // --enable-webhook-patching
  std::string webhookName = "keda-admission";  // --validating-webhook-name
  std::chrono::seconds caValidity = std::chrono::hours(24 * 365 * 10);
  std::chrono::seconds validity = std::chrono::hours(24 * 365);
  std::chrono::seconds renewBefore = std::chrono::hours(24 * 30);
  std::string minTlsVersion = "1.2";
};

class ManagedCertificate {
 public:
  // Reads or creates the Secret, writes the files and injects the CA. The error names the Secret
  // (or the file) and what failed; RBAC needs get/create/update on that Secret.
  static StatusOr<std::unique_ptr<ManagedCertificate>> start(k8s::Client& client,
                                                             ManagedCertificateOptions options,
                                                             k8s::Logger& logger);

  net::TlsOptions tls() const;
  const std::string& caPem() const { return ca_.certificatePem; }
  const std::string& certificatePem() const { return leaf_.certificatePem; }

  // See the file comment. Returns what failed, after logging it; the current files stay.
  Status refresh();

 private:
  ManagedCertificate(k8s::Client& client, ManagedCertificateOptions options, k8s::Logger& logger)
      : client_(client), options_(std::move(options)), logger_(logger) {}

  // The Secret's pair, created or renewed when needed.
  Status loadOrIssue();
  Status writeFiles();
  void injectCa();
  bool dueForRenewal(const std::string& certificatePem) const;

  k8s::Client& client_;
  ManagedCertificateOptions options_;
  k8s::Logger& logger_;
  net::PemPair ca_;
  net::PemPair leaf_;
  std::string written_;  // the certificate PEM last written to the files
  std::string lastInjectError_;
};

}  // namespace tidal::op
