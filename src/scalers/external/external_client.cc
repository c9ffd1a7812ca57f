#include "scalers/external/external_client.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <dlfcn.h>
#include <fmt/format.h>

#include "scalers/shared_pool.h"

namespace tidal::scalers::external {
namespace {

SharedPool<ExternalTransport>& pool() {
  static SharedPool<ExternalTransport> p;
  return p;
}

// The plugin, loaded once per process (and never unloaded: gRPC keeps threads of its own).
struct LoadedPlugin {
  Status status;
  GrpcPluginOpenFn open = nullptr;
};

const LoadedPlugin& plugin() {
  static const LoadedPlugin loaded = [] {
    LoadedPlugin p;
    p.status = loadGrpcPlugin(grpcPluginCandidates(), &p.open);
    return p;
  }();
  return loaded;
}

}  // namespace

std::vector<std::string> grpcPluginCandidates() {
  if (const char* file = std::getenv("TIDAL_EXTERNAL_GRPC_PLUGIN"); file != nullptr && *file) {
    return {file};
  }
  std::vector<std::string> out;
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back((exe.parent_path() / kGrpcPluginFile).string());
    out.push_back(
        (exe.parent_path().parent_path() / "lib" / "tidal" / kGrpcPluginFile).lexically_normal());
  }
#ifdef TIDAL_GRPC_PLUGIN_BUILD_DIR
  std::string built = std::string(TIDAL_GRPC_PLUGIN_BUILD_DIR) + "/" + kGrpcPluginFile;
  if (std::find(out.begin(), out.end(), built) == out.end()) out.push_back(std::move(built));
#endif
  return out;
}

Status loadGrpcPlugin(const std::vector<std::string>& candidates, GrpcPluginOpenFn* open) {
  std::string tried;
  for (const std::string& path : candidates) {
    if (!tried.empty()) tried += "; ";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      tried += path + ": not found";
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      tried += path + ": " + (why != nullptr ? why : "dlopen failed");
      continue;
    }
    auto abi = reinterpret_cast<GrpcPluginAbiFn>(dlsym(handle, "tidal_external_grpc_abi"));
    auto opener = reinterpret_cast<GrpcPluginOpenFn>(dlsym(handle, "tidal_external_grpc_open"));
    if (abi == nullptr || opener == nullptr || abi() != kTransportAbi) {
      tried += path + ": not a tidal gRPC plugin of this version (ABI " +
               std::to_string(kTransportAbi) + ")";
      dlclose(handle);
      continue;
    }
    *open = opener;
    return Status::ok();
  }
  return failedPrecondition(
      fmt::format("external scalers need tidal's gRPC plugin {}, which could not be loaded "
                  "(install it beside the tidal binary or in ../lib/tidal, or name it with "
                  "TIDAL_EXTERNAL_GRPC_PLUGIN); tried {}",
                  kGrpcPluginFile, tried.empty() ? "nothing" : tried));
}

StatusOr<std::unique_ptr<ExternalTransport>> openExternalTransport(
    const TransportOptions& options) {
  const LoadedPlugin& loaded = plugin();
  if (!loaded.status.isOk()) return loaded.status;
  Status error;
  ExternalTransport* transport = loaded.open(&options, &error);
  if (transport == nullptr) {
    return error.isOk() ? Status(StatusCode::kInternal, "the gRPC plugin opened no transport")
                        : error;
  }
  return std::unique_ptr<ExternalTransport>(transport);
}

StatusOr<std::shared_ptr<ExternalTransport>> sharedExternalChannel(const ExternalConfig& config) {
  const ExternalMetadata& m = config.metadata;
  TransportOptions options{.address = m.scalerAddress,
                           .tls = config.useTls(),
                           .unsafeSsl = m.unsafeSsl,
                           .caCert = m.caCert,
                           .clientCert = m.tlsClientCert,
                           .clientKey = m.tlsClientKey};
  // Loaded here, not in the pool's factory, which runs under the pool's lock.
  if (const LoadedPlugin& loaded = plugin(); !loaded.status.isOk()) return loaded.status;
  Status failed;
  std::shared_ptr<ExternalTransport> channel =
      pool().acquire(config.poolKey(), [&]() -> std::shared_ptr<ExternalTransport> {
        StatusOr<std::unique_ptr<ExternalTransport>> transport = openExternalTransport(options);
        if (!transport.isOk()) {
          failed = transport.status();
          return nullptr;
        }
        return std::move(transport).value();
      });
  if (!failed.isOk()) return failed;
  if (!channel) return Status(StatusCode::kInternal, "no external scaler channel");
  return channel;
}

size_t liveExternalChannels() {
  return pool().liveCount();
}

}  // namespace tidal::scalers::external
