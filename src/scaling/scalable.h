// What the controllers ask of the scaling layer, as an interface, so reconcilers can be tested
// without scalers or event sources.
//
// The ScaledObject reconciler needs each trigger's metric specs to build the HPA (which means the
// scalers must be built, with their authentication resolved), and starts or stops the object's
// scale loop. The concrete implementation is ScaleHandler (scale_handler.h).
#pragma once

#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "common/status.h"
#include "scalers/scaler.h"

namespace tidal::scaling {

// metricSpecs[i] = the specs of spec.triggers[i].
using TriggerMetricSpecs = std::vector<std::vector<scalers::MetricSpec>>;

// "scaledobject.<ns>.<name>" / "scaledjob.<ns>.<name>", lower-cased: the key of a scale loop, as
// KEDA writes it in its logs.
std::string loopKey(std::string_view kind, std::string_view ns, std::string_view name);

class ScalableObjects {
 public:
  virtual ~ScalableObjects() = default;

  // Builds the scalers of `so` (or reuses those built for the same generation) and returns each
  // trigger's metric specs. Errors name the trigger that failed.
  virtual StatusOr<TriggerMetricSpecs> metricSpecs(const api::ScaledObject& so,
                                                   const std::stop_token& stop) = 0;
  // Starts the scale loop of `so`, or restarts it with the new spec.
  virtual void startLoop(const api::ScaledObject& so) = 0;
  // Stops the loop and forgets the scalers and cached metrics. No-op if there is none.
  virtual void stopLoop(std::string_view ns, std::string_view name) = 0;
  virtual bool hasLoop(std::string_view ns, std::string_view name) const = 0;
};

}  // namespace tidal::scaling
