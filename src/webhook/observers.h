// What the admission handler tells the rest of the operator, as two small callback interfaces:
// validation metrics (the Prometheus registry implements them) and the KEDAScalerInfo events the
// webhook emits for its "not relevant" warnings (the event recorder implements them).
//
// Contract for implementations: called on the webhook's request threads, possibly concurrently;
// must not block (record and return). The handler accepts nullptr for either, meaning "not wired".
#pragma once

#include <string_view>

namespace tidal::webhook {

// keda_webhook_scaled_object_validations_total and ..._validation_errors_total (§d.2).
class ValidationMetrics {
 public:
  virtual ~ValidationMetrics() = default;
  // One ScaledObject CREATE or UPDATE was validated. `action` is "create" or "update".
  virtual void onValidation(std::string_view ns, std::string_view action) = 0;
  // That validation found an error of `reason` (one of findings.h's kReason* values). Called once
  // per distinct reason per request.
  virtual void onValidationError(std::string_view ns, std::string_view action,
                                 std::string_view reason) = 0;
};

// Normal events with reason KEDAScalerInfo on an admitted object (never for a dry run or a
// refused request: the object would not exist).
class AdmissionEvents {
 public:
  virtual ~AdmissionEvents() = default;
  // `kind` is "ScaledObject"; `name` may be empty when the object is created with generateName.
  virtual void onScalerInfo(std::string_view kind, std::string_view ns, std::string_view name,
                            std::string_view message) = 0;
};

}  // namespace tidal::webhook
