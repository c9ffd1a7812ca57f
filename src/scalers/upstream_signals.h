// Optional abilities of a scaler that report facts about its upstream answers, for metrics the
// scale loop records (spec/keda-spec.md, KEDA's Prometheus metrics). Separate from Scaler, as
// STYLE.md asks for optional abilities: a caller checks with dynamic_cast.
//
// Example (in the scale loop, after polling `scaler`):
//   if (auto* r = dynamic_cast<const EmptyUpstreamReporter*>(&scaler)) {
//     uint64_t now = r->emptyUpstreamResponses();
//     for (; seen < now; ++seen) metrics.recordEmptyUpstreamResponse(..., r->ignoresNullValues());
//   }
#pragma once

#include <cstdint>

namespace tidal::scalers {

// A scaler whose source can answer "no data" (the prometheus trigger's empty query result), the
// input of keda_scaler_empty_upstream_responses_total.
class EmptyUpstreamReporter {
 public:
  virtual ~EmptyUpstreamReporter() = default;
  // How many polls so far got an empty answer (monotonic; the caller records the increase since
  // it last looked). Thread-safe.
  virtual uint64_t emptyUpstreamResponses() const = 0;
  // Whether empty answers count as 0 (true) or as errors (false); a label of the metric.
  virtual bool ignoresNullValues() const = 0;
};

}  // namespace tidal::scalers
