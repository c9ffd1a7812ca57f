// The rabbitmq scaler without a server: metric specs, values and activity over a fake source,
// the management API client over a fake HTTP transport (URLs, paging, error texts and codes),
// connection sharing, and that no password ever reaches an error or describe().
#include "scalers/rabbitmq/rabbitmq_scaler.h"

#include <deque>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scalers/registry.h"

namespace tidal::scalers {
namespace {

using rabbitmq::HttpGetter;
using rabbitmq::HttpRequest;
using rabbitmq::HttpResponse;
using rabbitmq::ManagementApiSource;
using rabbitmq::QueueStats;
using rabbitmq::QueueStatsSource;
using rabbitmq::RabbitMqConfig;

ScalerConfig trigger(StringMap metadata, StringMap auth = {}, std::string metricType = "") {
  ScalerConfig c;
  c.triggerType = "rabbitmq";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  c.metricType = std::move(metricType);
  return c;
}

RabbitMqConfig parsed(const ScalerConfig& c) {
  StatusOr<RabbitMqConfig> cfg = rabbitmq::parseRabbitMqConfig(c);
  EXPECT_TRUE(cfg.isOk()) << cfg.status().toString();
  return cfg.isOk() ? *cfg : RabbitMqConfig{};
}

// Answers fetch() from a script.
class FakeSource : public QueueStatsSource {
 public:
  explicit FakeSource(std::deque<StatusOr<QueueStats>> answers) : answers_(std::move(answers)) {}
  StatusOr<QueueStats> fetch() override {
    StatusOr<QueueStats> next = answers_.front();
    if (answers_.size() > 1) answers_.pop_front();
    return next;
  }

 private:
  std::deque<StatusOr<QueueStats>> answers_;
};

// Records requests and answers from a script.
class FakeHttp : public HttpGetter {
 public:
  explicit FakeHttp(std::deque<StatusOr<HttpResponse>> answers) : answers_(std::move(answers)) {}
  StatusOr<HttpResponse> get(const HttpRequest& request) override {
    requests.push_back(request);
    StatusOr<HttpResponse> next = answers_.front();
    if (answers_.size() > 1) answers_.pop_front();
    return next;
  }
  std::vector<HttpRequest> requests;

 private:
  std::deque<StatusOr<HttpResponse>> answers_;
};

TEST(RabbitMqScaler, MetricSpecs) {
  struct Case {
    const char* name;
    ScalerConfig config;
    const char* wantJson;
  };
  const std::vector<Case> cases = {
      {"default_target_20", trigger({{"queueName", "hello"}, {"host", "amqp://r/"}}),
       R"({"external":{"metric":{"name":"s0-rabbitmq-hello"},"target":{"averageValue":"20","type":"AverageValue"}},"type":"External"})"},
      {"milli_target_value_type",
       trigger({{"queueName", "hello"},
                {"host", "http://r/"},
                {"mode", "MessageRate"},
                {"value", "100.5"}},
               {}, "Value"),
       R"({"external":{"metric":{"name":"s0-rabbitmq-hello"},"target":{"type":"Value","value":"100500m"}},"type":"External"})"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto scaler = newRabbitMqScaler(c.config, ScalerContext{});
    ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
    const auto specs = (*scaler)->metricSpecs();
    ASSERT_EQ(specs.size(), 1u);
    EXPECT_EQ(specs[0].toJson().dump(), c.wantJson);
    (*scaler)->close();
  }
}

TEST(RabbitMqScaler, ValuesAndActivity) {
  struct Case {
    const char* name;
    StringMap metadata;
    QueueStats stats;
    const char* value;
    bool active;
  };
  const StringMap base = {{"queueName", "hello"}, {"host", "http://r/"}};
  auto with = [&](StringMap extra) {
    StringMap m = base;
    for (auto& [k, v] : extra) m[k] = v;
    return m;
  };
  const std::vector<Case> cases = {
      {"length", with({}), {12, 9, 0, 0}, "12", true},
      {"length_idle", with({}), {0, 0, 0, 0}, "0", false},
      {"length_activation", with({{"activationValue", "12"}}), {12, 9, 0, 0}, "12", false},
      {"length_ready_only", with({{"excludeUnacknowledged", "true"}}), {12, 9, 0, 0}, "9", true},
      {"rate_milli",
       with({{"mode", "MessageRate"}, {"value", "10"}}),
       {0, 0, 2.5, 0},
       "2500m",
       true},
      {"ratio",
       with({{"mode", "PublishedToDeliveredRatio"}, {"value", "1"}}),
       {0, 0, 3, 2},
       "1500m",
       true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto scaler = newRabbitMqScalerWithSource(
        parsed(trigger(c.metadata)),
        std::make_unique<FakeSource>(std::deque<StatusOr<QueueStats>>{c.stats}));
    auto got = scaler->metricsAndActivity("s0-rabbitmq-hello");
    ASSERT_TRUE(got.isOk()) << got.status().toString();
    ASSERT_EQ(got->metrics.size(), 1u);
    EXPECT_EQ(got->metrics[0].metricName, "s0-rabbitmq-hello");
    EXPECT_EQ(got->metrics[0].value.toString(), c.value);
    EXPECT_EQ(got->active, c.active);
  }
}

TEST(RabbitMqScaler, ErrorsNameQueueAndEndpointButNoPassword) {
  const RabbitMqConfig cfg =
      parsed(trigger({{"queueName", "orders"}, {"host", "amqp://app:Sup3rS3cret@rabbit:5672/"}}));
  // A cause that (wrongly) repeats the password and the credentialed URL gets masked.
  auto scaler = newRabbitMqScalerWithSource(
      cfg, std::make_unique<FakeSource>(std::deque<StatusOr<QueueStats>>{
               unavailable("dial amqp://app:Sup3rS3cret@rabbit:5672/: refused (Sup3rS3cret)")}));
  auto got = scaler->metricsAndActivity("s0-rabbitmq-orders");
  ASSERT_FALSE(got.isOk());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(got.status().retryable());
  EXPECT_EQ(got.status().message(),
            "error inspecting RabbitMQ: queue \"orders\" at rabbit:5672: dial "
            "amqp://rabbit:5672/: refused (***)");
}

TEST(RabbitMqScaler, DescribeHasNoSecrets) {
  auto scaler = newRabbitMqScaler(
      trigger({{"queueName", "orders"}, {"host", "amqp://app:Sup3rS3cret@rabbit:5672/vh"}},
              {{"password", "AuthPa55word"}, {"username", "bob"}}),
      ScalerContext{});
  ASSERT_TRUE(scaler.isOk());
  const std::string text = (*scaler)->describe().dump();
  EXPECT_EQ(text.find("Sup3rS3cret"), std::string::npos) << text;
  EXPECT_EQ(text.find("AuthPa55word"), std::string::npos) << text;
  const Json j = (*scaler)->describe();
  EXPECT_EQ(j["host"], "amqp://rabbit:5672/vh");
  EXPECT_EQ(j["vhostName"], "vh");
  EXPECT_EQ(j["username"], "bob");
  EXPECT_EQ(j["mode"], "QueueLength");
  EXPECT_EQ(j["protocol"], "amqp");
  EXPECT_EQ((*scaler)->activationTarget(), 0.0);
  (*scaler)->close();
}

TEST(RabbitMqScaler, ClosedScalerRefusesToPoll) {
  auto scaler = newRabbitMqScalerWithSource(
      parsed(trigger({{"queueName", "q"}, {"host", "amqp://r/"}})),
      std::make_unique<FakeSource>(std::deque<StatusOr<QueueStats>>{QueueStats{}}));
  scaler->close();
  EXPECT_EQ(scaler->metricsAndActivity("s0-rabbitmq-q").status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(RabbitMqScaler, RegisteredAndBuiltWithoutIo) {
  const ScalerType* type = builtinRegistry().find("rabbitmq");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->metricsLabel, "rabbitMQScaler");
  // An unreachable broker: building must not connect (tidal check works offline).
  auto scaler = builtinRegistry().create(
      trigger({{"queueName", "q"}, {"host", "amqp://192.0.2.1:1/"}}), ScalerContext{});
  ASSERT_TRUE(scaler.isOk()) << scaler.status().toString();
  (*scaler)->close();
}

TEST(RabbitMqScaler, BadTlsMaterialIsRefusedUpFront) {
  auto scaler = newRabbitMqScaler(
      trigger({{"queueName", "q"}, {"host", "amqps://r/"}}, {{"tls", "enable"}, {"ca", "nope"}}),
      ScalerContext{});
  ASSERT_FALSE(scaler.isOk());
  EXPECT_EQ(scaler.status().message(),
            "error parsing RabbitMQ TLS configuration: ca: no PEM certificate found");
  auto withKey = newRabbitMqScaler(trigger({{"queueName", "q"}, {"host", "https://r/"}},
                                           {{"tls", "enable"}, {"cert", "x"}, {"key", "y"}}),
                                   ScalerContext{});
  ASSERT_FALSE(withKey.isOk());
  EXPECT_EQ(withKey.status().message(),
            "error parsing RabbitMQ TLS configuration: cert: no PEM certificate found");
}

TEST(RabbitMqScaler, SharesOneConnectionPerEndpointAndCredentials) {
  auto& pool = rabbitmq::AmqpConnection::pool();
  const size_t before = pool.liveCount();
  std::vector<std::unique_ptr<Scaler>> scalers;
  for (int i = 0; i < 20; ++i) {
    auto s = newRabbitMqScaler(
        trigger({{"queueName", "q" + std::to_string(i)}, {"host", "amqp://u:p@share-test:5672/"}}),
        ScalerContext{});
    ASSERT_TRUE(s.isOk());
    scalers.push_back(*std::move(s));
  }
  EXPECT_EQ(pool.liveCount(), before + 1);
  // Other credentials or another vhost: another connection.
  auto other = newRabbitMqScaler(
      trigger({{"queueName", "q"}, {"host", "amqp://u:other@share-test:5672/"}}), ScalerContext{});
  auto vhost = newRabbitMqScaler(
      trigger({{"queueName", "q"}, {"host", "amqp://u:p@share-test:5672/"}, {"vhostName", "v"}}),
      ScalerContext{});
  EXPECT_EQ(pool.liveCount(), before + 3);
  (*other)->close();
  (*vhost)->close();
  EXPECT_EQ(pool.liveCount(), before + 1);
  for (auto& s : scalers) s->close();
  EXPECT_EQ(pool.liveCount(), before);
}

// ---- the management API client over a fake transport -----------------------------------------

ManagementApiSource apiSource(std::shared_ptr<FakeHttp> http, const StringMap& metadata) {
  const RabbitMqConfig cfg = parsed(trigger(metadata));
  return ManagementApiSource(std::move(http), cfg.http, cfg.metadata.queueName,
                             cfg.metadata.useRegex, cfg.metadata.pageSize, cfg.operation,
                             cfg.timeout);
}

TEST(RabbitMqManagementApi, OneQueue) {
  auto http = std::make_shared<FakeHttp>(std::deque<StatusOr<HttpResponse>>{
      HttpResponse{200, R"({"messages":7,"messages_ready":5})"}});
  auto source = apiSource(http, {{"queueName", "jobs"}, {"host", "http://u:p%40w@r:15672/vh"}});
  StatusOr<QueueStats> got = source.fetch();
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(got->messages, 7);
  ASSERT_EQ(http->requests.size(), 1u);
  EXPECT_EQ(http->requests[0].url, "http://r:15672/api/queues/vh/jobs");
  EXPECT_EQ(http->requests[0].username, "u");
  EXPECT_EQ(http->requests[0].password, "p@w");
  EXPECT_GT(http->requests[0].timeout.count(), 0);
}

TEST(RabbitMqManagementApi, ErrorStatuses) {
  struct Case {
    const char* name;
    StatusOr<HttpResponse> answer;
    StatusCode code;
    std::string message;
  };
  const std::string from = ", from: http://r:15672/api/queues/%2F/jobs";
  const std::vector<Case> cases = {
      {"not_found", HttpResponse{404, R"({"error":"Object Not Found","reason":"Not Found"})"},
       StatusCode::kNotFound,
       R"(error requesting RabbitMQ API status: 404 Not Found, response: {"error":"Object Not Found","reason":"Not Found"})" +
           from},
      {"unauthorized", HttpResponse{401, "{}"}, StatusCode::kUnauthenticated,
       "error requesting RabbitMQ API status: 401 Unauthorized, response: {}" + from},
      {"forbidden", HttpResponse{403, ""}, StatusCode::kPermissionDenied,
       "error requesting RabbitMQ API status: 403 Forbidden, response: " + from},
      {"server_error", HttpResponse{503, "down"}, StatusCode::kUnavailable,
       "error requesting RabbitMQ API status: 503 Service Unavailable, response: down" + from},
      {"transport", Status(StatusCode::kDeadlineExceeded, "timed out after 3000 ms"),
       StatusCode::kDeadlineExceeded, "timed out after 3000 ms"},
      {"garbage", HttpResponse{200, "<html>"}, StatusCode::kUnavailable,
       "the management API answered with something other than a queue object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto http = std::make_shared<FakeHttp>(std::deque<StatusOr<HttpResponse>>{c.answer});
    auto source = apiSource(http, {{"queueName", "jobs"}, {"host", "http://u:pw@r:15672/"}});
    StatusOr<QueueStats> got = source.fetch();
    ASSERT_FALSE(got.isOk());
    EXPECT_EQ(got.status().code(), c.code);
    EXPECT_EQ(got.status().message(), c.message);
  }
}

std::string page(int pageCount, const std::vector<int>& messages) {
  std::string items;
  for (int m : messages) {
    if (!items.empty()) items += ",";
    items += R"({"messages":)" + std::to_string(m) + R"(,"messages_ready":)" + std::to_string(m) +
             R"(,"message_stats":{"publish_details":{"rate":1.0}}})";
  }
  return R"({"page_count":)" + std::to_string(pageCount) + R"(,"items":[)" + items + "]}";
}

TEST(RabbitMqManagementApi, RegexReadsEveryPage) {
  struct Case {
    const char* name;
    const char* operation;
    int64_t messages;
    double publishRate;
  };
  for (const Case& c :
       {Case{"sum", "sum", 4 + 6 + 1 + 9 + 3, 5.0},
        Case{"avg", "avg", (4 + 6 + 1 + 9 + 3) / 5, 1.0}, Case{"max", "max", 9, 1.0}}) {
    SCOPED_TRACE(c.name);
    auto http = std::make_shared<FakeHttp>(std::deque<StatusOr<HttpResponse>>{
        HttpResponse{200, page(3, {4, 6})}, HttpResponse{200, page(3, {1, 9})},
        HttpResponse{200, page(3, {3})}});
    auto source = apiSource(http, {{"queueName", "^job-.*"},
                                   {"host", "http://r/"},
                                   {"useRegex", "true"},
                                   {"pageSize", "2"},
                                   {"operation", c.operation}});
    StatusOr<QueueStats> got = source.fetch();
    ASSERT_TRUE(got.isOk()) << got.status().toString();
    EXPECT_EQ(got->messages, c.messages);
    EXPECT_DOUBLE_EQ(got->publishRate, c.publishRate);
    ASSERT_EQ(http->requests.size(), 3u);
    EXPECT_EQ(http->requests[2].url,
              "http://r/api/queues/%2F?page=3&use_regex=true&pagination=false&name=%5Ejob-.%2A&"
              "page_size=2");
  }
}

TEST(RabbitMqManagementApi, RegexWithNoMatchIsZeroAndTooManyPagesIsAnError) {
  auto none = std::make_shared<FakeHttp>(
      std::deque<StatusOr<HttpResponse>>{HttpResponse{200, R"({"page_count":0,"items":[]})"}});
  auto source = apiSource(none, {{"queueName", "x"}, {"host", "http://r/"}, {"useRegex", "1"}});
  StatusOr<QueueStats> got = source.fetch();
  ASSERT_TRUE(got.isOk());
  EXPECT_EQ(*got, QueueStats{});
  EXPECT_EQ(none->requests.size(), 1u);

  auto many = std::make_shared<FakeHttp>(std::deque<StatusOr<HttpResponse>>{
      HttpResponse{200, page(ManagementApiSource::kMaxPages + 1, {1})}});
  auto big = apiSource(many, {{"queueName", "x"}, {"host", "http://r/"}, {"useRegex", "1"}});
  StatusOr<QueueStats> err = big.fetch();
  ASSERT_FALSE(err.isOk());
  EXPECT_EQ(err.status().message(),
            "regex matches more queues than can be recovered at once (101 pages of 100; at most "
            "100 pages are read)");
}

}  // namespace
}  // namespace tidal::scalers
