// etcd's key-value and watch API over its gRPC gateway, as the etcd scaler needs it: read one
// key, and watch it. Endpoints are tried in order until one answers; with credentials, the
// client authenticates (POST /v3/auth/authenticate) per endpoint, because etcd's simple tokens
// are only known to the member that issued them, and authenticates again when a token expired.
//
// Keys and values travel base64-encoded in the gateway's JSON. Nothing here prints a password or
// a token. Thread-safe (the token cache is locked).
//
// Example:
//   EtcdClient client(cfg.urls, std::nullopt, transport);
//   StatusOr<KeyValue> kv = client.get("/jobs/n", 3s);   // kv->found, kv->value, kv->revision
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "scalers/etcd/etcd_transport.h"

namespace tidal::scalers::etcd {

struct EtcdCredentials {
  std::string username;
  std::string password;
};

struct KeyValue {
  bool found = false;
  std::string value;     // raw bytes of the value
  int64_t revision = 0;  // the store's revision at the time of the read
};

// One change of the watched key: the new value, or nullopt when the key was deleted.
using KeyEvent = std::optional<std::string>;

class EtcdClient {
 public:
  EtcdClient(std::vector<std::string> urls, std::optional<EtcdCredentials> credentials,
             std::shared_ptr<EtcdTransport> transport);

  // Reads `key`. Each endpoint gets an equal share of what is left of `timeout`; an endpoint
  // that cannot be reached (kUnavailable, kDeadlineExceeded) passes the turn to the next. The
  // answering endpoint becomes the one watch() uses.
  StatusOr<KeyValue> get(const std::string& key, std::chrono::milliseconds timeout);

  // Watches `key` from `startRevision` (with progress notifications) on the endpoint that
  // answered the last get(), calling `onCreated` once the server accepted the watch and
  // `onEvent` for every change. Returns OK when `stop()` became true, otherwise the reason the
  // watch ended (kDeadlineExceeded when the server sent nothing for `idleTimeout`).
  Status watch(const std::string& key, int64_t startRevision,
               const std::function<void()>& onCreated,
               const std::function<void(const KeyEvent&)>& onEvent,
               const std::function<bool()>& stop, std::chrono::milliseconds idleTimeout,
               std::chrono::milliseconds connectTimeout);

 private:
  StatusOr<KeyValue> getFrom(size_t endpoint, const std::string& key,
                             std::chrono::milliseconds timeout);
  // The Authorization header value for `endpoint` (authenticating when needed); "" without
  // credentials.
  StatusOr<std::string> token(size_t endpoint, std::chrono::milliseconds timeout, bool renew);

  const std::vector<std::string> urls_;
  const std::optional<EtcdCredentials> credentials_;
  const std::shared_ptr<EtcdTransport> transport_;
  std::mutex mu_;
  std::map<size_t, std::string> tokens_;
  size_t lastGood_ = 0;
};

// Standard base64 with padding (the gateway's encoding of bytes fields).
std::string base64Encode(std::string_view bytes);
std::optional<std::string> base64Decode(std::string_view text);

// Splits a watch answer stream into JSON lines: feed() appends a piece and returns the complete
// lines so far.
class LineSplitter {
 public:
  std::vector<std::string> feed(std::string_view piece);

 private:
  std::string pending_;
};

}  // namespace tidal::scalers::etcd
