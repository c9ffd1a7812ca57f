#include "scalers/redis/redis_client.h"

#include <algorithm>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "common/strings.h"
#include "scalers/redis/hiredis_transport.h"
#include "scalers/redis/redis_client_impl.h"
#include "scalers/redis/redis_connection.h"
#include "scalers/redis/tls_transport.h"
#include "scalers/shared_pool.h"

namespace tidal::scalers::redis {
namespace {

constexpr int kClusterSlots = 16384;
constexpr int kMaxRedirects = 3;

uint16_t crc16Xmodem(std::string_view data) {
  uint16_t crc = 0;
  for (unsigned char byte : data) {
    crc ^= static_cast<uint16_t>(byte) << 8;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

StatusOr<HostPort> hostPortFromReply(const RedisReply& host, const RedisReply& port,
                                     const HostPort& fallbackHost) {
  HostPort out;
  out.host = host.isString() && !host.str.empty() ? host.str : fallbackHost.host;
  if (port.isInteger()) {
    out.port = static_cast<int>(port.integer);
  } else if (port.isString()) {
    std::optional<int64_t> p = parseGoInt(port.str);
    if (!p) return failedPrecondition(fmt::format("bad port {}", port.debugString()));
    out.port = static_cast<int>(*p);
  }
  if (out.port < 1 || out.port > 65535) {
    return failedPrecondition(fmt::format("bad port {}", port.debugString()));
  }
  return out;
}

}  // namespace

int clusterKeySlot(std::string_view key) {
  const size_t open = key.find('{');
  if (open != std::string_view::npos) {
    const size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return crc16Xmodem(key) % kClusterSlots;
}

StatusOr<std::vector<SlotRange>> parseClusterSlots(const RedisReply& reply,
                                                   const HostPort& askedNode) {
  if (!reply.isArray()) {
    return failedPrecondition("CLUSTER SLOTS: expected an array, got " + reply.debugString());
  }
  std::vector<SlotRange> out;
  for (const RedisReply& range : reply.elements) {
    if (!range.isArray() || range.elements.size() < 3 || !range.elements[0].isInteger() ||
        !range.elements[1].isInteger() || !range.elements[2].isArray() ||
        range.elements[2].elements.size() < 2) {
      return failedPrecondition("CLUSTER SLOTS: unexpected entry " + range.debugString());
    }
    const RedisReply& master = range.elements[2];
    StatusOr<HostPort> address =
        hostPortFromReply(master.elements[0], master.elements[1], askedNode);
    if (!address.isOk()) return address.status().withPrefix("CLUSTER SLOTS");
    out.push_back(SlotRange{static_cast<int>(range.elements[0].integer),
                            static_cast<int>(range.elements[1].integer), *std::move(address)});
  }
  std::sort(out.begin(), out.end(),
            [](const SlotRange& a, const SlotRange& b) { return a.first < b.first; });
  return out;
}

std::optional<HostPort> redirectTarget(const RedisReply& reply) {
  const std::string_view code = reply.errorCode();
  if (code != "MOVED" && code != "ASK") return std::nullopt;
  const std::vector<std::string> parts = split(reply.str, ' ');
  if (parts.size() < 3) return std::nullopt;
  StatusOr<HostPort> hp = parseHostPort(parts[2]);
  if (!hp.isOk()) return std::nullopt;
  return *hp;
}

// ---- standalone --------------------------------------------------------------------------------

StandaloneRedisClient::StandaloneRedisClient(std::shared_ptr<RedisConnection> connection)
    : connection_(std::move(connection)) {}

StatusOr<RedisReply> StandaloneRedisClient::run(const RedisCommand& command, Deadline deadline) {
  return connection_->command(command.args, deadline);
}

std::string StandaloneRedisClient::serverName() const {
  return connection_->endpoint().name();
}

// ---- sentinel ----------------------------------------------------------------------------------

SentinelRedisClient::SentinelRedisClient(RedisConnectionConfig config, ConnectionProvider provide)
    : config_(std::move(config)), provide_(std::move(provide)) {
  for (const HostPort& address : config_.addresses) {
    RedisEndpoint e;
    e.address = address;
    e.username = config_.sentinelUsername;
    e.password = config_.sentinelPassword;
    sentinels_.push_back(provide_(e));
  }
}

StatusOr<HostPort> SentinelRedisClient::resolveMaster(Deadline deadline) {
  std::vector<std::string> problems;
  for (const auto& sentinel : sentinels_) {
    StatusOr<RedisReply> reply = sentinel->command(
        {"SENTINEL", "get-master-addr-by-name", config_.sentinelMaster}, deadline);
    if (!reply.isOk()) {
      problems.push_back(reply.status().message());
      continue;
    }
    if (reply->isArray() && reply->elements.size() == 2) {
      StatusOr<HostPort> master =
          hostPortFromReply(reply->elements[0], reply->elements[1], sentinel->endpoint().address);
      if (master.isOk()) return master;
      problems.push_back(fmt::format("redis sentinel {}: {}", sentinel->endpoint().name(),
                                     master.status().message()));
    } else if (reply->isError()) {
      problems.push_back(
          errorReplyStatus(*reply, fmt::format("redis sentinel {}", sentinel->endpoint().name()))
              .message());
    } else {
      problems.push_back(fmt::format("redis sentinel {}: no master named \"{}\"",
                                     sentinel->endpoint().name(), config_.sentinelMaster));
    }
  }
  return unavailable(fmt::format("no sentinel gave the address of master \"{}\": {}",
                                 config_.sentinelMaster, join(problems, "; ")));
}

StatusOr<RedisReply> SentinelRedisClient::run(const RedisCommand& command, Deadline deadline) {
  TIDAL_ASSIGN_OR_RETURN(HostPort master, resolveMaster(deadline));
  std::shared_ptr<RedisConnection> connection;
  {
    std::lock_guard lock(mu_);
    if (master_ == nullptr || !(master_->endpoint().address == master)) {
      RedisEndpoint e;
      e.address = master;
      e.username = config_.username;
      e.password = config_.password;
      e.database = config_.databaseIndex;
      master_ = provide_(e);
    }
    connection = master_;
  }
  return connection->command(command.args, deadline);
}

std::string SentinelRedisClient::serverName() const {
  return fmt::format("sentinels {} (master \"{}\")", config_.addressList(), config_.sentinelMaster);
}

// ---- cluster -----------------------------------------------------------------------------------

ClusterRedisClient::ClusterRedisClient(RedisConnectionConfig config, ConnectionProvider provide)
    : config_(std::move(config)), provide_(std::move(provide)) {}

std::shared_ptr<RedisConnection> ClusterRedisClient::nodeLocked(const HostPort& address) {
  const std::string key = address.toString();
  auto it = nodes_.find(key);
  if (it != nodes_.end()) return it->second;
  RedisEndpoint e;
  e.address = address;
  e.username = config_.username;
  e.password = config_.password;
  std::shared_ptr<RedisConnection> c = provide_(e);
  nodes_.emplace(key, c);
  return c;
}

std::shared_ptr<RedisConnection> ClusterRedisClient::node(const HostPort& address) {
  std::lock_guard lock(mu_);
  return nodeLocked(address);
}

Status ClusterRedisClient::refresh(Deadline deadline) {
  // Ask the nodes of the current map first (they are the live topology), then the seeds.
  std::vector<HostPort> candidates;
  {
    std::lock_guard lock(mu_);
    for (const SlotRange& r : ranges_) candidates.push_back(r.master);
  }
  for (const HostPort& seed : config_.addresses) candidates.push_back(seed);
  std::vector<std::string> seen;
  std::vector<std::string> problems;
  for (const HostPort& candidate : candidates) {
    const std::string name = candidate.toString();
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    StatusOr<RedisReply> reply = node(candidate)->command({"CLUSTER", "SLOTS"}, deadline);
    if (!reply.isOk()) {
      problems.push_back(reply.status().message());
      continue;
    }
    if (reply->isError()) {
      problems.push_back(errorReplyStatus(*reply, fmt::format("redis {}", name)).message());
      continue;
    }
    StatusOr<std::vector<SlotRange>> ranges = parseClusterSlots(*reply, candidate);
    if (!ranges.isOk() || ranges->empty()) {
      problems.push_back(fmt::format(
          "redis {}: {}", name,
          ranges.isOk() ? "CLUSTER SLOTS: no slots are served" : ranges.status().message()));
      continue;
    }
    std::lock_guard lock(mu_);
    ranges_ = *std::move(ranges);
    return Status::ok();
  }
  return unavailable("cannot read the cluster's slot map: " + join(problems, "; "));
}

std::optional<HostPort> ClusterRedisClient::ownerOf(const RedisCommand& command) {
  std::lock_guard lock(mu_);
  if (ranges_.empty()) return std::nullopt;
  if (command.key.empty()) return ranges_.front().master;
  const int slot = clusterKeySlot(command.key);
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), slot,
                             [](int s, const SlotRange& r) { return s < r.first; });
  if (it == ranges_.begin()) return std::nullopt;
  --it;
  if (slot > it->last) return std::nullopt;
  return it->master;
}

StatusOr<RedisReply> ClusterRedisClient::run(const RedisCommand& command, Deadline deadline) {
  std::optional<HostPort> target = ownerOf(command);
  if (!target) {
    TIDAL_RETURN_IF_ERROR(refresh(deadline));
    target = ownerOf(command);
    if (!target) {
      return unavailable(fmt::format("redis cluster {}: no node serves the slot of key \"{}\"",
                                     config_.addressList(), command.key));
    }
  }
  bool asking = false;
  bool refreshedAfterFailure = false;
  for (int redirects = 0;; ++redirects) {
    StatusOr<RedisReply> reply = node(*target)->command(command.args, deadline, asking);
    asking = false;
    if (!reply.isOk()) {
      // The node may have gone with a failover: read the map again once and retry.
      if (reply.status().code() != StatusCode::kUnavailable || refreshedAfterFailure ||
          !refresh(deadline).isOk()) {
        return reply;
      }
      refreshedAfterFailure = true;
      std::optional<HostPort> next = ownerOf(command);
      if (!next) return reply;
      target = next;
      continue;
    }
    std::optional<HostPort> redirect = redirectTarget(*reply);
    if (!redirect || redirects >= kMaxRedirects) return reply;
    if (reply->errorCode() == "MOVED") {
      // The slot moved for good: the map is stale. A failed re-read is not fatal, the
      // redirection itself says where to go.
      (void)refresh(deadline);
    } else {
      asking = true;
    }
    target = redirect;
  }
}

std::string ClusterRedisClient::serverName() const {
  return fmt::format("cluster {}", config_.addressList());
}

// ---- construction ------------------------------------------------------------------------------

StatusOr<RedisTransportChoice> transportFor(const RedisTls& tls) {
  if (!tls.enabled) return RedisTransportChoice{[] { return newHiredisTransport(); }, "tcp"};
  TIDAL_ASSIGN_OR_RETURN(RedisTransportFactory factory, newTlsTransportFactory(tls));
  // Connections with different TLS material must not be shared; the key holds the material
  // itself (in memory only, never printed).
  std::string key = "tls";
  for (const std::string* field : {&tls.ca, &tls.cert, &tls.key, &tls.keyPassword}) {
    key += fmt::format("|{}:{}", field->size(), *field);
  }
  key += tls.unsafeSsl ? "|unsafe" : "|verify";
  return RedisTransportChoice{std::move(factory), std::move(key)};
}

namespace {

std::string clientPoolKey(const RedisConnectionConfig& c, const std::string& transportKey) {
  std::vector<std::string> fields = {std::string(redisModeName(c.mode)),
                                     c.addressList(),
                                     c.username,
                                     c.password,
                                     c.sentinelUsername,
                                     c.sentinelPassword,
                                     c.sentinelMaster,
                                     std::to_string(c.databaseIndex),
                                     transportKey};
  std::string key;
  for (const auto& f : fields) key += fmt::format("{}:{}|", f.size(), f);
  return key;
}

SharedPool<RedisClient>& clientPool() {
  static auto* pool = new SharedPool<RedisClient>();
  return *pool;
}

}  // namespace

StatusOr<std::shared_ptr<RedisClient>> newRedisClient(const RedisConnectionConfig& connection,
                                                      const Clock* clock) {
  TIDAL_ASSIGN_OR_RETURN(RedisTransportChoice transport, transportFor(connection.tls));
  ConnectionProvider provide = [transport, clock](RedisEndpoint e) {
    e.transport = transport.key;
    return RedisConnection::shared(e, transport.factory, clock);
  };
  return clientPool().acquire(
      clientPoolKey(connection, transport.key), [&]() -> std::shared_ptr<RedisClient> {
        switch (connection.mode) {
          case RedisMode::kCluster:
            return std::make_shared<ClusterRedisClient>(connection, provide);
          case RedisMode::kSentinel:
            return std::make_shared<SentinelRedisClient>(connection, provide);
          case RedisMode::kStandalone:
            break;
        }
        RedisEndpoint e;
        e.address = connection.addresses.front();
        e.username = connection.username;
        e.password = connection.password;
        e.database = connection.databaseIndex;
        return std::make_shared<StandaloneRedisClient>(provide(e));
      });
}

}  // namespace tidal::scalers::redis
