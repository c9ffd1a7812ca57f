#include "k8s/leader/leader_elector.h"

namespace tidal::k8s {
namespace {

// The fields whose change proves the holder is alive.
bool sameRecord(const Lease& a, const Lease& b) {
  return a.holderIdentity == b.holderIdentity && a.renewTime == b.renewTime &&
         a.acquireTime == b.acquireTime && a.leaseTransitions == b.leaseTransitions &&
         a.leaseDurationSeconds == b.leaseDurationSeconds;
}

int32_t wholeSeconds(std::chrono::milliseconds d) {
  return static_cast<int32_t>(std::max<int64_t>(1, (d.count() + 999) / 1000));
}

}  // namespace

Status LeaderElector::validate(const LeaderElectionConfig& c) {
  if (c.leaseNamespace.empty() || c.leaseName.empty() || c.identity.empty()) {
    return invalidArgument("leader election needs a lease namespace, a lease name and an identity");
  }
  if (!(c.retryPeriod.count() > 0 && c.renewDeadline > c.retryPeriod &&
        c.leaseDuration > c.renewDeadline)) {
    return invalidArgument(
        "leader election timing must satisfy leaseDuration > renewDeadline > retryPeriod > 0, "
        "got " +
        std::to_string(c.leaseDuration.count()) + "ms, " + std::to_string(c.renewDeadline.count()) +
        "ms, " + std::to_string(c.retryPeriod.count()) + "ms");
  }
  return Status::ok();
}

LeaderElector::LeaderElector(Client& client, LeaderElectionConfig config)
    : client_(client),
      config_(std::move(config)),
      state_(*config_.logger, "leader-election",
             {{"lease", config_.leaseNamespace + "/" + config_.leaseName},
              {"identity", config_.identity}}) {}

LeaderElector::~LeaderElector() {
  stop();
}

std::string LeaderElector::leader() const {
  std::lock_guard lock(mu_);
  return observedHolder_;
}

void LeaderElector::observe(const Lease& lease) {
  std::string newHolder;
  {
    std::lock_guard lock(mu_);
    if (observed_ && sameRecord(*observed_, lease)) {
      observed_ = lease;  // keep the newest resourceVersion
      return;
    }
    observed_ = lease;
    observedAt_ = config_.clock->monotonicNow();
    if (lease.holderIdentity == observedHolder_) return;
    observedHolder_ = lease.holderIdentity;
    newHolder = lease.holderIdentity;
  }
  if (config_.onNewLeader) config_.onNewLeader(newHolder);
}

bool LeaderElector::tryAcquireOrRenew(const std::stop_token& stop) {
  const TimePoint now = config_.clock->now();
  Lease desired;
  desired.metadata.name = config_.leaseName;
  desired.metadata.namespace_ = config_.leaseNamespace;
  desired.holderIdentity = config_.identity;
  desired.leaseDurationSeconds = wholeSeconds(config_.leaseDuration);
  desired.acquireTime = now;
  desired.renewTime = now;
  desired.leaseTransitions = 0;

  StatusOr<Json> current = client_.get(kLeases, config_.leaseNamespace, config_.leaseName, stop);
  if (!current.isOk()) {
    if (current.status().code() != StatusCode::kNotFound) {
      state_.set("error", LogLevel::kWarning, "cannot read the lease",
                 {{"error", current.status().toString()}});
      return false;
    }
    StatusOr<Json> created =
        client_.create(kLeases, config_.leaseNamespace, desired.toJson(), {}, stop);
    if (!created.isOk()) {
      if (created.status().code() != StatusCode::kAlreadyExists) {
        state_.set("error", LogLevel::kWarning, "cannot create the lease",
                   {{"error", created.status().toString()}});
      }
      return false;
    }
    StatusOr<Lease> lease = Lease::decode(*created);
    if (lease.isOk()) observe(*lease);
    return true;
  }
  StatusOr<Lease> lease = Lease::decode(*current);
  if (!lease.isOk()) {
    state_.set("error", LogLevel::kWarning, "the lease does not decode",
               {{"error", lease.status().toString()}});
    return false;
  }
  observe(*lease);
  const bool heldByUs = lease->holderIdentity == config_.identity;
  if (!heldByUs && !lease->holderIdentity.empty()) {
    std::chrono::milliseconds duration = lease->leaseDurationSeconds
                                             ? std::chrono::seconds(*lease->leaseDurationSeconds)
                                             : config_.leaseDuration;
    std::lock_guard lock(mu_);
    if (config_.clock->monotonicNow() < observedAt_ + duration) return false;  // not expired
  }
  if (heldByUs) {
    desired.acquireTime = lease->acquireTime;
    desired.leaseTransitions = lease->leaseTransitions.value_or(0);
  } else {
    desired.leaseTransitions = lease->leaseTransitions.value_or(0) + 1;
  }
  desired.metadata.resourceVersion = lease->metadata.resourceVersion;
  StatusOr<Json> updated =
      client_.update(kLeases, config_.leaseNamespace, desired.toJson(), {}, stop);
  if (!updated.isOk()) {
    if (updated.status().code() != StatusCode::kAborted) {
      state_.set("error", LogLevel::kWarning, "cannot update the lease",
                 {{"error", updated.status().toString()}});
    }
    return false;
  }
  StatusOr<Lease> after = Lease::decode(*updated);
  if (after.isOk()) observe(*after);
  return true;
}

void LeaderElector::release() {
  {
    std::lock_guard lock(mu_);
    if (!observed_ || observed_->holderIdentity != config_.identity) return;
  }
  // A renewal cut short by stop() may have reached the server after all, so the Lease we saw
  // last can be one version behind: read it again and retry on a conflict rather than leave
  // the follower waiting for the lease to expire.
  Status last = Status::ok();
  for (int attempt = 0; attempt < 3; ++attempt) {
    StatusOr<Json> current = client_.get(kLeases, config_.leaseNamespace, config_.leaseName);
    if (!current.isOk()) {
      last = current.status();
      continue;
    }
    StatusOr<Lease> lease = Lease::decode(*current);
    if (!lease.isOk()) {
      last = lease.status();
      break;
    }
    if (lease->holderIdentity != config_.identity) return;  // no longer ours to release
    Lease released = *lease;
    released.holderIdentity.clear();
    released.leaseDurationSeconds = 1;
    released.renewTime = config_.clock->now();
    StatusOr<Json> updated = client_.update(kLeases, config_.leaseNamespace, released.toJson());
    if (updated.isOk()) {
      StatusOr<Lease> after = Lease::decode(*updated);
      if (after.isOk()) observe(*after);
      return;
    }
    last = updated.status();
    if (last.code() != StatusCode::kAborted) break;
  }
  config_.logger->log(LogLevel::kWarning, "leader-election", "cannot release the lease",
                      {{"error", last.toString()}});
}

void LeaderElector::setLeading(bool leading) {
  if (leading_.exchange(leading) == leading) return;
  if (leading) {
    state_.set("leading", LogLevel::kInfo, "became the leader");
    if (config_.onStartedLeading) config_.onStartedLeading();
  } else {
    state_.set("following", LogLevel::kInfo, "stopped leading");
    if (config_.onStoppedLeading) config_.onStoppedLeading();
  }
}

void LeaderElector::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](const std::stop_token& stop) { run(stop); });
}

void LeaderElector::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  if (leading_.load()) {
    if (config_.releaseOnCancel) release();
    setLeading(false);
  }
}

void LeaderElector::run(const std::stop_token& stop) {
  Sleeper& sleeper = *config_.sleeper;
  const Clock& clock = *config_.clock;
  while (!stop.stop_requested()) {
    // Candidate: try every retryPeriod.
    while (!tryAcquireOrRenew(stop)) {
      if (!sleeper.sleepFor(config_.retryPeriod, stop)) return;
    }
    if (stop.stop_requested()) {
      if (config_.releaseOnCancel) release();  // taken just as we were told to stop
      return;
    }
    setLeading(true);
    // Leader: renew every retryPeriod; step down when renewals fail for renewDeadline.
    auto lastRenew = clock.monotonicNow();
    while (true) {
      if (!sleeper.sleepFor(config_.retryPeriod, stop)) return;
      if (tryAcquireOrRenew(stop)) {
        lastRenew = clock.monotonicNow();
        continue;
      }
      if (stop.stop_requested()) return;
      std::string holder = leader();
      if (!holder.empty() && holder != config_.identity) break;  // someone else has it now
      if (clock.monotonicNow() - lastRenew >= config_.renewDeadline) break;
      // A failed renewal is not yet a lost lease: retry at once until the deadline.
    }
    setLeading(false);
  }
}

}  // namespace tidal::k8s
