// The bearer token to send, re-read from its file as it rotates.
//
// Service-account tokens projected into a pod are rotated by the kubelet (hourly by default), so a
// long-running operator must pick up the new file content. TokenSource caches the file's content
// and re-reads it when the cached copy is older than the refresh period, or at once after the
// server answered 401 (invalidate()). A failed re-read keeps the last good token: a token that is
// still valid beats none, and the failure surfaces as a 401 if it really expired.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace tidal::k8s {

class TokenSource {
 public:
  // With an empty `file` the static `token` is returned forever. `clock` must outlive this.
  TokenSource(std::string token, std::string file, const Clock& clock,
              std::chrono::seconds refresh = std::chrono::seconds(60));

  // The token to send; "" means none. Fails only when the file could never be read.
  // Thread-safe.
  StatusOr<std::string> token();

  // Forces a re-read on the next token() call. Thread-safe.
  void invalidate();

 private:
  const std::string static_;
  const std::string file_;
  const Clock& clock_;
  const std::chrono::seconds refresh_;
  std::mutex mu_;
  std::optional<std::string> cached_;
  std::chrono::steady_clock::time_point readAt_;
  bool stale_ = true;
};

}  // namespace tidal::k8s
