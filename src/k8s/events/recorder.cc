#include "k8s/events/recorder.h"

#include <cstdio>
#include <vector>

#include <unistd.h>

namespace tidal::k8s {
namespace {

constexpr size_t kMaxNoteBytes = 1024;
// Events copied out per send: a burst (a thousand new ScaledObjects) is written batch by batch
// instead of being copied whole, which kept megabytes alive at the peak.
constexpr size_t kSendBatch = 64;

std::string objectKeyOf(const ObjectReference& r) {
  return r.kind + "/" + r.namespace_ + "/" + r.name + "/" + r.uid;
}

std::string seriesKeyOf(const ObjectReference& r, std::string_view type, std::string_view reason,
                        std::string_view action, std::string_view note) {
  std::string key = objectKeyOf(r);
  for (std::string_view part : {type, reason, action, note}) {
    key += '\x1f';
    key += part;
  }
  return key;
}

// "<object>.<16 hex digits of the creation time>", as kubectl and client-go name events.
std::string eventName(const std::string& objectName, TimePoint when) {
  char suffix[24];
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch());
  std::snprintf(suffix, sizeof suffix, ".%016llx", static_cast<unsigned long long>(nanos.count()));
  std::string base = objectName.empty() ? "event" : objectName;
  // Object names fit 253 characters; leave room for the suffix.
  if (base.size() > 253 - 17) base.resize(253 - 17);
  return base + suffix;
}

// The API server requires a reporting instance; the host (pod) name is the natural one.
EventRecorderOptions withInstance(EventRecorderOptions options) {
  if (options.reportingInstance.empty()) {
    char host[256] = {0};
    options.reportingInstance =
        ::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0' ? host : "tidal";
  }
  return options;
}

}  // namespace

EventRecorder::EventRecorder(Client& client, EventRecorderOptions options)
    : client_(client),
      options_(withInstance(std::move(options))),
      state_(*options_.logger, "event-recorder", {}, "ok") {}

EventRecorder::~EventRecorder() {
  stop();
}

void EventRecorder::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](const std::stop_token& stop) { loop(stop); });
}

void EventRecorder::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  flush();
}

EventRecorderStats EventRecorder::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool EventRecorder::allowLocked(uint64_t objectKey, std::chrono::steady_clock::time_point now) {
  auto [it, inserted] = buckets_.try_emplace(objectKey);
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = options_.perObjectBurst;
    b.refilledAt = now;
  } else if (options_.perObjectRefill.count() > 0) {
    double refill = std::chrono::duration<double>(now - b.refilledAt).count() /
                    std::chrono::duration<double>(options_.perObjectRefill).count();
    b.tokens = std::min<double>(options_.perObjectBurst, b.tokens + refill);
    b.refilledAt = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

Event EventRecorder::eventOf(const Series& s) const {
  Event e;
  e.metadata.name = s.name;
  e.metadata.namespace_ = s.namespace_;
  e.eventTime = formatMicroTime(s.firstObserved);
  e.reportingController = options_.reportingController;
  e.reportingInstance = options_.reportingInstance;
  if (s.content) {
    e.action = s.content->action;
    e.reason = s.content->reason;
    e.regarding = s.content->regarding;
    e.note = s.content->note;
    e.type = s.content->type;
  }
  if (s.count > 1) e.series = EventSeries{s.count, formatMicroTime(s.lastObserved)};
  return e;
}

bool EventRecorder::sameEvent(const Series& s, const ObjectReference& regarding,
                              std::string_view type, std::string_view reason,
                              std::string_view action, std::string_view note) {
  if (!s.content) return true;
  const Content& c = *s.content;
  return c.regarding.uid == regarding.uid && c.regarding.name == regarding.name &&
         c.regarding.namespace_ == regarding.namespace_ && c.regarding.kind == regarding.kind &&
         c.type == type && c.reason == reason && c.action == action && c.note == note;
}

std::unique_ptr<EventRecorder::Content> EventRecorder::contentOf(const ObjectReference& regarding,
                                                                 std::string_view type,
                                                                 std::string_view reason,
                                                                 std::string_view action,
                                                                 std::string_view note) {
  return std::make_unique<Content>(Content{.regarding = regarding,
                                           .type = std::string(type),
                                           .reason = std::string(reason),
                                           .action = std::string(action),
                                           .note = std::string(note)});
}

void EventRecorder::eraseLocked(std::unordered_map<uint64_t, Series>::iterator it) {
  lru_.erase(it->second.lru);
  series_.erase(it);
}

void EventRecorder::forgetLocked() {
  // Oldest first; a series still to be written is stepped over (bounded, so a burst of pending
  // creations does not make every record() walk them all).
  size_t steps = 0;
  for (auto it = lru_.begin();
       series_.size() > options_.maxSeries && it != lru_.end() && steps < 256; ++steps) {
    auto s = series_.find(*it);
    if (s != series_.end() && s->second.sentCount == s->second.count) {
      ++it;
      eraseLocked(s);
      ++stats_.forgotten;
    } else {
      ++it;
    }
  }
}

void EventRecorder::pruneBucketsLocked(std::chrono::steady_clock::time_point now) {
  if (options_.perObjectRefill.count() <= 0) return;
  const double refill = std::chrono::duration<double>(options_.perObjectRefill).count();
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    double tokens = it->second.tokens +
                    std::chrono::duration<double>(now - it->second.refilledAt).count() / refill;
    it = tokens >= options_.perObjectBurst ? buckets_.erase(it) : std::next(it);
  }
}

void EventRecorder::record(const ObjectReference& regarding, std::string_view type,
                           std::string_view reason, std::string_view action,
                           std::string_view note) {
  std::string_view trimmedNote = note.substr(0, kMaxNoteBytes);
  const TimePoint now = options_.clock->now();
  const auto mono = options_.clock->monotonicNow();
  const uint64_t key =
      std::hash<std::string>{}(seriesKeyOf(regarding, type, reason, action, trimmedNote));
  {
    std::lock_guard lock(mu_);
    ++stats_.recorded;
    auto it = series_.find(key);
    if (it != series_.end() &&
        !sameEvent(it->second, regarding, type, reason, action, trimmedNote)) {
      // Two different events with one hash: the one already written gives way.
      if (it->second.sentCount != it->second.count) {
        ++stats_.dropped;
        return;
      }
      eraseLocked(it);
      it = series_.end();
    }
    if (it != series_.end() && mono - it->second.lastObservedAt < options_.seriesWindow) {
      Series& s = it->second;
      ++s.count;
      // The repeat is to be written: keep what the Event says again, so that it can be created
      // anew if it expired.
      if (!s.content) s.content = contentOf(regarding, type, reason, action, trimmedNote);
      s.lastObserved = now;
      s.lastObservedAt = mono;
      lru_.splice(lru_.end(), lru_, s.lru);
      ++stats_.aggregated;
      return;  // written back by the next periodic flush
    }
    if (!allowLocked(std::hash<std::string>{}(objectKeyOf(regarding)), mono)) {
      ++stats_.dropped;
      return;
    }
    if (it != series_.end()) eraseLocked(it);  // a finished series: this starts a new Event
    Series s;
    s.name = eventName(regarding.name, now);
    s.namespace_ = regarding.namespace_.empty() ? "default" : regarding.namespace_;
    s.content = contentOf(regarding, type, reason, action, trimmedNote);
    s.firstObserved = now;
    s.lastObserved = now;
    s.lastObservedAt = mono;
    s.lru = lru_.insert(lru_.end(), key);
    series_.emplace(key, std::move(s));
    forgetLocked();
    pendingCreate_ = true;
  }
  cv_.notify_all();
}

void EventRecorder::flush(const std::stop_token& stop) {
  while (send(/*force=*/true, stop) == kSendBatch && !stop.stop_requested()) {
  }
}

size_t EventRecorder::send(bool force, const std::stop_token& stop) {
  std::lock_guard sending(sendMu_);
  struct Work {
    uint64_t key;
    Event event;
    int32_t count;
    bool create;
  };
  std::vector<Work> work;
  const auto mono = options_.clock->monotonicNow();
  {
    std::lock_guard lock(mu_);
    pendingCreate_ = false;
    for (auto it = series_.begin(); it != series_.end() && work.size() < kSendBatch;) {
      Series& s = it->second;
      bool quiet = mono - s.lastObservedAt >= options_.seriesWindow;
      if (s.sentCount == 0) {
        work.push_back({it->first, eventOf(s), s.count, true});
      } else if (s.count > s.sentCount &&
                 (force || mono - s.lastSentAt >= options_.flushInterval)) {
        Event e = eventOf(s);
        e.series = EventSeries{s.count, formatMicroTime(s.lastObserved)};
        work.push_back({it->first, std::move(e), s.count, false});
      } else if (quiet && s.count == s.sentCount) {
        auto finished = it++;  // a repeat after this starts a new Event
        eraseLocked(finished);
        continue;
      }
      ++it;
    }
    if (mono - bucketsPrunedAt_ >= options_.flushInterval) {
      pruneBucketsLocked(mono);
      bucketsPrunedAt_ = mono;
    }
  }
  bool failed = false;
  for (Work& w : work) {
    if (stop.stop_requested()) break;
    Status status;
    bool recreate = false;
    if (w.create) {
      StatusOr<Json> created =
          client_.create(kEvents, w.event.metadata.namespace_, w.event.toJson(), {}, stop);
      status = created.status();
      if (status.code() == StatusCode::kAlreadyExists) status = Status::ok();
    } else {
      Json patch = {{"series",
                     {{"count", w.event.series->count},
                      {"lastObservedTime", w.event.series->lastObservedTime}}}};
      StatusOr<Json> patched =
          client_.patch(kEvents, w.event.metadata.namespace_, w.event.metadata.name,
                        PatchType::kMerge, patch, {}, stop);
      status = patched.status();
      recreate = status.code() == StatusCode::kNotFound;  // the Event expired (TTL): create again
    }
    std::lock_guard lock(mu_);
    auto it = series_.find(w.key);
    if (status.isOk()) {
      ++(w.create ? stats_.created : stats_.seriesUpdates);
      if (it != series_.end()) {
        Series& s = it->second;
        s.sentCount = w.count;
        s.lastSentAt = options_.clock->monotonicNow();
        if (s.sentCount == s.count) s.content.reset();  // written: the hash recognises repeats
      }
    } else {
      ++stats_.failures;
      failed = true;
      if (recreate && it != series_.end()) it->second.sentCount = 0;
      if (!recreate) {
        state_.set("failing", LogLevel::kWarning, "cannot write events; will retry",
                   {{"error", status.toString()}});
      }
    }
  }
  {
    std::lock_guard lock(mu_);
    forgetLocked();
  }
  if (!failed && !work.empty()) state_.set("ok", LogLevel::kInfo, "writing events again");
  if (work.size() == kSendBatch && !failed) {
    std::lock_guard lock(mu_);
    pendingCreate_ = true;  // more may be waiting: the loop comes back at once
  }
  return work.size();
}

void EventRecorder::loop(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, stop, std::chrono::seconds(options_.flushInterval),
                   [this] { return pendingCreate_; });
    }
    if (stop.stop_requested()) return;
    send(/*force=*/false, stop);
  }
}

}  // namespace tidal::k8s
