// Small string helpers shared across layers: trimming, splitting, joining, and number parsing with
// Go's acceptance rules (tidal reads values KEDA users wrote for Go's strconv).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tidal {

std::string_view trim(std::string_view s);
// Splits on `sep`; with `trimParts` each part is trimmed. "" yields one empty part.
std::vector<std::string> split(std::string_view s, char sep, bool trimParts = true);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string toLower(std::string_view s);
bool startsWith(std::string_view s, std::string_view prefix);
bool endsWith(std::string_view s, std::string_view suffix);

// strconv.ParseInt(s, 10, 64): optional sign, decimal digits only, no spaces, in range.
std::optional<int64_t> parseGoInt(std::string_view s);
// strconv.ParseFloat(s, 64) for decimal input: sign, digits, '.', exponent; "inf", "+Inf",
// "NaN" (case-insensitive) as Go accepts them. Hex floats and underscores are refused.
std::optional<double> parseGoFloat(std::string_view s);

// The edit distance between two strings (for "did you mean" suggestions).
size_t editDistance(std::string_view a, std::string_view b);

}  // namespace tidal
