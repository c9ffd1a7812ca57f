#include "scalers/nats_jetstream/nats_jetstream_metadata.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scalers/http/url.h"

namespace tidal::scalers::nats_jetstream {
namespace {

constexpr ParamSource kMetadata = ParamSource::kTriggerMetadata;
constexpr ParamSource kAuth = ParamSource::kAuthParams;
using M = NatsJetStreamMetadata;

Status validate(const M& md) {
  if (md.account.empty() && md.accountID.empty()) {
    return invalidArgument("no account name or id given");
  }
  // KEDA pastes the endpoint between "<scheme>://" and "/jsz"; anything but host[:port] would
  // silently produce another URL, so it is refused here.
  if (md.natsServerMonitoringEndpoint.find_first_of("/@?# ") != std::string::npos) {
    return invalidArgument(
        "natsServerMonitoringEndpoint must be host:port (no scheme, path or user; use useHttps "
        "for https)");
  }
  return Status::ok();
}

// A JSON array of strings, skipping anything else.
std::vector<std::string> strings(const nlohmann::json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& e : j) {
    if (e.is_string()) out.push_back(e.get<std::string>());
  }
  return out;
}

int64_t count(const nlohmann::json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number()) return static_cast<int64_t>(it->get<double>());
  return 0;
}

std::string text(const nlohmann::json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

const ParamSet<NatsJetStreamMetadata>& natsJetStreamParams() {
  static const ParamSet<M> params =
      ParamSet<M>()
          .add(param("account", &M::account)
                   .order({kAuth, kMetadata})
                   .optional()
                   .example("$G")
                   .describe("name of the NATS account (\"$G\" without accounts configured); "
                             "account or accountID is required"))
          .add(param("accountID", &M::accountID)
                   .order({kAuth, kMetadata})
                   .optional()
                   .describe("id of the NATS account, sent as /jsz?acc=; default account"))
          .add(param("stream", &M::stream).example("JOBS").describe("name of the JetStream stream"))
          .add(param("consumer", &M::consumer)
                   .example("WORKER")
                   .describe("name of the stream's (durable) consumer"))
          .add(param("lagThreshold", &M::lagThreshold)
                   .defaultValue("10")
                   .describe("the target lag (pending + unacknowledged messages) per replica"))
          .add(param("activationLagThreshold", &M::activationLagThreshold)
                   .defaultValue("0")
                   .describe("the trigger is active when the lag is above this"))
          .add(param("useHttps", &M::useHttps)
                   .defaultValue("false")
                   .describe("reach the monitoring endpoint over https (certificate verified)"))
          .add(param("natsServerMonitoringEndpoint", &M::natsServerMonitoringEndpoint)
                   .order({kAuth, kMetadata})
                   .example("nats.nats.svc.cluster.local:8222")
                   .describe("host:port of the NATS server's HTTP monitoring endpoint"))
          .validate(validate);
  return params;
}

std::string jszQuery(std::string_view accountID) {
  // Go's url.Values.Encode order: keys sorted.
  return fmt::format("acc={}&config=true&consumers=true", http::queryEscape(accountID));
}

StatusOr<NatsJetStreamConfig> parseNatsJetStreamConfig(const ScalerConfig& config) {
  constexpr std::string_view kPrefix = "error parsing NATS JetStream metadata";
  StatusOr<M> md = natsJetStreamParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix(kPrefix);
  NatsJetStreamConfig out;
  out.metadata = *std::move(md);
  M& m = out.metadata;
  if (m.accountID.empty()) m.accountID = m.account;
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  out.targetType = *targetType;
  out.scheme = m.useHttps ? "https" : "http";
  out.jszUrl = fmt::format("{}://{}/jsz?{}", out.scheme, m.natsServerMonitoringEndpoint,
                           jszQuery(m.accountID));
  out.timeout = config.globalHttpTimeout;
  out.metricName =
      metricNameWithIndex(config.triggerIndex, normalizeMetricName("nats-jetstream-" + m.stream));
  return out;
}

StatusOr<JszAnswer> parseJsz(std::string_view body, const NatsJetStreamMetadata& md) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return invalidArgument("the /jsz answer is not a JSON object");
  JszAnswer out;
  if (auto mc = doc.find("meta_cluster"); mc != doc.end() && mc->is_object()) {
    out.clusterSize = static_cast<int>(count(*mc, "cluster_size"));
  }
  const auto accounts = doc.find("account_details");
  if (accounts == doc.end() || !accounts->is_array()) return out;
  for (const auto& account : *accounts) {
    if (!account.is_object()) continue;
    const bool match = (!md.accountID.empty() && text(account, "id") == md.accountID) ||
                       (!md.account.empty() && text(account, "name") == md.account);
    if (!match) continue;
    out.accountFound = true;
    const auto streams = account.find("stream_detail");
    if (streams == account.end() || !streams->is_array()) continue;
    for (const auto& stream : *streams) {
      if (!stream.is_object() || text(stream, "name") != md.stream) continue;
      out.streamFound = true;
      const auto consumers = stream.find("consumer_detail");
      if (consumers == stream.end() || !consumers->is_array()) continue;
      for (const auto& consumer : *consumers) {
        if (!consumer.is_object() || text(consumer, "name") != md.consumer) continue;
        ConsumerState state;
        state.numPending = count(consumer, "num_pending");
        state.numAckPending = count(consumer, "num_ack_pending");
        if (auto cl = consumer.find("cluster"); cl != consumer.end() && cl->is_object()) {
          state.leader = text(*cl, "leader");
        }
        out.consumer = state;
        return out;
      }
    }
  }
  return out;
}

StatusOr<VarzAnswer> parseVarz(std::string_view body) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return invalidArgument("the /varz answer is not a JSON object");
  VarzAnswer out;
  out.serverName = text(doc, "server_name");
  if (auto it = doc.find("connect_urls"); it != doc.end()) out.connectUrls = strings(*it);
  if (auto cl = doc.find("cluster"); cl != doc.end() && cl->is_object()) {
    if (auto it = cl->find("urls"); it != cl->end()) out.clusterUrls = strings(*it);
  }
  return out;
}

std::pair<std::string, std::string> splitHostPort(std::string_view endpoint) {
  if (!endpoint.empty() && endpoint.front() == '[') {
    const size_t close = endpoint.find(']');
    if (close != std::string_view::npos) {
      std::string host(endpoint.substr(0, close + 1));
      std::string_view rest = endpoint.substr(close + 1);
      if (!rest.empty() && rest.front() == ':') return {host, std::string(rest.substr(1))};
      return {host, ""};
    }
  }
  const size_t colon = endpoint.rfind(':');
  if (colon == std::string_view::npos || endpoint.find(':') != colon) {
    return {std::string(endpoint), ""};
  }
  return {std::string(endpoint.substr(0, colon)), std::string(endpoint.substr(colon + 1))};
}

}  // namespace tidal::scalers::nats_jetstream
