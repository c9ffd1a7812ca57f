#include "scalers/nats_jetstream/nats_jetstream_scaler.h"

#include <fmt/format.h>

#include "common/strings.h"
#include "scalers/builtin.h"
#include "scalers/http/http_auth.h"
#include "scalers/http/url.h"

namespace tidal::scalers {
namespace {

using nats_jetstream::ConsumerState;
using nats_jetstream::JszAnswer;
using nats_jetstream::NatsJetStreamConfig;

constexpr size_t kMaxBodyInMessage = 256;

class NatsJetStreamScaler : public Scaler {
 public:
  NatsJetStreamScaler(NatsJetStreamConfig config, std::shared_ptr<http::HttpGetter> getter)
      : config_(std::move(config)), getter_(std::move(getter)) {}

  std::vector<MetricSpec> metricSpecs() const override {
    return {externalMetricSpecInt(config_.metricName, config_.targetType,
                                  config_.metadata.lagThreshold)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    if (!getter_) return failedPrecondition("the nats-jetstream scaler is closed");
    StatusOr<int64_t> lag = consumerLag();
    if (!lag.isOk()) {
      const std::string what =
          fmt::format("nats-jetstream trigger {} at {}: {}", config_.metricName,
                      config_.metadata.natsServerMonitoringEndpoint, lag.status().message());
      return Status(lag.status().code(), http::maskSecrets(what, {}));
    }
    MetricsAndActivity out;
    out.metrics.push_back(metricValueMilli(std::string(metricName), static_cast<double>(*lag)));
    out.active = *lag > config_.metadata.activationLagThreshold;
    return out;
  }

  std::optional<double> activationTarget() const override {
    return static_cast<double>(config_.metadata.activationLagThreshold);
  }

  void close() override { getter_.reset(); }

  Json describe() const override {
    const auto& md = config_.metadata;
    return Json{{"natsServerMonitoringEndpoint", md.natsServerMonitoringEndpoint},
                {"account", md.account},
                {"accountID", md.accountID},
                {"stream", md.stream},
                {"consumer", md.consumer},
                {"lagThreshold", md.lagThreshold},
                {"activationLagThreshold", md.activationLagThreshold},
                {"useHttps", md.useHttps},
                {"monitoringURL", config_.jszUrl},
                {"timeout", config_.timeout.count()}};
  }

 private:
  static int64_t lagOf(const ConsumerState& c) { return c.numPending + c.numAckPending; }

  StatusOr<std::string> fetch(const std::string& url) {
    http::HttpRequest request;
    request.url = url;
    request.timeout = config_.timeout;
    TIDAL_ASSIGN_OR_RETURN(http::HttpResponse response, getter_->get(request));
    if (response.status < 200 || response.status > 299) {
      std::string body = std::move(response.body);
      if (body.size() > kMaxBodyInMessage) body = body.substr(0, kMaxBodyInMessage) + "...";
      return Status(http::codeForHttpStatus(response.status),
                    fmt::format("GET {} returned {}: {}", withoutQuery(url),
                                http::httpStatusLine(response.status), trim(body)));
    }
    return std::move(response.body);
  }

  StatusOr<JszAnswer> jsz(const std::string& url) {
    TIDAL_ASSIGN_OR_RETURN(std::string body, fetch(url));
    return nats_jetstream::parseJsz(body, config_.metadata);
  }

  static std::string withoutQuery(const std::string& url) { return url.substr(0, url.find('?')); }

  // The lag, from the cached leader, the endpoint itself (standalone) or the cluster's leader.
  StatusOr<int64_t> consumerLag() {
    if (!leaderUrl_.empty()) {
      StatusOr<JszAnswer> cached = jsz(leaderUrl_);
      if (cached.isOk() && cached->consumer && cached->consumer->leader == leaderName_) {
        return lagOf(*cached->consumer);
      }
      // The leader moved, the node is gone or the consumer with it: search again.
      leaderUrl_.clear();
      leaderName_.clear();
    }
    TIDAL_ASSIGN_OR_RETURN(JszAnswer answer, jsz(config_.jszUrl));
    if (answer.clusterSize > 1) return clusterLag(answer);
    return standaloneLag(answer);
  }

  StatusOr<int64_t> standaloneLag(const JszAnswer& answer) const {
    const auto& md = config_.metadata;
    if (!answer.accountFound) {
      return notFound(fmt::format("account {} not found", md.accountID));
    }
    if (!answer.streamFound) {
      return notFound(fmt::format("stream {} not found in account {}", md.stream, md.accountID));
    }
    if (!answer.consumer) {
      return notFound(fmt::format("consumer {} not found in stream {}", md.consumer, md.stream));
    }
    return lagOf(*answer.consumer);
  }

  // The monitoring URL of a node at `host` (the endpoint's port kept), path and query appended.
  std::string nodeUrl(const std::string& host, std::string_view pathAndQuery) const {
    const auto [endpointHost, port] =
        nats_jetstream::splitHostPort(config_.metadata.natsServerMonitoringEndpoint);
    return fmt::format("{}://{}{}{}", config_.scheme, host, port.empty() ? "" : ":" + port,
                       pathAndQuery);
  }

  StatusOr<int64_t> clusterLag(const JszAnswer& first) {
    const auto& md = config_.metadata;
    const std::string base =
        fmt::format("{}://{}", config_.scheme, md.natsServerMonitoringEndpoint);
    const std::string jszPath = "/jsz?" + nats_jetstream::jszQuery(md.accountID);
    TIDAL_ASSIGN_OR_RETURN(std::string varzBody, fetch(base + "/varz"));
    TIDAL_ASSIGN_OR_RETURN(nats_jetstream::VarzAnswer varz, nats_jetstream::parseVarz(varzBody));

    // The node behind the endpoint may be the leader itself: no further request needed.
    if (first.consumer && !varz.serverName.empty() && first.consumer->leader == varz.serverName) {
      remember(config_.jszUrl, varz.serverName);
      return lagOf(*first.consumer);
    }

    struct Candidate {
      std::string name;  // "" until asked (advertised nodes tell their name on /varz)
      std::string jszUrl;
      std::string varzUrl;
    };
    std::vector<Candidate> candidates;
    if (!varz.connectUrls.empty()) {
      // Advertised client URLs ("nats-1.nats.svc:4222", "10.0.0.3:4222"): the node's host with
      // the monitoring endpoint's port.
      for (std::string url : varz.connectUrls) {
        if (const size_t scheme = url.find("://"); scheme != std::string::npos) {
          url = url.substr(scheme + 3);
        }
        const std::string host = nats_jetstream::splitHostPort(url).first;
        candidates.push_back({"", nodeUrl(host, jszPath), nodeUrl(host, "/varz")});
      }
    } else {
      // Route URLs only ("nats-1.nats.svc:6222"): KEDA's rule for a headless Service, the first
      // DNS label is the server name and "<name>.<endpoint>" reaches its monitoring port.
      for (std::string url : varz.clusterUrls) {
        if (const size_t scheme = url.find("://"); scheme != std::string::npos) {
          url = url.substr(scheme + 3);
        }
        const std::string node = url.substr(0, url.find('.'));
        candidates.push_back({node,
                              fmt::format("{}://{}.{}{}", config_.scheme, node,
                                          md.natsServerMonitoringEndpoint, jszPath),
                              ""});
      }
    }

    Status lastError = Status::ok();
    for (Candidate& c : candidates) {
      if (c.name.empty()) {
        StatusOr<std::string> body = fetch(c.varzUrl);
        StatusOr<nats_jetstream::VarzAnswer> v =
            body.isOk() ? nats_jetstream::parseVarz(*body)
                        : StatusOr<nats_jetstream::VarzAnswer>(body.status());
        if (!v.isOk()) {
          lastError = v.status();
          continue;
        }
        c.name = v->serverName;
      }
      StatusOr<JszAnswer> answer = jsz(c.jszUrl);
      if (!answer.isOk()) {
        lastError = answer.status();
        continue;
      }
      if (answer->consumer && !c.name.empty() && answer->consumer->leader == c.name) {
        remember(c.jszUrl, c.name);
        return lagOf(*answer->consumer);
      }
    }
    std::string message = fmt::format(
        "leader node not found for consumer {} (stream {}, {} of "
        "{} cluster nodes asked)",
        md.consumer, md.stream, candidates.size(), first.clusterSize);
    if (!lastError.isOk()) {
      return Status(lastError.code(), message + "; last error: " + lastError.message());
    }
    return notFound(std::move(message));
  }

  void remember(std::string url, std::string name) {
    leaderUrl_ = std::move(url);
    leaderName_ = std::move(name);
  }

  NatsJetStreamConfig config_;
  std::shared_ptr<http::HttpGetter> getter_;
  // The consumer leader's /jsz URL and server name, once found in a cluster.
  std::string leaderUrl_;
  std::string leaderName_;
};

}  // namespace

StatusOr<std::unique_ptr<Scaler>> newNatsJetStreamScalerWithGetter(
    const ScalerConfig& config, std::shared_ptr<http::HttpGetter> getter) {
  TIDAL_ASSIGN_OR_RETURN(NatsJetStreamConfig cfg, nats_jetstream::parseNatsJetStreamConfig(config));
  if (!getter) getter = http::sharedGetter(cfg.jszUrl, http::HttpTlsOptions{.verifyPeer = true});
  return std::unique_ptr<Scaler>(
      std::make_unique<NatsJetStreamScaler>(std::move(cfg), std::move(getter)));
}

StatusOr<std::unique_ptr<Scaler>> newNatsJetStreamScaler(const ScalerConfig& config,
                                                         const ScalerContext& /*context*/) {
  return newNatsJetStreamScalerWithGetter(config, nullptr);
}

void registerNatsJetStreamScaler(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "nats-jetstream",
                        .description = "the lag of a NATS JetStream consumer",
                        .params = nats_jetstream::natsJetStreamParams().infos(),
                        .create = newNatsJetStreamScaler,
                        .metricsLabel = "natsJetStreamScaler",
                    });
}

}  // namespace tidal::scalers
