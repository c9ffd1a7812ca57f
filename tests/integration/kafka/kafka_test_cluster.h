// What the kafka integration tests do to the real broker to set a scene: create topics with
// several partitions, produce messages to a chosen partition, and commit a consumer group's
// offsets (the Admin API's AlterConsumerGroupOffsets, as `kafka-consumer-groups --reset-offsets`
// does), all through librdkafka. Each call blocks until the broker confirmed it.
#pragma once

#include <cstdint>
#include <string>

namespace tidal::scalers::testing {

class KafkaTestCluster {
 public:
  explicit KafkaTestCluster(const std::string& bootstrap);
  ~KafkaTestCluster();
  KafkaTestCluster(const KafkaTestCluster&) = delete;
  KafkaTestCluster& operator=(const KafkaTestCluster&) = delete;

  // Each returns "" on success or the error.
  std::string createTopic(const std::string& topic, int partitions);
  std::string produce(const std::string& topic, int32_t partition, int messages);
  std::string commit(const std::string& group, const std::string& topic, int32_t partition,
                     int64_t offset);

 private:
  std::string commitOnce(const std::string& group, const std::string& topic, int32_t partition,
                         int64_t offset);

  void* producer_ = nullptr;  // rd_kafka_t*: producing and the Admin API
};

}  // namespace tidal::scalers::testing
