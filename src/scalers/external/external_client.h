// The gRPC side of the external scalers: shared channels to external scaler servers and the four
// calls of externalscaler.proto, with tidal's Status in place of grpc::Status.
//
// One channel per (scalerAddress, TLS settings, CA, client certificate and key), shared by every
// trigger with the same ones (SharedPool: the channel closes when the last trigger lets go).
// Channels use the round_robin load-balancing policy, so a DNS name with several addresses
// spreads the calls, as KEDA configures it. Every unary call has a deadline; the activity stream
// has none and is cancelled through its Stream object instead.
//
// Error messages name the server's address and the call ("external scaler 10.0.0.5:6000:
// GetMetrics: UNAVAILABLE: ..."), never key material.
//
// Example:
//   std::shared_ptr<ExternalChannel> ch = sharedExternalChannel(config);
//   StatusOr<bool> active = ch->isActive(ref, config.timeout);
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/grpcpp.h>

#include "common/status.h"
#include "externalscaler.grpc.pb.h"
#include "scalers/external/external_metadata.h"

namespace tidal::scalers::external {

// A channel to one external scaler server. Thread-safe.
class ExternalChannel {
 public:
  ExternalChannel(std::string address, std::shared_ptr<grpc::Channel> channel);

  const std::string& address() const { return address_; }

  StatusOr<bool> isActive(const externalscaler::ScaledObjectRef& ref,
                          std::chrono::milliseconds timeout) const;
  StatusOr<externalscaler::GetMetricSpecResponse> getMetricSpec(
      const externalscaler::ScaledObjectRef& ref, std::chrono::milliseconds timeout) const;
  StatusOr<externalscaler::GetMetricsResponse> getMetrics(
      const externalscaler::GetMetricsRequest& request, std::chrono::milliseconds timeout) const;

  // Opens StreamIsActive and calls onMessage for each message until the stream ends, fails, or
  // stop() returns true (checked every 50 ms; the stream is then cancelled). Returns OK when the
  // server ended the stream cleanly or when stopped, the call's error otherwise.
  Status streamIsActive(const externalscaler::ScaledObjectRef& ref,
                        const std::function<void(bool result)>& onMessage,
                        const std::function<bool()>& stop) const;

 private:
  Status toStatus(std::string_view call, const grpc::Status& s) const;

  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<externalscaler::ExternalScaler::Stub> stub_;
};

// The channel for `config`'s address and TLS settings, shared with every trigger that has the same
// ones. No I/O: gRPC connects on the first call. kInvalidArgument when the TLS material cannot be
// turned into credentials.
StatusOr<std::shared_ptr<ExternalChannel>> sharedExternalChannel(const ExternalConfig& config);

// How many distinct channels are alive (for tests of the sharing).
size_t liveExternalChannels();

}  // namespace tidal::scalers::external
