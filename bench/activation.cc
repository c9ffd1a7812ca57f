// tidal-bench-activation: the activation-latency scenario of bench/run. Against a running control
// plane, a running `tidal operator` and a running event source, it
//   1. creates a Deployment at 0 replicas and a ScaledObject (minReplicaCount 0, the given
//      pollingInterval, cooldownPeriod 1 s) with one trigger: `rabbitmq` (QueueLength 1 over
//      AMQP) or `etcd` (a key, value 1, activation above 0: tidal watches the key, a push);
//   2. watches the Deployment (a k8s watch with tidal's client, one stream for the whole run) and
//      notes the local time of every change of spec.replicas;
//   3. per trial: waits until the Deployment is at 0, sleeps a random fraction of the polling
//      interval (so the publish falls at a random phase of the poll schedule: right after a
//      scale-to-0 the next poll is a whole interval away, which would bias every trial to the
//      worst case), publishes one message (AMQP basic.publish; etcd: PUT of the key to 1) and
//      takes the time from just before the publish to the watch event that shows replicas 0 -> 1;
//      then, after the cooldown, drains the source (queue.purge; etcd: the key to 0) and times
//      the way back to 0;
//   4. prints one JSON object with every latency and the p50/p99/max.
//
// Usage: tidal-bench-activation --kubeconfig F --source rabbitmq --amqp-url amqp://u:p@h:port/
//                               [--polling-interval S] [--trials N] [--name so]
//        tidal-bench-activation --kubeconfig F --source etcd --etcd-endpoint h:port ...
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "bench_util.h"
#include "k8s/client/client.h"
#include "k8s/client/config.h"
#include "k8s/client/resource.h"

namespace {

using tidal::bench::deployment;
using tidal::bench::loadAverage;
using tidal::bench::percentile;

using Json = nlohmann::json;
using BenchClock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using namespace tidal;

double seconds(BenchClock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The Deployment's spec.replicas as seen through one watch, with the local time of each change.
class ReplicaWatch {
 public:
  ReplicaWatch(k8s::Client& client, std::string ns, std::string name)
      : client_(client), ns_(std::move(ns)), name_(std::move(name)) {}

  void start() {
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }

  // Number of changes seen so far (a cursor for waitFor).
  size_t cursor() {
    std::lock_guard lock(mu_);
    return changes_.size();
  }

  // Waits for the first change at or after `from` to `replicas`; its time, or nullopt on timeout.
  std::optional<BenchClock::time_point> waitFor(size_t from, int replicas,
                                                BenchClock::duration timeout) {
    std::unique_lock lock(mu_);
    std::optional<BenchClock::time_point> found;
    cv_.wait_for(lock, timeout, [&] {
      for (size_t i = from; i < changes_.size(); ++i) {
        if (changes_[i].second == replicas) {
          found = changes_[i].first;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  // Waits until the current value is `replicas`.
  bool waitCurrent(int replicas, BenchClock::duration timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return current_ == replicas; });
  }

  int current() {
    std::lock_guard lock(mu_);
    return current_;
  }

 private:
  void note(const Json& deployment) {
    int r = deployment.value("/spec/replicas"_json_pointer, -1);
    BenchClock::time_point now = BenchClock::now();
    std::lock_guard lock(mu_);
    if (r != current_) {
      current_ = r;
      changes_.emplace_back(now, r);
      cv_.notify_all();
    }
  }

  void run(std::stop_token stop) {
    std::string rv;
    while (!stop.stop_requested()) {
      if (rv.empty()) {
        k8s::ListOptions lo;
        lo.fieldSelector = "metadata.name=" + name_;
        StatusOr<k8s::ObjectList> list = client_.list(k8s::kDeployments, ns_, lo, stop);
        if (!list.isOk()) {
          std::this_thread::sleep_for(200ms);
          continue;
        }
        for (const Json& d : list->items) note(d);
        rv = list->resourceVersion;
      }
      k8s::WatchOptions wo;
      wo.resourceVersion = rv;
      wo.fieldSelector = "metadata.name=" + name_;
      wo.timeoutSeconds = 300;
      k8s::WatchResult r = client_.watch(
          k8s::kDeployments, ns_, wo,
          [&](k8s::WatchEvent&& e) {
            if (e.type != k8s::WatchEventType::kBookmark) note(e.object);
            return true;
          },
          stop);
      if (r.end == k8s::WatchEnd::kExpired) {
        rv.clear();
      } else if (!r.lastResourceVersion.empty()) {
        rv = r.lastResourceVersion;
      }
      if (r.end == k8s::WatchEnd::kFailed) std::this_thread::sleep_for(100ms);
    }
  }

  k8s::Client& client_;
  std::string ns_, name_;
  std::mutex mu_;
  std::condition_variable cv_;
  int current_ = -2;
  std::vector<std::pair<BenchClock::time_point, int>> changes_;
  std::jthread thread_;
};

// The event source: publish (make the trigger active) and drain (inactive).
class Source {
 public:
  virtual ~Source() = default;
  virtual void prepare() = 0;
  virtual void publish() = 0;
  virtual void drain() = 0;
  virtual Json trigger() const = 0;
};

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "tidal-bench-activation: " << what << "\n";
  std::exit(1);
}

class RabbitSource : public Source {
 public:
  RabbitSource(std::string url, std::string queue)
      : url_(std::move(url)), queue_(std::move(queue)) {}
  ~RabbitSource() override {
    if (conn_ != nullptr) {
      amqp_channel_close(conn_, 1, AMQP_REPLY_SUCCESS);
      amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
      amqp_destroy_connection(conn_);
    }
  }

  void prepare() override {
    std::vector<char> buf(url_.begin(), url_.end());
    buf.push_back('\0');
    amqp_connection_info info;
    if (amqp_parse_url(buf.data(), &info) != AMQP_STATUS_OK) fail("bad AMQP URL");
    if (info.vhost == nullptr || info.vhost[0] == '\0') info.vhost = const_cast<char*>("/");
    conn_ = amqp_new_connection();
    amqp_socket_t* socket = amqp_tcp_socket_new(conn_);
    if (amqp_socket_open(socket, info.host, info.port) != AMQP_STATUS_OK) fail("AMQP connect");
    check(amqp_login(conn_, info.vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, info.user,
                     info.password),
          "AMQP login");
    amqp_channel_open(conn_, 1);
    check(amqp_get_rpc_reply(conn_), "channel.open");
    amqp_queue_declare(conn_, 1, amqp_cstring_bytes(queue_.c_str()), 0, 0, 0, 0, amqp_empty_table);
    check(amqp_get_rpc_reply(conn_), "queue.declare");
    drain();
  }

  void publish() override {
    amqp_basic_properties_t props{};
    if (amqp_basic_publish(conn_, 1, amqp_cstring_bytes(""), amqp_cstring_bytes(queue_.c_str()), 0,
                           0, &props, amqp_cstring_bytes("job")) != AMQP_STATUS_OK) {
      fail("basic.publish");
    }
  }

  void drain() override {
    amqp_queue_purge(conn_, 1, amqp_cstring_bytes(queue_.c_str()));
    check(amqp_get_rpc_reply(conn_), "queue.purge");
  }

  Json trigger() const override {
    return {{"type", "rabbitmq"},
            {"metadata",
             {{"host", url_},
              {"protocol", "amqp"},
              {"queueName", queue_},
              {"mode", "QueueLength"},
              {"value", "1"}}}};
  }

 private:
  static void check(amqp_rpc_reply_t r, const char* what) {
    if (r.reply_type != AMQP_RESPONSE_NORMAL) fail(std::string(what) + " failed");
  }

  std::string url_, queue_;
  amqp_connection_state_t conn_ = nullptr;
};

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += t[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

size_t discard(char*, size_t size, size_t n, void*) {
  return size * n;
}

// etcd through its v3 JSON gateway (POST /v3/kv/put), one keep-alive connection.
class EtcdSource : public Source {
 public:
  EtcdSource(std::string endpoint, std::string key)
      : endpoint_(std::move(endpoint)), key_(std::move(key)) {}
  ~EtcdSource() override {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }

  void prepare() override {
    curl_ = curl_easy_init();
    url_ = "http://" + endpoint_ + "/v3/kv/put";
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 10L);
    put("0");
  }
  void publish() override { put("1"); }
  void drain() override { put("0"); }

  Json trigger() const override {
    return {
        {"type", "etcd"},
        {"metadata",
         {{"endpoints", endpoint_}, {"watchKey", key_}, {"value", "1"}, {"activationValue", "0"}}}};
  }

 private:
  void put(const std::string& value) {
    body_ = Json{{"key", base64(key_)}, {"value", base64(value)}}.dump();
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body_.c_str());
    long code = 0;  // NOLINT(google-runtime-int): libcurl's type
    if (curl_easy_perform(curl_) != CURLE_OK ||
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code != 200) {
      fail("etcd put failed");
    }
  }

  std::string endpoint_, key_, url_, body_;
  CURL* curl_ = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tidal-bench-activation: time from publish to tidal's scale of 0 -> 1"};
  std::string kubeconfig, source = "rabbitmq", amqpUrl, etcdEndpoint, ns = "bench",
                          name = "activation";
  int pollingInterval = 1, trials = 20, cooldown = 1;
  app.add_option("--kubeconfig", kubeconfig)->required();
  app.add_option("--source", source)->check(CLI::IsMember({"rabbitmq", "etcd"}));
  app.add_option("--amqp-url", amqpUrl, "rabbitmq: amqp://user:password@host:port/");
  app.add_option("--etcd-endpoint", etcdEndpoint, "etcd: host:port");
  app.add_option("--polling-interval", pollingInterval, "the ScaledObject's pollingInterval (s)");
  app.add_option("--cooldown", cooldown, "the ScaledObject's cooldownPeriod (s)");
  app.add_option("--trials", trials);
  app.add_option("--namespace", ns);
  app.add_option("--name", name, "Deployment and ScaledObject name");
  CLI11_PARSE(app, argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);

  StatusOr<k8s::RestConfig> config = k8s::loadKubeconfig({kubeconfig});
  if (!config.isOk()) fail(config.status().message());
  config->qps = 100;
  config->burst = 200;
  auto rest = k8s::RestClient::create(*config);
  if (!rest.isOk()) fail(rest.status().message());
  k8s::Client client(std::shared_ptr<k8s::RestClient>(std::move(rest).value()));
  (void)client.apply(k8s::kNamespaces, "",
                     {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}},
                     "tidal-bench");

  std::unique_ptr<Source> src;
  if (source == "rabbitmq") {
    if (amqpUrl.empty()) fail("--amqp-url is required for rabbitmq");
    src = std::make_unique<RabbitSource>(amqpUrl, "bench-" + name);
  } else {
    if (etcdEndpoint.empty()) fail("--etcd-endpoint is required for etcd");
    src = std::make_unique<EtcdSource>(etcdEndpoint, "/bench/" + name);
  }
  src->prepare();

  if (!client.apply(k8s::kDeployments, ns, deployment(ns, name), "tidal-bench").isOk()) {
    fail("cannot create the Deployment");
  }
  ReplicaWatch watch(client, ns, name);
  watch.start();
  Json so = {{"apiVersion", "keda.sh/v1alpha1"},
             {"kind", "ScaledObject"},
             {"metadata", {{"name", name}, {"namespace", ns}}},
             {"spec",
              {{"scaleTargetRef", {{"name", name}}},
               {"pollingInterval", pollingInterval},
               {"cooldownPeriod", cooldown},
               {"initialCooldownPeriod", 0},
               {"minReplicaCount", 0},
               {"maxReplicaCount", 1},
               {"triggers", Json::array({src->trigger()})}}}};
  if (!client.apply(k8s::kScaledObjects, ns, so, "tidal-bench").isOk()) {
    fail("cannot create the ScaledObject");
  }
  // Ready, and at 0.
  BenchClock::time_point readyBy = BenchClock::now() + 60s;
  bool ready = false;
  while (!ready && BenchClock::now() < readyBy) {
    StatusOr<Json> s = client.get(k8s::kScaledObjects, ns, name);
    if (s.isOk()) {
      for (const Json& c : s->value("/status/conditions"_json_pointer, Json::array())) {
        if (c.value("type", "") == "Ready" && c.value("status", "") == "True") ready = true;
      }
    }
    if (!ready) std::this_thread::sleep_for(100ms);
  }
  if (!ready) fail("the ScaledObject did not become Ready within 60 s");

  const std::string loadBefore = loadAverage();
  std::mt19937_64 rng(std::random_device{}());
  // A push source has no poll phase to randomise: a second of jitter is enough there.
  const bool push = source == "etcd";
  std::uniform_real_distribution<double> phase(0.0,
                                               push ? 1.0 : static_cast<double>(pollingInterval));
  const auto slack = std::chrono::seconds(pollingInterval + cooldown + 30);
  std::vector<double> up, down;
  int timeouts = 0;
  for (int t = 0; t < trials; ++t) {
    if (!watch.waitCurrent(0, slack + std::chrono::seconds(pollingInterval))) {
      fail("the Deployment did not go back to 0 replicas (at " + std::to_string(watch.current()) +
           ")");
    }
    // A random phase against the poll schedule.
    std::this_thread::sleep_for(std::chrono::duration<double>(phase(rng)));
    size_t cursor = watch.cursor();
    BenchClock::time_point published = BenchClock::now();
    src->publish();
    std::optional<BenchClock::time_point> scaled = watch.waitFor(cursor, 1, slack);
    if (!scaled) {
      ++timeouts;
      std::cerr << "trial " << t << ": no scale to 1 within " << seconds(slack) << " s\n";
    } else {
      up.push_back(seconds(*scaled - published));
      std::cerr << "trial " << t << ": " << up.back() * 1000 << " ms\n";
    }
    // Drain after the cooldown has run from the activation (lastActiveTime has a resolution of
    // 1 s), so a push source's inactive report can scale to 0 at once.
    std::this_thread::sleep_for(std::chrono::milliseconds(1000 * cooldown + 1100));
    cursor = watch.cursor();
    BenchClock::time_point drained = BenchClock::now();
    src->drain();
    std::optional<BenchClock::time_point> zero = watch.waitFor(cursor, 0, slack);
    if (zero) down.push_back(seconds(*zero - drained));
  }

  Json out{
      {"scenario", "activation"},
      {"source", source},
      {"push", push},
      {"pollingIntervalSeconds", pollingInterval},
      {"cooldownSeconds", cooldown},
      {"trials", trials},
      {"timeouts", timeouts},
      {"activationSeconds", up},
      {"activationP50Seconds", percentile(up, 0.5)},
      {"activationP99Seconds", percentile(up, 0.99)},
      {"activationMaxSeconds", up.empty() ? 0.0 : *std::max_element(up.begin(), up.end())},
      {"deactivationP50Seconds", percentile(down, 0.5)},
      {"deactivationMaxSeconds", down.empty() ? 0.0 : *std::max_element(down.begin(), down.end())},
      {"loadAverageBefore", loadBefore},
      {"loadAverageAfter", loadAverage()},
      {"measuredWith",
       "activation: local steady-clock time from just before the publish (AMQP basic.publish; "
       "etcd: v3 gateway PUT of the key) to the arrival of the Deployment watch event showing "
       "spec.replicas 1; each trial starts at a uniformly random phase within the polling "
       "interval (push: within 1 s); percentiles by nearest rank over the trials; deactivation: "
       "from the drain "
       "(queue.purge / key to 0, sent cooldown+1.1 s after activation) to replicas 0"},
  };
  std::cout << out.dump() << std::endl;
  (void)client.remove(k8s::kScaledObjects, ns, name);
  return timeouts == 0 ? 0 : 1;
}
