#include "k8s/client/retry.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace tidal::k8s {

std::optional<ApiStatus> parseApiStatus(std::string_view body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || json.value("kind", "") != "Status") return std::nullopt;
  ApiStatus status;
  if (json.contains("code") && json["code"].is_number_integer()) status.code = json["code"];
  if (json.contains("reason") && json["reason"].is_string()) status.reason = json["reason"];
  if (json.contains("message") && json["message"].is_string()) status.message = json["message"];
  return status;
}

StatusCode statusCodeForHttp(int httpStatus, std::string_view reason) {
  switch (httpStatus) {
    case 400:
    case 422:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 405:
      return StatusCode::kUnimplemented;
    case 408:
    case 504:
      return StatusCode::kDeadlineExceeded;
    case 409:
      return reason == "AlreadyExists" ? StatusCode::kAlreadyExists : StatusCode::kAborted;
    case 410:
      return StatusCode::kAborted;
    case 429:
      return StatusCode::kResourceExhausted;
    default:
      break;
  }
  if (httpStatus >= 500) return StatusCode::kUnavailable;
  if (httpStatus >= 400) return StatusCode::kInvalidArgument;
  return StatusCode::kInternal;  // 1xx/3xx: the client never asks for these
}

Status statusFromResponse(const HttpResponse& response, std::string_view method,
                          std::string_view path) {
  if (response.status >= 200 && response.status < 300) return Status::ok();
  std::string message =
      std::string(method) + " " + std::string(path) + ": " + std::to_string(response.status);
  std::optional<ApiStatus> api = parseApiStatus(response.body);
  std::string reason;
  if (api) {
    reason = api->reason;
    if (!api->reason.empty()) message += " " + api->reason;
    if (!api->message.empty()) message += ": " + api->message;
  } else if (!response.body.empty()) {
    // Not a Status (a proxy's HTML, say): include a bounded excerpt.
    std::string excerpt(trim(response.body.substr(0, 200)));
    message += ": " + excerpt;
  }
  return Status(statusCodeForHttp(response.status, reason), message);
}

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value) {
  value = trim(value);
  std::optional<int64_t> seconds = parseGoInt(value);
  if (!seconds || *seconds < 0) return std::nullopt;
  return std::chrono::seconds(*seconds);
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 double multiplier, double jitter, uint64_t seed)
    : initial_(initial), max_(max), multiplier_(multiplier), jitter_(jitter), random_(seed) {}

std::chrono::milliseconds Backoff::next() {
  double base = static_cast<double>(initial_.count()) * std::pow(multiplier_, attempt_);
  base = std::min(base, static_cast<double>(max_.count()));
  if (attempt_ < 64) ++attempt_;
  double factor = 1.0;
  if (jitter_ > 0) {
    std::uniform_real_distribution<double> dist(0.0, jitter_);
    factor += dist(random_);
  }
  return std::chrono::milliseconds(static_cast<int64_t>(base * factor));
}

}  // namespace tidal::k8s
