// Leader election on a real Lease, and the event recorder against the real events API.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "cluster.h"
#include "k8s/events/recorder.h"
#include "k8s/leader/leader_elector.h"
#include "k8s/types/events.h"

namespace tidal::k8s::integration {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

class LeaderEventsIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override { ns_ = Cluster::get().createNamespace("leader"); }
  void TearDown() override { Cluster::get().deleteNamespace(ns_); }

  std::string ns_;
};

struct Candidate {
  Candidate(const std::string& ns, const std::string& id, bool releaseOnCancel) {
    client = Cluster::get().newClient(0, 0, nullLogger());
    LeaderElectionConfig config;
    config.leaseNamespace = ns;
    config.leaseName = "tidal-operator";
    config.identity = id;
    config.leaseDuration = seconds(3);
    config.renewDeadline = seconds(2);
    config.retryPeriod = milliseconds(250);
    config.releaseOnCancel = releaseOnCancel;
    config.logger = &nullLogger();
    config.onStartedLeading = [this] { started = Steady::now(); };
    EXPECT_TRUE(LeaderElector::validate(config).isOk());
    elector = std::make_unique<LeaderElector>(*client, config);
  }
  std::unique_ptr<Client> client;
  std::unique_ptr<LeaderElector> elector;
  std::atomic<Steady::time_point> started{};
};

// Two candidates: exactly one leads; when it stops, the other takes over.
void runHandover(const std::string& ns, bool releaseOnCancel, milliseconds limit,
                 const std::string& figure) {
  Candidate a(ns, "candidate-a", releaseOnCancel);
  Candidate b(ns, "candidate-b", releaseOnCancel);
  a.elector->start();
  b.elector->start();
  ASSERT_TRUE(waitFor([&] { return a.elector->isLeader() || b.elector->isLeader(); }, seconds(15)));
  // For two seconds (several renewals), exactly one leads and both agree who.
  auto until = Steady::now() + seconds(2);
  while (Steady::now() < until) {
    ASSERT_NE(a.elector->isLeader(), b.elector->isLeader()) << "exactly one leader";
    std::this_thread::sleep_for(milliseconds(20));
  }
  Candidate& leader = a.elector->isLeader() ? a : b;
  Candidate& follower = a.elector->isLeader() ? b : a;
  EXPECT_TRUE(
      waitFor([&] { return follower.elector->leader() == leader.elector->leader(); }, seconds(2)));
  auto stopped = Steady::now();
  leader.elector->stop();
  EXPECT_FALSE(leader.elector->isLeader());
  ASSERT_TRUE(waitFor([&] { return follower.elector->isLeader(); }, seconds(15)));
  auto takeover = std::chrono::duration_cast<milliseconds>(follower.started.load() - stopped);
  measure(figure, std::to_string(takeover.count()));
  EXPECT_LE(takeover, limit);
  Json lease = *Cluster::get().client().get(kLeases, ns, "tidal-operator");
  EXPECT_EQ(lease["spec"]["holderIdentity"], follower.elector->leader());
  EXPECT_GE(lease["spec"]["leaseTransitions"].get<int>(), 1);
  follower.elector->stop();
}

TEST_F(LeaderEventsIntegrationTest, ExactlyOneLeaderAndAReleasedLeaseIsTakenAtOnce) {
  // A graceful stop releases the Lease: the follower takes it at its next try.
  runHandover(ns_, /*releaseOnCancel=*/true, milliseconds(1000), "leader_takeover_release_ms");
}

TEST_F(LeaderEventsIntegrationTest, ALeaderThatVanishesIsReplacedWithinTheLeaseDuration) {
  // Without a release (a crashed leader), the follower waits for the 3 s lease to expire on its
  // own clock, plus at most one retry period of observation lag.
  runHandover(ns_, /*releaseOnCancel=*/false, milliseconds(3000 + 2 * 250 + 500),
              "leader_takeover_crash_ms");
}

TEST_F(LeaderEventsIntegrationTest, RepeatedEventsBecomeOneSeries) {
  Json so = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "subject"}}}};
  StatusOr<Json> subject = Cluster::get().client().create(kConfigMaps, ns_, so);
  ASSERT_TRUE(subject.isOk()) << subject.status().toString();
  ObjectReference regarding = ObjectReference::to(*subject);
  EventRecorderOptions options;
  options.reportingInstance = "tidal-test";
  options.flushInterval = seconds(1);
  options.logger = &nullLogger();
  EventRecorder recorder(Cluster::get().client(), options);
  recorder.start();
  for (int i = 0; i < 200; ++i) {
    recorder.record(regarding, "Warning", "KEDAScalerFailed", "Scale", "connection refused");
  }
  recorder.record(regarding, "Normal", "KEDAScaleTargetActivated", "Scale", "0 to 1");
  std::vector<Event> events;
  bool seen = waitFor(
      [&] {
        StatusOr<ObjectList> list = Cluster::get().client().list(kEvents, ns_);
        if (!list.isOk()) return false;
        events.clear();
        for (const Json& item : list->items) {
          StatusOr<Event> e = Event::decode(item);
          if (e.isOk()) events.push_back(*e);
        }
        for (const Event& e : events) {
          if (e.reason == "KEDAScalerFailed" && e.series && e.series->count == 200) {
            return events.size() == 2;
          }
        }
        return false;
      },
      seconds(20), milliseconds(200));
  recorder.stop();
  EXPECT_TRUE(seen) << events.size() << " events";
  EventRecorderStats stats = recorder.stats();
  EXPECT_EQ(stats.created, 2u);
  EXPECT_LE(stats.seriesUpdates, 2u);
  EXPECT_EQ(stats.failures, 0u);
  for (const Event& e : events) {
    EXPECT_EQ(e.regarding.name, "subject");
    EXPECT_EQ(e.reportingController, "keda-operator");
  }
  measure("events_requests_for_201_records", std::to_string(stats.created + stats.seriesUpdates));
}

}  // namespace
}  // namespace tidal::k8s::integration
