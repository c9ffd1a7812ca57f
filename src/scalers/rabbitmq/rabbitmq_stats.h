// The numbers of a RabbitMQ queue and how the rabbitmq trigger turns them into a metric value and
// an activity, exactly as KEDA computes them (spec/keda-scalers.md §2.1):
//   - reading the management API's JSON for one queue or for a page of the regex listing;
//   - combining the queues a regex matched (sum, avg with integer division of counts, max; each
//     field on its own);
//   - each mode's formula and activity rule.
// Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "scalers/rabbitmq/rabbitmq_metadata.h"

namespace tidal::scalers::rabbitmq {

// What one poll learns about a queue (or the combination of several). AMQP only knows
// `messages` (the ready count of a passive declare); its rates are 0.
struct QueueStats {
  int64_t messages = 0;       // ready + unacknowledged
  int64_t messagesReady = 0;  // ready only
  double publishRate = 0;     // message_stats.publish_details.rate, messages/s
  double deliverGetRate = 0;  // message_stats.deliver_get_details.rate, messages/s

  friend bool operator==(const QueueStats&, const QueueStats&) = default;
};

// One page of GET /api/queues/<vhost>?use_regex=true&...: its queues and the page count.
struct QueuePage {
  std::vector<QueueStats> queues;
  int64_t pageCount = 0;
};

// Parses GET /api/queues/<vhost>/<name>. Absent fields count as 0 (a fresh queue has no
// message_stats). A body that is not the expected JSON is kUnavailable: the server (or a proxy in
// front of it) answered something else, which may pass.
StatusOr<QueueStats> parseQueueJson(std::string_view body);
StatusOr<QueuePage> parseQueuePageJson(std::string_view body);

// Combines the queues a regex matched; no queues gives all zeros.
QueueStats combineQueues(const std::vector<QueueStats>& queues, RabbitMqOperation operation);

struct MetricOutcome {
  double value = 0;
  bool active = false;
};

// The metric value and activity of `mode` for `stats`. `excludeUnacknowledged` picks
// messagesReady instead of messages as the queue length.
MetricOutcome evaluateMode(RabbitMqMode mode, const QueueStats& stats, double activationValue,
                           bool excludeUnacknowledged);

}  // namespace tidal::scalers::rabbitmq
