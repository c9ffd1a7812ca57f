// Recording events.k8s.io/v1 Events about objects, without flooding the API server.
//
// KEDA reports what it does as Events on the ScaledObject or ScaledJob ("KEDAScaleTargetActivated",
// "KEDAScalerFailed", ...), and users watch for them. A flapping trigger can produce the same event
// every polling interval, so the recorder aggregates: an event equal to one recorded within
// `seriesWindow` (same object, type, reason, action and note) does not create a new Event; it
// increments that Event's series.count, and the count is written back at most once per
// `flushInterval`. Distinct events about one object are also limited by a token bucket
// (`perObjectBurst`, refilled one per `perObjectRefill`); excess events are dropped and counted.
// So a thousand identical failures in a minute cost the API server two requests.
//
// record() never blocks on the network: it updates in-memory state and a background thread sends.
// Failures to send are logged once per change of state and retried at the next flush.
//
// Memory: a series keeps what its Event says (not a whole k8s::Event) only while something about it
// is still to be written (its creation, or a count the API server does not have yet); a written
// series keeps its name, namespace, counts and times, and is recognised by the 64-bit hash of what
// its Event says. A repeat brings the content back, so an Event that expired while its series went
// on is still created again whole. At most `maxSeries` written series are remembered, least
// recently seen forgotten first, as client-go's event correlator keeps 4,096 (a forgotten series'
// next repeat creates a new Event). Series not yet written are never forgotten. Rate-limit buckets
// that have refilled are dropped. So ten thousand new ScaledObjects, three Events each, leave 4,096
// small series, not 30,000 whole ones.
//
// Threading: all methods are thread-safe. stop() flushes once, then joins the sender.
#pragma once

#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <unordered_map>

#include "common/clock.h"
#include "k8s/client/client.h"
#include "k8s/log.h"
#include "k8s/types/events.h"

namespace tidal::k8s {

struct EventRecorderOptions {
  std::string reportingController = "keda-operator";  // what KEDA reports, for compatibility
  std::string reportingInstance;                      // this replica; "" means the host (pod) name
  std::chrono::seconds seriesWindow{360};             // repeats within 6 min join a series
  std::chrono::seconds flushInterval{30};             // series counts are written this often
  int perObjectBurst = 25;
  std::chrono::seconds perObjectRefill{300};
  size_t maxSeries = 4096;  // written series remembered for aggregation
  const Clock* clock = &SystemClock::instance();
  Logger* logger = &stderrLogger();
};

struct EventRecorderStats {
  uint64_t recorded = 0;       // record() calls
  uint64_t created = 0;        // Events created on the API server
  uint64_t seriesUpdates = 0;  // series.count patches sent
  uint64_t aggregated = 0;     // repeats folded into a series
  uint64_t dropped = 0;        // refused by the per-object limit
  uint64_t failures = 0;       // requests that failed (retried later)
  uint64_t forgotten = 0;      // written series forgotten early (over maxSeries)
};

class EventRecorder {
 public:
  // `client` must outlive this.
  EventRecorder(Client& client, EventRecorderOptions options);
  ~EventRecorder();  // stop()

  void start();
  void stop();

  // Records an event about `regarding` (its namespace is the Event's; cluster-scoped objects' go
  // to "default"). `type` is "Normal" or "Warning". A note longer than 1 KiB is truncated, as the
  // API server would refuse it.
  void record(const ObjectReference& regarding, std::string_view type, std::string_view reason,
              std::string_view action, std::string_view note);

  // Sends every pending creation and every changed series count now (ignoring flushInterval).
  void flush(const std::stop_token& stop = {});

  EventRecorderStats stats() const;

 private:
  // What an Event says, kept while the series has something to write.
  struct Content {
    ObjectReference regarding;
    std::string type, reason, action, note;
  };
  // One Event and its repeats: its name and counts, the series' place in lru_, and its content
  // while needed (see Memory above).
  struct Series {
    std::string name;        // the Event's metadata.name
    std::string namespace_;  // the Event's namespace
    std::unique_ptr<Content> content;
    TimePoint firstObserved;  // the Event's eventTime
    int32_t count = 1;
    int32_t sentCount = 0;  // count the API server has; 0 until created
    TimePoint lastObserved;
    std::chrono::steady_clock::time_point lastObservedAt;
    std::chrono::steady_clock::time_point lastSentAt;
    std::list<uint64_t>::iterator lru;
  };
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilledAt;
  };

  Event eventOf(const Series& s) const;
  // Whether `s` is the series of this event; a written series without its content is trusted to
  // be, by its hash.
  static bool sameEvent(const Series& s, const ObjectReference& regarding, std::string_view type,
                        std::string_view reason, std::string_view action, std::string_view note);
  static std::unique_ptr<Content> contentOf(const ObjectReference& regarding, std::string_view type,
                                            std::string_view reason, std::string_view action,
                                            std::string_view note);
  // Sends up to one batch of pending creations and series updates; returns how many it took.
  size_t send(bool force, const std::stop_token& stop);
  void loop(const std::stop_token& stop);
  bool allowLocked(uint64_t objectKey, std::chrono::steady_clock::time_point now);
  void eraseLocked(std::unordered_map<uint64_t, Series>::iterator it);
  void forgetLocked();  // down to maxSeries, written series only
  void pruneBucketsLocked(std::chrono::steady_clock::time_point now);

  Client& client_;
  const EventRecorderOptions options_;
  StateLog state_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::unordered_map<uint64_t, Series> series_;   // by the hash of what the Event says
  std::list<uint64_t> lru_;                       // series keys, least recently observed first
  std::unordered_map<uint64_t, Bucket> buckets_;  // by the hash of the object's kind, name, uid
  std::chrono::steady_clock::time_point bucketsPrunedAt_;
  EventRecorderStats stats_;
  bool pendingCreate_ = false;
  std::mutex sendMu_;  // one sender at a time (the thread, or flush())
  std::jthread thread_;
};

}  // namespace tidal::k8s
