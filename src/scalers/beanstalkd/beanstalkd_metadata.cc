#include "scalers/beanstalkd/beanstalkd_metadata.h"

#include <map>

#include <fmt/format.h>

#include "common/strings.h"
#include "scalers/http/url.h"

namespace tidal::scalers::beanstalkd {
namespace {

using M = BeanstalkdMetadata;

// host:port with a numeric port; IPv6 hosts in brackets. Returns false when malformed.
bool splitServer(std::string_view server, std::string& host, std::string& port) {
  size_t colon = std::string_view::npos;
  if (!server.empty() && server.front() == '[') {
    const size_t close = server.find(']');
    if (close == std::string_view::npos || close + 1 >= server.size() || server[close + 1] != ':') {
      return false;
    }
    host = std::string(server.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = server.rfind(':');
    if (colon == std::string_view::npos || server.find(':') != colon) return false;
    host = std::string(server.substr(0, colon));
  }
  port = std::string(server.substr(colon + 1));
  if (host.empty() || port.empty() || port.size() > 5) return false;
  if (host.find_first_of(" /@?#") != std::string::npos) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  const int n = std::stoi(port);
  return n >= 1 && n <= 65535;
}

Status validate(const M& md) {
  std::string host, port;
  if (!splitServer(md.server, host, port)) {
    return invalidArgument(fmt::format("server must be host:port, got \"{}\"", md.server));
  }
  if (!validTubeName(md.tube)) {
    return invalidArgument(
        "tube must be 1 to 200 of the characters A-Z a-z 0-9 - + / ; . $ _ ( ) and must not "
        "start with -");
  }
  if (md.timeout.count() <= 0) return invalidArgument("timeout must be a positive duration");
  return Status::ok();
}

}  // namespace

bool validTubeName(std::string_view tube) {
  if (tube.empty() || tube.size() > 200 || tube.front() == '-') return false;
  for (char c : tube) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("-+/;.$_()").find(c) == std::string_view::npos) return false;
  }
  return true;
}

const ParamSet<BeanstalkdMetadata>& beanstalkdParams() {
  static const ParamSet<M> params =
      ParamSet<M>()
          .add(param("server", &M::server)
                   .example("beanstalkd.jobs.svc.cluster.local:11300")
                   .describe("host:port of the beanstalkd server"))
          .add(param("tube", &M::tube).example("default").describe("the tube to measure"))
          .add(param("value", &M::value).describe("the target number of jobs per replica"))
          .add(param("activationValue", &M::activationValue)
                   .defaultValue("0")
                   .describe("the trigger is active when the job count is above this"))
          .add(param("includeDelayed", &M::includeDelayed)
                   .defaultValue("false")
                   .describe("count delayed jobs too (ready and reserved jobs always count)"))
          .add(param("timeout", &M::timeout)
                   .defaultValue("30")
                   .describe("connect timeout: a Go duration (\"2s\") or an integer number of "
                             "MILLISECONDS, as KEDA parses it (the default 30 is 30 ms)"))
          .validate(validate);
  return params;
}

StatusOr<BeanstalkdConfig> parseBeanstalkdConfig(const ScalerConfig& config) {
  constexpr std::string_view kPrefix = "error parsing beanstalkd metadata";
  StatusOr<M> md = beanstalkdParams().parse(config);
  if (!md.isOk()) return md.status().withPrefix(kPrefix);
  BeanstalkdConfig out;
  out.metadata = *std::move(md);
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  out.targetType = *targetType;
  splitServer(out.metadata.server, out.host, out.port);  // validated above
  out.ioTimeout = config.globalHttpTimeout;
  out.metricName = metricNameWithIndex(
      config.triggerIndex,
      normalizeMetricName("beanstalkd-" + http::queryEscape(out.metadata.tube)));
  return out;
}

StatusOr<TubeStats> parseTubeStats(std::string_view yaml) {
  std::map<std::string, std::string, std::less<>> fields;
  for (const std::string& line : split(yaml, '\n')) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;  // "---" and blank lines
    fields[std::string(trim(std::string_view(line).substr(0, colon)))] =
        std::string(trim(std::string_view(line).substr(colon + 1)));
  }
  TubeStats out;
  const struct {
    const char* key;
    int64_t TubeStats::*field;
    bool required;
  } kCounters[] = {
      {"current-jobs-ready", &TubeStats::ready, true},
      {"current-jobs-reserved", &TubeStats::reserved, true},
      {"current-jobs-delayed", &TubeStats::delayed, true},
      {"current-jobs-urgent", &TubeStats::urgent, false},
      {"current-jobs-buried", &TubeStats::buried, false},
      {"total-jobs", &TubeStats::total, false},
  };
  for (const auto& c : kCounters) {
    const auto it = fields.find(c.key);
    if (it == fields.end()) {
      if (!c.required) continue;
      return invalidArgument(fmt::format("stats-tube answer has no {}", c.key));
    }
    const std::optional<int64_t> n = parseGoInt(it->second);
    if (!n) {
      return invalidArgument(
          fmt::format("stats-tube answer: {} is not a number: \"{}\"", c.key, it->second));
    }
    out.*c.field = *n;
  }
  return out;
}

int64_t jobCount(const TubeStats& stats, bool includeDelayed) {
  return stats.ready + stats.reserved + (includeDelayed ? stats.delayed : 0);
}

}  // namespace tidal::scalers::beanstalkd
