#include "scalers/kafka/kafka_metadata.h"

#include <fmt/format.h>

#include "common/strings.h"

namespace tidal::scalers::kafka {
namespace {

constexpr ParamSource kMetadata = ParamSource::kTriggerMetadata;
constexpr ParamSource kEnv = ParamSource::kResolvedEnv;
constexpr ParamSource kAuth = ParamSource::kAuthParams;
using M = KafkaMetadata;

// Sarama's version syntax: "1.0.0", "2.8.1", "0.10.2.0", "3.6.0".
bool validVersion(std::string_view v) {
  const std::vector<std::string> parts = split(v, '.');
  if (parts.size() < 3 || parts.size() > 4) return false;
  for (const std::string& p : parts) {
    if (p.empty() || p.find_first_not_of("0123456789") != std::string::npos) return false;
  }
  return true;
}

// A server address: host:port with a numeric port, nothing a URL or a second property could hide.
bool validServer(std::string_view s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= s.size()) return false;
  const std::string_view port = s.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) {
    return false;
  }
  return s.substr(0, colon).find_first_of(" ,/@?#\t\r\n") == std::string_view::npos;
}

// What both trigger types require: the servers, the group, the thresholds and the TLS material.
Status validateCommon(const M& md) {
  if (md.bootstrapServers.empty()) return invalidArgument("no bootstrapServers given");
  for (const std::string& server : md.bootstrapServers) {
    if (!validServer(server)) {
      return invalidArgument(fmt::format(
          "bootstrapServers must be a comma-separated list of host:port, got \"{}\"", server));
    }
  }
  if (md.consumerGroup.empty()) return invalidArgument("no consumer group given");
  if (md.lagThreshold <= 0) {
    return invalidArgument(
        fmt::format("lagThreshold must be a positive number, got {}", md.lagThreshold));
  }
  if (md.activationLagThreshold < 0) {
    return invalidArgument(fmt::format("activationLagThreshold must be a positive number, got {}",
                                       md.activationLagThreshold));
  }
  for (int64_t p : md.partitionLimitation) {
    if (p < 0 || p > INT32_MAX) {
      return invalidArgument(
          fmt::format("partitionLimitation holds {}, which is not a partition number", p));
    }
  }
  if (md.limitToPartitionsWithLag && md.allowIdleConsumers) {
    return invalidArgument(
        "allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously");
  }
  if (md.limitToPartitionsWithLag && md.topics.empty()) {
    return invalidArgument("topic must be specified when using limitToPartitionsWithLag");
  }
  if (md.tls != "enable" && md.tls != "disable") {
    return invalidArgument(fmt::format("err incorrect value for TLS given: {}", md.tls));
  }
  if (md.tls == "enable") {
    if (!md.cert.empty() && md.key.empty())
      return invalidArgument("key must be provided with cert");
    if (!md.key.empty() && md.cert.empty())
      return invalidArgument("cert must be provided with key");
  }
  return Status::ok();
}

Status validateUserPassword(const M& md) {
  if (md.username.empty()) return invalidArgument("no username given");
  if (md.password.empty()) return invalidArgument("no password given");
  return Status::ok();
}

Status validateMsk(const M& md) {
  if (md.tls != "enable") return invalidArgument("TLS is required for MSK");
  if (md.awsRegion.empty()) return invalidArgument("no awsRegion given");
  return Status::ok();
}

Status validate(M md) {
  if (!md.topic.empty()) md.topics = {md.topic};
  TIDAL_RETURN_IF_ERROR(validateCommon(md));
  if (md.ensureEvenDistributionOfPartitions && md.topic.empty()) {
    return invalidArgument("topic must be specified when using ensureEvenDistributionOfPartitions");
  }
  if (md.ensureEvenDistributionOfPartitions && md.limitToPartitionsWithLag) {
    return invalidArgument(
        "limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set "
        "simultaneously");
  }
  if (!md.fullMetadata && md.topic.empty()) {
    return invalidArgument("topic must be specified when fullMetadata is false");
  }
  if (!validVersion(md.version)) {
    return invalidArgument(
        fmt::format("error parsing kafka version: invalid version `{}`", md.version));
  }
  const std::string& mode = md.sasl;
  if (mode == "plaintext" || mode == "scram_sha256" || mode == "scram_sha512") {
    return validateUserPassword(md);
  }
  if (mode == "oauthbearer") {
    if (md.saslTokenProvider == "bearer") {
      TIDAL_RETURN_IF_ERROR(validateUserPassword(md));
      if (md.oauthTokenEndpointUri.empty()) {
        return invalidArgument("no oauth token endpoint uri given");
      }
      return Status::ok();
    }
    if (md.saslTokenProvider == "aws_msk_iam") return validateMsk(md);
    return invalidArgument(fmt::format(
        "err SASL token provider {} given (expected bearer or aws_msk_iam)", md.saslTokenProvider));
  }
  if (mode == "gssapi") {
    if (md.username.empty()) return invalidArgument("no username given");
    if (md.password.empty() == md.keytab.empty()) {
      return invalidArgument("exactly one of password or keytab must be provided for gssapi");
    }
    return Status::ok();
  }
  if (mode != "none") {
    return invalidArgument(
        fmt::format("err SASL mode {} given (expected none, plaintext, scram_sha256, scram_sha512, "
                    "oauthbearer or gssapi)",
                    mode));
  }
  return Status::ok();
}

// apache-kafka: a list of topics, SASL none/plaintext/scram/aws_msk_iam.
Status validateApache(const M& md) {
  TIDAL_RETURN_IF_ERROR(validateCommon(md));
  const std::string& mode = md.sasl;
  if (mode == "plaintext" || mode == "scram_sha256" || mode == "scram_sha512") {
    return validateUserPassword(md);
  }
  if (mode == "aws_msk_iam") return validateMsk(md);
  if (mode != "none") {
    return invalidArgument(fmt::format(
        "err SASL mode {} given (expected none, plaintext, scram_sha256, scram_sha512 or "
        "aws_msk_iam)",
        mode));
  }
  return Status::ok();
}

}  // namespace

namespace {

// The parameters both trigger types declare the same way.
void addConnectionParams(ParamSet<M>& p) {
  p.add(param("bootstrapServers", &M::bootstrapServers)
            .order({kMetadata, kEnv})
            .example("kafka.default.svc:9092")
            .describe("comma-separated host:port list of the brokers to bootstrap from"));
  p.add(param("consumerGroup", &M::consumerGroup)
            .order({kMetadata, kEnv})
            .example("workers")
            .describe("the consumer group whose lag counts"));
}

void addLagParams(ParamSet<M>& p) {
  p.add(param("partitionLimitation", &M::partitionLimitation)
            .optional()
            .describe("only these partitions of topic count: a list such as 1,2,5-8"));
  p.add(param("lagThreshold", &M::lagThreshold)
            .defaultValue("10")
            .describe("the target lag per replica; above 0"));
  p.add(param("activationLagThreshold", &M::activationLagThreshold)
            .defaultValue("0")
            .describe("the trigger is active when the total lag is above this"));
  p.add(param("offsetResetPolicy", &M::offsetResetPolicy)
            .defaultValue("latest")
            .enumValues({"latest", "earliest"})
            .describe("what the consumers do on a partition without a committed offset: "
                      "latest counts lag 1 there, earliest counts the whole partition"));
  p.add(param("allowIdleConsumers", &M::allowIdleConsumers)
            .defaultValue("false")
            .describe("allow more replicas than partitions"));
  p.add(param("excludePersistentLag", &M::excludePersistentLag)
            .defaultValue("false")
            .describe("ignore a partition's lag while its committed offset stays where it "
                      "was at the last poll (it still counts for activation)"));
  p.add(param("scaleToZeroOnInvalidOffset", &M::scaleToZeroOnInvalidOffset)
            .defaultValue("false")
            .describe("count lag 0 on partitions without a committed offset"));
  p.add(param("limitToPartitionsWithLag", &M::limitToPartitionsWithLag)
            .defaultValue("false")
            .describe("at most one replica per partition that has lag (needs topic)"));
}

void addTlsParams(ParamSet<M>& p) {
  p.add(param("tls", &M::tls)
            .order({kMetadata, kAuth})
            .defaultValue("disable")
            .example("enable")
            .describe("enable or disable TLS to the brokers"));
  p.add(param("unsafeSsl", &M::unsafeSsl)
            .defaultValue("false")
            .describe("skip verification of the brokers' certificates"));
  p.add(param("ca", &M::ca)
            .order({kAuth})
            .optional()
            .describe("PEM CA certificate(s) to verify the brokers with (tls: enable)"));
  p.add(param("cert", &M::cert)
            .order({kAuth})
            .optional()
            .describe("PEM client certificate (tls: enable); needs key"));
  p.add(param("key", &M::key)
            .order({kAuth})
            .optional()
            .secret()
            .describe("PEM private key of the client certificate; needs cert"));
  p.add(param("keyPassword", &M::keyPassword)
            .order({kAuth})
            .optional()
            .secret()
            .describe("password of an encrypted key"));
}

void addUserPasswordParams(ParamSet<M>& p) {
  p.add(param("username", &M::username)
            .order({kAuth})
            .optional()
            .describe("SASL user name (the OAuth client id with oauthbearer)"));
  p.add(param("password", &M::password)
            .order({kAuth})
            .optional()
            .secret()
            .describe("SASL password (the OAuth client secret with oauthbearer)"));
}

}  // namespace

const ParamSet<KafkaMetadata>& kafkaParams() {
  static const ParamSet<M> params = [] {
    ParamSet<M> p;
    addConnectionParams(p);
    p.add(param("topic", &M::topic)
              .order({kMetadata, kEnv})
              .optional()
              .describe("the topic; empty: every topic the group has committed offsets for"));
    addLagParams(p);
    p.add(param("ensureEvenDistributionOfPartitions", &M::ensureEvenDistributionOfPartitions)
              .defaultValue("false")
              .describe("round the replica count up to a factor of the partition count, so "
                        "partitions spread evenly (needs topic)"));
    p.add(param("fullMetadata", &M::fullMetadata)
              .defaultValue("true")
              .describe("false: fetch metadata for topic only (needs topic); tidal always "
                        "asks only for the topics it measures"));
    p.add(param("version", &M::version)
              .defaultValue("1.0.0")
              .describe("Kafka protocol version (checked; librdkafka negotiates the "
                        "version with the broker)"));
    addTlsParams(p);
    p.add(param("sasl", &M::sasl)
              .order({kMetadata, kAuth})
              .defaultValue("none")
              .example("scram_sha512")
              .describe("none, plaintext, scram_sha256, scram_sha512, oauthbearer or gssapi"));
    addUserPasswordParams(p);
    p.add(param("saslTokenProvider", &M::saslTokenProvider)
              .order({kMetadata, kAuth})
              .defaultValue("bearer")
              .describe("with oauthbearer: bearer (OAuth client credentials) or "
                        "aws_msk_iam (not supported by tidal)"));
    p.add(param("scopes", &M::scopes)
              .order({kAuth})
              .optional()
              .describe("OAuth scopes, comma-separated (oauthbearer)"));
    p.add(param("oauthTokenEndpointUri", &M::oauthTokenEndpointUri)
              .order({kAuth})
              .optional()
              .describe("OAuth token endpoint (oauthbearer; required there)"));
    p.add(param("oauthExtensions", &M::oauthExtensions)
              .order({kAuth})
              .optional()
              .describe("SASL extensions k=v,k2=v2 (oauthbearer)"));
    p.add(param("keytab", &M::keytab)
              .order({kAuth})
              .optional()
              .secret()
              .describe("Kerberos keytab (gssapi; not supported by tidal)"));
    p.add(param("realm", &M::realm).order({kAuth}).optional().describe("Kerberos realm"));
    p.add(param("kerberosConfig", &M::kerberosConfig)
              .order({kAuth})
              .optional()
              .describe("krb5.conf content (gssapi)"));
    p.add(param("kerberosServiceName", &M::kerberosServiceName)
              .order({kAuth})
              .defaultValue("kafka")
              .describe("Kerberos service name of the brokers"));
    p.add(param("kerberosDisableFAST", &M::kerberosDisableFAST)
              .order({kAuth})
              .defaultValue("false")
              .describe("disable Kerberos FAST negotiation"));
    p.add(param("awsRegion", &M::awsRegion)
              .optional()
              .describe("AWS region of an MSK cluster (aws_msk_iam)"));
    p.validate(validate);
    return p;
  }();
  return params;
}

const ParamSet<KafkaMetadata>& apacheKafkaParams() {
  static const ParamSet<M> params = [] {
    ParamSet<M> p;
    addConnectionParams(p);
    p.add(param("topic", &M::topics)
              .order({kMetadata, kEnv})
              .optional()
              .describe("comma-separated topics; empty: every topic the group has committed "
                        "offsets for"));
    addLagParams(p);
    addTlsParams(p);
    p.add(param("sasl", &M::sasl)
              .order({kMetadata, kAuth})
              .defaultValue("none")
              .example("scram_sha512")
              .describe("none, plaintext, scram_sha256, scram_sha512 or aws_msk_iam"));
    addUserPasswordParams(p);
    p.add(param("awsRegion", &M::awsRegion)
              .optional()
              .describe("AWS region of an MSK cluster (aws_msk_iam)"));
    p.add(param("awsEndpoint", &M::awsEndpoint)
              .optional()
              .describe("AWS endpoint override (aws_msk_iam)"));
    p.validate(validateApache);
    return p;
  }();
  return params;
}

StatusOr<KafkaConfig> parseKafkaConfig(const ScalerConfig& config) {
  const bool apache = config.triggerType == "apache-kafka";
  StatusOr<M> md = (apache ? apacheKafkaParams() : kafkaParams()).parse(config);
  if (!md.isOk()) return md.status().withPrefix("error parsing kafka metadata");
  KafkaConfig out;
  out.metadata = *std::move(md);
  if (!apache && !out.metadata.topic.empty()) out.metadata.topics = {out.metadata.topic};
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  out.targetType = *targetType;
  out.timeout = config.globalHttpTimeout;
  const std::string suffix = out.metadata.topics.empty()
                                 ? "kafka-" + out.metadata.consumerGroup + "-topics"
                                 : "kafka-" + join(out.metadata.topics, ",");
  out.metricName = metricNameWithIndex(config.triggerIndex, normalizeMetricName(suffix));
  return out;
}

StatusOr<std::vector<std::pair<std::string, std::string>>> clientProperties(const M& md) {
  std::vector<std::pair<std::string, std::string>> p;
  p.emplace_back("bootstrap.servers", serversText(md));
  const bool tls = md.tls == "enable";
  const bool sasl = md.sasl != "none";
  p.emplace_back("security.protocol",
                 sasl ? (tls ? "sasl_ssl" : "sasl_plaintext") : (tls ? "ssl" : "plaintext"));
  if (tls) {
    if (!md.ca.empty()) p.emplace_back("ssl.ca.pem", md.ca);
    if (!md.cert.empty()) p.emplace_back("ssl.certificate.pem", md.cert);
    if (!md.key.empty()) p.emplace_back("ssl.key.pem", md.key);
    if (!md.keyPassword.empty()) p.emplace_back("ssl.key.password", md.keyPassword);
    if (md.unsafeSsl) {
      p.emplace_back("enable.ssl.certificate.verification", "false");
      p.emplace_back("ssl.endpoint.identification.algorithm", "none");
    }
  }
  if (md.sasl == "plaintext" || md.sasl == "scram_sha256" || md.sasl == "scram_sha512") {
    p.emplace_back("sasl.mechanisms", md.sasl == "plaintext"      ? "PLAIN"
                                      : md.sasl == "scram_sha256" ? "SCRAM-SHA-256"
                                                                  : "SCRAM-SHA-512");
    p.emplace_back("sasl.username", md.username);
    p.emplace_back("sasl.password", md.password);
  } else if (md.sasl == "oauthbearer") {
    if (md.saslTokenProvider != "bearer") {
      return Status(
          StatusCode::kUnimplemented,
          "sasl oauthbearer with saslTokenProvider aws_msk_iam is not supported by tidal");
    }
    p.emplace_back("sasl.mechanisms", "OAUTHBEARER");
    p.emplace_back("sasl.oauthbearer.method", "oidc");
    p.emplace_back("sasl.oauthbearer.client.id", md.username);
    p.emplace_back("sasl.oauthbearer.client.secret", md.password);
    p.emplace_back("sasl.oauthbearer.token.endpoint.url", md.oauthTokenEndpointUri);
    if (!md.scopes.empty()) p.emplace_back("sasl.oauthbearer.scope", join(md.scopes, " "));
    if (!md.oauthExtensions.empty()) {
      std::vector<std::string> pairs;
      for (const auto& [k, v] : md.oauthExtensions) pairs.push_back(k + "=" + v);
      p.emplace_back("sasl.oauthbearer.extensions", join(pairs, ","));
    }
  } else if (md.sasl == "aws_msk_iam") {
    return Status(StatusCode::kUnimplemented, "sasl aws_msk_iam is not supported by tidal");
  } else if (md.sasl == "gssapi") {
    return Status(StatusCode::kUnimplemented, "sasl gssapi (Kerberos) is not supported by tidal");
  }
  return p;
}

std::string connectionKey(const M& md) {
  std::string key;
  auto add = [&](std::string_view part) {
    key += std::to_string(part.size());
    key += ':';
    key += part;
  };
  add(serversText(md));
  for (const std::string* s :
       {&md.tls, &md.ca, &md.cert, &md.key, &md.keyPassword, &md.sasl, &md.username, &md.password,
        &md.saslTokenProvider, &md.oauthTokenEndpointUri}) {
    add(*s);
  }
  add(md.unsafeSsl ? "1" : "0");
  add(join(md.scopes, ","));
  for (const auto& [k, v] : md.oauthExtensions) add(k + "=" + v);
  return key;
}

std::string serversText(const M& md) {
  return join(md.bootstrapServers, ",");
}

}  // namespace tidal::scalers::kafka
