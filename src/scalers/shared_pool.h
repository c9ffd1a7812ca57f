// A process-wide table of shared objects (connections, connection pools, HTTP clients) keyed by
// every parameter that makes two of them interchangeable, so that a thousand triggers on one
// server with the same credentials use one connection instead of a thousand. Used by the
// rabbitmq, redis, postgresql and HTTP-based scalers.
//
// The pool holds only weak references: an object lives while some scaler holds the shared_ptr
// acquire() returned, and is destroyed (closing its connection) when the last one lets go. The
// next acquire() for that key builds a fresh one. Keys may contain credentials (or hashes of
// them): they stay in memory and are never printed.
//
// Thread-safe. The factory runs under the pool's lock, so it must be cheap and do no I/O
// (connections are opened lazily, on first use).
//
// Example:
//   static SharedPool<AmqpConnection> pool;
//   std::shared_ptr<AmqpConnection> c =
//       pool.acquire(endpoint.poolKey(), [&] { return std::make_shared<AmqpConnection>(...); });
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace tidal::scalers {

template <typename T>
class SharedPool {
 public:
  using Factory = std::function<std::shared_ptr<T>()>;

  // The live object for `key`, or a new one from `make`; a null one (`make` failed) is returned
  // and not kept.
  std::shared_ptr<T> acquire(const std::string& key, const Factory& make) {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.expired() ? entries_.erase(it) : std::next(it);
    }
    if (auto it = entries_.find(key); it != entries_.end()) {
      if (std::shared_ptr<T> live = it->second.lock()) return live;
    }
    std::shared_ptr<T> fresh = make();
    if (fresh) entries_[key] = fresh;
    return fresh;
  }

  // How many distinct objects are alive now.
  size_t liveCount() const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& entry : entries_) n += entry.second.expired() ? 0 : 1;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::weak_ptr<T>> entries_;
};

}  // namespace tidal::scalers
