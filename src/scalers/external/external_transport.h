// The boundary between the external scalers and gRPC.
//
// gRPC and protobuf, with the Abseil, RE2, c-ares and upb libraries they bring, are about 6 MiB
// of a running operator's resident memory (docs/performance.md), and only `external` and
// `external-push` triggers use them. So the gRPC client is a plugin: tidal-external-grpc.so, built
// with tidal and installed beside it, loaded (dlopen) when the first external trigger is built.
// A process that never builds one never maps gRPC.
//
// Only standard library types and tidal's header-only Status/StatusOr cross the boundary; the
// plugin is built from this tree by the same compiler, and checks kTransportAbi at load.
//
//   StatusOr<std::unique_ptr<ExternalTransport>> t = openExternalTransport(
//       {.address = "scaler:6000"});
//   StatusOr<bool> active = (*t)->isActive(ref, std::chrono::seconds(3));
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace tidal::scalers::external {

// externalscaler.proto's ScaledObjectRef.
struct ExternalRef {
  std::string name;
  std::string namespace_;
  std::map<std::string, std::string> scalerMetadata;
};

// One MetricSpec of a GetMetricSpec answer.
struct ExternalMetricSpec {
  std::string metricName;
  int64_t targetSize = 0;
  double targetSizeFloat = 0;
};

// One MetricValue of a GetMetrics answer.
struct ExternalMetricValue {
  std::string metricName;
  int64_t metricValue = 0;
  double metricValueFloat = 0;
};

// How to reach one external scaler server.
struct TransportOptions {
  std::string address;  // host:port, or any gRPC target
  bool tls = false;
  bool unsafeSsl = false;  // with tls: encrypt but accept any server certificate
  std::string caCert;      // PEM; empty: gRPC's default roots
  std::string clientCert;  // PEM; with clientKey
  std::string clientKey;   // PEM
};

// A channel to one external scaler server: the four calls of externalscaler.proto. Thread-safe.
// Errors name the server's address and the call ("external scaler 10.0.0.5:6000: GetMetrics:
// UNAVAILABLE: ..."), never key material.
class ExternalTransport {
 public:
  virtual ~ExternalTransport() = default;

  virtual StatusOr<bool> isActive(const ExternalRef& ref, std::chrono::milliseconds timeout) = 0;
  virtual StatusOr<std::vector<ExternalMetricSpec>> getMetricSpec(
      const ExternalRef& ref, std::chrono::milliseconds timeout) = 0;
  virtual StatusOr<std::vector<ExternalMetricValue>> getMetrics(
      const ExternalRef& ref, const std::string& metricName, std::chrono::milliseconds timeout) = 0;
  // Opens StreamIsActive and calls onMessage for each message until the stream ends, fails, or
  // stop() returns true (checked every 50 ms; the stream is then cancelled). Returns OK when the
  // server ended the stream cleanly or when stopped, the call's error otherwise.
  virtual Status streamIsActive(const ExternalRef& ref,
                                const std::function<void(bool result)>& onMessage,
                                const std::function<bool()>& stop) = 0;
};

// The plugin's file name and entry points:
//   int tidal_external_grpc_abi(void)  returns kTransportAbi;
//   ExternalTransport* tidal_external_grpc_open(const TransportOptions*, Status* error)
//     returns a new transport (the caller owns it), or null with *error set.
inline constexpr const char* kGrpcPluginFile = "tidal-external-grpc.so";
inline constexpr int kTransportAbi = 1;
using GrpcPluginAbiFn = int (*)();
using GrpcPluginOpenFn = ExternalTransport* (*)(const TransportOptions*, Status*);

// Where the plugin is looked for, in order: $TIDAL_EXTERNAL_GRPC_PLUGIN (a file; when set, the
// only place), the directory of the running executable, <that directory>/../lib/tidal, and the
// build tree's output directory (so tests run from anywhere in the build find it).
std::vector<std::string> grpcPluginCandidates();

// Loads the plugin from the first candidate that loads and has the right ABI; the error lists
// every candidate tried and why it failed (kFailedPrecondition).
Status loadGrpcPlugin(const std::vector<std::string>& candidates, GrpcPluginOpenFn* open);

// A transport for `options`, loading the plugin from grpcPluginCandidates() on first use (once
// per process; a failure is remembered and returned again). No I/O: gRPC connects on the first
// call. kInvalidArgument when the TLS material cannot be turned into credentials.
StatusOr<std::unique_ptr<ExternalTransport>> openExternalTransport(const TransportOptions& options);

}  // namespace tidal::scalers::external
