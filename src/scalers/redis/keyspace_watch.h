// Sub-second activation for list triggers: a dedicated connection SUBSCRIBEd to the key's
// keyspace-notification channel (`__keyspace@<db>__:<key>`), calling back on every event, so a
// scale loop can look at once instead of at its next poll.
//
// The server must publish keyspace events for the key's type (`notify-keyspace-events` with `K`
// and `l` for lists, or `KA`); tidal never changes the server's configuration. Without them no
// events arrive and the trigger simply works by polling.
//
// Behaviour: connects (AUTH when credentials are set), subscribes, calls `onEvent` once (events
// may have been missed while disconnected) and then for every event; on any failure reconnects
// after a backoff (0.5 s doubling to 10 s). Returns once `stop()` is true, within about 200 ms.
// Threading: runs on the caller's thread; `onEvent` is called on it.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/clock.h"
#include "scalers/redis/redis_connection.h"
#include "scalers/redis/redis_transport.h"

namespace tidal::scalers::redis {

struct KeyspaceWatch {
  RedisEndpoint endpoint;  // server, credentials and database (for the channel name)
  std::string key;
  RedisTransportFactory makeTransport;
  std::chrono::milliseconds timeout{3000};  // for connecting and subscribing
};

// The channel name for `key` in `database`.
std::string keyspaceChannel(int64_t database, const std::string& key);

void watchKeyspace(const KeyspaceWatch& watch, const std::function<void()>& onEvent,
                   const std::function<bool()>& stop, const Clock& clock);

}  // namespace tidal::scalers::redis
