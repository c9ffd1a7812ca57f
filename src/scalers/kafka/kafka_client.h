// The `kafka` trigger's window on a cluster: for a consumer group (and optionally one topic),
// the partitions it measures with the group's committed offset and the log-end offset of each.
//
// KafkaClient speaks to the brokers through librdkafka: one client handle per cluster and
// credentials, shared by every trigger that names them (KafkaClient::pool()), created on first
// use; librdkafka keeps its broker connections open and re-establishes them with backoff. One
// read() is three requests, each bounded by what is left of the caller's timeout:
//   1. topic metadata (the topics named, or the topics the group has committed offsets for),
//   2. OffsetFetch for the group (the Admin API's ListConsumerGroupOffsets),
//   3. ListOffsets for the latest offsets, sent to each partition's leader.
// The client never creates topics (allow.auto.create.topics=false) and reads the high watermark
// (isolation.level=read_uncommitted), as KEDA's Sarama client does.
//
// Example:
//   std::shared_ptr<KafkaClient> c = KafkaClient::shared(metadata);
//   StatusOr<std::vector<PartitionOffsets>> parts =
//       c->read({.group = "workers", .topics = {"orders"}}, std::chrono::seconds(3));
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "scalers/kafka/kafka_lag.h"
#include "scalers/kafka/kafka_metadata.h"
#include "scalers/shared_pool.h"

namespace tidal::scalers::kafka {

struct GroupQuery {
  std::string group;
  std::vector<std::string> topics;           // none: the topics the group committed offsets for
  std::vector<int64_t> partitionLimitation;  // with exactly one topic: only these partitions
};

// The I/O the scaler needs, as an interface so the scaler's rules are tested without a cluster.
class ConsumerGroupReader {
 public:
  virtual ~ConsumerGroupReader() = default;
  // The measured partitions with their offsets. Errors: kUnavailable / kDeadlineExceeded when
  // the cluster cannot be reached in time; kNotFound when the topic does not exist;
  // kFailedPrecondition when partitionLimitation leaves nothing to measure.
  virtual StatusOr<std::vector<PartitionOffsets>> read(const GroupQuery& query,
                                                       std::chrono::milliseconds timeout) = 0;
};

// `text` with every occurrence of each secret replaced by "[redacted]" (for librdkafka's log
// lines, which tidal adds to errors).
std::string maskSecrets(std::string text, const std::vector<std::string>& secrets);

class KafkaClient : public ConsumerGroupReader {
 public:
  // `properties` are librdkafka configuration properties (clientProperties()); tidal adds its
  // own (client.id, no topic auto-creation, read_uncommitted, logging off).
  explicit KafkaClient(std::vector<std::pair<std::string, std::string>> properties);
  ~KafkaClient() override;
  KafkaClient(const KafkaClient&) = delete;
  KafkaClient& operator=(const KafkaClient&) = delete;

  StatusOr<std::vector<PartitionOffsets>> read(const GroupQuery& query,
                                               std::chrono::milliseconds timeout) override;

  // The client shared by every trigger with the same connection parameters.
  static StatusOr<std::shared_ptr<KafkaClient>> shared(const KafkaMetadata& metadata);
  static SharedPool<KafkaClient>& pool();

 private:
  struct Handle;
  StatusOr<Handle*> handle();
  StatusOr<std::vector<PartitionOffsets>> readWith(Handle& handle, const GroupQuery& query,
                                                   std::chrono::steady_clock::time_point deadline);

  std::vector<std::pair<std::string, std::string>> properties_;
  std::mutex mu_;  // guards handle_ creation; librdkafka's calls are thread-safe
  std::unique_ptr<Handle> handle_;
};

}  // namespace tidal::scalers::kafka
