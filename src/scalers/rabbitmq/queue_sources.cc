#include "scalers/rabbitmq/queue_sources.h"

#include <fmt/format.h>

namespace tidal::scalers::rabbitmq {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kMaxBodyInMessage = 512;

}  // namespace

AmqpQueueSource::AmqpQueueSource(std::shared_ptr<AmqpConnection> connection, std::string queue,
                                 milliseconds timeout)
    : connection_(std::move(connection)), queue_(std::move(queue)), timeout_(timeout) {}

StatusOr<QueueStats> AmqpQueueSource::fetch() {
  TIDAL_ASSIGN_OR_RETURN(uint32_t ready, connection_->readyMessageCount(queue_, timeout_));
  QueueStats stats;
  stats.messages = ready;
  return stats;
}

ManagementApiSource::ManagementApiSource(std::shared_ptr<HttpGetter> http, HttpEndpoint endpoint,
                                         std::string queue, bool useRegex, int64_t pageSize,
                                         RabbitMqOperation operation, milliseconds timeout)
    : http_(std::move(http)),
      endpoint_(std::move(endpoint)),
      queue_(std::move(queue)),
      useRegex_(useRegex),
      pageSize_(pageSize),
      operation_(operation),
      timeout_(timeout) {}

StatusOr<std::string> ManagementApiSource::getOk(const std::string& url,
                                                 SteadyClock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
  if (left.count() <= 0) {
    return Status(StatusCode::kDeadlineExceeded,
                  fmt::format("timed out after {} ms", timeout_.count()));
  }
  HttpRequest request{url, endpoint_.username, endpoint_.password, left};
  TIDAL_ASSIGN_OR_RETURN(HttpResponse response, http_->get(request));
  if (response.status == 200) return std::move(response.body);
  std::string body = std::move(response.body);
  if (body.size() > kMaxBodyInMessage) body = body.substr(0, kMaxBodyInMessage) + "...";
  return Status(http::codeForHttpStatus(response.status),
                fmt::format("error requesting RabbitMQ API status: {}, response: {}, from: {}",
                            http::httpStatusLine(response.status), body, url));
}

StatusOr<QueueStats> ManagementApiSource::fetch() {
  const auto deadline = SteadyClock::now() + timeout_;
  if (!useRegex_) {
    TIDAL_ASSIGN_OR_RETURN(std::string body, getOk(endpoint_.queueUrl(queue_), deadline));
    return parseQueueJson(body);
  }
  // Deliberate difference: KEDA reads one page and fails when there are more; tidal reads them
  // all (up to kMaxPages), so pageSize only sets how many queues one request carries.
  std::vector<QueueStats> queues;
  for (int64_t page = 1;; ++page) {
    TIDAL_ASSIGN_OR_RETURN(std::string body,
                           getOk(endpoint_.regexPageUrl(queue_, pageSize_, page), deadline));
    TIDAL_ASSIGN_OR_RETURN(QueuePage p, parseQueuePageJson(body));
    queues.insert(queues.end(), p.queues.begin(), p.queues.end());
    if (p.pageCount > kMaxPages) {
      return failedPrecondition(fmt::format(
          "regex matches more queues than can be recovered at once ({} pages of {}; at most {} "
          "pages are read)",
          p.pageCount, pageSize_, kMaxPages));
    }
    if (page >= p.pageCount) break;
  }
  return combineQueues(queues, operation_);
}

}  // namespace tidal::scalers::rabbitmq
