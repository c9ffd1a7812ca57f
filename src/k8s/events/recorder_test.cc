#include "k8s/events/recorder.h"

#include <gtest/gtest.h>

#include "k8s/testing/fake_transport.h"

namespace tidal::k8s {
namespace {

using std::chrono::seconds;
using testing::FakeReply;
using testing::FakeTransport;

struct Harness {
  explicit Harness(size_t maxSeries = 4096) {
    transport = std::make_shared<FakeTransport>();
    transport->setHandler([this](const HttpRequest& r) {
      if (failWith != 0) {
        return FakeReply::json(failWith,
                               R"({"kind":"Status","code":)" + std::to_string(failWith) + "}");
      }
      return FakeReply::json(201, r.body.empty() ? "{}" : r.body);
    });
    RestConfig rc;
    rc.server = "https://k";
    rc.qps = 0;
    RestClientOptions options;
    options.clock = &clock;
    options.logger = &logger;
    options.retry.maxAttempts = 1;
    client = std::make_unique<Client>(std::make_shared<RestClient>(rc, transport, options));
    EventRecorderOptions eo;
    eo.reportingInstance = "tidal-0";
    eo.clock = &clock;
    eo.logger = &logger;
    eo.maxSeries = maxSeries;
    recorder = std::make_unique<EventRecorder>(*client, eo);
  }
  std::vector<HttpRequest> requests(const std::string& method) const {
    std::vector<HttpRequest> out;
    for (const HttpRequest& r : transport->requests()) {
      if (r.method == method) out.push_back(r);
    }
    return out;
  }

  FakeClock clock{std::chrono::system_clock::from_time_t(1714557600)};
  CapturingLogger logger;
  std::shared_ptr<FakeTransport> transport;
  std::unique_ptr<Client> client;
  std::unique_ptr<EventRecorder> recorder;
  int failWith = 0;
};

const ObjectReference kSo{"keda.sh/v1alpha1", "ScaledObject", "web", "api", "uid-1", "", ""};

TEST(EventRecorderTest, AFlappingObjectCostsTwoRequests) {
  Harness h;
  for (int i = 0; i < 1000; ++i) {
    h.recorder->record(kSo, "Warning", "KEDAScalerFailed", "Scale", "connection refused");
    h.clock.advance(std::chrono::milliseconds(100));
  }
  h.recorder->flush();
  std::vector<HttpRequest> posts = h.requests("POST");
  ASSERT_EQ(posts.size(), 1u);
  Json event = Json::parse(posts[0].body);
  EXPECT_EQ(posts[0].url, "https://k/apis/events.k8s.io/v1/namespaces/web/events");
  EXPECT_EQ(event["reason"], "KEDAScalerFailed");
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["reportingController"], "keda-operator");
  EXPECT_EQ(event["reportingInstance"], "tidal-0");
  EXPECT_EQ(event["regarding"]["uid"], "uid-1");
  EXPECT_EQ(event["eventTime"], "2024-05-01T10:00:00.000000Z");
  EXPECT_EQ(event["series"]["count"], 1000);
  EXPECT_EQ(event["metadata"]["name"].get<std::string>().rfind("api.", 0), 0u);

  for (int i = 0; i < 500; ++i) {
    h.recorder->record(kSo, "Warning", "KEDAScalerFailed", "Scale", "connection refused");
  }
  h.recorder->flush();
  std::vector<HttpRequest> patches = h.requests("PATCH");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(Json::parse(patches[0].body)["series"]["count"], 1500);
  EXPECT_NE(patches[0].url.find("/namespaces/web/events/api."), std::string::npos);
  EXPECT_EQ(h.recorder->stats().aggregated, 1499u);
  h.recorder->flush();
  EXPECT_EQ(h.transport->requestCount(), 2u) << "nothing changed, nothing sent";
}

TEST(EventRecorderTest, DifferentEventsAndQuietSeriesMakeNewEvents) {
  Harness h;
  h.recorder->record(kSo, "Normal", "KEDAScaleTargetActivated", "Scale", "0 to 1");
  h.recorder->record(kSo, "Normal", "KEDAScaleTargetDeactivated", "Scale", "1 to 0");
  h.recorder->flush();
  EXPECT_EQ(h.requests("POST").size(), 2u);
  h.clock.advance(seconds(361));  // past the series window
  h.recorder->flush();            // forgets the finished series
  h.recorder->record(kSo, "Normal", "KEDAScaleTargetActivated", "Scale", "0 to 1");
  h.recorder->flush();
  std::vector<HttpRequest> posts = h.requests("POST");
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_NE(Json::parse(posts[2].body)["metadata"]["name"],
            Json::parse(posts[0].body)["metadata"]["name"]);
  EXPECT_FALSE(Json::parse(posts[2].body).contains("series"));
}

TEST(EventRecorderTest, PerObjectLimitDropsTheExcess) {
  Harness h;
  for (int i = 0; i < 30; ++i) {
    h.recorder->record(kSo, "Normal", "Reason" + std::to_string(i), "Scale", "");
  }
  h.recorder->flush();
  EXPECT_EQ(h.requests("POST").size(), 25u);
  EXPECT_EQ(h.recorder->stats().dropped, 5u);
  ObjectReference other = kSo;
  other.name = "other";
  other.uid = "uid-2";
  h.recorder->record(other, "Normal", "Reason0", "Scale", "");
  h.clock.advance(seconds(300));
  h.recorder->record(kSo, "Normal", "Later", "Scale", "");
  h.recorder->flush();
  EXPECT_EQ(h.requests("POST").size(), 27u) << "another object has its own bucket; one refill";
}

TEST(EventRecorderTest, FailuresAreRetriedAndLoggedOnce) {
  Harness h;
  h.failWith = 503;
  h.recorder->record(kSo, "Normal", "A", "Scale", "n");
  h.recorder->flush();
  h.recorder->flush();
  EXPECT_EQ(h.recorder->stats().created, 0u);
  EXPECT_EQ(h.logger.count("cannot write events"), 1u);
  h.failWith = 0;
  h.recorder->flush();
  EXPECT_EQ(h.recorder->stats().created, 1u);
  EXPECT_EQ(h.logger.count("writing events again"), 1u);
}

TEST(EventRecorderTest, AnExpiredEventIsCreatedAgain) {
  Harness h;
  h.recorder->record(kSo, "Normal", "A", "Scale", "n");
  h.recorder->flush();
  h.recorder->record(kSo, "Normal", "A", "Scale", "n");
  h.failWith = 404;
  h.recorder->flush();  // PATCH: the Event is gone (TTL)
  h.failWith = 0;
  h.recorder->flush();  // so it is created again, with its count
  std::vector<HttpRequest> posts = h.requests("POST");
  ASSERT_EQ(posts.size(), 2u);
  // The written series kept only its name and counts; the repeat brought back what the Event says,
  // so the new one is whole.
  Json first = Json::parse(posts[0].body), again = Json::parse(posts[1].body);
  EXPECT_EQ(again["series"]["count"], 2);
  for (const char* field : {"regarding", "reason", "note", "type", "action", "eventTime"}) {
    EXPECT_EQ(again[field], first[field]) << field;
  }
  EXPECT_EQ(again["metadata"]["name"], first["metadata"]["name"]);
  EXPECT_EQ(again["regarding"]["uid"], "uid-1");
}

TEST(EventRecorderTest, AWrittenSeriesStillAggregatesAndAnotherEventIsNew) {
  Harness h;
  h.recorder->record(kSo, "Warning", "KEDAScalerFailed", "Scale", "connection refused");
  h.recorder->flush();
  // Written: the series is recognised by its hash alone now.
  h.recorder->record(kSo, "Warning", "KEDAScalerFailed", "Scale", "connection refused");
  h.recorder->record(kSo, "Warning", "KEDAScalerFailed", "Scale", "timed out");
  h.recorder->flush();
  EXPECT_EQ(h.recorder->stats().aggregated, 1u);
  std::vector<HttpRequest> posts = h.requests("POST");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(Json::parse(posts[1].body)["note"], "timed out");
  std::vector<HttpRequest> patches = h.requests("PATCH");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(Json::parse(patches[0].body)["series"]["count"], 2);
  EXPECT_NE(patches[0].url.find("/namespaces/web/events/api."), std::string::npos);
}

TEST(EventRecorderTest, WrittenSeriesBeyondTheLimitAreForgottenOldestFirst) {
  Harness h(/*maxSeries=*/2);
  ObjectReference a = kSo, b = kSo, c = kSo;
  a.name = "a", a.uid = "uid-a";
  b.name = "b", b.uid = "uid-b";
  c.name = "c", c.uid = "uid-c";
  h.recorder->record(a, "Normal", "KEDAScalersStarted", "Scale", "");
  h.clock.advance(seconds(1));
  h.recorder->record(b, "Normal", "KEDAScalersStarted", "Scale", "");
  h.clock.advance(seconds(1));
  h.recorder->record(c, "Normal", "KEDAScalersStarted", "Scale", "");
  EXPECT_EQ(h.recorder->stats().forgotten, 0u) << "series not yet written are kept";
  h.recorder->flush();
  EXPECT_EQ(h.requests("POST").size(), 3u);
  EXPECT_EQ(h.recorder->stats().forgotten, 1u);  // a, the least recently seen
  // b and c still aggregate; a's repeat starts a new Event, as client-go's LRU would.
  h.recorder->record(b, "Normal", "KEDAScalersStarted", "Scale", "");
  h.recorder->record(c, "Normal", "KEDAScalersStarted", "Scale", "");
  EXPECT_EQ(h.recorder->stats().aggregated, 2u);
  h.recorder->record(a, "Normal", "KEDAScalersStarted", "Scale", "");
  h.recorder->flush();
  std::vector<HttpRequest> posts = h.requests("POST");
  ASSERT_EQ(posts.size(), 4u);
  EXPECT_EQ(Json::parse(posts[3].body)["regarding"]["name"], "a");
  EXPECT_EQ(h.requests("PATCH").size(), 2u);  // b's and c's counts
}

TEST(EventRecorderTest, LongNotesAreTruncated) {
  Harness h;
  h.recorder->record(kSo, "Warning", "A", "Scale", std::string(5000, 'x'));
  h.recorder->flush();
  EXPECT_EQ(Json::parse(h.requests("POST").at(0).body)["note"].get<std::string>().size(), 1024u);
}

}  // namespace
}  // namespace tidal::k8s
