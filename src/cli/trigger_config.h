// Building a scaler from a trigger outside the cluster: the ScalerConfig the operator would pass,
// from a ScaledObject/ScaledJob trigger or from command-line JSON maps.
#pragma once

#include <memory>
#include <string>

#include "api/types.h"
#include "common/status.h"
#include "scalers/registry.h"

namespace tidal::cli {

scalers::ScalerConfig triggerConfig(const api::ScaleTrigger& trigger, int index,
                                    const api::ObjectMeta& owner, const std::string& ownerKind);

// Parses a JSON object of strings (e.g. --metadata '{"queueName":"hello"}') into a map. Non-string
// values are refused with the flag name in the message.
StatusOr<api::StringMap> parseStringMapJson(const std::string& text, const std::string& flag);

}  // namespace tidal::cli
