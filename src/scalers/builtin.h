// Declarations of the built-in scalers' register functions (one per scaler folder), called from
// builtin.cc.
#pragma once

#include "scalers/registry.h"

namespace tidal::scalers {

void registerCpuMemoryScalers(ScalerRegistry& registry);
void registerCronScaler(ScalerRegistry& registry);

// Adds a built-in type; a duplicate name aborts (it can only be a programming error).
void mustAdd(ScalerRegistry& registry, ScalerType type);

}  // namespace tidal::scalers
