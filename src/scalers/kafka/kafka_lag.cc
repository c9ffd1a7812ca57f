#include "scalers/kafka/kafka_lag.h"

#include <algorithm>

namespace tidal::scalers::kafka {

PartitionLag partitionLag(const PartitionOffsets& p, const LagRules& rules,
                          PersistentLagMemory& memory) {
  if (p.committed == kNoOffset) {
    // The group never committed here. With `latest` its consumers would start at the end, so one
    // replica is enough to get them going (or none, when asked); with `earliest` they would read
    // the whole partition.
    int64_t lag = 0;
    if (!rules.earliest) {
      lag = rules.scaleToZeroOnInvalidOffset ? 0 : 1;
    } else {
      lag = rules.scaleToZeroOnInvalidOffset ? 0 : p.latest.value_or(0);
    }
    return {lag, lag};
  }
  if (!p.latest) return {0, 0};
  const int64_t lag = *p.latest - p.committed;
  if (rules.excludePersistentLag) {
    const auto key = std::make_pair(p.topic, p.partition);
    const auto it = memory.find(key);
    if (it != memory.end() && it->second == p.committed) {
      // The consumers did not move since the last poll: more replicas would not help this
      // partition, but its lag still keeps the workload active.
      return {0, lag};
    }
    memory[key] = p.committed;
  }
  return {lag, lag};
}

LagTotals sumLag(const std::vector<PartitionOffsets>& partitions, const LagRules& rules,
                 PersistentLagMemory& memory) {
  LagTotals t;
  for (const PartitionOffsets& p : partitions) {
    const PartitionLag lag = partitionLag(p, rules, memory);
    t.totalLag += lag.lag;
    t.totalLagWithPersistent += lag.lagWithPersistent;
    t.partitions += 1;
    if (lag.lag > 0) t.partitionsWithLag += 1;
  }
  return t;
}

std::vector<int64_t> factorsOf(int64_t n) {
  std::vector<int64_t> low, high;
  for (int64_t i = 1; i * i <= n; ++i) {
    if (n % i != 0) continue;
    low.push_back(i);
    if (i != n / i) high.push_back(n / i);
  }
  low.insert(low.end(), high.rbegin(), high.rend());
  return low;
}

int64_t metricLag(const LagTotals& t, const LagRules& rules) {
  int64_t total = t.totalLag;
  if (rules.allowIdleConsumers && !rules.limitToPartitionsWithLag &&
      !rules.ensureEvenDistributionOfPartitions) {
    return total;
  }
  const int64_t upper = rules.limitToPartitionsWithLag ? t.partitionsWithLag : t.partitions;
  if (rules.ensureEvenDistributionOfPartitions) {
    int64_t factor = t.partitions;
    for (int64_t f : factorsOf(t.partitions)) {
      if (f * rules.lagThreshold >= total) {
        factor = f;
        break;
      }
    }
    total = factor * rules.lagThreshold;
  }
  if (total / rules.lagThreshold > upper) total = upper * rules.lagThreshold;
  return total;
}

}  // namespace tidal::scalers::kafka
