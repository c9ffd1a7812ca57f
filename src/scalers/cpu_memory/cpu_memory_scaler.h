// The `cpu` and `memory` triggers. They produce no external metric: they become Resource (or, with
// `containerName`, ContainerResource) metrics that the HPA reads from the Kubernetes metrics API
// itself. tidal only validates and forwards them; they never make a ScaledObject active or
// inactive, so an object with only these triggers cannot scale to zero.
#pragma once

#include <memory>

#include "scalers/registry.h"

namespace tidal::scalers {

struct CpuMemoryMetadata {
  std::string value;
  std::string containerName;
  std::string removedType;  // the `type` key that KEDA removed in v2.18
};

// Builds the scaler for a `cpu` or `memory` trigger (config.triggerType).
StatusOr<std::unique_ptr<Scaler>> newCpuMemoryScaler(const ScalerConfig& config);

}  // namespace tidal::scalers
