#include "k8s/client/token_source.h"

#include <fstream>
#include <sstream>

#include "common/strings.h"

namespace tidal::k8s {

TokenSource::TokenSource(std::string token, std::string file, const Clock& clock,
                         std::chrono::seconds refresh)
    : static_(std::move(token)), file_(std::move(file)), clock_(clock), refresh_(refresh) {}

StatusOr<std::string> TokenSource::token() {
  if (file_.empty()) return static_;
  std::lock_guard lock(mu_);
  auto now = clock_.monotonicNow();
  if (cached_ && !stale_ && now - readAt_ < refresh_) return *cached_;
  std::ifstream in(file_, std::ios::binary);
  std::ostringstream buffer;
  if (in) buffer << in.rdbuf();
  if (!in || trim(buffer.str()).empty()) {
    if (cached_) return *cached_;  // keep the last good token; see the header
    return unavailable("token file " + file_ + " cannot be read or is empty");
  }
  cached_ = std::string(trim(buffer.str()));
  readAt_ = now;
  stale_ = false;
  return *cached_;
}

void TokenSource::invalidate() {
  std::lock_guard lock(mu_);
  stale_ = true;
}

}  // namespace tidal::k8s
