// The `beanstalkd` trigger: scales on the jobs waiting in a beanstalkd tube. Each poll sends
// `stats-tube <tube>` and reports current-jobs-ready + current-jobs-reserved (+
// current-jobs-delayed with includeDelayed). A tube the server does not know counts as 0 jobs,
// as in KEDA: beanstalkd creates a tube when a client uses it and drops it when it is empty and
// nobody watches it, so "no tube" is the normal idle state.
//
// Example trigger:
//   - type: beanstalkd
//     metadata: {server: "beanstalkd.jobs.svc:11300", tube: "emails", value: "5"}
//
// Metric `s<i>-beanstalkd-<QueryEscape(tube)>` (normalised), target milli(value), active when the
// count exceeds activationValue. Connections are shared per host:port (beanstalkd_connection.h);
// building a scaler does no I/O. Poll errors read "error interacting with beanstalkd: trigger
// <metric> at <server>: <cause>"; connection failures and time-outs are retryable.
#pragma once

#include <memory>

#include "common/status.h"
#include "scalers/beanstalkd/beanstalkd_connection.h"
#include "scalers/beanstalkd/beanstalkd_metadata.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {

// Builds the scaler for a `beanstalkd` trigger (see parseBeanstalkdConfig for the errors).
StatusOr<std::unique_ptr<Scaler>> newBeanstalkdScaler(const ScalerConfig& config,
                                                      const ScalerContext& context);

// The same, with an injected reader (for tests); nullptr takes the shared connection.
StatusOr<std::unique_ptr<Scaler>> newBeanstalkdScalerWithReader(
    const ScalerConfig& config, std::shared_ptr<beanstalkd::TubeStatsReader> reader);

}  // namespace tidal::scalers
