// TLS material of the rabbitmq trigger (PEM text from the trigger's authentication, never file
// paths) loaded into an OpenSSL context, shared by the AMQP (rabbitmq-c) and the management API
// (libcurl) transports so both read `ca`, `cert`, `key` and `keyPassword` the same way.
#pragma once

#include "common/status.h"
#include "scalers/rabbitmq/rabbitmq_metadata.h"

namespace tidal::scalers::rabbitmq {

// Checks that `ca` holds at least one certificate, that `cert` and `key` (when given) parse, that
// the key decrypts with keyPassword, and that it matches the certificate. kInvalidArgument with
// the name of the faulty parameter; never includes key material or passwords.
Status checkTlsMaterial(const TlsMaterial& material);

// Adds the CA certificates to the context's trust store (or the system's default trust store when
// `ca` is empty) and installs the client certificate and key when given. `sslCtx` is an SSL_CTX*.
Status applyTlsMaterial(void* sslCtx, const TlsMaterial& material);

}  // namespace tidal::scalers::rabbitmq
