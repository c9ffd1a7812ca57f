// The Kubernetes verbs on any resource: get, list, watch, create, update, patch, delete, and the
// status and scale subresources.
//
// Objects travel as JSON (nlohmann::json); the typed helpers in src/k8s/types/ decode the few
// kinds tidal reads. Every call goes through one shared RestClient (credentials, rate limit,
// retries). Errors follow retry.h's mapping: kNotFound, kAlreadyExists, kAborted for a conflict
// (409: re-read and retry) or an expired resourceVersion (410), kInvalidArgument for a rejected
// object (422, with the API server's message naming the field), and so on.
//
// Example:
//   Client client(rest);
//   TIDAL_ASSIGN_OR_RETURN(Json so, client.get(kScaledObjects, "web", "api"));
//   so["spec"]["maxReplicaCount"] = 20;
//   TIDAL_ASSIGN_OR_RETURN(so, client.update(kScaledObjects, "web", so));  // kAborted on conflict
//
// Threading: thread-safe. Cancellation: every call takes an optional stop token.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "k8s/client/resource.h"
#include "k8s/client/rest_client.h"
#include "k8s/client/watch.h"

namespace tidal::k8s {

struct ListOptions {
  std::string labelSelector;  // "app=web,tier!=db"
  std::string fieldSelector;  // "metadata.name=x"
  int64_t limit = 0;          // page size; 0: everything in one answer
  std::string continueToken;  // from the previous page
  // "" asks for the most recent data (a consistent read); "0" allows the API server's cache.
  std::string resourceVersion;
  std::string resourceVersionMatch;  // "", "NotOlderThan" or "Exact"
  int timeoutSeconds = 0;
};

struct ObjectList {
  std::string apiVersion;
  std::string kind;             // "DeploymentList"
  std::string resourceVersion;  // the list's; watch from here
  std::string continueToken;    // "" on the last page
  std::optional<int64_t> remainingItemCount;
  std::vector<Json> items;  // each with apiVersion and kind filled in
};

struct WatchOptions {
  std::string resourceVersion;  // resume point; "" means "from now" (rarely what you want)
  std::string labelSelector;
  std::string fieldSelector;
  int timeoutSeconds = 0;  // the server ends the stream after this; 0: the server's default
  bool allowBookmarks = true;
};

// Why a watch ended.
enum class WatchEnd {
  kClosed,   // the server ended the stream normally (timeoutSeconds): resume from the last RV
  kStopped,  // the handler returned false, or the stop token fired
  kExpired,  // 410: the resourceVersion is too old (ERROR event or HTTP 410): relist
  kFailed,   // anything else (connection lost, stream cut, bad event, other ERROR): resume
};

struct WatchResult {
  WatchEnd end = WatchEnd::kClosed;
  Status status;                    // the failure for kFailed/kExpired
  std::string lastResourceVersion;  // of the last event or bookmark seen ("" if none)
  size_t events = 0;                // events delivered (bookmarks included)
};

// Receives ADDED/MODIFIED/DELETED/BOOKMARK events (ERROR events end the watch instead). Return
// false to end the watch.
using WatchHandler = std::function<bool(WatchEvent&& event)>;

enum class PatchType {
  kMerge,           // application/merge-patch+json (RFC 7386), works for every kind
  kJson,            // application/json-patch+json (RFC 6902), e.g. with a "test" op
  kStrategicMerge,  // application/strategic-merge-patch+json, built-in kinds only
  kApply,           // server-side apply (application/apply-patch+yaml with a JSON body)
};

std::string_view patchContentType(PatchType type);

struct PatchOptions {
  std::string fieldManager;  // required for kApply
  bool force = false;        // kApply: take ownership of conflicting fields
  std::string subresource;   // "", "status" or "scale"
};

struct WriteOptions {
  std::string fieldManager;
  bool dryRun = false;
};

struct DeleteOptions {
  std::string propagationPolicy;  // "", "Foreground", "Background" or "Orphan"
  std::optional<int64_t> gracePeriodSeconds;
  std::string preconditionUid;              // delete only this incarnation
  std::string preconditionResourceVersion;  // delete only this version (else 409)
};

class Client {
 public:
  explicit Client(std::shared_ptr<RestClient> rest);

  StatusOr<Json> get(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                     const std::stop_token& stop = {});

  // One page. With a continue token that has expired, kAborted (410): start again.
  StatusOr<ObjectList> list(const GroupVersionResource& gvr, std::string_view ns,
                            const ListOptions& options = {}, const std::stop_token& stop = {});

  // Every page, following continue tokens (`options.limit` is the page size; 500 if unset). An
  // expired continue token restarts the listing from the start, once.
  StatusOr<ObjectList> listAll(const GroupVersionResource& gvr, std::string_view ns,
                               ListOptions options = {}, const std::stop_token& stop = {});

  // Streams events to `handler` until the stream ends; see WatchEnd. Blocks the calling thread.
  WatchResult watch(const GroupVersionResource& gvr, std::string_view ns,
                    const WatchOptions& options, const WatchHandler& handler,
                    const std::stop_token& stop = {});

  StatusOr<Json> create(const GroupVersionResource& gvr, std::string_view ns, const Json& object,
                        const WriteOptions& options = {}, const std::stop_token& stop = {});

  // PUT of the whole object; the name and resourceVersion come from object.metadata. A stale
  // resourceVersion is kAborted (409 Conflict).
  StatusOr<Json> update(const GroupVersionResource& gvr, std::string_view ns, const Json& object,
                        const WriteOptions& options = {}, const std::stop_token& stop = {});

  // PUT of the status subresource: only .status is taken from `object`.
  StatusOr<Json> updateStatus(const GroupVersionResource& gvr, std::string_view ns,
                              const Json& object, const WriteOptions& options = {},
                              const std::stop_token& stop = {});

  StatusOr<Json> patch(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                       PatchType type, const Json& patch, const PatchOptions& options = {},
                       const std::stop_token& stop = {});

  // Server-side apply of `object` (which must carry apiVersion, kind and metadata.name) as
  // `fieldManager`.
  StatusOr<Json> apply(const GroupVersionResource& gvr, std::string_view ns, const Json& object,
                       std::string_view fieldManager, bool force = true,
                       const std::stop_token& stop = {});

  // DELETE. kNotFound when already gone; kAborted when a precondition fails.
  Status remove(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                const DeleteOptions& options = {}, const std::stop_token& stop = {});

  // The autoscaling/v1 Scale of a scalable resource.
  StatusOr<Json> getScale(const GroupVersionResource& gvr, std::string_view ns,
                          std::string_view name, const std::stop_token& stop = {});
  // Sets spec.replicas through a merge patch of /scale (no read-modify-write race).
  StatusOr<Json> scale(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                       int32_t replicas, const std::stop_token& stop = {});

  RestClient& rest() { return *rest_; }
  const std::shared_ptr<RestClient>& restPtr() const { return rest_; }

 private:
  StatusOr<Json> write(const std::string& method, const std::string& path, const Json& body,
                       const WriteOptions& options, const std::stop_token& stop);

  std::shared_ptr<RestClient> rest_;
};

}  // namespace tidal::k8s
