#include "k8s/cache/informer.h"

#include <cassert>
#include <random>

namespace tidal::k8s {

InformerBase::InformerBase(Client& client, InformerOptions options, Decoder decoder)
    : client_(client),
      options_(std::move(options)),
      decoder_(std::move(decoder)),
      store_(options_.indexLabels),
      state_(*options_.logger, "informer", {{"resource", options_.gvr.toString()}}) {}

InformerBase::~InformerBase() {
  stop();
}

void InformerBase::addHandlers(Handlers handlers) {
  assert(!started_ && "handlers are added before start()");
  if (!started_) handlers_.push_back(std::move(handlers));
}

void InformerBase::start() {
  if (started_) return;
  started_ = true;
  dispatcher_ = std::jthread([this](const std::stop_token& stop) { dispatch(stop); });
  loop_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

void InformerBase::stop() {
  if (loop_.joinable()) {
    loop_.request_stop();
    loop_.join();
  }
  if (dispatcher_.joinable()) {
    dispatcher_.request_stop();
    dispatcher_.join();
  }
}

bool InformerBase::waitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(queueMu_);
  return queueCv_.wait_for(lock, timeout, [this] { return synced_.load(); });
}

InformerStats InformerBase::stats() const {
  std::lock_guard lock(statsMu_);
  return stats_;
}

void InformerBase::notify(Notification n) {
  {
    std::lock_guard lock(queueMu_);
    queue_.push_back(std::move(n));
  }
  queueCv_.notify_all();
}

void InformerBase::resyncNow() {
  std::vector<CachedObject> all = store_.list();
  {
    std::lock_guard lock(queueMu_);
    for (const CachedObject& o : all) queue_.push_back({Kind::kUpdate, o, o});
  }
  queueCv_.notify_all();
}

std::optional<CachedObject> InformerBase::decode(Json& object, std::string_view what) {
  // metadata.managedFields (server-side apply bookkeeping) is often the largest part of an object
  // and nothing in tidal reads it: the cache does not keep it (client-go's informers offer the
  // same as a transform).
  if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object()) {
    meta->erase("managedFields");
  }
  StatusOr<CachedObject> decoded = decoder_(object);
  if (decoded.isOk()) return *decoded;
  {
    std::lock_guard lock(statsMu_);
    ++stats_.decodeFailures;
  }
  options_.logger->log(LogLevel::kWarning, "informer", "object does not match its type; skipped",
                       {{"resource", options_.gvr.toString()},
                        {"key", keyOf(metaOf(object)).toString()},
                        {"during", std::string(what)},
                        {"error", decoded.status().message()}});
  return std::nullopt;
}

bool InformerBase::listAndReplace(const std::stop_token& stop, std::string& resourceVersion) {
  ListOptions list;
  list.labelSelector = options_.labelSelector;
  list.fieldSelector = options_.fieldSelector;
  list.limit = options_.pageSize;
  StatusOr<ObjectList> result = client_.listAll(options_.gvr, options_.namespace_, list, stop);
  if (!result.isOk()) {
    if (result.status().code() == StatusCode::kCancelled) return false;
    {
      std::lock_guard lock(statsMu_);
      ++stats_.listFailures;
    }
    state_.set("list-failed", LogLevel::kWarning, "list failed; retrying with backoff",
               {{"error", result.status().toString()}});
    return false;
  }
  std::vector<CachedObject> objects;
  objects.reserve(result->items.size());
  for (Json& item : result->items) {
    if (std::optional<CachedObject> o = decode(item, "list")) objects.push_back(std::move(*o));
  }
  size_t count = objects.size();
  std::map<ObjectKey, CachedObject> previous = store_.replaceAll(objects);
  // Turn the difference between the old cache and the new list into notifications, so that a
  // relist after a broken watch delivers exactly what was missed.
  for (const CachedObject& now : store_.list()) {
    auto before = previous.find(now.key());
    if (before == previous.end()) {
      notify({Kind::kAdd, {}, now});
    } else {
      if (before->second.meta->resourceVersion != now.meta->resourceVersion) {
        notify({Kind::kUpdate, before->second, now});
      }
      previous.erase(before);
    }
  }
  for (auto& [key, gone] : previous) notify({Kind::kDelete, gone, {}});
  if (!syncMarkerSent_) {
    syncMarkerSent_ = true;
    notify({Kind::kSynced, {}, {}});
  }
  {
    std::lock_guard lock(statsMu_);
    ++stats_.lists;
  }
  resourceVersion = result->resourceVersion;
  state_.set("healthy", LogLevel::kInfo, "listed; watching",
             {{"objects", std::to_string(count)}, {"resourceVersion", resourceVersion}});
  return true;
}

bool InformerBase::applyEvent(WatchEvent&& event) {
  if (event.type == WatchEventType::kBookmark) return true;
  {
    std::lock_guard lock(statsMu_);
    ++stats_.events;
  }
  state_.set("healthy", LogLevel::kInfo, "watch re-established");
  if (event.type == WatchEventType::kDeleted) {
    ObjectMeta meta = metaOf(event.object);
    std::optional<CachedObject> before = store_.erase(keyOf(meta));
    if (!before) return true;
    // Hand the deletion's final state to handlers when it decodes, else the last cached one.
    StatusOr<CachedObject> last = decoder_(event.object);
    notify({Kind::kDelete, last.isOk() ? *last : *before, {}});
    return true;
  }
  std::optional<CachedObject> now = decode(event.object, "watch");
  if (!now) return true;
  std::optional<CachedObject> before = store_.upsert(*now);
  if (before) {
    notify({Kind::kUpdate, *before, *now});
  } else {
    notify({Kind::kAdd, {}, *now});
  }
  return true;
}

void InformerBase::run(const std::stop_token& stop) {
  Backoff backoff(options_.backoffInitial, options_.backoffMax, 2.0, 0.2, options_.seed);
  std::mt19937_64 random(options_.seed + 1);
  const Clock& clock = *options_.clock;
  std::string resourceVersion;
  while (!stop.stop_requested()) {
    if (!listAndReplace(stop, resourceVersion)) {
      if (!options_.sleeper->sleepFor(backoff.next(), stop)) return;
      continue;
    }
    backoff.reset();
    bool relist = false;
    while (!relist && !stop.stop_requested()) {
      WatchOptions watch;
      watch.resourceVersion = resourceVersion;
      watch.labelSelector = options_.labelSelector;
      watch.fieldSelector = options_.fieldSelector;
      int base = std::max(1, options_.watchTimeoutSeconds);
      watch.timeoutSeconds = base + static_cast<int>(random() % static_cast<uint64_t>(base));
      {
        std::lock_guard lock(statsMu_);
        ++stats_.watches;
      }
      auto started = clock.monotonicNow();
      WatchResult result = client_.watch(
          options_.gvr, options_.namespace_, watch,
          [this](WatchEvent&& event) { return applyEvent(std::move(event)); }, stop);
      if (!result.lastResourceVersion.empty()) resourceVersion = result.lastResourceVersion;
      switch (result.end) {
        case WatchEnd::kStopped:
          return;
        case WatchEnd::kClosed:
          // A stream that closes at once and empty is not a timeout: treat it as a failure, or a
          // misbehaving server would have us reconnect in a tight loop.
          if (result.events == 0 && clock.monotonicNow() - started < std::chrono::seconds(1)) {
            if (!options_.sleeper->sleepFor(backoff.next(), stop)) return;
          } else {
            backoff.reset();
            state_.set("healthy", LogLevel::kInfo, "watch re-established");
          }
          break;
        case WatchEnd::kExpired: {
          std::lock_guard lock(statsMu_);
          ++stats_.relists;
          relist = true;
          state_.set("relisting", LogLevel::kInfo, "resourceVersion expired (410); relisting",
                     {{"resourceVersion", resourceVersion}});
          break;
        }
        case WatchEnd::kFailed: {
          {
            std::lock_guard lock(statsMu_);
            ++stats_.watchFailures;
          }
          if (result.events > 0) backoff.reset();
          state_.set("watch-failed", LogLevel::kWarning, "watch failed; retrying with backoff",
                     {{"error", result.status.toString()}, {"resourceVersion", resourceVersion}});
          if (!options_.sleeper->sleepFor(backoff.next(), stop)) return;
          break;
        }
      }
    }
  }
}

void InformerBase::dispatch(const std::stop_token& stop) {
  const Clock& clock = *options_.clock;
  const auto period = options_.resyncPeriod;
  auto nextResync = clock.monotonicNow() + period;
  while (true) {
    Notification n;
    {
      std::unique_lock lock(queueMu_);
      auto ready = [this] { return !queue_.empty(); };
      if (period.count() > 0) {
        auto wait = std::max<std::chrono::steady_clock::duration>(nextResync - clock.monotonicNow(),
                                                                  std::chrono::milliseconds(1));
        queueCv_.wait_for(lock, stop, wait, ready);
      } else {
        queueCv_.wait(lock, stop, ready);
      }
      if (stop.stop_requested()) return;
      if (queue_.empty()) {
        if (period.count() > 0 && clock.monotonicNow() >= nextResync) {
          nextResync = clock.monotonicNow() + period;
          lock.unlock();
          resyncNow();
        }
        continue;
      }
      n = std::move(queue_.front());
      queue_.pop_front();
    }
    for (const Handlers& h : handlers_) {
      switch (n.kind) {
        case Kind::kAdd:
          if (h.onAdd) h.onAdd(n.after);
          break;
        case Kind::kUpdate:
          if (h.onUpdate) h.onUpdate(n.before, n.after);
          break;
        case Kind::kDelete:
          if (h.onDelete) h.onDelete(n.before);
          break;
        case Kind::kSynced:
          break;
      }
    }
    if (n.kind == Kind::kSynced) {
      {
        std::lock_guard lock(queueMu_);
        synced_ = true;
      }
      queueCv_.notify_all();
    }
  }
}

}  // namespace tidal::k8s
