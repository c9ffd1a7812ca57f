#include "operator/managed_certificate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "k8s/base64.h"
#include "k8s/client/resource.h"
#include "k8s/types/core.h"

namespace tidal::op {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kComponent = "certificates";

std::string keyOf(const ManagedCertificateOptions& o) {
  return fmt::format("Secret {}/{}", o.ns, o.secretName);
}

}  // namespace

StatusOr<std::unique_ptr<ManagedCertificate>> ManagedCertificate::start(
    k8s::Client& client, ManagedCertificateOptions options, k8s::Logger& logger) {
  std::unique_ptr<ManagedCertificate> cert(
      new ManagedCertificate(client, std::move(options), logger));
  TIDAL_RETURN_IF_ERROR(cert->loadOrIssue());
  TIDAL_RETURN_IF_ERROR(cert->writeFiles());
  cert->injectCa();
  return cert;
}

net::TlsOptions ManagedCertificate::tls() const {
  return net::TlsOptions{.certFile = options_.dir + "/tls.crt",
                         .keyFile = options_.dir + "/tls.key",
                         .minVersion = options_.minTlsVersion};
}

bool ManagedCertificate::dueForRenewal(const std::string& certificatePem) const {
  StatusOr<net::CertificateInfo> info = net::inspectCertificate(certificatePem);
  if (!info.isOk()) return true;
  return info->notAfter - std::chrono::system_clock::now() < options_.renewBefore;
}

Status ManagedCertificate::loadOrIssue() {
  const std::string what = keyOf(options_);
  for (int attempt = 0; attempt < 4; ++attempt) {
    StatusOr<Json> stored = client_.get(k8s::kSecrets, options_.ns, options_.secretName);
    if (!stored.isOk() && stored.status().code() != StatusCode::kNotFound) {
      return stored.status().withPrefix("reading " + what);
    }
    std::map<std::string, std::string> data;
    if (stored.isOk()) {
      TIDAL_ASSIGN_OR_RETURN(k8s::Secret secret, k8s::Secret::decode(*stored));
      data = std::move(secret.data);
    }
    net::PemPair ca{data["ca.crt"], data["ca.key"]};
    net::PemPair leaf{data["tls.crt"], data["tls.key"]};
    const bool haveCa = !ca.certificatePem.empty() && !ca.privateKeyPem.empty() &&
                        !dueForRenewal(ca.certificatePem);
    if (haveCa && !leaf.certificatePem.empty() && !leaf.privateKeyPem.empty() &&
        !dueForRenewal(leaf.certificatePem)) {
      ca_ = std::move(ca);
      leaf_ = std::move(leaf);
      return Status::ok();
    }
    // Issue (or renew): a new CA only when there is no usable one, so a renewal keeps the
    // caBundle that kube-apiserver trusts.
    if (!haveCa) {
      TIDAL_ASSIGN_OR_RETURN(ca, net::generateCa({.commonName = "tidal-ca",
                                                  .organizations = {"tidal"},
                                                  .validity = options_.caValidity}));
    }
    TIDAL_ASSIGN_OR_RETURN(leaf, net::generateSignedCertificate({.commonName = "tidal-operator",
                                                                 .dnsNames = options_.dnsNames,
                                                                 .validity = options_.validity,
                                                                 .serverAuth = true,
                                                                 .clientAuth = true},
                                                                ca));
    Json encoded = {{"ca.crt", k8s::base64Encode(ca.certificatePem)},
                    {"ca.key", k8s::base64Encode(ca.privateKeyPem)},
                    {"tls.crt", k8s::base64Encode(leaf.certificatePem)},
                    {"tls.key", k8s::base64Encode(leaf.privateKeyPem)}};
    StatusOr<Json> written = Status(StatusCode::kInternal, "not written");
    if (stored.isOk()) {
      Json body = *stored;  // same type and metadata; resourceVersion guards against a race
      body["data"] = encoded;
      body.erase("stringData");
      written = client_.update(k8s::kSecrets, options_.ns, body);
    } else {
      Json body = {{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata",
                    {{"name", options_.secretName},
                     {"namespace", options_.ns},
                     {"labels", {{"app.kubernetes.io/managed-by", "tidal"}}}}},
                   {"type", "kubernetes.io/tls"},
                   {"data", encoded}};
      written = client_.create(k8s::kSecrets, options_.ns, body);
    }
    if (written.isOk()) {
      logger_.log(
          k8s::LogLevel::kInfo, std::string(kComponent),
          haveCa ? "renewed the serving certificate" : "issued a CA and serving certificate",
          {{"secret", what}});
      ca_ = std::move(ca);
      leaf_ = std::move(leaf);
      return Status::ok();
    }
    // Another replica wrote the Secret first: use what it wrote.
    if (written.status().code() != StatusCode::kAborted &&
        written.status().code() != StatusCode::kAlreadyExists) {
      return written.status().withPrefix("writing " + what);
    }
  }
  return Status(StatusCode::kAborted, what + " kept changing while tidal read it; retrying later");
}

Status ManagedCertificate::writeFiles() {
  if (leaf_.certificatePem == written_) return Status::ok();
  TIDAL_RETURN_IF_ERROR(
      net::writePemPair(leaf_, options_.dir + "/tls.crt", options_.dir + "/tls.key"));
  TIDAL_RETURN_IF_ERROR(net::writeTextFile(options_.dir + "/ca.crt", ca_.certificatePem));
  written_ = leaf_.certificatePem;
  return Status::ok();
}

void ManagedCertificate::injectCa() {
  const std::string bundle = k8s::base64Encode(ca_.certificatePem);
  std::vector<std::string> problems;
  if (options_.patchApiService) {
    StatusOr<Json> service = client_.get(k8s::kApiServices, "", options_.apiServiceName);
    if (!service.isOk()) {
      problems.push_back(
          fmt::format("APIService {}: {}", options_.apiServiceName, service.status().toString()));
    } else if (service->value("/spec/caBundle"_json_pointer, std::string()) != bundle) {
      StatusOr<Json> patched =
          client_.patch(k8s::kApiServices, "", options_.apiServiceName, k8s::PatchType::kMerge,
                        Json{{"spec", {{"caBundle", bundle}}}});
      if (!patched.isOk()) {
        problems.push_back(
            fmt::format("APIService {}: {}", options_.apiServiceName, patched.status().toString()));
      } else {
        logger_.log(k8s::LogLevel::kInfo, std::string(kComponent), "injected the CA",
                    {{"apiService", options_.apiServiceName}});
      }
    }
  }
  if (options_.patchWebhook) {
    StatusOr<Json> config =
        client_.get(k8s::kValidatingWebhookConfigurations, "", options_.webhookName);
    if (!config.isOk()) {
      problems.push_back(fmt::format("ValidatingWebhookConfiguration {}: {}", options_.webhookName,
                                     config.status().toString()));
    } else {
      Json body = *config;
      bool changed = false;
      if (body.contains("webhooks") && body["webhooks"].is_array()) {
        for (Json& hook : body["webhooks"]) {
          if (hook.value("/clientConfig/caBundle"_json_pointer, std::string()) != bundle) {
            hook["clientConfig"]["caBundle"] = bundle;
            changed = true;
          }
        }
      }
      if (changed) {
        StatusOr<Json> updated = client_.update(k8s::kValidatingWebhookConfigurations, "", body);
        if (!updated.isOk()) {
          problems.push_back(fmt::format("ValidatingWebhookConfiguration {}: {}",
                                         options_.webhookName, updated.status().toString()));
        } else {
          logger_.log(k8s::LogLevel::kInfo, std::string(kComponent), "injected the CA",
                      {{"validatingWebhookConfiguration", options_.webhookName}});
        }
      }
    }
  }
  std::string joined = fmt::format("{}", fmt::join(problems, "; "));
  if (joined != lastInjectError_) {
    if (!joined.empty()) {
      logger_.log(k8s::LogLevel::kWarning, std::string(kComponent),
                  "cannot inject the CA; retrying every refresh", {{"error", joined}});
    }
    lastInjectError_ = joined;
  }
}

Status ManagedCertificate::refresh() {
  Status status = loadOrIssue();
  if (status.isOk()) status = writeFiles();
  if (!status.isOk()) {
    logger_.log(k8s::LogLevel::kWarning, std::string(kComponent),
                "cannot refresh the serving certificate; keeping the current one",
                {{"error", status.toString()}});
    return status;
  }
  injectCa();
  return Status::ok();
}

}  // namespace tidal::op
