// Keeps secrets out of what `tidal trigger probe` prints. Scalers already promise messages without
// passwords (scaler.h); the probe does not rely on that alone, since it prints errors straight from
// servers and drivers: every secret value it handed to a scaler is registered here, and every line
// of output passes through apply().
//
// What counts as secret: the value of a parameter declared secret (password, key, token...), any
// auth parameter the scaler does not declare, and the password of any URL with userinfo. Values of
// declared non-secret parameters (host, address, username) stay readable, so an error can still
// name the server, but their URL passwords are removed.
//
// Example:
//   Redactor r;
//   r.addSecret("s3cret");
//   r.addUrlCredentials("amqp://user:pw@rabbit/");
//   r.apply("auth failed for s3cret at amqp://user:pw@rabbit/") ==
//       "auth failed for [redacted] at amqp://rabbit/"
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace tidal::cli {

class Redactor {
 public:
  static constexpr std::string_view kMask = "[redacted]";

  // `value` is replaced wherever it appears. Empty values are ignored, and so are values shorter
  // than three characters, which would mask unrelated text (a two-digit number, "ok").
  void addSecret(std::string_view value);

  // Registers the password (raw and percent-decoded) of `value` when it is a URL with userinfo;
  // nothing otherwise.
  void addUrlCredentials(std::string_view value);

  // `text` with every registered secret masked (longest first, so that a secret containing
  // another is masked whole) and the userinfo of every "scheme://user:pass@" removed.
  std::string apply(std::string_view text) const;

 private:
  struct LongestFirst {
    bool operator()(const std::string& a, const std::string& b) const {
      return a.size() != b.size() ? a.size() > b.size() : a < b;
    }
  };
  std::set<std::string, LongestFirst> secrets_;
};

}  // namespace tidal::cli
