#include "scalers/kafka/kafka_client.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

namespace tidal::scalers::kafka {
namespace {

using Clock = std::chrono::steady_clock;

// Properties whose values are secret: a configuration error names the property only.
bool secretProperty(std::string_view name) {
  return name == "sasl.password" || name == "ssl.key.pem" || name == "ssl.key.password" ||
         name == "sasl.oauthbearer.client.secret";
}

// What is left of the caller's budget, at least 1 ms.
int remainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(1, left.count()));
}

Status fromKafkaError(rd_kafka_resp_err_t err, std::string_view doing, std::string_view detail) {
  const std::string what =
      detail.empty() ? std::string(rd_kafka_err2str(err)) : std::string(detail);
  const std::string message = fmt::format("{}: {}", doing, what);
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return {StatusCode::kDeadlineExceeded, message};
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
      return notFound(message);
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
      return {StatusCode::kPermissionDenied, message};
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
      return {StatusCode::kUnauthenticated, message};
    default:
      return unavailable(message);
  }
}

struct PartitionList {
  rd_kafka_topic_partition_list_t* list;
  explicit PartitionList(int size) : list(rd_kafka_topic_partition_list_new(size)) {}
  ~PartitionList() { rd_kafka_topic_partition_list_destroy(list); }
  PartitionList(const PartitionList&) = delete;
  PartitionList& operator=(const PartitionList&) = delete;
};

}  // namespace

std::string maskSecrets(std::string text, const std::vector<std::string>& secrets) {
  constexpr std::string_view kMask = "[redacted]";
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kMask.size())) {
      text.replace(at, secret.size(), kMask);
    }
  }
  return text;
}

struct KafkaClient::Handle {
  rd_kafka_t* rk = nullptr;
  std::vector<std::string> secrets;  // values never to show in an error

  ~Handle() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }

  // librdkafka reports why a broker connection failed (refused SASL credentials, a certificate
  // that does not verify) only in its log, from its own threads; the request itself just ends in
  // "Broker transport failure" or a time-out. The last such line is kept to explain the error.
  static void onLog(const rd_kafka_t* rk, int level, const char* /*facility*/, const char* line) {
    if (level > 4) return;  // errors and warnings only (syslog levels)
    auto* self = static_cast<Handle*>(rd_kafka_opaque(rk));
    if (self == nullptr) return;
    std::lock_guard lock(self->logMu);
    self->lastProblem = line;
    self->lastProblemAt = Clock::now();
  }

  // `status` with the broker problem logged since `since` appended; a refused login becomes
  // kUnauthenticated. Secret values are masked, whatever librdkafka wrote.
  Status explain(Status status, Clock::time_point since) {
    if (status.code() != StatusCode::kUnavailable &&
        status.code() != StatusCode::kDeadlineExceeded) {
      return status;
    }
    std::string problem;
    {
      std::lock_guard lock(logMu);
      if (lastProblemAt < since) return status;
      problem = lastProblem;
    }
    problem = maskSecrets(std::move(problem), secrets);
    StatusCode code = status.code();
    if (problem.find("SASL authentication error") != std::string::npos ||
        problem.find("Authentication failed") != std::string::npos) {
      code = StatusCode::kUnauthenticated;
    }
    return {code, fmt::format("{} (broker connection: {})", status.message(), problem)};
  }

  std::mutex logMu;
  std::string lastProblem;
  Clock::time_point lastProblemAt;

  // The partition ids of `topic`, from a metadata request for that topic alone.
  StatusOr<std::vector<int32_t>> partitions(const std::string& topic, Clock::time_point deadline) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    if (rkt == nullptr) {
      return invalidArgument(
          fmt::format("topic \"{}\": {}", topic, rd_kafka_err2str(rd_kafka_last_error())));
    }
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, remainingMs(deadline));
    rd_kafka_topic_destroy(rkt);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return fromKafkaError(err, fmt::format("describing topic {}", topic), {});
    }
    std::vector<int32_t> ids;
    Status status =
        notFound(fmt::format("describing topic {}: not in the cluster's answer", topic));
    for (int i = 0; i < md->topic_cnt; ++i) {
      const rd_kafka_metadata_topic_t& t = md->topics[i];
      if (topic != t.topic) continue;
      if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        status = fromKafkaError(t.err, fmt::format("describing topic {}", topic), {});
        break;
      }
      for (int p = 0; p < t.partition_cnt; ++p) ids.push_back(t.partitions[p].id);
      status = Status::ok();
    }
    rd_kafka_metadata_destroy(md);
    if (!status.isOk()) return status;
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  // The group's committed offsets: for `wanted`'s partitions, or for every partition the group
  // committed on when `wanted` is null. Offsets absent from the answer are kNoOffset.
  StatusOr<std::vector<PartitionOffsets>> committed(const std::string& group,
                                                    const rd_kafka_topic_partition_list_t* wanted,
                                                    Clock::time_point deadline) {
    char errstr[512];
    rd_kafka_AdminOptions_t* options =
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    const int timeout = remainingMs(deadline);
    rd_kafka_AdminOptions_set_request_timeout(options, timeout, errstr, sizeof errstr);
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
    rd_kafka_ListConsumerGroupOffsets_t* request =
        rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), wanted);
    rd_kafka_ListConsumerGroupOffsets(rk, &request, 1, options, queue);
    rd_kafka_ListConsumerGroupOffsets_destroy(request);
    rd_kafka_AdminOptions_destroy(options);
    // The request times out on its own; the extra wait only covers the result's delivery.
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, timeout + 500);
    rd_kafka_queue_destroy(queue);
    const std::string doing = fmt::format("fetching the offsets of consumer group {}", group);
    if (event == nullptr) return fromKafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, doing, {});
    std::vector<PartitionOffsets> out;
    Status status = Status::ok();
    if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status =
          fromKafkaError(rd_kafka_event_error(event), doing, rd_kafka_event_error_string(event));
    } else {
      size_t count = 0;
      const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
          rd_kafka_event_ListConsumerGroupOffsets_result(event), &count);
      if (count != 1) {
        status = unavailable(fmt::format("{}: {} group results", doing, count));
      } else if (const rd_kafka_error_t* gerr = rd_kafka_group_result_error(groups[0])) {
        status = fromKafkaError(rd_kafka_error_code(gerr), doing, rd_kafka_error_string(gerr));
      } else if (const rd_kafka_topic_partition_list_t* parts =
                     rd_kafka_group_result_partitions(groups[0])) {
        for (int i = 0; i < parts->cnt; ++i) {
          const rd_kafka_topic_partition_t& e = parts->elems[i];
          PartitionOffsets p;
          p.topic = e.topic;
          p.partition = e.partition;
          p.committed =
              (e.err == RD_KAFKA_RESP_ERR_NO_ERROR && e.offset >= 0) ? e.offset : kNoOffset;
          out.push_back(std::move(p));
        }
      }
    }
    rd_kafka_event_destroy(event);
    if (!status.isOk()) return status;
    return out;
  }

  // The log-end offsets of `parts` (in place); partitions the cluster did not answer for keep
  // latest == nullopt.
  Status latest(std::vector<PartitionOffsets>& parts, Clock::time_point deadline) {
    if (parts.empty()) return Status::ok();
    PartitionList list(static_cast<int>(parts.size()));
    for (const PartitionOffsets& p : parts) {
      rd_kafka_topic_partition_list_add(list.list, p.topic.c_str(), p.partition)->offset =
          RD_KAFKA_OFFSET_END;  // ListOffsets' "latest" timestamp
    }
    const rd_kafka_resp_err_t err =
        rd_kafka_offsets_for_times(rk, list.list, remainingMs(deadline));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
      return fromKafkaError(err, "listing the latest offsets", {});
    }
    for (PartitionOffsets& p : parts) {
      const rd_kafka_topic_partition_t* e =
          rd_kafka_topic_partition_list_find(list.list, p.topic.c_str(), p.partition);
      if (e != nullptr && e->err == RD_KAFKA_RESP_ERR_NO_ERROR && e->offset >= 0) {
        p.latest = e->offset;
      }
    }
    return Status::ok();
  }
};

KafkaClient::KafkaClient(std::vector<std::pair<std::string, std::string>> properties)
    : properties_(std::move(properties)) {}

KafkaClient::~KafkaClient() = default;

StatusOr<KafkaClient::Handle*> KafkaClient::handle() {
  std::lock_guard lock(mu_);
  if (handle_) return handle_.get();
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::vector<std::pair<std::string, std::string>> all = {
      {"client.id", "tidal"},
      {"allow.auto.create.topics", "false"},
      {"isolation.level", "read_uncommitted"},
      {"log.connection.close", "false"},
  };
  all.insert(all.end(), properties_.begin(), properties_.end());
  for (const auto& [name, value] : all) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      if (secretProperty(name)) {
        return invalidArgument(fmt::format("kafka client property {} is not valid", name));
      }
      return invalidArgument(fmt::format("kafka client property {}: {}", name, errstr));
    }
  }
  auto h = std::make_unique<Handle>();
  for (const auto& [name, value] : all) {
    if (secretProperty(name) && value.size() >= 4) h->secrets.push_back(value);
  }
  // librdkafka's log reaches only Handle::onLog, which keeps the last error to explain failed
  // requests; nothing is printed (every reconnect would be a line).
  rd_kafka_conf_set_log_cb(conf, Handle::onLog);
  rd_kafka_conf_set_opaque(conf, h.get());
  // A consumer handle that never joins a group: it can fetch metadata, run Admin requests and
  // list offsets, and unlike a producer it does not ask the brokers to create topics.
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return invalidArgument(fmt::format("creating the kafka client: {}", errstr));
  }
  h->rk = rk;
  handle_ = std::move(h);
  return handle_.get();
}

StatusOr<std::vector<PartitionOffsets>> KafkaClient::read(const GroupQuery& query,
                                                          std::chrono::milliseconds timeout) {
  const Clock::time_point start = Clock::now();
  TIDAL_ASSIGN_OR_RETURN(Handle * h, handle());
  StatusOr<std::vector<PartitionOffsets>> out = readWith(*h, query, start + timeout);
  if (out.isOk()) return out;
  // A problem logged shortly before this poll (a reconnect attempt) explains it as well.
  return h->explain(out.status(), start - std::chrono::seconds(5));
}

StatusOr<std::vector<PartitionOffsets>> KafkaClient::readWith(Handle& handle,
                                                              const GroupQuery& query,
                                                              Clock::time_point deadline) {
  Handle* h = &handle;

  std::vector<std::string> topics = query.topics;
  if (topics.empty()) {
    TIDAL_ASSIGN_OR_RETURN(std::vector<PartitionOffsets> all,
                           h->committed(query.group, nullptr, deadline));
    std::set<std::string> names;
    for (const PartitionOffsets& p : all) names.insert(p.topic);
    topics.assign(names.begin(), names.end());
  }
  if (topics.empty()) return std::vector<PartitionOffsets>{};

  PartitionList wanted(8);
  for (const std::string& topic : topics) {
    TIDAL_ASSIGN_OR_RETURN(std::vector<int32_t> ids, h->partitions(topic, deadline));
    int added = 0;
    for (int32_t id : ids) {
      const auto& limit = query.partitionLimitation;
      if (query.topics.size() == 1 && !limit.empty() &&
          std::find(limit.begin(), limit.end(), int64_t{id}) == limit.end()) {
        continue;
      }
      rd_kafka_topic_partition_list_add(wanted.list, topic.c_str(), id);
      ++added;
    }
    if (added == 0) {
      return failedPrecondition(fmt::format(
          "topic {} has no partition to measure ({} partitions{})", topic, ids.size(),
          query.partitionLimitation.empty() ? "" : ", none of them in partitionLimitation"));
    }
  }

  TIDAL_ASSIGN_OR_RETURN(std::vector<PartitionOffsets> parts,
                         h->committed(query.group, wanted.list, deadline));
  // Every wanted partition is measured, whether or not the answer mentions it.
  std::map<std::pair<std::string, int32_t>, int64_t> committed;
  for (const PartitionOffsets& c : parts) committed[{c.topic, c.partition}] = c.committed;
  std::vector<PartitionOffsets> out;
  out.reserve(static_cast<size_t>(wanted.list->cnt));
  for (int i = 0; i < wanted.list->cnt; ++i) {
    PartitionOffsets p;
    p.topic = wanted.list->elems[i].topic;
    p.partition = wanted.list->elems[i].partition;
    if (const auto it = committed.find({p.topic, p.partition}); it != committed.end()) {
      p.committed = it->second;
    }
    out.push_back(std::move(p));
  }
  TIDAL_RETURN_IF_ERROR(h->latest(out, deadline));
  return out;
}

SharedPool<KafkaClient>& KafkaClient::pool() {
  static SharedPool<KafkaClient> pool;
  return pool;
}

StatusOr<std::shared_ptr<KafkaClient>> KafkaClient::shared(const KafkaMetadata& metadata) {
  TIDAL_ASSIGN_OR_RETURN(auto properties, clientProperties(metadata));
  return pool().acquire(connectionKey(metadata),
                        [&] { return std::make_shared<KafkaClient>(std::move(properties)); });
}

}  // namespace tidal::scalers::kafka
