// The `beanstalkd` trigger's configuration (spec/keda-scalers.md §2.12) and the pure parts of
// beanstalkd's text protocol the scaler needs: tube-name rules, the server address, and the
// `stats-tube` answer. No I/O.
//
// Example:
//   ScalerConfig c; c.triggerType = "beanstalkd";
//   c.triggerMetadata = {{"server", "beanstalkd.jobs.svc:11300"}, {"tube", "emails"},
//                        {"value", "5"}};
//   StatusOr<BeanstalkdConfig> cfg = parseBeanstalkdConfig(c);
//   cfg->metricName == "s0-beanstalkd-emails"; cfg->host == "beanstalkd.jobs.svc";
//   cfg->port == "11300"; cfg->metadata.timeout == 30ms (KEDA's default, see the docs)
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "scalers/params.h"
#include "scalers/scaler.h"

namespace tidal::scalers::beanstalkd {

struct BeanstalkdMetadata {
  std::string server;  // host:port
  std::string tube;
  double value = 0;
  double activationValue = 0;
  bool includeDelayed = false;
  std::chrono::milliseconds timeout{30};  // connect timeout
};

const ParamSet<BeanstalkdMetadata>& beanstalkdParams();

struct BeanstalkdConfig {
  BeanstalkdMetadata metadata;
  std::string metricName;  // s<i>-beanstalkd-<QueryEscape(tube)>, normalised
  std::string targetType;  // AverageValue | Value
  std::string host;        // without IPv6 brackets
  std::string port;
  std::chrono::milliseconds ioTimeout{3000};  // one command's round trip
};

// Parses and validates one trigger: kInvalidArgument with KEDA's texts, prefixed
// "error parsing beanstalkd metadata: ".
StatusOr<BeanstalkdConfig> parseBeanstalkdConfig(const ScalerConfig& config);

// Whether `tube` is a name beanstalkd accepts: 1 to 200 bytes of A-Z a-z 0-9 and - + / ; . $ _ ( ),
// not starting with '-'. (Anything else would be BAD_FORMAT, or worse, a second command.)
bool validTubeName(std::string_view tube);

// The counters of one tube, from `stats-tube`.
struct TubeStats {
  int64_t ready = 0;     // current-jobs-ready
  int64_t reserved = 0;  // current-jobs-reserved
  int64_t delayed = 0;   // current-jobs-delayed
  int64_t urgent = 0;    // current-jobs-urgent
  int64_t buried = 0;    // current-jobs-buried
  int64_t total = 0;     // total-jobs
};

// Reads the YAML dictionary of a `stats-tube` answer ("---\nname: jobs\ncurrent-jobs-ready: 2\n
// ..."). kInvalidArgument when a current-jobs-ready/reserved/delayed counter is missing or not a
// number.
StatusOr<TubeStats> parseTubeStats(std::string_view yaml);

// KEDA's value: ready + reserved, + delayed with includeDelayed.
int64_t jobCount(const TubeStats& stats, bool includeDelayed);

}  // namespace tidal::scalers::beanstalkd
