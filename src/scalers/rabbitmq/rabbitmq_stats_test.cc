// The rabbitmq trigger's arithmetic: reading the management API's JSON, combining the queues a
// regex matched, and each mode's value and activity (spec/keda-scalers.md §2.1).
#include "scalers/rabbitmq/rabbitmq_stats.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tidal::scalers::rabbitmq {
namespace {

QueueStats q(int64_t messages, int64_t ready, double publish = 0, double deliver = 0) {
  return QueueStats{messages, ready, publish, deliver};
}

TEST(RabbitMqStats, ParsesOneQueue) {
  struct Case {
    const char* name;
    const char* body;
    QueueStats want;
  };
  const std::vector<Case> cases = {
      {"full",
       R"({"name":"hello","messages":12,"messages_ready":9,"messages_unacknowledged":3,
           "message_stats":{"publish":40,"publish_details":{"rate":2.5},
                            "deliver_get":28,"deliver_get_details":{"rate":1.25}}})",
       q(12, 9, 2.5, 1.25)},
      {"fresh_queue_without_stats", R"({"name":"hello","messages":0,"messages_ready":0})", q(0, 0)},
      {"no_counts_yet", R"({"name":"hello"})", q(0, 0)},
      {"rates_without_details", R"({"messages":1,"message_stats":{"publish":3}})", q(1, 0)},
      {"null_fields", R"({"messages":null,"message_stats":null})", q(0, 0)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<QueueStats> got = parseQueueJson(c.body);
    ASSERT_TRUE(got.isOk()) << got.status().toString();
    EXPECT_EQ(*got, c.want);
  }
}

TEST(RabbitMqStats, RejectsWhatIsNotAQueue) {
  for (const char* body : {"", "not json", "[1,2]", "<html>502 Bad Gateway</html>"}) {
    SCOPED_TRACE(body);
    StatusOr<QueueStats> got = parseQueueJson(body);
    ASSERT_FALSE(got.isOk());
    EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  }
  EXPECT_EQ(parseQueuePageJson("{").status().code(), StatusCode::kUnavailable);
}

TEST(RabbitMqStats, ParsesARegexPage) {
  StatusOr<QueuePage> page = parseQueuePageJson(
      R"({"filtered_count":3,"item_count":2,"page":1,"page_count":2,"page_size":2,
          "total_count":7,"items":[
            {"name":"a","messages":5,"messages_ready":4,
             "message_stats":{"publish_details":{"rate":1.5}}},
            {"name":"b","messages":2,"messages_ready":2}]})");
  ASSERT_TRUE(page.isOk());
  EXPECT_EQ(page->pageCount, 2);
  ASSERT_EQ(page->queues.size(), 2u);
  EXPECT_EQ(page->queues[0], q(5, 4, 1.5, 0));
  EXPECT_EQ(page->queues[1], q(2, 2));

  StatusOr<QueuePage> empty = parseQueuePageJson(R"({"items":[],"page_count":0})");
  ASSERT_TRUE(empty.isOk());
  EXPECT_TRUE(empty->queues.empty());
}

TEST(RabbitMqStats, CombinesQueues) {
  const std::vector<QueueStats> three = {q(10, 8, 1.5, 0.5), q(3, 3, 0, 2), q(4, 1, 4.5, 1)};
  struct Case {
    const char* name;
    std::vector<QueueStats> queues;
    RabbitMqOperation op;
    QueueStats want;
  };
  const std::vector<Case> cases = {
      {"sum", three, RabbitMqOperation::kSum, q(17, 12, 6, 3.5)},
      // Counts use integer division (17/3 = 5, 12/3 = 4); rates do not.
      {"avg", three, RabbitMqOperation::kAvg, q(5, 4, 2, 3.5 / 3)},
      // Each field on its own: the max of messages and of ready may come from different queues.
      {"max", three, RabbitMqOperation::kMax, q(10, 8, 4.5, 2)},
      {"sum_none", {}, RabbitMqOperation::kSum, q(0, 0)},
      {"avg_none", {}, RabbitMqOperation::kAvg, q(0, 0)},
      {"max_none", {}, RabbitMqOperation::kMax, q(0, 0)},
      {"avg_one", {q(7, 6, 1, 1)}, RabbitMqOperation::kAvg, q(7, 6, 1, 1)},
      {"avg_rounds_down", {q(1, 1), q(0, 0)}, RabbitMqOperation::kAvg, q(0, 0)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const QueueStats got = combineQueues(c.queues, c.op);
    EXPECT_EQ(got.messages, c.want.messages);
    EXPECT_EQ(got.messagesReady, c.want.messagesReady);
    EXPECT_DOUBLE_EQ(got.publishRate, c.want.publishRate);
    EXPECT_DOUBLE_EQ(got.deliverGetRate, c.want.deliverGetRate);
  }
}

TEST(RabbitMqStats, EvaluatesModes) {
  using Mode = RabbitMqMode;
  struct Case {
    const char* name;
    Mode mode;
    QueueStats stats;
    double activation;
    bool excludeUnacked;
    double value;
    bool active;
  };
  const std::vector<Case> cases = {
      {"length", Mode::kQueueLength, q(12, 9), 0, false, 12, true},
      {"length_ready_only", Mode::kQueueLength, q(12, 9), 0, true, 9, true},
      {"length_empty", Mode::kQueueLength, q(0, 0), 0, false, 0, false},
      {"length_at_activation", Mode::kQueueLength, q(5, 5), 5, false, 5, false},
      {"length_above_activation", Mode::kQueueLength, q(6, 6), 5, false, 6, true},
      {"rate", Mode::kMessageRate, q(0, 0, 2.5), 0, false, 2.5, true},
      {"rate_idle", Mode::kMessageRate, q(0, 0, 0), 0, false, 0, false},
      // MessageRate is also active while messages wait, even with nothing published.
      {"rate_backlog_active", Mode::kMessageRate, q(3, 3, 0), 1, false, 0, true},
      {"rate_below_activation", Mode::kMessageRate, q(1, 1, 0.5), 1, false, 0.5, false},
      {"rate_ready_only_for_activity", Mode::kMessageRate, q(3, 0, 0), 1, true, 0, false},
      {"deliver", Mode::kDeliverGetRate, q(0, 0, 0, 3), 0, false, 3, true},
      {"deliver_idle_with_backlog", Mode::kDeliverGetRate, q(9, 9, 0, 0), 0, false, 0, false},
      {"ratio", Mode::kPublishedToDeliveredRatio, q(0, 0, 6, 3), 1, false, 2, true},
      {"ratio_below", Mode::kPublishedToDeliveredRatio, q(0, 0, 2, 4), 1, false, 0.5, false},
      // Publishing with nothing delivered reports the activation value and is active.
      {"ratio_stalled", Mode::kPublishedToDeliveredRatio, q(0, 0, 2, 0), 1.5, false, 1.5, true},
      {"ratio_idle", Mode::kPublishedToDeliveredRatio, q(0, 0, 0, 3), 0, false, 0, false},
      {"eta", Mode::kExpectedQueueConsumptionTime, q(20, 20, 3, 2), 0, false,
       (3.0 - 2) / 2 + 20.0 / 2, true},
      {"eta_empty_queue", Mode::kExpectedQueueConsumptionTime, q(0, 0, 3, 0), 5, false, 0, false},
      {"eta_stalled", Mode::kExpectedQueueConsumptionTime, q(4, 4, 0, 0), 5, false, 5, true},
      {"eta_ready_only", Mode::kExpectedQueueConsumptionTime, q(20, 10, 2, 2), 0, true, 5, true},
      {"eta_below", Mode::kExpectedQueueConsumptionTime, q(2, 2, 1, 4), 10, false,
       (1.0 - 4) / 4 + 2.0 / 4, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const MetricOutcome got = evaluateMode(c.mode, c.stats, c.activation, c.excludeUnacked);
    EXPECT_DOUBLE_EQ(got.value, c.value);
    EXPECT_EQ(got.active, c.active);
  }
}

}  // namespace
}  // namespace tidal::scalers::rabbitmq
