// Errors as values.
//
// Every fallible function in tidal returns a Status or a StatusOr<T>. A Status carries a code that
// tells the caller whether trying again can help (kUnavailable, kDeadlineExceeded, kAborted,
// kResourceExhausted) or not (kInvalidArgument, kFailedPrecondition, kNotFound, ...), and a
// message written for the person who must fix the problem: it names the object and field, what
// was wrong and what was expected. Messages never contain secrets.
//
// Example:
//   StatusOr<int> parsePort(std::string_view s);
//   Status configure(std::string_view s) {
//     TIDAL_ASSIGN_OR_RETURN(int port, parsePort(s));
//     TIDAL_RETURN_IF_ERROR(listen(port));
//     return Status::ok();
//   }
//
// No exception crosses a module boundary: code that calls a throwing library catches at the call
// site and converts to a Status.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace tidal {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the input is wrong; retrying the same input fails again
  kFailedPrecondition,  // the system is not in a state to do this (e.g. target has no /scale)
  kNotFound,
  kAlreadyExists,
  kAborted,            // a conflict (e.g. HTTP 409); re-read and retry
  kUnavailable,        // transient: connection refused, 503, timeout talking to a server
  kDeadlineExceeded,   // the call took too long; retryable
  kResourceExhausted,  // rate limited (429); retry after a delay
  kPermissionDenied,
  kUnauthenticated,
  kUnimplemented,
  kInternal,  // a bug in tidal
  kCancelled,
};

// The canonical name of a code, e.g. "INVALID_ARGUMENT".
std::string_view statusCodeName(StatusCode code);

// Whether an operation that failed with `code` may succeed if tried again unchanged.
constexpr bool isRetryable(StatusCode code) {
  return code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded ||
         code == StatusCode::kAborted || code == StatusCode::kResourceExhausted;
}

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool isOk() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool retryable() const { return isRetryable(code_); }

  // "INVALID_ARGUMENT: <message>", or "OK".
  std::string toString() const;

  // Returns a copy whose message is "<prefix>: <message>"; the code is kept.
  Status withPrefix(std::string_view prefix) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalidArgument(std::string message) {
  return {StatusCode::kInvalidArgument, std::move(message)};
}
inline Status failedPrecondition(std::string message) {
  return {StatusCode::kFailedPrecondition, std::move(message)};
}
inline Status notFound(std::string message) {
  return {StatusCode::kNotFound, std::move(message)};
}
inline Status unavailable(std::string message) {
  return {StatusCode::kUnavailable, std::move(message)};
}
inline Status internalError(std::string message) {
  return {StatusCode::kInternal, std::move(message)};
}

// Either a value or a non-OK Status. Accessing the value of an error is a programming error
// (asserted in debug builds).
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const T& value) : value_(value) {}             // NOLINT(google-explicit-constructor)
  StatusOr(T&& value) : value_(std::move(value)) {}       // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.isOk() && "StatusOr constructed from an OK status without a value");
    if (status_.isOk()) {
      status_ = internalError("StatusOr built from OK status without a value");
    }
  }
  template <typename U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::decay_t<U>, T> &&
           !std::is_same_v<std::decay_t<U>, Status> &&
           !std::is_same_v<std::decay_t<U>, StatusOr<T>>) StatusOr(U&& value)
      : value_(T(std::forward<U>(value))) {}  // NOLINT

  bool isOk() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  const T& value() const& {
    assert(value_.has_value());
    return *value_;
  }
  T& value() & {
    assert(value_.has_value());
    return *value_;
  }
  T&& value() && {
    assert(value_.has_value());
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  T valueOr(T fallback) const& { return value_ ? *value_ : std::move(fallback); }

 private:
  Status status_;
  std::optional<T> value_;
};

namespace internal {
inline Status asStatus(Status s) {
  return s;
}
template <typename T>
Status asStatus(const StatusOr<T>& s) {
  return s.status();
}
}  // namespace internal

}  // namespace tidal

#define TIDAL_CONCAT_INNER(a, b) a##b
#define TIDAL_CONCAT(a, b) TIDAL_CONCAT_INNER(a, b)

// Returns the error from the enclosing function if `expr` (a Status or StatusOr) is not OK.
#define TIDAL_RETURN_IF_ERROR(expr)                                    \
  do {                                                                 \
    ::tidal::Status tidal_status_ = ::tidal::internal::asStatus(expr); \
    if (!tidal_status_.isOk()) return tidal_status_;                   \
  } while (false)

#define TIDAL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.isOk()) return tmp.status();             \
  lhs = std::move(tmp).value()

// `TIDAL_ASSIGN_OR_RETURN(auto x, f());` declares x from a StatusOr or returns its error.
#define TIDAL_ASSIGN_OR_RETURN(lhs, expr) \
  TIDAL_ASSIGN_OR_RETURN_IMPL(TIDAL_CONCAT(tidal_statusor_, __LINE__), lhs, expr)
