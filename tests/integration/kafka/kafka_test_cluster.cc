#include "kafka_test_cluster.h"

#include <chrono>
#include <thread>

#include <librdkafka/rdkafka.h>

namespace tidal::scalers::testing {
namespace {

rd_kafka_t* rk(void* p) {
  return static_cast<rd_kafka_t*>(p);
}

constexpr int kTimeoutMs = 15000;

// Waits for an Admin result on `queue`; "" or the error text.
std::string waitAdmin(rd_kafka_queue_t* queue) {
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, kTimeoutMs);
  if (ev == nullptr) return "timed out";
  std::string error;
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    error = rd_kafka_event_error_string(ev);
  } else if (const rd_kafka_CreateTopics_result_t* ct = rd_kafka_event_CreateTopics_result(ev)) {
    size_t n = 0;
    const rd_kafka_topic_result_t** topics = rd_kafka_CreateTopics_result_topics(ct, &n);
    for (size_t i = 0; i < n; ++i) {
      if (rd_kafka_topic_result_error(topics[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error = rd_kafka_topic_result_error_string(topics[i]);
      }
    }
  } else if (const rd_kafka_AlterConsumerGroupOffsets_result_t* ag =
                 rd_kafka_event_AlterConsumerGroupOffsets_result(ev)) {
    size_t n = 0;
    const rd_kafka_group_result_t** groups =
        rd_kafka_AlterConsumerGroupOffsets_result_groups(ag, &n);
    for (size_t i = 0; i < n; ++i) {
      if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[i])) {
        error = rd_kafka_error_string(e);
      }
      const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(groups[i]);
      for (int j = 0; parts != nullptr && j < parts->cnt; ++j) {
        if (parts->elems[j].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          error = rd_kafka_err2str(parts->elems[j].err);
        }
      }
    }
  }
  rd_kafka_event_destroy(ev);
  return error;
}

}  // namespace

KafkaTestCluster::KafkaTestCluster(const std::string& bootstrap) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "linger.ms", "0", err, sizeof err);
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (producer_ == nullptr) rd_kafka_conf_destroy(conf);
}

KafkaTestCluster::~KafkaTestCluster() {
  if (producer_ != nullptr) rd_kafka_destroy(rk(producer_));
}

std::string KafkaTestCluster::createTopic(const std::string& topic, int partitions) {
  if (producer_ == nullptr) return "no client";
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof err);
  if (nt == nullptr) return err;
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk(producer_));
  rd_kafka_CreateTopics(rk(producer_), &nt, 1, nullptr, q);
  rd_kafka_NewTopic_destroy(nt);
  std::string error = waitAdmin(q);
  rd_kafka_queue_destroy(q);
  return error;
}

std::string KafkaTestCluster::produce(const std::string& topic, int32_t partition, int messages) {
  if (producer_ == nullptr) return "no client";
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk(producer_), topic.c_str(), nullptr);
  for (int i = 0; i < messages; ++i) {
    std::string payload = "message-" + std::to_string(i);
    if (rd_kafka_produce(rkt, partition, RD_KAFKA_MSG_F_COPY, payload.data(), payload.size(),
                         nullptr, 0, nullptr) != 0) {
      rd_kafka_topic_destroy(rkt);
      return rd_kafka_err2str(rd_kafka_last_error());
    }
  }
  rd_kafka_topic_destroy(rkt);
  const rd_kafka_resp_err_t e = rd_kafka_flush(rk(producer_), kTimeoutMs);
  return e == RD_KAFKA_RESP_ERR_NO_ERROR ? "" : rd_kafka_err2str(e);
}

std::string KafkaTestCluster::commit(const std::string& group, const std::string& topic,
                                     int32_t partition, int64_t offset) {
  // Right after the broker starts, the group coordinator may still be loading __consumer_offsets
  // ("Coordinator load in progress"): Kafka's retriable answer, retried here for up to 15 s.
  std::string error;
  for (int attempt = 0; attempt < 75; ++attempt) {
    error = commitOnce(group, topic, partition, offset);
    if (error.find("oordinator") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return error;
}

std::string KafkaTestCluster::commitOnce(const std::string& group, const std::string& topic,
                                         int32_t partition, int64_t offset) {
  if (producer_ == nullptr) return "no client";
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), partition)->offset = offset;
  rd_kafka_AlterConsumerGroupOffsets_t* alter =
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), parts);
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk(producer_));
  rd_kafka_AlterConsumerGroupOffsets(rk(producer_), &alter, 1, nullptr, q);
  rd_kafka_AlterConsumerGroupOffsets_destroy(alter);
  std::string error = waitAdmin(q);
  rd_kafka_queue_destroy(q);
  return error;
}

}  // namespace tidal::scalers::testing
