#include "k8s/leader/leader_elector.h"

#include <gtest/gtest.h>

#include "k8s/testing/fake_transport.h"

namespace tidal::k8s {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeReply;
using testing::FakeTransport;

// One Lease behind a fake API: GET, POST (409 AlreadyExists), PUT (409 Conflict on a stale
// resourceVersion), as the API server does.
class LeaseServer {
 public:
  FakeReply handle(const HttpRequest& r) {
    std::lock_guard lock(mu_);
    auto status = [](int code, const char* reason) {
      return FakeReply::json(code, std::string(R"({"kind":"Status","code":)") +
                                       std::to_string(code) + R"(,"reason":")" + reason + "\"}");
    };
    if (r.method == "GET") {
      if (lease_.is_null()) return status(404, "NotFound");
      return FakeReply::json(200, lease_.dump());
    }
    if (r.method == "POST") {
      if (!lease_.is_null()) return status(409, "AlreadyExists");
      lease_ = Json::parse(r.body);
    } else if (r.method == "PUT") {
      Json next = Json::parse(r.body);
      if (lease_.is_null()) return status(404, "NotFound");
      if (next["metadata"]["resourceVersion"] != lease_["metadata"]["resourceVersion"]) {
        return status(409, "Conflict");
      }
      lease_ = next;
    } else {
      return status(405, "MethodNotAllowed");
    }
    lease_["metadata"]["resourceVersion"] = std::to_string(++rv_);
    ++writes_;
    return FakeReply::json(200, lease_.dump());
  }
  Json lease() const {
    std::lock_guard lock(mu_);
    return lease_;
  }
  // Changes the resourceVersion behind the candidates' backs (a concurrent writer).
  void bumpVersion() {
    std::lock_guard lock(mu_);
    lease_["metadata"]["resourceVersion"] = std::to_string(++rv_);
  }

 private:
  mutable std::mutex mu_;
  Json lease_;
  int rv_ = 0;
  int writes_ = 0;
};

struct Candidate {
  Candidate(const std::string& id, LeaseServer& server, FakeClock& clock, Logger& logger) {
    transport = std::make_shared<FakeTransport>();
    transport->setHandler([&server](const HttpRequest& r) { return server.handle(r); });
    RestConfig rc;
    rc.server = "https://k";
    rc.qps = 0;
    RestClientOptions options;
    options.clock = &clock;
    options.logger = &logger;
    options.retry.maxAttempts = 1;
    client = std::make_unique<Client>(std::make_shared<RestClient>(rc, transport, options));
    LeaderElectionConfig config;
    config.leaseNamespace = "keda";
    config.leaseName = "tidal-operator";
    config.identity = id;
    config.clock = &clock;
    config.logger = &logger;
    config.onNewLeader = [this](const std::string& who) { seenLeaders.push_back(who); };
    elector = std::make_unique<LeaderElector>(*client, config);
  }
  std::shared_ptr<FakeTransport> transport;
  std::unique_ptr<Client> client;
  std::unique_ptr<LeaderElector> elector;
  std::vector<std::string> seenLeaders;
};

TEST(LeaderElectorTest, ValidatesTiming) {
  struct Case {
    std::string name;
    milliseconds lease, renew, retry;
    bool ok;
  };
  const Case cases[] = {
      {"defaults", seconds(15), seconds(10), seconds(2), true},
      {"renew not below lease", seconds(10), seconds(10), seconds(2), false},
      {"retry not below renew", seconds(15), seconds(2), seconds(2), false},
      {"zero retry", seconds(15), seconds(10), milliseconds(0), false},
  };
  for (const Case& c : cases) {
    LeaderElectionConfig config;
    config.leaseNamespace = "a";
    config.leaseName = "b";
    config.identity = "c";
    config.leaseDuration = c.lease;
    config.renewDeadline = c.renew;
    config.retryPeriod = c.retry;
    EXPECT_EQ(LeaderElector::validate(config).isOk(), c.ok) << c.name;
  }
  EXPECT_FALSE(LeaderElector::validate({}).isOk()) << "names are required";
}

TEST(LeaderElectorTest, OneHolderUntilTheLeaseExpires) {
  FakeClock clock;
  LeaseServer server;
  CapturingLogger logger;
  Candidate a("a", server, clock, logger);
  Candidate b("b", server, clock, logger);

  EXPECT_TRUE(a.elector->tryAcquireOrRenew()) << "creates the lease";
  EXPECT_FALSE(b.elector->tryAcquireOrRenew()) << "held by a";
  EXPECT_EQ(b.elector->leader(), "a");
  Json lease = server.lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "a");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 15);
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);

  clock.advance(seconds(2));
  EXPECT_TRUE(a.elector->tryAcquireOrRenew()) << "renews";
  EXPECT_FALSE(b.elector->tryAcquireOrRenew()) << "b sees the renewal now";
  clock.advance(seconds(14));
  EXPECT_FALSE(b.elector->tryAcquireOrRenew()) << "b saw a renewal 14 s ago: not expired";
  clock.advance(seconds(1));
  EXPECT_TRUE(b.elector->tryAcquireOrRenew()) << "15 s without a renewal: expired, taken";
  lease = server.lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "b");
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
  EXPECT_EQ(lease["spec"]["acquireTime"], lease["spec"]["renewTime"]);
  EXPECT_FALSE(a.elector->tryAcquireOrRenew()) << "a lost it";
  EXPECT_EQ(a.elector->leader(), "b");
  EXPECT_EQ(b.seenLeaders, (std::vector<std::string>{"a", "b"}));
}

TEST(LeaderElectorTest, RenewalKeepsTheAcquireTime) {
  FakeClock clock;
  LeaseServer server;
  Candidate a("a", server, clock, nullLogger());
  ASSERT_TRUE(a.elector->tryAcquireOrRenew());
  std::string acquired = server.lease()["spec"]["acquireTime"];
  clock.advance(seconds(2));
  ASSERT_TRUE(a.elector->tryAcquireOrRenew());
  EXPECT_EQ(server.lease()["spec"]["acquireTime"], acquired);
  EXPECT_NE(server.lease()["spec"]["renewTime"], acquired);
}

TEST(LeaderElectorTest, ReleaseHandsOverAtOnce) {
  FakeClock clock;
  LeaseServer server;
  Candidate a("a", server, clock, nullLogger());
  Candidate b("b", server, clock, nullLogger());
  ASSERT_TRUE(a.elector->tryAcquireOrRenew());
  EXPECT_FALSE(b.elector->tryAcquireOrRenew());
  a.elector->release();
  EXPECT_EQ(server.lease()["spec"].value("holderIdentity", ""), "");
  EXPECT_TRUE(b.elector->tryAcquireOrRenew()) << "a released lease is free without waiting";
}

TEST(LeaderElectorTest, ReleaseAfterARenewalWhoseAnswerWasLost) {
  // stop() can cut a renewal short after the API server applied it: the elector's last seen
  // Lease is then one version behind. The release must still free the Lease at once (CI saw
  // the follower wait for the full lease duration when it did not).
  FakeClock clock;
  LeaseServer server;
  Candidate a("a", server, clock, nullLogger());
  Candidate b("b", server, clock, nullLogger());
  ASSERT_TRUE(a.elector->tryAcquireOrRenew());
  server.bumpVersion();  // the renewal landed; its answer never reached a
  a.elector->release();
  EXPECT_EQ(server.lease()["spec"].value("holderIdentity", ""), "");
  EXPECT_TRUE(b.elector->tryAcquireOrRenew()) << "a released lease is free without waiting";
}

TEST(LeaderElectorTest, ReleaseLeavesALeaseSomeoneElseHolds) {
  FakeClock clock;
  LeaseServer server;
  Candidate a("a", server, clock, nullLogger());
  Candidate b("b", server, clock, nullLogger());
  ASSERT_TRUE(a.elector->tryAcquireOrRenew());
  EXPECT_FALSE(b.elector->tryAcquireOrRenew()) << "b sees a hold it";
  clock.advance(seconds(60));  // a's lease expires on b's clock and b takes it
  ASSERT_TRUE(b.elector->tryAcquireOrRenew());
  a.elector->release();
  EXPECT_EQ(server.lease()["spec"].value("holderIdentity", ""), "b");
}

TEST(LeaderElectorTest, AConcurrentWriteLosesTheRace) {
  FakeClock clock;
  LeaseServer server;
  Candidate a("a", server, clock, nullLogger());
  ASSERT_TRUE(a.elector->tryAcquireOrRenew());
  // Another writer changes the lease between a's read and write: the API server answers 409.
  a.transport->setHandler([&](const HttpRequest& r) {
    FakeReply reply = server.handle(r);
    if (r.method == "GET") server.bumpVersion();
    return reply;
  });
  EXPECT_FALSE(a.elector->tryAcquireOrRenew());
}

}  // namespace
}  // namespace tidal::k8s
