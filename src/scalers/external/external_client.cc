#include "scalers/external/external_client.h"

#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "scalers/shared_pool.h"

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

StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentialsFor(const ExternalConfig& config) {
  const ExternalMetadata& m = config.metadata;
  if (!config.useTls()) return grpc::InsecureChannelCredentials();
  if (!m.unsafeSsl) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = m.caCert;  // empty: gRPC's default roots
    options.pem_private_key = m.tlsClientKey;
    options.pem_cert_chain = m.tlsClientCert;
    return grpc::SslCredentials(options);
  }
  // unsafeSsl: encrypt, but accept any server certificate (no chain or host name check).
  std::vector<grpc::experimental::IdentityKeyCertPair> identity;
  if (!m.tlsClientCert.empty()) identity.push_back({m.tlsClientKey, m.tlsClientCert});
  grpc::experimental::TlsChannelCredentialsOptions options;
  if (!m.caCert.empty() || !identity.empty()) {
    options.set_certificate_provider(
        std::make_shared<grpc::experimental::StaticDataCertificateProvider>(m.caCert, identity));
    if (!m.caCert.empty()) options.watch_root_certs();
    if (!identity.empty()) options.watch_identity_key_cert_pairs();
  }
  options.set_verify_server_certs(false);
  options.set_check_call_host(false);
  options.set_certificate_verifier(std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::experimental::TlsCredentials(options);
  if (!creds) return invalidArgument("the TLS settings could not be turned into gRPC credentials");
  return creds;
}

SharedPool<ExternalChannel>& pool() {
  static SharedPool<ExternalChannel> p;
  return p;
}

}  // namespace

ExternalChannel::ExternalChannel(std::string address, std::shared_ptr<grpc::Channel> channel)
    : address_(std::move(address)),
      channel_(std::move(channel)),
      stub_(externalscaler::ExternalScaler::NewStub(channel_)) {}

Status ExternalChannel::toStatus(std::string_view call, const grpc::Status& s) const {
  if (s.ok()) return Status::ok();
  return Status(codeOf(s.error_code()),
                fmt::format("external scaler {}: {}: {}: {}", address_, call,
                            grpcCodeName(s.error_code()), s.error_message()));
}

StatusOr<bool> ExternalChannel::isActive(const externalscaler::ScaledObjectRef& ref,
                                         std::chrono::milliseconds timeout) const {
  grpc::ClientContext context;
  setDeadline(context, timeout);
  externalscaler::IsActiveResponse response;
  grpc::Status s = stub_->IsActive(&context, ref, &response);
  if (!s.ok()) return toStatus("IsActive", s);
  return response.result();
}

StatusOr<externalscaler::GetMetricSpecResponse> ExternalChannel::getMetricSpec(
    const externalscaler::ScaledObjectRef& ref, std::chrono::milliseconds timeout) const {
  grpc::ClientContext context;
  setDeadline(context, timeout);
  externalscaler::GetMetricSpecResponse response;
  grpc::Status s = stub_->GetMetricSpec(&context, ref, &response);
  if (!s.ok()) return toStatus("GetMetricSpec", s);
  return response;
}

StatusOr<externalscaler::GetMetricsResponse> ExternalChannel::getMetrics(
    const externalscaler::GetMetricsRequest& request, std::chrono::milliseconds timeout) const {
  grpc::ClientContext context;
  setDeadline(context, timeout);
  externalscaler::GetMetricsResponse response;
  grpc::Status s = stub_->GetMetrics(&context, request, &response);
  if (!s.ok()) return toStatus("GetMetrics", s);
  return response;
}

Status ExternalChannel::streamIsActive(const externalscaler::ScaledObjectRef& ref,
                                       const std::function<void(bool result)>& onMessage,
                                       const std::function<bool()>& stop) const {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<externalscaler::IsActiveResponse>> reader =
      stub_->StreamIsActive(&context, ref);
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

StatusOr<std::shared_ptr<ExternalChannel>> sharedExternalChannel(const ExternalConfig& config) {
  TIDAL_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> creds, credentialsFor(config));
  return pool().acquire(config.poolKey(), [&] {
    grpc::ChannelArguments args;
    args.SetServiceConfigJSON(kServiceConfig);
    return std::make_shared<ExternalChannel>(
        config.metadata.scalerAddress,
        grpc::CreateCustomChannel(config.metadata.scalerAddress, creds, args));
  });
}

size_t liveExternalChannels() {
  return pool().liveCount();
}

}  // namespace tidal::scalers::external
