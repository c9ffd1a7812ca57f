// What the ScaledJob controller asks of the scaling layer, as an interface, so the reconciler can
// be tested without scalers or event sources. The implementation is ScaledJobHandler
// (scaledjob_handler.h).
#pragma once

#include <stop_token>
#include <string_view>

#include "api/types.h"
#include "common/status.h"

namespace tidal::scaling {

class ScalableJobs {
 public:
  virtual ~ScalableJobs() = default;

  // Builds the scalers of `sj` with their authentication resolved (or keeps those built for the
  // same generation). The error names the trigger that failed; the scalers are then dropped so
  // the next attempt re-reads secrets.
  virtual Status ensureScalers(const api::ScaledJob& sj, const std::stop_token& stop) = 0;
  // Starts the scale loop of `sj` (first run at once), or replaces it with the new spec.
  virtual void startLoop(const api::ScaledJob& sj) = 0;
  // Stops the loop and forgets the scalers and the series of the ScaledJob. No-op if none.
  virtual void stopLoop(std::string_view ns, std::string_view name) = 0;
  virtual bool hasLoop(std::string_view ns, std::string_view name) const = 0;
};

}  // namespace tidal::scaling
