// TLS material of a trigger (PEM text from the trigger's authentication, never file paths)
// loaded into an OpenSSL context. Shared by every transport that speaks TLS to an event source
// (rabbitmq-c's AMQP, libcurl's HTTP for rabbitmq, metrics-api and prometheus) so all of them read
// `ca`, `cert`, `key` and `keyPassword` the same way.
#pragma once

#include <string>

#include "common/status.h"

namespace tidal::scalers::http {

// PEM text from the trigger's authentication.
struct TlsMaterial {
  std::string ca;    // CA certificate(s) to verify the server with; empty: the system's
  std::string cert;  // client certificate (chain), optional
  std::string key;   // its private key, required with cert
  std::string keyPassword;
};

// Checks that `ca` holds at least one certificate, that `cert` and `key` (when given) parse, that
// the key decrypts with keyPassword, and that it matches the certificate. kInvalidArgument with
// the name of the faulty parameter; never includes key material or passwords.
Status checkTlsMaterial(const TlsMaterial& material);

// Adds the CA certificates to the context's trust store (or the system's default trust store when
// `ca` is empty) and installs the client certificate and key when given. `sslCtx` is an SSL_CTX*.
Status applyTlsMaterial(void* sslCtx, const TlsMaterial& material);

}  // namespace tidal::scalers::http
