// Go duration strings ("300ms", "1h30m", "-1.5h"), read and written exactly as Go's time package
// reads and writes them, plus KEDA's rule for duration-typed trigger parameters.
//
// KEDA's manifests and trigger metadata carry Go durations, and its error messages quote Go's, so
// tidal accepts precisely the strings Go accepts and reports failures in the same words:
//
//   parseGoDuration("1h30m")             -> 5400s
//   parseGoDuration("1")                 -> error `time: missing unit in duration "1"`
//   formatGoDuration(std::chrono::milliseconds(1500))  -> "1.5s"
//   parseDurationOrMillis("1000")        -> 1s (a bare integer counts milliseconds)
//
// All functions are pure and thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tidal::api {

// Parses a Go duration as time.ParseDuration does: an optional sign, then one or more
// <number><unit> terms, where a number is digits with an optional fraction (".5" and "1." count)
// and the unit is one of ns, us, µs (U+00B5), μs (U+03BC), ms, s, m, h. "0" alone (optionally
// signed) needs no unit. Fractions are converted as Go converts them (through a double), so
// "1.0000000001h" yields Go's exact nanosecond count. Returns kInvalidArgument with Go's message
// ("time: invalid duration \"x\"", "time: missing unit in duration \"1\"", "time: unknown unit
// \"d\" in duration \"1d\"") for an empty string, a missing number or unit, an unknown unit, or a
// total outside the int64 nanosecond range.
[[nodiscard]] StatusOr<std::chrono::nanoseconds> parseGoDuration(std::string_view text);

// Formats a duration as Go's Duration.String() does: "1h30m0s", "300ms", "1.5µs", "0s", "-2m3s".
// Units below a second are used only for durations shorter than one second.
std::string formatGoDuration(std::chrono::nanoseconds duration);

// KEDA's reading of a duration-typed trigger parameter: a Go duration if parseGoDuration accepts
// it, else a base-10 integer count of milliseconds ("1000" is one second, "+5" is 5ms). Returns
// kInvalidArgument with KEDA's message when the text is neither, when the duration is negative,
// or (unlike KEDA, which wraps around) when the milliseconds do not fit the nanosecond range.
[[nodiscard]] StatusOr<std::chrono::nanoseconds> parseDurationOrMillis(std::string_view text);

}  // namespace tidal::api
