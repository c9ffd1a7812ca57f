// Trigger metadata checked at admission with the scaler registry, the same parsing the operator
// does when it builds the scalers.
//
// KEDA's webhook does not parse trigger metadata: a ScaledObject with a bad `queueLength` is
// admitted and fails at reconcile. To stay a drop-in replacement, tidal reports these problems as
// admission warnings by default (the user sees them at `kubectl apply`), and as errors with reason
// `incorrect-triggers` only when the operator opts in. What cannot be known at admission is not
// reported: a parameter that may come from a TriggerAuthentication or from the target's
// environment (`<param>FromEnv`) is only "missing" here, so "missing required parameter" is
// dropped for triggers that use either. KEDA scaler types tidal does not implement are always
// warnings. Messages come from the parameter machinery, which never prints a secret parameter's
// value.
#pragma once

#include <string_view>
#include <vector>

#include "api/types.h"
#include "scalers/registry.h"
#include "webhook/findings.h"

namespace tidal::webhook {

// Parses each trigger of a ScaledObject or ScaledJob (`ownerKind`) owned by `owner`, appending a
// finding per problem at "spec.triggers[i].metadata" (or ".type" for an unknown type). Triggers
// without a type are skipped (api/validation reports them).
void checkTriggerMetadata(const std::vector<api::ScaleTrigger>& triggers,
                          const api::ObjectMeta& owner, std::string_view ownerKind,
                          const scalers::ScalerRegistry& registry, bool asErrors,
                          std::vector<Finding>& out);

}  // namespace tidal::webhook
