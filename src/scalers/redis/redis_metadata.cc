#include "scalers/redis/redis_metadata.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace tidal::scalers::redis {
namespace {

constexpr ParamSource kM = ParamSource::kTriggerMetadata;
constexpr ParamSource kA = ParamSource::kAuthParams;
constexpr ParamSource kE = ParamSource::kResolvedEnv;

// The connection parameters, declared for one metadata type T (which derives from
// RedisConnectionFields), in the order KEDA's redisConnectionInfo declares them. The explicit
// template arguments turn pointers to the base's members into pointers to T's.
template <typename T>
void addConnectionParams(ParamSet<T>& set) {
  using Strings = std::vector<std::string>;
  set.add(param<T, Strings>("address", &T::addresses)
              .aliases({"addresses"})
              .order({kM, kA, kE})
              .optional()
              .describe("host:port of the server; a comma-separated list of seed nodes for "
                        "redis-cluster or of sentinels for redis-sentinel"));
  set.add(param<T, std::string>("username", &T::username)
              .order({kM, kE, kA})
              .optional()
              .describe("user name for AUTH (Redis 6 ACLs)"));
  set.add(param<T, std::string>("password", &T::password)
              .order({kM, kE, kA})
              .optional()
              .secret()
              .describe("password for AUTH"));
  set.add(param<T, std::string>("sentinelUsername", &T::sentinelUsername)
              .order({kM, kA, kE})
              .optional()
              .describe("redis-sentinel only: user name for the sentinels"));
  set.add(param<T, std::string>("sentinelPassword", &T::sentinelPassword)
              .order({kM, kA, kE})
              .optional()
              .secret()
              .describe("redis-sentinel only: password for the sentinels"));
  set.add(param<T, std::string>("sentinelMaster", &T::sentinelMaster)
              .order({kM, kA, kE})
              .optional()
              .describe("redis-sentinel only (required there): the master name the sentinels "
                        "monitor"));
  set.add(param<T, Strings>("host", &T::hosts)
              .aliases({"hosts"})
              .order({kM, kE, kA})
              .optional()
              .describe("host names, comma-separated, paired with `port` and added to the "
                        "addresses"));
  set.add(param<T, Strings>("port", &T::ports)
              .aliases({"ports"})
              .order({kM, kE, kA})
              .optional()
              .describe("ports, comma-separated, as many as hosts"));
  set.add(param<T, bool>("unsafeSsl", &T::unsafeSsl)
              .defaultValue("false")
              .describe("skip verification of the server's TLS certificate"));
  set.add(param<T, std::string>("Cert", &T::cert)
              .aliases({"cert"})
              .order({kA})
              .optional()
              .secret()
              .describe("client certificate (PEM) for TLS"));
  set.add(param<T, std::string>("key", &T::key)
              .order({kA})
              .optional()
              .secret()
              .describe("client private key (PEM) for TLS"));
  set.add(param<T, std::string>("keyPassword", &T::keyPassword)
              .order({kA})
              .optional()
              .secret()
              .describe("password of an encrypted client key"));
  set.add(param<T, std::string>("ca", &T::ca)
              .order({kA})
              .optional()
              .secret()
              .describe("CA certificate (PEM) to verify the server with"));
}

template <typename T>
void addDatabaseIndexParam(ParamSet<T>& set) {
  set.add(param<T, int64_t>("databaseIndex", &T::databaseIndex)
              .optional()
              .describe("database number to SELECT (ignored by redis-cluster)"));
}

template <typename T>
void addTlsSwitchParams(ParamSet<T>& set) {
  set.add(param<T, std::string>("enableTLS", &T::enableTLS)
              .optional()
              .describe(R"("true" to connect with TLS; not together with the `tls` )"
                        "authentication parameter"));
  set.add(param<T, std::string>("tls", &T::tls)
              .order({kA})
              .optional()
              .describe(R"("enable" or "disable" TLS; not together with enableTLS)"));
}

// KEDA's SetEnableTLS: at most one of the two switches, each spelled its own way.
StatusOr<bool> resolveTlsSwitch(const RedisConnectionFields& f) {
  if (!f.enableTLS.empty() && !f.tls.empty()) {
    return invalidArgument(
        "unable to set `tls` in both ScaledObject and TriggerAuthentication together");
  }
  bool enabled = false;
  if (!f.enableTLS.empty()) {
    StatusOr<bool> b = parseParamBool(f.enableTLS);
    if (!b.isOk()) {
      // Go's strconv error text, which KEDA passes on.
      return invalidArgument(
          fmt::format("EnableTLS parsing error strconv.ParseBool: parsing \"{}\": invalid syntax",
                      f.enableTLS));
    }
    enabled = *b;
  }
  if (!f.tls.empty()) {
    if (f.tls == "enable") {
      enabled = true;
    } else if (f.tls == "disable") {
      enabled = false;
    } else {
      return invalidArgument(fmt::format("error incorrect TLS value given, got {}", f.tls));
    }
  }
  return enabled;
}

// Go's net.JoinHostPort: an IPv6 host goes in brackets.
std::string joinHostPort(std::string_view host, std::string_view port) {
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

// Checks the connection parameters and resolves them for `mode`. KEDA's checks come first, with
// its texts; tidal's own (each address is host:port, a non-negative database, a sentinel master
// for sentinel triggers) follow. Every problem is reported.
StatusOr<RedisConnectionConfig> resolveConnection(const RedisConnectionFields& f, RedisMode mode) {
  std::vector<std::string> problems;
  std::vector<std::string> addresses = f.addresses;
  bool addressesOk = true;
  if (!f.hosts.empty() && !f.ports.empty()) {
    if (f.hosts.size() != f.ports.size()) {
      problems.emplace_back(
          "not enough hosts or ports given. number of hosts should be equal to the number of "
          "ports");
      addressesOk = false;
    } else {
      for (size_t i = 0; i < f.hosts.size(); ++i) {
        addresses.push_back(joinHostPort(f.hosts[i], f.ports[i]));
      }
    }
  }
  if (addressesOk && (addresses.empty() || addresses.front().empty())) {
    problems.emplace_back(
        "no addresses or hosts given. address should be a comma separated list of host:port or "
        "set the host/port values");
    addressesOk = false;
  }

  RedisConnectionConfig out;
  out.mode = mode;
  StatusOr<bool> tlsEnabled = resolveTlsSwitch(f);
  if (!tlsEnabled.isOk()) problems.push_back(tlsEnabled.status().message());

  if (addressesOk) {
    for (const std::string& a : addresses) {
      if (a.empty()) continue;  // "a:1,,b:2" or a trailing comma
      StatusOr<HostPort> hp = parseHostPort(a);
      if (!hp.isOk()) {
        problems.push_back(hp.status().message());
      } else {
        out.addresses.push_back(*std::move(hp));
      }
    }
  }
  if (f.databaseIndex < 0) {
    problems.push_back(fmt::format("databaseIndex must be 0 or more, got {}", f.databaseIndex));
  }
  if (mode == RedisMode::kSentinel && f.sentinelMaster.empty()) {
    problems.emplace_back(
        "sentinelMaster is required for redis-sentinel triggers: the name of the master the "
        "sentinels monitor");
  }
  if (!problems.empty()) return invalidArgument(join(problems, "\n"));

  out.username = f.username;
  out.password = f.password;
  out.sentinelUsername = f.sentinelUsername;
  out.sentinelPassword = f.sentinelPassword;
  out.sentinelMaster = f.sentinelMaster;
  out.databaseIndex = mode == RedisMode::kCluster ? 0 : f.databaseIndex;
  out.tls.enabled = *tlsEnabled;
  out.tls.unsafeSsl = f.unsafeSsl;
  out.tls.cert = f.cert;
  out.tls.key = f.key;
  out.tls.keyPassword = f.keyPassword;
  out.tls.ca = f.ca;
  return out;
}

}  // namespace

RedisMode redisModeOf(std::string_view triggerType) {
  if (startsWith(triggerType, "redis-cluster")) return RedisMode::kCluster;
  if (startsWith(triggerType, "redis-sentinel")) return RedisMode::kSentinel;
  return RedisMode::kStandalone;
}

std::string_view redisModeName(RedisMode mode) {
  switch (mode) {
    case RedisMode::kStandalone:
      return "standalone";
    case RedisMode::kCluster:
      return "cluster";
    case RedisMode::kSentinel:
      return "sentinel";
  }
  return "standalone";
}

std::string HostPort::toString() const {
  return joinHostPort(host, std::to_string(port));
}

StatusOr<HostPort> parseHostPort(std::string_view address) {
  auto bad = [&](std::string_view why) {
    return invalidArgument(fmt::format("address \"{}\" is not host:port ({})", address, why));
  };
  std::string_view host;
  std::string_view port;
  if (startsWith(address, "[")) {
    const size_t close = address.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    host = address.substr(1, close - 1);
    if (close + 1 >= address.size() || address[close + 1] != ':') return bad("missing port");
    port = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    host = address.substr(0, colon);
    if (host.find(':') != std::string_view::npos) return bad("an IPv6 host needs brackets");
    port = address.substr(colon + 1);
  }
  if (host.empty()) return bad("empty host");
  std::optional<int64_t> p = parseGoInt(port);
  if (!p || *p < 1 || *p > 65535 || startsWith(port, "+") || startsWith(port, "-")) {
    return bad("the port must be a number from 1 to 65535");
  }
  return HostPort{std::string(host), static_cast<int>(*p)};
}

std::string RedisConnectionConfig::addressList() const {
  std::vector<std::string> parts;
  for (const auto& a : addresses) parts.push_back(a.toString());
  return join(parts, ",");
}

std::vector<std::string> RedisConnectionConfig::secrets() const {
  std::vector<std::string> out;
  for (const std::string* s : {&password, &sentinelPassword, &tls.keyPassword}) {
    if (!s->empty()) out.push_back(*s);
  }
  return out;
}

std::string_view streamsModeName(StreamsMode mode) {
  switch (mode) {
    case StreamsMode::kPendingEntries:
      return "pendingEntries";
    case StreamsMode::kStreamLength:
      return "streamLength";
    case StreamsMode::kLag:
      return "lag";
  }
  return "streamLength";
}

const ParamSet<RedisListMetadata>& redisListParams() {
  static const ParamSet<RedisListMetadata> params = [] {
    using T = RedisListMetadata;
    ParamSet<T> set;
    set.add(param<T, int64_t>("listLength", &T::listLength)
                .defaultValue("5")
                .describe("target number of items per replica"));
    set.add(param<T, int64_t>("activationListLength", &T::activationListLength)
                .optional()
                .describe("the trigger is active while the length is greater than this"));
    set.add(param<T, std::string>("listName", &T::listName)
                .describe("key to measure: a list (LLEN), or a set, sorted set or hash"));
    addDatabaseIndexParam(set);
    addTlsSwitchParams(set);
    addConnectionParams(set);
    return set;
  }();
  return params;
}

const ParamSet<RedisStreamsMetadata>& redisStreamsParams() {
  static const ParamSet<RedisStreamsMetadata> params = [] {
    using T = RedisStreamsMetadata;
    ParamSet<T> set;
    set.add(param<T, int64_t>("pendingEntriesCount", &T::pendingEntriesCount)
                .defaultValue("5")
                .describe("target pending entries per replica (consumerGroup set, lagCount 0)"));
    set.add(param<T, int64_t>("streamLength", &T::streamLength)
                .defaultValue("5")
                .describe("target stream length per replica (no consumerGroup)"));
    set.add(param<T, int64_t>("lagCount", &T::lagCount)
                .optional()
                .describe("target consumer-group lag per replica; non-zero selects lag mode "
                          "(Redis 7 or later)"));
    set.add(param<T, std::string>("stream", &T::stream).describe("stream key"));
    set.add(param<T, std::string>("consumerGroup", &T::consumerGroup)
                .optional()
                .describe("consumer group; selects pending-entries or lag mode"));
    addDatabaseIndexParam(set);
    addConnectionParams(set);
    set.add(param<T, int64_t>("activationLagCount", &T::activationLagCount)
                .defaultValue("0")
                .describe("the trigger is active while the count is greater than this (every "
                          "mode)"));
    addTlsSwitchParams(set);
    return set;
  }();
  return params;
}

StatusOr<RedisListConfig> parseRedisListConfig(const ScalerConfig& config) {
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  // KEDA wraps its metadata errors twice with the same words; kept for drop-in fidelity.
  constexpr std::string_view kPrefix = "error parsing redis metadata: error parsing redis metadata";
  StatusOr<RedisListMetadata> md = redisListParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix(kPrefix);
  StatusOr<RedisConnectionConfig> connection =
      resolveConnection(*md, redisModeOf(config.triggerType));
  if (!connection.isOk()) return connection.status().withPrefix(kPrefix);

  RedisListConfig out;
  out.connection = *std::move(connection);
  out.listName = md->listName;
  out.target = md->listLength;
  out.activationTarget = md->activationListLength;
  out.metricName =
      metricNameWithIndex(config.triggerIndex, normalizeMetricName("redis-" + md->listName));
  out.targetType = *std::move(targetType);
  return out;
}

StatusOr<RedisStreamsConfig> parseRedisStreamsConfig(const ScalerConfig& config) {
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  constexpr std::string_view kPrefix =
      "error parsing redis streams metadata: error parsing redis stream metadata";
  StatusOr<RedisStreamsMetadata> md = redisStreamsParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix(kPrefix);
  StatusOr<RedisConnectionConfig> connection =
      resolveConnection(*md, redisModeOf(config.triggerType));
  if (!connection.isOk()) return connection.status().withPrefix(kPrefix);

  RedisStreamsConfig out;
  out.connection = *std::move(connection);
  out.stream = md->stream;
  out.consumerGroup = md->consumerGroup;
  out.pendingEntriesCount = md->pendingEntriesCount;
  out.streamLength = md->streamLength;
  out.lagCount = md->lagCount;
  // KEDA's mode rules: no group -> XLEN; a group and a lag target -> lag; else pending entries.
  // The targets the mode does not use are zeroed, as KEDA does.
  if (md->consumerGroup.empty()) {
    out.mode = StreamsMode::kStreamLength;
    out.pendingEntriesCount = 0;
    out.target = out.streamLength;
  } else if (md->lagCount != 0) {
    out.mode = StreamsMode::kLag;
    out.streamLength = 0;
    out.pendingEntriesCount = 0;
    out.target = out.lagCount;
  } else {
    out.mode = StreamsMode::kPendingEntries;
    out.streamLength = 0;
    out.target = out.pendingEntriesCount;
  }
  out.activationTarget = md->activationLagCount;
  out.metricName =
      metricNameWithIndex(config.triggerIndex, normalizeMetricName("redis-streams-" + md->stream));
  out.targetType = *std::move(targetType);
  return out;
}

}  // namespace tidal::scalers::redis
