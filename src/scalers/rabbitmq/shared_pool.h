// A process-wide table of shared objects (connections, HTTP clients) keyed by the parameters that
// make two of them interchangeable, so that a thousand triggers on one RabbitMQ with the same
// credentials use one connection instead of a thousand.
//
// The pool holds only weak references: an object lives while some scaler holds the shared_ptr
// acquire() returned, and is destroyed (closing its connection) when the last one lets go. The
// next acquire() for that key builds a fresh one.
//
// Thread-safe. The factory runs under the pool's lock, so it must be cheap and do no I/O
// (connections are opened lazily, on first use).
//
// Example:
//   static SharedPool<AmqpConnection> pool;
//   std::shared_ptr<AmqpConnection> c =
//       pool.acquire(endpoint.poolKey(), [&] { return std::make_shared<AmqpConnection>(...); });
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace tidal::scalers::rabbitmq {

template <typename T>
class SharedPool {
 public:
  using Factory = std::function<std::shared_ptr<T>()>;

  // The live object for `key`, or a new one from `make` (which must not return nullptr).
  std::shared_ptr<T> acquire(const std::string& key, const Factory& make) {
    std::lock_guard lock(mu_);
    pruneLocked();
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      if (std::shared_ptr<T> live = it->second.lock()) return live;
    }
    std::shared_ptr<T> fresh = make();
    entries_[key] = fresh;
    return fresh;
  }

  // How many distinct objects are alive now.
  size_t liveCount() const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& [key, weak] : entries_) n += weak.expired() ? 0 : 1;
    return n;
  }

 private:
  void pruneLocked() {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->second.expired() ? entries_.erase(it) : std::next(it);
    }
  }

  mutable std::mutex mu_;
  std::map<std::string, std::weak_ptr<T>> entries_;
};

}  // namespace tidal::scalers::rabbitmq
