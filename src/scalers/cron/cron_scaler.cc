#include "scalers/cron/cron_scaler.h"

#include <fmt/format.h>

#include "common/clock.h"
#include "common/strings.h"
#include "scalers/builtin.h"
#include "scalers/cron/cron_schedule.h"
#include "scalers/params.h"

namespace tidal::scalers {
namespace {

// Declared in KEDA's order (start, end, timezone, desiredReplicas), so that "missing required
// parameter" errors come out in the same order.
const ParamSet<CronMetadata>& cronParams() {
  static const ParamSet<CronMetadata> params =
      ParamSet<CronMetadata>()
          .add(param("start", &CronMetadata::start)
                   .describe("cron expression (minute hour day-of-month month day-of-week) at "
                             "which the window opens, e.g. \"0 8 * * 1-5\""))
          .add(param("end", &CronMetadata::end)
                   .describe("cron expression at which the window closes; must differ from "
                             "start"))
          .add(param("timezone", &CronMetadata::timezone)
                   .describe("IANA time zone the schedules are read in, e.g. Europe/Berlin"))
          .add(param("desiredReplicas", &CronMetadata::desiredReplicas)
                   .describe("replicas to run inside the window; must not be 0"));
  return params;
}

// KEDA's spelling of a cron expression inside a metric name: spaces dropped, and the characters
// a metric name cannot carry spelled out.
std::string metricSpelling(std::string_view spec) {
  std::string out;
  for (char ch : spec) {
    switch (ch) {
      case ' ':
        break;
      case '*':
        out += 'x';
        break;
      case '/':
        out += "Sl";
        break;
      case '?':
        out += "Qm";
        break;
      case ',':
        out += "Cm";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

// Everything the scaler needs, checked.
struct CronConfig {
  CronMetadata metadata;
  CronSchedule start;
  CronSchedule end;
  const date::time_zone* zone = nullptr;
  std::string metricName;
  std::string targetType;
};

StatusOr<CronConfig> parseCronConfig(const ScalerConfig& config) {
  TIDAL_ASSIGN_OR_RETURN(CronMetadata md, cronParams().parse(config));

  // KEDA stops at its first complaint; tidal lists every one (in KEDA's order, with its texts),
  // which is what `tidal check` wants.
  std::vector<std::string> problems;
  StatusOr<CronSchedule> start = CronSchedule::parse(md.start);
  if (!start.isOk())
    problems.emplace_back("error parsing start schedule: " + start.status().message());
  StatusOr<CronSchedule> end = CronSchedule::parse(md.end);
  if (!end.isOk()) problems.emplace_back("error parsing end schedule: " + end.status().message());
  if (md.start == md.end)
    problems.emplace_back("start and end can not have exactly same time input");
  if (md.desiredReplicas == 0) problems.emplace_back("no desiredReplicas specified");
  // Deliberate difference from KEDA: KEDA loads the zone only when it polls, so a misspelt zone
  // shows up later as a failing metric. tidal checks it here with everything else, which lets
  // `tidal check` and the admission webhook refuse it before it is deployed.
  StatusOr<const date::time_zone*> zone = loadTimeZone(md.timezone);
  if (!zone.isOk()) {
    if (zone.status().code() != StatusCode::kInvalidArgument) {
      return zone.status().withPrefix("unable to load timezone");  // no database: not the user's
    }
    problems.emplace_back("unable to load timezone: " + zone.status().message());
  }
  if (!problems.empty()) return invalidArgument(join(problems, "\n"));

  CronConfig out;
  out.start = *std::move(start);
  out.end = *std::move(end);
  out.zone = *zone;
  out.metricName = metricNameWithIndex(
      config.triggerIndex,
      normalizeMetricName(fmt::format("cron-{}-{}-{}", md.timezone, metricSpelling(md.start),
                                      metricSpelling(md.end))));
  out.metadata = std::move(md);
  return out;
}

class CronScaler : public Scaler {
 public:
  CronScaler(CronConfig config, const Clock* clock) : config_(std::move(config)), clock_(clock) {}

  std::vector<MetricSpec> metricSpecs() const override {
    return {externalMetricSpecInt(config_.metricName, config_.targetType, 1)};
  }

  StatusOr<MetricsAndActivity> metricsAndActivity(std::string_view metricName) override {
    MetricsAndActivity out;
    out.active = activeAt(clock_->now());
    const double value = out.active ? static_cast<double>(config_.metadata.desiredReplicas) : 0.0;
    out.metrics.push_back(metricValueMilli(std::string(metricName), value));
    return out;
  }

  Json describe() const override {
    return Json{{"timezone", config_.metadata.timezone},
                {"start", config_.metadata.start},
                {"end", config_.metadata.end},
                {"desiredReplicas", config_.metadata.desiredReplicas}};
  }

 private:
  // Inside a window exactly when the next boundary to come is an end (ties count as inside, as
  // in KEDA). A schedule that never fires again counts as infinitely far away.
  bool activeAt(std::chrono::system_clock::time_point now) const {
    const auto never = std::chrono::sys_seconds::max();
    const auto nextStart = config_.start.next(now, config_.zone).value_or(never);
    const auto nextEnd = config_.end.next(now, config_.zone).value_or(never);
    return !(nextStart < nextEnd);
  }

  CronConfig config_;
  const Clock* clock_;
};

}  // namespace

StatusOr<std::unique_ptr<Scaler>> newCronScaler(const ScalerConfig& config,
                                                const ScalerContext& context) {
  StatusOr<std::string> targetType = externalMetricTargetType(config);
  if (!targetType.isOk()) return targetType.status().withPrefix("error getting scaler metric type");
  StatusOr<CronConfig> parsed = parseCronConfig(config);
  if (!parsed.isOk()) return parsed.status().withPrefix("error parsing cron metadata");
  parsed->targetType = *std::move(targetType);
  const Clock* clock = context.clock != nullptr ? context.clock : &SystemClock::instance();
  return std::unique_ptr<Scaler>(std::make_unique<CronScaler>(*std::move(parsed), clock));
}

void registerCronScaler(ScalerRegistry& registry) {
  mustAdd(registry, ScalerType{
                        .name = "cron",
                        .description = "a fixed replica count inside recurring time windows "
                                       "(start and end cron schedules in a time zone)",
                        .params = cronParams().infos(),
                        .create = newCronScaler,
                        .metricsLabel = "cronScaler",
                    });
}

}  // namespace tidal::scalers
