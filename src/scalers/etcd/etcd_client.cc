#include "scalers/etcd/etcd_client.h"

#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tidal::scalers::etcd {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The gateway sends int64 fields as JSON strings ("revision":"4").
int64_t int64Field(const json& object, const char* name) {
  if (!object.is_object() || !object.contains(name)) return 0;
  const json& v = object[name];
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) {
    try {
      return std::stoll(v.get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

// "etcd says: <message>" from a gateway error body, or the start of the body.
std::string gatewayMessage(const std::string& body) {
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object() && doc.contains("message") && doc["message"].is_string()) {
    return doc["message"].get<std::string>();
  }
  return body.substr(0, 200);
}

Status httpError(const http::HttpResponse& r) {
  return Status(http::codeForHttpStatus(r.status),
                fmt::format("HTTP {}: {}", http::httpStatusLine(r.status), gatewayMessage(r.body)));
}

bool reachability(StatusCode code) {
  return code == StatusCode::kUnavailable || code == StatusCode::kDeadlineExceeded;
}

}  // namespace

std::string base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) |
                       (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint32_t(uint8_t(bytes[i + 2]));
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    std::array<uint32_t, 4> v{};
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      const size_t at = kAlphabet.find(c);
      if (at == std::string_view::npos) return std::nullopt;
      v[j] = static_cast<uint32_t>(at);
    }
    const uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::vector<std::string> LineSplitter::feed(std::string_view piece) {
  pending_.append(piece);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl = pending_.find('\n'); nl != std::string::npos; nl = pending_.find('\n', start)) {
    if (nl > start) lines.push_back(pending_.substr(start, nl - start));
    start = nl + 1;
  }
  pending_.erase(0, start);
  return lines;
}

EtcdClient::EtcdClient(std::vector<std::string> urls, std::optional<EtcdCredentials> credentials,
                       std::shared_ptr<EtcdTransport> transport)
    : urls_(std::move(urls)),
      credentials_(std::move(credentials)),
      transport_(std::move(transport)) {}

StatusOr<std::string> EtcdClient::token(size_t endpoint, milliseconds timeout, bool renew) {
  if (!credentials_) return std::string();
  {
    std::lock_guard lock(mu_);
    if (renew) {
      tokens_.erase(endpoint);
    } else if (auto it = tokens_.find(endpoint); it != tokens_.end()) {
      return it->second;
    }
  }
  EtcdRequest r;
  r.url = urls_[endpoint] + "/v3/auth/authenticate";
  r.body = json{{"name", credentials_->username}, {"password", credentials_->password}}.dump();
  r.timeout = timeout;
  TIDAL_ASSIGN_OR_RETURN(http::HttpResponse answer, transport_->post(r));
  if (answer.status != 200) {
    Status s = httpError(answer);
    // etcd answers a wrong password with 400 (gRPC InvalidArgument); it is an auth failure.
    const StatusCode code = answer.status == 400 ? StatusCode::kUnauthenticated : s.code();
    return Status(code, "authentication failed: " + s.message());
  }
  const json doc = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("token") || !doc["token"].is_string()) {
    return unavailable("authentication failed: the answer holds no token");
  }
  std::string t = doc["token"].get<std::string>();
  std::lock_guard lock(mu_);
  tokens_[endpoint] = t;
  return t;
}

StatusOr<KeyValue> EtcdClient::getFrom(size_t endpoint, const std::string& key,
                                       milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(
                                         deadline - std::chrono::steady_clock::now()));
  };
  for (int attempt = 0;; ++attempt) {
    TIDAL_ASSIGN_OR_RETURN(std::string auth, token(endpoint, left(), attempt > 0));
    EtcdRequest r;
    r.url = urls_[endpoint] + "/v3/kv/range";
    r.body = json{{"key", base64Encode(key)}}.dump();
    r.timeout = left();
    if (!auth.empty()) r.headers.emplace_back("Authorization", auth);
    TIDAL_ASSIGN_OR_RETURN(http::HttpResponse answer, transport_->post(r));
    if (answer.status == 401 && credentials_ && attempt == 0) continue;  // the token expired
    if (answer.status != 200) return httpError(answer);
    const json doc = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("header")) {
      return unavailable("the answer is not an etcd range response");
    }
    KeyValue out;
    out.revision = int64Field(doc["header"], "revision");
    if (doc.contains("kvs") && doc["kvs"].is_array() && !doc["kvs"].empty()) {
      const json& kv = doc["kvs"][0];
      out.found = true;
      // An empty value is left out of the JSON.
      std::optional<std::string> value =
          base64Decode(kv.is_object() ? kv.value("value", std::string()) : std::string());
      if (!value) return unavailable("the answer's value is not base64");
      out.value = *std::move(value);
    }
    return out;
  }
}

StatusOr<KeyValue> EtcdClient::get(const std::string& key, milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> failures;
  Status last = Status::ok();
  for (size_t i = 0; i < urls_.size(); ++i) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= milliseconds(0)) break;
    const milliseconds share = std::max(milliseconds(1), left / int64_t(urls_.size() - i));
    StatusOr<KeyValue> kv = getFrom(i, key, share);
    if (kv.isOk()) {
      std::lock_guard lock(mu_);
      lastGood_ = i;
      return kv;
    }
    last = kv.status();
    failures.push_back(fmt::format("{}: {}", urls_[i], kv.status().message()));
    if (!reachability(kv.status().code())) break;  // the server answered: no other will differ
  }
  if (failures.empty()) {
    return Status(StatusCode::kDeadlineExceeded,
                  fmt::format("timed out after {} ms", timeout.count()));
  }
  std::string joined;
  for (const std::string& f : failures) joined += (joined.empty() ? "" : "; ") + f;
  return Status(last.code(), joined);
}

Status EtcdClient::watch(const std::string& key, int64_t startRevision,
                         const std::function<void()>& onCreated,
                         const std::function<void(const KeyEvent&)>& onEvent,
                         const std::function<bool()>& stop, milliseconds idleTimeout,
                         milliseconds connectTimeout) {
  size_t endpoint = 0;
  {
    std::lock_guard lock(mu_);
    endpoint = lastGood_;
  }
  TIDAL_ASSIGN_OR_RETURN(std::string auth, token(endpoint, connectTimeout, false));
  EtcdRequest r;
  r.url = urls_[endpoint] + "/v3/watch";
  json create{{"key", base64Encode(key)}, {"progress_notify", true}};
  if (startRevision > 0) create["start_revision"] = std::to_string(startRevision);
  r.body = json{{"create_request", create}}.dump();
  r.timeout = connectTimeout;
  if (!auth.empty()) r.headers.emplace_back("Authorization", auth);

  LineSplitter lines;
  Status ended = Status::ok();
  bool cancelled = false;
  auto onData = [&](std::string_view piece) {
    for (const std::string& line : lines.feed(piece)) {
      if (cancelled) return;
      const json doc = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!doc.is_object()) continue;
      if (doc.contains("error")) {
        cancelled = true;
        ended = unavailable("the watch failed: " + doc["error"].value("message", line));
        return;
      }
      const json& result = doc.value("result", json::object());
      if (result.value("canceled", false)) {
        cancelled = true;
        const std::string reason = result.value("cancel_reason", std::string("no reason given"));
        if (reason.find("auth token") != std::string::npos) {
          std::lock_guard lock(mu_);
          tokens_.erase(endpoint);
        }
        ended = unavailable("the server cancelled the watch: " + reason);
        return;
      }
      if (result.value("created", false)) onCreated();
      if (!result.contains("events") || !result["events"].is_array()) continue;
      for (const json& event : result["events"]) {
        if (event.value("type", std::string("PUT")) == "DELETE") {
          onEvent(std::nullopt);
          continue;
        }
        const json& kv = event.value("kv", json::object());
        onEvent(base64Decode(kv.value("value", std::string())).value_or(std::string()));
      }
    }
  };
  auto stopOrCancelled = [&] { return cancelled || stop(); };
  Status s = transport_->stream(r, onData, stopOrCancelled, idleTimeout);
  if (cancelled) return ended;
  if (!s.isOk()) return s.withPrefix(urls_[endpoint]);
  return Status::ok();
}

}  // namespace tidal::scalers::etcd
