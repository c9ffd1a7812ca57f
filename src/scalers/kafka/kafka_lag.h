// The consumer-group lag arithmetic of the `kafka` trigger (spec/keda-scalers.md §2.2, steps 3
// to 6), separate from the I/O so that each rule is tested on its own: the per-partition lag with
// the invalid-offset and persistent-lag rules, the totals, and the cap to the partition count.
//
// Example:
//   std::vector<PartitionOffsets> parts = {{"orders", 0, 40, 100}, {"orders", 1, 100, 100}};
//   LagRules rules;  rules.lagThreshold = 10;
//   PersistentLagMemory memory;
//   LagTotals t = sumLag(parts, rules, memory);   // t.totalLag == 60, t.partitionsWithLag == 1
//   metricLag(t, rules) == 20                      // capped: 2 partitions x lagThreshold
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tidal::scalers::kafka {

// Kafka's "no committed offset" (the OffsetFetch answer for a partition the group never
// committed on).
inline constexpr int64_t kNoOffset = -1;

// What the cluster says about one partition the trigger measures.
struct PartitionOffsets {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = kNoOffset;  // the group's committed offset, or kNoOffset
  // The log-end offset; nullopt when the cluster did not answer for this partition (lag 0).
  std::optional<int64_t> latest;
};

struct LagRules {
  int64_t lagThreshold = 10;
  bool earliest = false;  // offsetResetPolicy: earliest
  bool scaleToZeroOnInvalidOffset = false;
  bool excludePersistentLag = false;
  bool allowIdleConsumers = false;
  bool limitToPartitionsWithLag = false;
  bool ensureEvenDistributionOfPartitions = false;
};

// The committed offsets seen at the previous poll, for excludePersistentLag. Belongs to one
// trigger; sumLag() reads and updates it.
using PersistentLagMemory = std::map<std::pair<std::string, int32_t>, int64_t>;

struct PartitionLag {
  int64_t lag = 0;                // what counts toward the metric
  int64_t lagWithPersistent = 0;  // what counts toward activation
};

// One partition's lag under the rules (step 3).
PartitionLag partitionLag(const PartitionOffsets& p, const LagRules& rules,
                          PersistentLagMemory& memory);

struct LagTotals {
  int64_t totalLag = 0;
  int64_t totalLagWithPersistent = 0;
  int64_t partitions = 0;         // P
  int64_t partitionsWithLag = 0;  // PL: partitions whose metric lag is above 0
};

// Step 4: the sums over every measured partition.
LagTotals sumLag(const std::vector<PartitionOffsets>& partitions, const LagRules& rules,
                 PersistentLagMemory& memory);

// Step 5: the metric value, after the even-distribution rounding and the cap to the partitions
// (or to the partitions with lag) unless idle consumers are allowed.
int64_t metricLag(const LagTotals& totals, const LagRules& rules);

// The factors of n in ascending order (1 and n included); empty for n <= 0.
std::vector<int64_t> factorsOf(int64_t n);

}  // namespace tidal::scalers::kafka
