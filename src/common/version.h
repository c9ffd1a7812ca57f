// Build information reported by `tidal version`, the keda_build_info metric and the
// app.kubernetes.io/version label of generated HPAs.
#pragma once

#ifndef TIDAL_GIT_COMMIT
#define TIDAL_GIT_COMMIT "unknown"
#endif

namespace tidal {

inline constexpr const char* kVersion = "0.1.0";
inline constexpr const char* kGitCommit = TIDAL_GIT_COMMIT;

}  // namespace tidal
