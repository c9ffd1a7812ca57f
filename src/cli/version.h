// Build information reported by `tidal version` and the keda_build_info metric.
#pragma once

namespace tidal::cli {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace tidal::cli
