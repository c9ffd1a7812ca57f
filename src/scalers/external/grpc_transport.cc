// tidal-external-grpc.so: ExternalTransport over gRPC (external_transport.h). The only code of
// tidal that links gRPC and protobuf; the operator loads it when the first external trigger is
// built.
//
// Channels use the round_robin load-balancing policy, so a DNS name with several addresses
// spreads the calls, as KEDA configures them. Every unary call has a deadline; the activity
// stream has none and is cancelled through stop() instead.
#include <atomic>
#include <string_view>
#include <thread>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "externalscaler.grpc.pb.h"
#include "scalers/external/external_transport.h"

namespace tidal::scalers::external {
namespace {

using namespace std::chrono_literals;

// KEDA's service config for external scaler channels.
constexpr const char* kServiceConfig = R"({"loadBalancingConfig":[{"round_robin":{}}]})";

StatusCode codeOf(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return StatusCode::kOk;
    case grpc::StatusCode::CANCELLED:
      return StatusCode::kCancelled;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return StatusCode::kInvalidArgument;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return StatusCode::kDeadlineExceeded;
    case grpc::StatusCode::NOT_FOUND:
      return StatusCode::kNotFound;
    case grpc::StatusCode::ALREADY_EXISTS:
      return StatusCode::kAlreadyExists;
    case grpc::StatusCode::PERMISSION_DENIED:
      return StatusCode::kPermissionDenied;
    case grpc::StatusCode::UNAUTHENTICATED:
      return StatusCode::kUnauthenticated;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return StatusCode::kResourceExhausted;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return StatusCode::kFailedPrecondition;
    case grpc::StatusCode::ABORTED:
      return StatusCode::kAborted;
    case grpc::StatusCode::UNIMPLEMENTED:
      return StatusCode::kUnimplemented;
    default:
      // UNKNOWN (a server handler's error), INTERNAL, UNAVAILABLE, DATA_LOSS: the server's
      // trouble, worth trying again next poll.
      return StatusCode::kUnavailable;
  }
}

std::string grpcCodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < static_cast<int>(std::size(kNames)) ? kNames[i] : std::to_string(i);
}

void setDeadline(grpc::ClientContext& context, std::chrono::milliseconds timeout) {
  context.set_deadline(std::chrono::system_clock::now() + timeout);
}

StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentialsFor(const TransportOptions& o) {
  if (!o.tls) return grpc::InsecureChannelCredentials();
  if (!o.unsafeSsl) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = o.caCert;  // empty: gRPC's default roots
    options.pem_private_key = o.clientKey;
    options.pem_cert_chain = o.clientCert;
    return grpc::SslCredentials(options);
  }
  // unsafeSsl: encrypt, but accept any server certificate (no chain or host name check).
  std::vector<grpc::experimental::IdentityKeyCertPair> identity;
  if (!o.clientCert.empty()) identity.push_back({o.clientKey, o.clientCert});
  grpc::experimental::TlsChannelCredentialsOptions options;
  if (!o.caCert.empty() || !identity.empty()) {
    options.set_certificate_provider(
        std::make_shared<grpc::experimental::StaticDataCertificateProvider>(o.caCert, identity));
    if (!o.caCert.empty()) options.watch_root_certs();
    if (!identity.empty()) options.watch_identity_key_cert_pairs();
  }
  options.set_verify_server_certs(false);
  options.set_check_call_host(false);
  options.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::experimental::TlsCredentials(options);
  if (!creds) {
    return Status(StatusCode::kInvalidArgument,
                  "the TLS settings could not be turned into gRPC credentials");
  }
  return creds;
}

externalscaler::ScaledObjectRef toProto(const ExternalRef& ref) {
  externalscaler::ScaledObjectRef out;
  out.set_name(ref.name);
  out.set_namespace_(ref.namespace_);
  for (const auto& [key, value] : ref.scalerMetadata) (*out.mutable_scalermetadata())[key] = value;
  return out;
}

class GrpcTransport : public ExternalTransport {
 public:
  GrpcTransport(std::string address, std::shared_ptr<grpc::Channel> channel)
      : address_(std::move(address)),
        channel_(std::move(channel)),
        stub_(externalscaler::ExternalScaler::NewStub(channel_)) {}

  StatusOr<bool> isActive(const ExternalRef& ref, std::chrono::milliseconds timeout) override {
    grpc::ClientContext context;
    setDeadline(context, timeout);
    externalscaler::IsActiveResponse response;
    grpc::Status s = stub_->IsActive(&context, toProto(ref), &response);
    if (!s.ok()) return toStatus("IsActive", s);
    return response.result();
  }

  StatusOr<std::vector<ExternalMetricSpec>> getMetricSpec(
      const ExternalRef& ref, std::chrono::milliseconds timeout) override {
    grpc::ClientContext context;
    setDeadline(context, timeout);
    externalscaler::GetMetricSpecResponse response;
    grpc::Status s = stub_->GetMetricSpec(&context, toProto(ref), &response);
    if (!s.ok()) return toStatus("GetMetricSpec", s);
    std::vector<ExternalMetricSpec> out;
    for (const externalscaler::MetricSpec& spec : response.metricspecs()) {
      out.push_back({.metricName = spec.metricname(),
                     .targetSize = spec.targetsize(),
                     .targetSizeFloat = spec.targetsizefloat()});
    }
    return out;
  }

  StatusOr<std::vector<ExternalMetricValue>> getMetrics(
      const ExternalRef& ref, const std::string& metricName,
      std::chrono::milliseconds timeout) override {
    grpc::ClientContext context;
    setDeadline(context, timeout);
    externalscaler::GetMetricsRequest request;
    *request.mutable_scaledobjectref() = toProto(ref);
    request.set_metricname(metricName);
    externalscaler::GetMetricsResponse response;
    grpc::Status s = stub_->GetMetrics(&context, request, &response);
    if (!s.ok()) return toStatus("GetMetrics", s);
    std::vector<ExternalMetricValue> out;
    for (const externalscaler::MetricValue& v : response.metricvalues()) {
      out.push_back({.metricName = v.metricname(),
                     .metricValue = v.metricvalue(),
                     .metricValueFloat = v.metricvaluefloat()});
    }
    return out;
  }

  Status streamIsActive(const ExternalRef& ref, const std::function<void(bool result)>& onMessage,
                        const std::function<bool()>& stop) override {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<externalscaler::IsActiveResponse>> reader =
        stub_->StreamIsActive(&context, toProto(ref));
    // Read() blocks; a watcher cancels the call when asked to stop, which ends the Read().
    std::atomic<bool> done{false};
    std::atomic<bool> stopped{false};
    std::thread watcher([&] {
      while (!done.load()) {
        if (stop()) {
          stopped = true;
          context.TryCancel();
          return;
        }
        std::this_thread::sleep_for(50ms);
      }
    });
    externalscaler::IsActiveResponse message;
    while (reader->Read(&message)) onMessage(message.result());
    grpc::Status s = reader->Finish();
    done = true;
    watcher.join();
    if (stopped.load()) return Status::ok();
    return toStatus("StreamIsActive", s);
  }

 private:
  Status toStatus(std::string_view call, const grpc::Status& s) const {
    if (s.ok()) return Status::ok();
    return Status(codeOf(s.error_code()),
                  fmt::format("external scaler {}: {}: {}: {}", address_, call,
                              grpcCodeName(s.error_code()), s.error_message()));
  }

  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<externalscaler::ExternalScaler::Stub> stub_;
};

}  // namespace
}  // namespace tidal::scalers::external

extern "C" {

__attribute__((visibility("default"))) int tidal_external_grpc_abi() {
  return tidal::scalers::external::kTransportAbi;
}

__attribute__((visibility("default"))) tidal::scalers::external::ExternalTransport*
tidal_external_grpc_open(const tidal::scalers::external::TransportOptions* options,
                         tidal::Status* error) {
  using namespace tidal::scalers::external;
  tidal::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> creds = credentialsFor(*options);
  if (!creds.isOk()) {
    *error = creds.status();
    return nullptr;
  }
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(kServiceConfig);
  return new GrpcTransport(options->address,
                           grpc::CreateCustomChannel(options->address, *creds, args));
}

}  // extern "C"
