// Informers: a local, continuously updated copy of one resource type, plus change notifications.
//
// An informer lists the resource (paginated), then watches from the list's resourceVersion with
// bookmarks, applying each event to its ObjectStore and notifying handlers. One informer holds one
// watch stream, however many objects it tracks. It survives everything the API server does:
//   - a watch that ends normally (timeoutSeconds) is resumed from the last resourceVersion seen;
//   - a watch that fails (connection lost, API server restarting, a malformed event) is resumed
//     from the last resourceVersion after an exponential backoff;
//   - a 410 Gone ("too old resource version", e.g. after an etcd compaction) triggers a relist,
//     and the differences between the old cache and the new list are delivered as add, update and
//     delete notifications, so handlers never miss a deletion;
//   - a failed list is retried with backoff.
// Each of these is logged once per change of state (a warning when the stream breaks, an info line
// when it is healthy again), never once per retry. It never uses watch-list (sendInitialEvents):
// Debian's etcd 3.4 cannot serve it.
//
// Objects that do not decode as T are logged with their key and skipped; an update that does not
// decode leaves the previous version in the cache (deleting it would make controllers tear down
// what the object owns).
//
// Threading: two threads per informer, the list/watch loop and the dispatcher that calls handlers
// one notification at a time, in order. Handlers must be quick (enqueue a key to a WorkQueue) and
// must not call stop(). The cache is updated before the matching notification is dispatched.
// Handlers are registered before start(). Cache reads are thread-safe at any time.
//
// Example:
//   Informer<api::ScaledObject> informer(client, {.gvr = kScaledObjects});
//   informer.addHandlers({.onAdd = [&](const api::ScaledObject& so) { queue.add(key(so)); }, ...});
//   informer.start();
//   if (!informer.waitForSync(std::chrono::seconds(30))) { ... }
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "k8s/cache/store.h"
#include "k8s/client/client.h"
#include "k8s/log.h"
#include "k8s/types/object.h"

namespace tidal::k8s {

struct InformerOptions {
  GroupVersionResource gvr;
  std::string namespace_;  // "" watches all namespaces
  std::string labelSelector;
  std::string fieldSelector;
  // Every period, handlers get onUpdate(obj, obj) for every cached object. Zero: never.
  std::chrono::milliseconds resyncPeriod{0};
  // Each watch asks the server to end it after a random time in [t, 2t), so streams are renewed
  // and a silently dead connection is noticed.
  int watchTimeoutSeconds = 300;
  int64_t pageSize = 500;
  std::chrono::milliseconds backoffInitial{500};
  std::chrono::milliseconds backoffMax{std::chrono::seconds(30)};
  Logger* logger = &stderrLogger();
  const Clock* clock = &SystemClock::instance();  // resync deadlines, watch durations
  Sleeper* sleeper = &RealSleeper::instance();    // backoff waits
  uint64_t seed = 0;                              // for jitter
  // Keep a label index for select() (see ObjectStore); without it select() scans the cache.
  bool indexLabels = true;
};

struct InformerStats {
  uint64_t lists = 0;          // successful lists, the first included
  uint64_t relists = 0;        // lists forced by 410 Gone
  uint64_t watches = 0;        // watch streams opened
  uint64_t watchFailures = 0;  // streams that ended with an error
  uint64_t listFailures = 0;
  uint64_t events = 0;          // watch events applied (bookmarks excluded)
  uint64_t decodeFailures = 0;  // objects skipped because they did not decode
};

// Type-erased core; use Informer<T>.
class InformerBase {
 public:
  using Decoder = std::function<StatusOr<CachedObject>(const Json&)>;
  struct Handlers {
    std::function<void(const CachedObject&)> onAdd;
    std::function<void(const CachedObject& before, const CachedObject& after)> onUpdate;
    std::function<void(const CachedObject&)> onDelete;
  };

  // `client` must outlive this.
  InformerBase(Client& client, InformerOptions options, Decoder decoder);
  ~InformerBase();  // stops
  InformerBase(const InformerBase&) = delete;
  InformerBase& operator=(const InformerBase&) = delete;

  // Before start() only.
  void addHandlers(Handlers handlers);
  // Starts the two threads. Once.
  void start();
  // Stops and joins the threads (the watch is cancelled at once). Idempotent.
  void stop();

  // True once the first list is in the cache and its notifications were dispatched.
  bool hasSynced() const { return synced_.load(); }
  // Waits for hasSynced(); false on timeout or stop.
  bool waitForSync(std::chrono::milliseconds timeout) const;
  // Queues onUpdate(obj, obj) for every cached object now.
  void resyncNow();

  const ObjectStore& store() const { return store_; }
  InformerStats stats() const;
  const InformerOptions& options() const { return options_; }

 private:
  enum class Kind { kAdd, kUpdate, kDelete, kSynced };
  struct Notification {
    Kind kind = Kind::kAdd;
    CachedObject before;
    CachedObject after;
  };

  void run(const std::stop_token& stop);
  bool listAndReplace(const std::stop_token& stop, std::string& resourceVersion);
  bool applyEvent(WatchEvent&& event);
  // Decodes `object` for the cache; drops its metadata.managedFields first.
  std::optional<CachedObject> decode(Json& object, std::string_view what);
  void notify(Notification n);
  void dispatch(const std::stop_token& stop);

  Client& client_;
  const InformerOptions options_;
  const Decoder decoder_;
  std::vector<Handlers> handlers_;
  ObjectStore store_;
  StateLog state_;

  mutable std::mutex queueMu_;
  mutable std::condition_variable_any queueCv_;
  std::deque<Notification> queue_;
  std::atomic<bool> synced_{false};
  bool syncMarkerSent_ = false;

  mutable std::mutex statsMu_;
  InformerStats stats_;

  std::jthread loop_;
  std::jthread dispatcher_;
  bool started_ = false;
};

template <typename T>
struct InformerHandlers {
  std::function<void(const T&)> onAdd;
  std::function<void(const T& before, const T& after)> onUpdate;
  std::function<void(const T&)> onDelete;
};

template <typename T>
class Informer {
 public:
  Informer(Client& client, InformerOptions options)
      : base_(client, std::move(options), [](const Json& json) -> StatusOr<CachedObject> {
          StatusOr<T> decoded = ObjectCodec<T>::decode(json);
          if (!decoded.isOk()) return decoded.status();
          auto object = std::make_shared<const T>(std::move(decoded).value());
          const ObjectMeta* meta = &ObjectCodec<T>::meta(*object);
          return CachedObject{std::move(object), meta};
        }) {}

  void addHandlers(InformerHandlers<T> h) {
    InformerBase::Handlers erased;
    if (h.onAdd) erased.onAdd = [f = h.onAdd](const CachedObject& o) { f(typed(o)); };
    if (h.onUpdate) {
      erased.onUpdate = [f = h.onUpdate](const CachedObject& a, const CachedObject& b) {
        f(typed(a), typed(b));
      };
    }
    if (h.onDelete) erased.onDelete = [f = h.onDelete](const CachedObject& o) { f(typed(o)); };
    base_.addHandlers(std::move(erased));
  }

  void start() { base_.start(); }
  void stop() { base_.stop(); }
  bool hasSynced() const { return base_.hasSynced(); }
  bool waitForSync(std::chrono::milliseconds timeout) const { return base_.waitForSync(timeout); }
  void resyncNow() { base_.resyncNow(); }
  InformerStats stats() const { return base_.stats(); }

  std::shared_ptr<const T> get(const ObjectKey& key) const {
    std::optional<CachedObject> o = base_.store().get(key);
    return o ? pointer(*o) : nullptr;
  }
  std::vector<std::shared_ptr<const T>> list() const { return pointers(base_.store().list()); }
  std::vector<std::shared_ptr<const T>> listNamespace(std::string_view ns) const {
    return pointers(base_.store().listNamespace(ns));
  }
  std::vector<std::shared_ptr<const T>> select(const LabelSelector& selector,
                                               std::string_view ns = "") const {
    return pointers(base_.store().select(selector, ns));
  }
  std::vector<ObjectKey> keys() const { return base_.store().keys(); }
  size_t size() const { return base_.store().size(); }

 private:
  static const T& typed(const CachedObject& o) { return *static_cast<const T*>(o.object.get()); }
  static std::shared_ptr<const T> pointer(const CachedObject& o) {
    return std::static_pointer_cast<const T>(o.object);
  }
  static std::vector<std::shared_ptr<const T>> pointers(const std::vector<CachedObject>& in) {
    std::vector<std::shared_ptr<const T>> out;
    out.reserve(in.size());
    for (const CachedObject& o : in) out.push_back(pointer(o));
    return out;
  }

  InformerBase base_;
};

}  // namespace tidal::k8s
