// Shared channels to external scaler servers, over the gRPC plugin (external_transport.h).
//
// One channel per (scalerAddress, TLS settings, CA, client certificate and key), shared by every
// trigger with the same ones (SharedPool: the channel closes when the last trigger lets go).
//
// Example:
//   StatusOr<std::shared_ptr<ExternalTransport>> ch = sharedExternalChannel(config);
//   StatusOr<bool> active = (*ch)->isActive(ref, config.timeout);
#pragma once

#include <cstddef>
#include <memory>

#include "common/status.h"
#include "scalers/external/external_metadata.h"
#include "scalers/external/external_transport.h"

namespace tidal::scalers::external {

// The channel for `config`'s address and TLS settings, shared with every trigger that has the same
// ones. No I/O: gRPC connects on the first call. kInvalidArgument when the TLS material cannot be
// turned into credentials; kFailedPrecondition when the gRPC plugin cannot be loaded.
StatusOr<std::shared_ptr<ExternalTransport>> sharedExternalChannel(const ExternalConfig& config);

// How many distinct channels are alive (for tests of the sharing).
size_t liveExternalChannels();

}  // namespace tidal::scalers::external
