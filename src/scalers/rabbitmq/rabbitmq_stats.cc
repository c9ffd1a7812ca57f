#include "scalers/rabbitmq/rabbitmq_stats.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace tidal::scalers::rabbitmq {
namespace {

using Json = nlohmann::json;

int64_t countField(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  return static_cast<int64_t>(it->get<double>());
}

double rateField(const Json& stats, const char* details) {
  auto d = stats.find(details);
  if (d == stats.end() || !d->is_object()) return 0;
  auto rate = d->find("rate");
  if (rate == d->end() || !rate->is_number()) return 0;
  return rate->get<double>();
}

QueueStats statsOf(const Json& queue) {
  QueueStats s;
  s.messages = countField(queue, "messages");
  s.messagesReady = countField(queue, "messages_ready");
  auto ms = queue.find("message_stats");
  if (ms != queue.end() && ms->is_object()) {
    s.publishRate = rateField(*ms, "publish_details");
    s.deliverGetRate = rateField(*ms, "deliver_get_details");
  }
  return s;
}

}  // namespace

StatusOr<QueueStats> parseQueueJson(std::string_view body) {
  const Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object())
    return unavailable(
        "the management API answered with something other "
        "than a queue object");
  return statsOf(j);
}

StatusOr<QueuePage> parseQueuePageJson(std::string_view body) {
  const Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object())
    return unavailable(
        "the management API answered with something other "
        "than a page of queues");
  QueuePage page;
  page.pageCount = countField(j, "page_count");
  auto items = j.find("items");
  if (items != j.end() && items->is_array()) {
    for (const auto& q : *items) {
      if (q.is_object()) page.queues.push_back(statsOf(q));
    }
  }
  return page;
}

QueueStats combineQueues(const std::vector<QueueStats>& queues, RabbitMqOperation operation) {
  QueueStats out;
  if (queues.empty()) return out;
  switch (operation) {
    case RabbitMqOperation::kSum:
    case RabbitMqOperation::kAvg:
      for (const auto& q : queues) {
        out.messages += q.messages;
        out.messagesReady += q.messagesReady;
        out.publishRate += q.publishRate;
        out.deliverGetRate += q.deliverGetRate;
      }
      if (operation == RabbitMqOperation::kAvg) {
        const auto n = static_cast<int64_t>(queues.size());
        out.messages /= n;  // integer division for counts, as KEDA does
        out.messagesReady /= n;
        out.publishRate /= static_cast<double>(n);
        out.deliverGetRate /= static_cast<double>(n);
      }
      break;
    case RabbitMqOperation::kMax:
      // Each field independently, starting from 0 as KEDA does.
      for (const auto& q : queues) {
        out.messages = std::max(out.messages, q.messages);
        out.messagesReady = std::max(out.messagesReady, q.messagesReady);
        out.publishRate = std::max(out.publishRate, q.publishRate);
        out.deliverGetRate = std::max(out.deliverGetRate, q.deliverGetRate);
      }
      break;
  }
  return out;
}

MetricOutcome evaluateMode(RabbitMqMode mode, const QueueStats& stats, double activationValue,
                           bool excludeUnacknowledged) {
  const double messages =
      static_cast<double>(excludeUnacknowledged ? stats.messagesReady : stats.messages);
  const double publish = stats.publishRate;
  const double deliver = stats.deliverGetRate;
  MetricOutcome out;
  switch (mode) {
    case RabbitMqMode::kQueueLength:
      out.value = messages;
      out.active = messages > activationValue;
      break;
    case RabbitMqMode::kMessageRate:
      out.value = publish;
      out.active = publish > activationValue || messages > activationValue;
      break;
    case RabbitMqMode::kDeliverGetRate:
      out.value = deliver;
      out.active = deliver > activationValue;
      break;
    case RabbitMqMode::kPublishedToDeliveredRatio: {
      // Publishing with nobody consuming reports the activation value and counts as active.
      const bool stalled = publish > 0 && deliver == 0;
      if (stalled) {
        out.value = activationValue;
      } else if (publish > 0 && deliver > 0) {
        out.value = publish / deliver;
      }
      out.active = out.value > activationValue || stalled;
      break;
    }
    case RabbitMqMode::kExpectedQueueConsumptionTime: {
      // Seconds until the backlog is consumed at the current delivery rate, allowing for what is
      // still being published; messages waiting with nothing delivered counts as active.
      if (messages == 0) {
        out.value = 0;
      } else if (deliver == 0) {
        out.value = activationValue;
      } else {
        out.value = (publish - deliver) / deliver + messages / deliver;
      }
      out.active = out.value > activationValue || (deliver == 0 && messages > 0);
      break;
    }
  }
  return out;
}

}  // namespace tidal::scalers::rabbitmq
