// Standard base64 (RFC 4648 §4, with padding), as Kubernetes uses it for Secret data and for the
// `*-data` entries of a kubeconfig. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tidal::k8s {

std::string base64Encode(std::string_view bytes);

// Decodes padded base64. Whitespace (line breaks in PEM-like input) is ignored. Returns nullopt on
// any other character outside the alphabet, on bad padding or on a length that is not a multiple
// of four after removing whitespace.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace tidal::k8s
