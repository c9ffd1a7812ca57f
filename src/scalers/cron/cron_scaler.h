// The `cron` trigger: scales a workload to `desiredReplicas` between two recurring instants.
//
// A trigger names a time zone and two cron schedules (see cron_schedule.h). At each poll the
// scaler asks both schedules for their next firing after "now" on that zone's wall clock; the
// trigger is active exactly when the next boundary to come is an `end` (so it is inside a
// start..end window), and its metric is then `desiredReplicas` (else 0) against an integer target
// of 1, so an AverageValue HPA asks for `desiredReplicas` pods. Metric name
// `s<i>-cron-<timezone>-<start>-<end>` with KEDA's character substitutions.
//
// Example trigger:
//   - type: cron
//     metadata: {timezone: Europe/Berlin, start: "0 8 * * 1-5", end: "0 18 * * 1-5",
//                desiredReplicas: "10"}
//
// The time comes from ScalerContext::clock, never from the system directly, so tests pin it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {

// The trigger's metadata as written (values trimmed), before the schedules are parsed.
struct CronMetadata {
  std::string start;
  std::string end;
  std::string timezone;
  int64_t desiredReplicas = 0;
};

// Builds the scaler for a `cron` trigger. Everything is checked here: the metric type, the four
// parameters, both schedules, that start and end differ, that desiredReplicas is non-zero, and
// that the time zone exists. Errors are InvalidArgument prefixed "error parsing cron metadata: "
// as in KEDA (the metric type error is prefixed "error getting scaler metric type: ").
// `context.clock` must outlive the scaler.
StatusOr<std::unique_ptr<Scaler>> newCronScaler(const ScalerConfig& config,
                                                const ScalerContext& context);

}  // namespace tidal::scalers
