#include "scalers/redis/keyspace_watch.h"

#include <thread>

#include <fmt/format.h>

namespace tidal::scalers::redis {
namespace {

constexpr std::chrono::milliseconds kWakeUp(200);

// Connects and subscribes; then waits for messages until stop() or a failure.
Status subscribeAndListen(const KeyspaceWatch& watch, const std::string& channel,
                          const std::function<void()>& onEvent, const std::function<bool()>& stop,
                          ReconnectBackoff& backoff) {
  std::unique_ptr<RedisTransport> transport = watch.makeTransport();
  const Deadline deadline = std::chrono::steady_clock::now() + watch.timeout;
  TIDAL_RETURN_IF_ERROR(transport->open(watch.endpoint.address, deadline));
  if (!watch.endpoint.username.empty() || !watch.endpoint.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!watch.endpoint.username.empty()) auth.push_back(watch.endpoint.username);
    auth.push_back(watch.endpoint.password);
    TIDAL_ASSIGN_OR_RETURN(RedisReply r, transport->roundTrip(auth, deadline));
    if (r.isError()) return errorReplyStatus(r, "AUTH");
  }
  TIDAL_ASSIGN_OR_RETURN(RedisReply named,
                         transport->roundTrip({"CLIENT", "SETNAME", "tidal-watch"}, deadline));
  (void)named;
  TIDAL_ASSIGN_OR_RETURN(RedisReply subscribed,
                         transport->roundTrip({"SUBSCRIBE", channel}, deadline));
  if (subscribed.isError()) return errorReplyStatus(subscribed, "SUBSCRIBE");
  backoff.succeeded();
  onEvent();
  while (!stop()) {
    TIDAL_ASSIGN_OR_RETURN(std::optional<RedisReply> message,
                           transport->awaitPush(std::chrono::steady_clock::now() + kWakeUp));
    // ["message", channel, event]; other pushes (subscribe confirmations) are ignored.
    if (message && message->isArray() && message->elements.size() == 3 &&
        message->elements[0].isString() && message->elements[0].str == "message") {
      onEvent();
    }
  }
  return Status::ok();
}

}  // namespace

std::string keyspaceChannel(int64_t database, const std::string& key) {
  return fmt::format("__keyspace@{}__:{}", database, key);
}

void watchKeyspace(const KeyspaceWatch& watch, const std::function<void()>& onEvent,
                   const std::function<bool()>& stop, const Clock& clock) {
  const std::string channel = keyspaceChannel(watch.endpoint.database, watch.key);
  ReconnectBackoff backoff;
  while (!stop()) {
    Status s = subscribeAndListen(watch, channel, onEvent, stop, backoff);
    if (stop()) return;
    if (s.isOk()) continue;
    backoff.failed(clock.monotonicNow());
    while (!stop() && !backoff.mayAttempt(clock.monotonicNow())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace tidal::scalers::redis
