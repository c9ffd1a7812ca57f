#include "scalers/rabbitmq/rabbitmq_metadata.h"

#include <vector>

#include <fmt/format.h>

#include "common/strings.h"
#include "scalers/http/url.h"

namespace tidal::scalers::rabbitmq {

using namespace http;  // NOLINT(google-build-using-namespace): the shared URL helpers

namespace {

constexpr double kDefaultQueueLength = 20;
constexpr std::string_view kModeUnknown = "Unknown";
constexpr ParamSource kMetadata = ParamSource::kTriggerMetadata;
constexpr ParamSource kAuth = ParamSource::kAuthParams;
constexpr ParamSource kEnv = ParamSource::kResolvedEnv;

using M = RabbitMqMetadata;

// path.Join(parts...) of Go for the management API prefix: empty and "." segments dropped, ".."
// removes the segment before it.
std::string cleanJoin(const std::vector<std::string>& parts) {
  std::vector<std::string> kept;
  for (const auto& p : parts) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      if (!kept.empty()) kept.pop_back();
      continue;
    }
    kept.push_back(p);
  }
  return join(kept, "/");
}

std::string stripBrackets(const std::string& host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

StatusOr<RabbitMqMode> modeFromName(std::string_view name) {
  if (name == "QueueLength") return RabbitMqMode::kQueueLength;
  if (name == "MessageRate") return RabbitMqMode::kMessageRate;
  if (name == "DeliverGetRate") return RabbitMqMode::kDeliverGetRate;
  if (name == "PublishedToDeliveredRatio") return RabbitMqMode::kPublishedToDeliveredRatio;
  if (name == "ExpectedQueueConsumptionTime") return RabbitMqMode::kExpectedQueueConsumptionTime;
  return invalidArgument(
      fmt::format("trigger mode {} must be one of QueueLength, MessageRate, DeliverGetRate, "
                  "PublishedToDeliveredRatio or ExpectedQueueConsumptionTime",
                  name));
}

StatusOr<RabbitMqOperation> operationFromName(std::string_view name) {
  if (name == "sum") return RabbitMqOperation::kSum;
  if (name == "avg") return RabbitMqOperation::kAvg;
  if (name == "max") return RabbitMqOperation::kMax;
  return invalidArgument(fmt::format("operation mode {} must be one of sum, avg, max", name));
}

// KEDA's validateTrigger: the deprecated queueLength, the default, and the mode/value pair.
Status resolveTrigger(const M& md, RabbitMqProtocol protocol, RabbitMqConfig& out) {
  if (md.queueLength == 0 && md.mode == kModeUnknown && md.value == 0) {
    out.mode = RabbitMqMode::kQueueLength;
    out.value = kDefaultQueueLength;
    return Status::ok();
  }
  if (md.queueLength != 0 && (md.mode != kModeUnknown || md.value != 0)) {
    return invalidArgument("queueLength is deprecated; use mode and value");
  }
  if (md.queueLength != 0) {
    out.mode = RabbitMqMode::kQueueLength;
    out.value = md.queueLength;
    return Status::ok();
  }
  if (md.mode == kModeUnknown) return invalidArgument("mode must be specified");
  if (md.value == 0) return invalidArgument("value must be specified");
  TIDAL_ASSIGN_OR_RETURN(out.mode, modeFromName(md.mode));
  out.value = md.value;
  if (out.mode != RabbitMqMode::kQueueLength && protocol != RabbitMqProtocol::kHttp) {
    return invalidArgument(
        fmt::format("protocol {} not supported; must be HTTP to use trigger mode {}",
                    protocolName(protocol), md.mode));
  }
  if (protocol == RabbitMqProtocol::kAmqp && md.timeout.count() != 0) {
    // KEDA prints the Go time.Duration with %d: nanoseconds.
    return invalidArgument(fmt::format("AMQP protocol doesn't support custom timeouts: {}",
                                       md.timeout.count() * 1000000));
  }
  return Status::ok();
}

// KEDA's Validate(), in its order; the first problem wins as in KEDA.
Status validate(const M& md, RabbitMqProtocol& protocol) {
  if (md.protocol != "amqp" && md.protocol != "http" && md.protocol != "auto") {
    return invalidArgument(fmt::format(
        "the protocol has to be either `amqp`, `http`, or `auto` but is `{}`", md.protocol));
  }
  if (md.tls != "enable" && md.tls != "disable") {
    return invalidArgument(fmt::format("incorrect value for TLS given: {}", md.tls));
  }
  if (md.cert.empty() != md.key.empty()) {
    return invalidArgument("both key and certificate must be provided");
  }
  if (md.pageSize < 1) return invalidArgument("pageSize should be 1 or greater");
  if (md.username.empty() != md.password.empty()) {
    return invalidArgument("username and password must be given together");
  }
  if (md.protocol == "auto") {
    StatusOr<std::string> scheme = urlScheme(md.host);
    if (!scheme.isOk()) {
      return invalidArgument("can't parse host to find protocol: " + scheme.status().message());
    }
    if (*scheme == "amqp" || *scheme == "amqps") {
      protocol = RabbitMqProtocol::kAmqp;
    } else if (*scheme == "http" || *scheme == "https") {
      protocol = RabbitMqProtocol::kHttp;
    } else {
      return invalidArgument(fmt::format("unknown host URL scheme: `{}`", *scheme));
    }
  } else {
    protocol = md.protocol == "http" ? RabbitMqProtocol::kHttp : RabbitMqProtocol::kAmqp;
  }
  if (protocol == RabbitMqProtocol::kAmqp && !md.workloadIdentityResource.empty()) {
    return invalidArgument(
        "workload identity is not supported for the AMQP protocol at the moment");
  }
  const bool anyOAuth =
      !md.oauthTokenUri.empty() || !md.clientId.empty() || !md.clientSecret.empty();
  if (anyOAuth) {
    if (md.oauthTokenUri.empty() || md.clientId.empty() || md.clientSecret.empty()) {
      return invalidArgument(
          "OAuth2 requires tokenUrl clientId and clientSecret to be configured in "
          "TriggerAuthentication");
    }
    if (protocol == RabbitMqProtocol::kAmqp) {
      return invalidArgument(
          "OAuth2 authentication is only supported with HTTP protocol, not AMQP");
    }
    const bool basic = !md.username.empty() && !md.password.empty();
    if (basic || !md.workloadIdentityResource.empty()) {
      return invalidArgument(
          "OAuth2 authentication cannot be combined with username/password authentication or "
          "Azure Workload Identity");
    }
  }
  if (md.useRegex && protocol != RabbitMqProtocol::kHttp) {
    return invalidArgument("configure useRegex=true only with HTTP protocol");
  }
  if (md.excludeUnacknowledged && protocol != RabbitMqProtocol::kHttp) {
    return invalidArgument("configure excludeUnacknowledged=true only with HTTP protocol");
  }
  return Status::ok();
}

StatusOr<AmqpEndpoint> amqpEndpoint(const M& md) {
  StatusOr<Url> url = parseUrl(md.host);
  if (!url.isOk()) {
    return invalidArgument("error parsing RabbitMQ connection string: " + url.status().message());
  }
  if (url->scheme != "amqp" && url->scheme != "amqps") {
    return invalidArgument(
        "error parsing RabbitMQ connection string: AMQP scheme must be either 'amqp://' or "
        "'amqps://'");
  }
  AmqpEndpoint ep;
  ep.host = stripBrackets(url->host);
  ep.port = effectivePort(*url);
  ep.tls = url->scheme == "amqps";
  if (url->hasUserInfo) {
    ep.username = url->username;
    if (url->password) ep.password = *url->password;
  }
  // The vhost is the decoded path without its leading '/'; no path (or just "/") is the default
  // vhost "/", and "%2F" spells "/" explicitly.
  if (url->rawPath.size() > 1) {
    StatusOr<std::string> path = percentDecode(url->rawPath);
    if (!path.isOk()) {
      return invalidArgument(
          "error parsing RabbitMQ connection string: the vhost has a "
          "malformed percent escape");
    }
    ep.vhost = path->substr(1);
  }
  if (!md.vhostName.empty()) ep.vhost = md.vhostName;
  const bool credentialsGiven = !md.username.empty() && !md.password.empty();
  if (credentialsGiven) {
    ep.username = md.username;
    ep.password = md.password;
  }
  ep.useTlsMaterial = md.tls == "enable";
  if (ep.useTlsMaterial) {
    ep.tlsMaterial = {md.ca, md.cert, md.key, md.keyPassword};
    ep.verifyPeer = !md.unsafeSsl;
    ep.saslExternal = !md.cert.empty() && !md.key.empty() && !credentialsGiven &&
                      !(url->hasUserInfo && url->password.has_value());
  }
  return ep;
}

StatusOr<HttpEndpoint> httpEndpoint(const M& md) {
  StatusOr<Url> url = parseUrl(md.host);
  if (!url.isOk()) {
    return invalidArgument("error parsing RabbitMQ management URL: " + url.status().message());
  }
  if (url->scheme != "http" && url->scheme != "https") {
    return invalidArgument(fmt::format(
        "protocol http needs an http:// or https:// host, but the host's scheme is `{}`",
        url->scheme));
  }
  HttpEndpoint ep;
  ep.endpoint = endpointOf(*url);
  // The last path segment is the vhost (still escaped, as written); the segments before it are a
  // prefix under which the management API is served.
  std::vector<std::string> parts = split(url->rawPath, '/', /*trimParts=*/false);
  const std::string last = parts.back();
  parts.pop_back();
  std::string prefix = cleanJoin(parts);
  if (!prefix.empty()) prefix = "/" + prefix;
  ep.vhostSegment = "/" + last;
  if (!md.vhostName.empty()) ep.vhostSegment = "/" + queryEscape(md.vhostName);
  if (ep.vhostSegment == "/") ep.vhostSegment = "/%2F";
  ep.baseUrl = fmt::format("{}://{}{}{}", url->scheme, url->host,
                           url->port ? fmt::format(":{}", *url->port) : std::string(), prefix);
  if (!md.username.empty() && !md.password.empty()) {
    ep.username = md.username;
    ep.password = md.password;
  } else if (url->hasUserInfo) {
    ep.username = url->username;
    ep.password = url->password.value_or("");
  }
  ep.useTlsMaterial = md.tls == "enable";
  if (ep.useTlsMaterial) ep.tlsMaterial = {md.ca, md.cert, md.key, md.keyPassword};
  ep.verifyPeer = !md.unsafeSsl;
  return ep;
}

}  // namespace

const ParamSet<RabbitMqMetadata>& rabbitMqParams() {
  static const ParamSet<M> params =
      ParamSet<M>()
          .add(param("queueName", &M::queueName)
                   .describe("the queue to measure; a regular expression when useRegex is true"))
          .add(param("mode", &M::mode)
                   .defaultValue(std::string(kModeUnknown))
                   .describe("QueueLength, MessageRate, DeliverGetRate, PublishedToDeliveredRatio "
                             "or ExpectedQueueConsumptionTime; all but QueueLength need the "
                             "HTTP protocol. With neither mode, value nor queueLength: "
                             "QueueLength with value 20"))
          .add(param("queueLength", &M::queueLength)
                   .optional()
                   .describe("deprecated: the same as mode QueueLength with this value; cannot "
                             "be combined with mode or value"))
          .add(param("value", &M::value)
                   .optional()
                   .describe("the target per replica (messages, messages/s, a ratio or "
                             "seconds, by mode); required with mode"))
          .add(param("activationValue", &M::activationValue)
                   .optional()
                   .describe("the trigger is active when the measured value is above this "
                             "(default 0)"))
          .add(param("host", &M::host)
                   .order({kMetadata, kAuth, kEnv})
                   .example("amqp://user:password@rabbitmq.default.svc:5672/")
                   .describe("amqp://, amqps://, http:// or https:// URL of the broker or its "
                             "management API, optionally with user:password@ and a /vhost "
                             "path (http: /prefix/vhost)"))
          .add(param("protocol", &M::protocol)
                   .order({kMetadata, kAuth})
                   .defaultValue("auto")
                   .describe("amqp, http or auto (from the host's scheme)"))
          .add(param("vhostName", &M::vhostName)
                   .order({kMetadata, kAuth})
                   .optional()
                   .describe("the vhost, overriding the one in host"))
          .add(param("useRegex", &M::useRegex)
                   .optional()
                   .describe("treat queueName as a regular expression over the vhost's queues "
                             "(HTTP only)"))
          .add(param("excludeUnacknowledged", &M::excludeUnacknowledged)
                   .optional()
                   .describe("count only ready messages, not delivered-but-unacknowledged ones "
                             "(HTTP only)"))
          .add(param("pageSize", &M::pageSize)
                   .defaultValue("100")
                   .describe("queues per management API page with useRegex; at least 1"))
          .add(param("operation", &M::operation)
                   .defaultValue("sum")
                   .describe("how the queues matched by useRegex combine: sum, avg or max"))
          .add(param("timeout", &M::timeout)
                   .optional()
                   .describe("HTTP timeout of this trigger (milliseconds or a Go duration); "
                             "default KEDA_HTTP_DEFAULT_TIMEOUT; not allowed with amqp"))
          .add(param("username", &M::username)
                   .order({kAuth, kEnv})
                   .optional()
                   .describe("user name, overriding the one in host; needs password"))
          .add(param("password", &M::password)
                   .order({kAuth, kEnv})
                   .optional()
                   .secret()
                   .describe("password, overriding the one in host; needs username"))
          .add(param("ca", &M::ca)
                   .order({kAuth})
                   .optional()
                   .describe("PEM CA certificate(s) to verify the server with (tls: enable)"))
          .add(param("cert", &M::cert)
                   .order({kAuth})
                   .optional()
                   .describe("PEM client certificate (tls: enable); needs key"))
          .add(param("key", &M::key)
                   .order({kAuth})
                   .optional()
                   .secret()
                   .describe("PEM private key of the client certificate; needs cert"))
          .add(param("keyPassword", &M::keyPassword)
                   .order({kAuth})
                   .optional()
                   .secret()
                   .describe("password of an encrypted key"))
          .add(param("tls", &M::tls)
                   .order({kAuth})
                   .defaultValue("disable")
                   .describe("enable or disable: whether ca, cert and key are used"))
          .add(param("unsafeSsl", &M::unsafeSsl)
                   .optional()
                   .describe("skip verification of the server's certificate"))
          .add(param("workloadIdentityResource", &M::workloadIdentityResource)
                   .order({kAuth})
                   .optional()
                   .describe("Azure AD resource for workload identity (HTTP only; not yet "
                             "supported by tidal)"))
          .add(param("oauthTokenURI", &M::oauthTokenUri)
                   .order({kAuth})
                   .optional()
                   .describe("OAuth2 client-credentials token URL (HTTP only; not yet supported "
                             "by tidal)"))
          .add(param("clientID", &M::clientId)
                   .order({kAuth})
                   .optional()
                   .describe("OAuth2 client id"))
          .add(param("clientSecret", &M::clientSecret)
                   .order({kAuth})
                   .optional()
                   .secret()
                   .describe("OAuth2 client secret"))
          .add(param("scopes", &M::scopes)
                   .aliases({"scope"})
                   .order({kAuth})
                   .optional()
                   .describe("OAuth2 scopes, comma-separated"))
          .add(param("endpointParams", &M::endpointParams)
                   .order({kAuth})
                   .optional()
                   .describe("extra OAuth2 token request parameters (URL query syntax)"));
  return params;
}

std::string_view protocolName(RabbitMqProtocol protocol) {
  return protocol == RabbitMqProtocol::kHttp ? "http" : "amqp";
}

std::string_view modeName(RabbitMqMode mode) {
  switch (mode) {
    case RabbitMqMode::kQueueLength:
      return "QueueLength";
    case RabbitMqMode::kMessageRate:
      return "MessageRate";
    case RabbitMqMode::kDeliverGetRate:
      return "DeliverGetRate";
    case RabbitMqMode::kPublishedToDeliveredRatio:
      return "PublishedToDeliveredRatio";
    case RabbitMqMode::kExpectedQueueConsumptionTime:
      return "ExpectedQueueConsumptionTime";
  }
  return "QueueLength";
}

std::string_view operationName(RabbitMqOperation op) {
  switch (op) {
    case RabbitMqOperation::kSum:
      return "sum";
    case RabbitMqOperation::kAvg:
      return "avg";
    case RabbitMqOperation::kMax:
      return "max";
  }
  return "sum";
}

std::string AmqpEndpoint::poolKey() const {
  // '\x1f' (unit separator) cannot occur in a host, vhost or PEM text worth sharing on.
  return fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}",
                     host, port, vhost, username, password, tls, useTlsMaterial, tlsMaterial.ca,
                     tlsMaterial.cert, tlsMaterial.key, tlsMaterial.keyPassword, verifyPeer,
                     saslExternal);
}

std::string AmqpEndpoint::endpoint() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string HttpEndpoint::queueUrl(std::string_view queueName) const {
  return fmt::format("{}/api/queues{}/{}", baseUrl, vhostSegment, queryEscape(queueName));
}

std::string HttpEndpoint::regexPageUrl(std::string_view pattern, int64_t pageSize,
                                       int64_t page) const {
  return fmt::format("{}/api/queues{}?page={}&use_regex=true&pagination=false&name={}&page_size={}",
                     baseUrl, vhostSegment, page, queryEscape(pattern), pageSize);
}

std::string rabbitMqMetricName(int triggerIndex, std::string_view queueName) {
  return metricNameWithIndex(triggerIndex,
                             normalizeMetricName("rabbitmq-" + queryEscape(queueName)));
}

StatusOr<RabbitMqConfig> parseRabbitMqConfig(const ScalerConfig& config) {
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");

  StatusOr<M> md = rabbitMqParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix("error parsing RabbitMQ metadata");

  RabbitMqConfig out;
  Status s = validate(*md, out.protocol);
  if (s.isOk()) s = resolveTrigger(*md, out.protocol, out);
  // Deliberate difference: KEDA only complains about an unknown operation when a poll returns
  // queues; tidal refuses it up front (where it matters: with useRegex).
  if (s.isOk() && md->useRegex) {
    StatusOr<RabbitMqOperation> op = operationFromName(md->operation);
    if (op.isOk()) {
      out.operation = *op;
    } else {
      s = op.status();
    }
  }
  if (s.isOk() && (!md->workloadIdentityResource.empty() || !md->oauthTokenUri.empty())) {
    return Status(StatusCode::kUnimplemented,
                  "error parsing RabbitMQ metadata: Azure workload identity and OAuth2 "
                  "authentication of the rabbitmq trigger are not supported by tidal yet; use "
                  "username and password");
  }
  if (s.isOk()) {
    if (out.protocol == RabbitMqProtocol::kAmqp) {
      StatusOr<AmqpEndpoint> ep = amqpEndpoint(*md);
      if (ep.isOk()) {
        out.amqp = *std::move(ep);
      } else {
        s = ep.status();
      }
    } else {
      StatusOr<HttpEndpoint> ep = httpEndpoint(*md);
      if (ep.isOk()) {
        out.http = *std::move(ep);
      } else {
        s = ep.status();
      }
    }
  }
  if (!s.isOk()) return s.withPrefix("error parsing RabbitMQ metadata");

  out.targetType = *std::move(targetType);
  out.metricName = rabbitMqMetricName(config.triggerIndex, md->queueName);
  out.timeout = md->timeout.count() != 0 ? md->timeout : config.globalHttpTimeout;
  if (out.timeout.count() <= 0) out.timeout = std::chrono::milliseconds(300);  // KEDA's floor
  out.displayHost = redactUrl(md->host);
  out.metadata = *std::move(md);
  return out;
}

}  // namespace tidal::scalers::rabbitmq
