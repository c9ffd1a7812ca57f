// Leader election on a coordination.k8s.io/v1 Lease, so that of several tidal operator replicas
// exactly one runs the controllers and scale loops.
//
// The protocol is the one every Kubernetes controller uses, so tidal can share a Lease with tools
// that understand it: a candidate takes the Lease when it is free (no holder) or expired, and the
// holder renews it every retryPeriod. Expiry is judged on the candidate's own monotonic clock: a
// Lease is expired when its content has not changed for leaseDuration since this candidate last
// saw it change, so clock skew between machines does not matter. Updates carry the Lease's
// resourceVersion: of two candidates racing, the API server accepts one and answers 409 to the
// other.
//
// Timing (defaults as client-go's and KEDA's): leaseDuration 15 s, renewDeadline 10 s,
// retryPeriod 2 s. A leader that cannot renew for renewDeadline steps down (onStoppedLeading), so
// it stops acting before another candidate can take over (after leaseDuration). After losing
// leadership the elector becomes a candidate again; the operator may instead choose to exit.
// stop() releases the Lease when leading (releaseOnCancel), so a rolling update hands over within
// one retryPeriod instead of one leaseDuration.
//
// Threading: start() runs the election on its own thread; callbacks run on that thread and must
// return quickly (start or stop the work elsewhere). isLeader() and leader() are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "common/clock.h"
#include "k8s/client/client.h"
#include "k8s/log.h"
#include "k8s/types/coordination.h"

namespace tidal::k8s {

struct LeaderElectionConfig {
  std::string leaseNamespace;
  std::string leaseName;
  std::string identity;  // unique per candidate: pod name plus a random suffix
  std::chrono::milliseconds leaseDuration{std::chrono::seconds(15)};
  std::chrono::milliseconds renewDeadline{std::chrono::seconds(10)};
  std::chrono::milliseconds retryPeriod{std::chrono::seconds(2)};
  bool releaseOnCancel = true;
  std::function<void()> onStartedLeading;
  std::function<void()> onStoppedLeading;
  std::function<void(const std::string& identity)> onNewLeader;  // any holder change seen
  const Clock* clock = &SystemClock::instance();
  Sleeper* sleeper = &RealSleeper::instance();
  Logger* logger = &stderrLogger();
};

class LeaderElector {
 public:
  // kInvalidArgument unless names are set and leaseDuration > renewDeadline > retryPeriod > 0.
  static Status validate(const LeaderElectionConfig& config);

  // `client` must outlive this. Call validate() first.
  LeaderElector(Client& client, LeaderElectionConfig config);
  ~LeaderElector();  // stop()

  void start();
  // Stops campaigning; releases the Lease if leading and releaseOnCancel; calls onStoppedLeading
  // if it was leading. Idempotent.
  void stop();

  bool isLeader() const { return leading_.load(); }
  // The holder last observed ("" if none or unknown).
  std::string leader() const;

  // One step of the protocol: takes the Lease if free or expired, renews it if held. Returns
  // whether this candidate holds the Lease afterwards. Used by the loop; public for tests.
  bool tryAcquireOrRenew(const std::stop_token& stop = {});
  // Gives the Lease up if held (holderIdentity cleared). Used by stop(); public for tests.
  void release();

 private:
  void run(const std::stop_token& stop);
  void observe(const Lease& lease);
  void setLeading(bool leading);

  Client& client_;
  const LeaderElectionConfig config_;
  StateLog state_;
  std::atomic<bool> leading_{false};
  mutable std::mutex mu_;
  std::optional<Lease> observed_;
  std::chrono::steady_clock::time_point observedAt_;
  std::string observedHolder_;
  std::jthread thread_;
};

}  // namespace tidal::k8s
