// Where the rabbitmq trigger's numbers come from: an AMQP passive declare on a shared connection,
// or the management HTTP API (one queue, or every queue a regular expression matches, page by
// page). Both sit behind QueueStatsSource so the scaler's arithmetic is tested with a fake.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "scalers/http/http_client.h"
#include "scalers/rabbitmq/amqp_connection.h"
#include "scalers/rabbitmq/rabbitmq_metadata.h"
#include "scalers/rabbitmq/rabbitmq_stats.h"

namespace tidal::scalers::rabbitmq {

using http::HttpGetter;
using http::HttpRequest;
using http::HttpResponse;

class QueueStatsSource {
 public:
  virtual ~QueueStatsSource() = default;
  // Reads the numbers now, within the source's timeout. Errors carry retryable codes for a server
  // that is down or slow; their messages say what failed but not which trigger (the scaler adds
  // that) and never contain credentials.
  virtual StatusOr<QueueStats> fetch() = 0;
};

// Passive queue.declare of one queue: `messages` is the ready count, rates are 0.
class AmqpQueueSource : public QueueStatsSource {
 public:
  AmqpQueueSource(std::shared_ptr<AmqpConnection> connection, std::string queue,
                  std::chrono::milliseconds timeout);
  StatusOr<QueueStats> fetch() override;

 private:
  std::shared_ptr<AmqpConnection> connection_;
  std::string queue_;
  std::chrono::milliseconds timeout_;
};

// GET /api/queues/<vhost>/<queue>, or with `useRegex` every page of
// /api/queues/<vhost>?use_regex=true&name=<regex>, the pages' queues combined by `operation`.
// The timeout bounds the whole fetch, all pages together.
class ManagementApiSource : public QueueStatsSource {
 public:
  // More pages than this is an error (KEDA refuses even a second page).
  static constexpr int64_t kMaxPages = 100;

  ManagementApiSource(std::shared_ptr<HttpGetter> http, HttpEndpoint endpoint, std::string queue,
                      bool useRegex, int64_t pageSize, RabbitMqOperation operation,
                      std::chrono::milliseconds timeout);
  StatusOr<QueueStats> fetch() override;

 private:
  StatusOr<std::string> getOk(const std::string& url,
                              std::chrono::steady_clock::time_point deadline);

  std::shared_ptr<HttpGetter> http_;
  HttpEndpoint endpoint_;
  std::string queue_;
  bool useRegex_;
  int64_t pageSize_;
  RabbitMqOperation operation_;
  std::chrono::milliseconds timeout_;
};

}  // namespace tidal::scalers::rabbitmq
