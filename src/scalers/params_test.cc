#include "scalers/params.h"

#include <gtest/gtest.h>

namespace tidal::scalers {
namespace {

struct Sample {
  std::string host;
  std::string queueName;
  std::string mode;
  int64_t value = 0;
  double ratio = 0;
  bool tls = false;
  std::chrono::milliseconds timeout{0};
  std::vector<std::string> topics;
  std::vector<int64_t> partitions;
  StringMap headers;
  std::optional<int64_t> limit;
  std::string password;
  std::string legacy;
  std::string auth;
};

const ParamSet<Sample>& sampleParams() {
  static const ParamSet<Sample> params =
      ParamSet<Sample>()
          .add(param("host", &Sample::host)
                   .order({ParamSource::kTriggerMetadata, ParamSource::kResolvedEnv,
                           ParamSource::kAuthParams}))
          .add(param("queueName", &Sample::queueName).aliases({"queue"}))
          .add(param("mode", &Sample::mode)
                   .defaultValue("QueueLength")
                   .enumValues({"QueueLength", "MessageRate"}))
          .add(param("value", &Sample::value).optional().range(0, 1000))
          .add(param("ratio", &Sample::ratio).optional())
          .add(param("tls", &Sample::tls).optional())
          .add(param("timeout", &Sample::timeout).optional())
          .add(param("topics", &Sample::topics).optional())
          .add(param("partitions", &Sample::partitions).optional())
          .add(param("headers", &Sample::headers).optional())
          .add(param("limit", &Sample::limit).optional())
          .add(param("password", &Sample::password)
                   .optional()
                   .secret()
                   .order({ParamSource::kAuthParams}))
          .add(param("legacy", &Sample::legacy).deprecated("use queueName instead"))
          .add(param("authModes", &Sample::auth)
                   .optional()
                   .enumValues({"apiKey", "basic", "tls", "bearer"})
                   .exclusiveSet({"bearer", "basic"}));
  return params;
}

ScalerConfig config(StringMap metadata, StringMap auth = {}, StringMap env = {}) {
  ScalerConfig c;
  c.triggerType = "sample";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  c.resolvedEnv = std::move(env);
  return c;
}

TEST(ParamsTest, SourcesAliasesTrimDefaults) {
  auto md = sampleParams().parse(config({{"host", "  amqp://h  "}, {"queue", "hello"}}));
  ASSERT_TRUE(md.isOk()) << md.status().message();
  EXPECT_EQ(md->host, "amqp://h");
  EXPECT_EQ(md->queueName, "hello");
  EXPECT_EQ(md->mode, "QueueLength");
  EXPECT_FALSE(md->limit.has_value());
}

TEST(ParamsTest, SourceOrderEnvThenAuth) {
  struct Case {
    const char* name;
    StringMap metadata, auth, env;
    std::string wantHost;
  };
  const Case cases[] = {
      {"metadata wins",
       {{"host", "m"}, {"hostFromEnv", "H"}, {"queueName", "q"}},
       {{"host", "a"}},
       {{"H", "e"}},
       "m"},
      {"env before auth",
       {{"hostFromEnv", "H"}, {"queueName", "q"}},
       {{"host", "a"}},
       {{"H", "e"}},
       "e"},
      {"auth last", {{"queueName", "q"}}, {{"host", "a"}}, {}, "a"},
      {"empty metadata counts as missing",
       {{"host", "  "}, {"queueName", "q"}},
       {{"host", "a"}},
       {},
       "a"},
      {"unresolved env falls through",
       {{"hostFromEnv", "NOPE"}, {"queueName", "q"}},
       {{"host", "a"}},
       {},
       "a"},
  };
  for (const auto& c : cases) {
    auto md = sampleParams().parse(config(c.metadata, c.auth, c.env));
    ASSERT_TRUE(md.isOk()) << c.name << ": " << md.status().message();
    EXPECT_EQ(md->host, c.wantHost) << c.name;
  }
}

TEST(ParamsTest, Conversions) {
  auto md = sampleParams().parse(config({{"host", "h"},
                                         {"queueName", "q"},
                                         {"value", "10"},
                                         {"ratio", "1.5e1"},
                                         {"tls", "T"},
                                         {"timeout", "1500"},
                                         {"topics", "a, b ,c"},
                                         {"partitions", "1,3-5"},
                                         {"headers", "X-A=1, X-B = 2"},
                                         {"limit", "-3"}},
                                        {{"password", "s3cret"}}));
  ASSERT_TRUE(md.isOk()) << md.status().message();
  EXPECT_EQ(md->value, 10);
  EXPECT_DOUBLE_EQ(md->ratio, 15.0);
  EXPECT_TRUE(md->tls);
  EXPECT_EQ(md->timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(md->topics, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(md->partitions, (std::vector<int64_t>{1, 3, 4, 5}));
  EXPECT_EQ(md->headers, (StringMap{{"X-A", "1"}, {"X-B", "2"}}));
  EXPECT_EQ(md->limit, -3);
  EXPECT_EQ(md->password, "s3cret");
  auto go = sampleParams().parse(config({{"host", "h"}, {"queueName", "q"}, {"timeout", "1m30s"}}));
  ASSERT_TRUE(go.isOk());
  EXPECT_EQ(go->timeout, std::chrono::milliseconds(90000));
}

TEST(ParamsTest, ErrorTexts) {
  struct Case {
    const char* name;
    StringMap metadata;
    StringMap auth;
    std::string want;
  };
  const Case cases[] = {
      {"missing required",
       {{"queueName", "q"}},
       {},
       "missing required parameter \"host\" in [triggerMetadata resolvedEnv authParams]"},
      {"missing with alias",
       {{"host", "h"}},
       {},
       "missing required parameter \"queueName;queue\" in [triggerMetadata]"},
      {"enum",
       {{"host", "h"}, {"queueName", "q"}, {"mode", "Bytes"}},
       {},
       "parameter \"mode\" value \"Bytes\" must be one of [QueueLength MessageRate]"},
      {"int from float",
       {{"host", "h"}, {"queueName", "q"}, {"value", "1.5"}},
       {},
       "unable to set param \"value\" value \"1.5\": expected an integer, got a number with a "
       "fraction"},
      {"int from text",
       {{"host", "h"}, {"queueName", "q"}, {"value", "AA"}},
       {},
       "unable to set param \"value\" value \"AA\": expected an integer"},
      {"int with plus sign is not JSON",
       {{"host", "h"}, {"queueName", "q"}, {"value", "+5"}},
       {},
       "unable to set param \"value\" value \"+5\": expected an integer"},
      {"range",
       {{"host", "h"}, {"queueName", "q"}, {"value", "5000"}},
       {},
       "parameter \"value\" value 5000 must be between 0 and 1000"},
      {"float",
       {{"host", "h"}, {"queueName", "q"}, {"ratio", ".5"}},
       {},
       "unable to set param \"ratio\" value \".5\": expected a number"},
      {"bool",
       {{"host", "h"}, {"queueName", "q"}, {"tls", "yes"}},
       {},
       "unable to set param \"tls\" value \"yes\": expected a boolean (true, false, 1, 0, t or f)"},
      {"negative duration",
       {{"host", "h"}, {"queueName", "q"}, {"timeout", "-5"}},
       {},
       "unable to set param \"timeout\" value \"-5\":"},
      {"map element",
       {{"host", "h"}, {"queueName", "q"}, {"headers", "a=1,b"}},
       {},
       "unable to set param \"headers\" value \"a=1,b\": expected format key=value, got \"b\""},
      {"deprecated",
       {{"host", "h"}, {"queueName", "q"}, {"legacy", "x"}},
       {},
       "scaler sample info: use queueName instead"},
      {"exclusive set",
       {{"host", "h"}, {"queueName", "q"}, {"authModes", "bearer,basic"}},
       {},
       "parameter \"authModes\" value \"bearer,basic\" must contain only one of [bearer basic]"},
      {"enum in list",
       {{"host", "h"}, {"queueName", "q"}, {"authModes", "tls, nope"}},
       {},
       "parameter \"authModes\" value \"tls, nope\" must be one of [apiKey basic tls bearer]"},
  };
  for (const auto& c : cases) {
    auto md = sampleParams().parse(config(c.metadata, c.auth));
    ASSERT_FALSE(md.isOk()) << c.name;
    EXPECT_NE(md.status().message().find(c.want), std::string::npos)
        << c.name << ": got " << md.status().message();
    EXPECT_EQ(md.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(ParamsTest, AllErrorsJoinedInOrder) {
  auto md = sampleParams().parse(config({{"value", "x"}}));
  ASSERT_FALSE(md.isOk());
  const std::string& m = md.status().message();
  const size_t host = m.find("\"host\"");
  const size_t queue = m.find("\"queueName;queue\"");
  const size_t value = m.find("\"value\" value \"x\"");
  ASSERT_NE(host, std::string::npos) << m;
  ASSERT_NE(queue, std::string::npos) << m;
  ASSERT_NE(value, std::string::npos) << m;
  EXPECT_LT(host, queue);
  EXPECT_LT(queue, value);
}

TEST(ParamsTest, SecretValueNeverInError) {
  struct WithSecretInt {
    int64_t pin = 0;
  };
  ParamSet<WithSecretInt> params =
      ParamSet<WithSecretInt>().add(param("pin", &WithSecretInt::pin).secret());
  auto md = params.parse(config({{"pin", "hunter2"}}));
  ASSERT_FALSE(md.isOk());
  EXPECT_EQ(md.status().message().find("hunter2"), std::string::npos) << md.status().message();
  EXPECT_NE(md.status().message().find("\"pin\""), std::string::npos);
}

TEST(ParamsTest, ValidatorRunsAfterFields) {
  struct Window {
    std::string start, end;
  };
  ParamSet<Window> params =
      ParamSet<Window>()
          .add(param("start", &Window::start))
          .add(param("end", &Window::end))
          .validate([](const Window& w) {
            return w.start == w.end ? invalidArgument("start and end must differ") : Status::ok();
          });
  EXPECT_TRUE(params.parse(config({{"start", "a"}, {"end", "b"}})).isOk());
  auto bad = params.parse(config({{"start", "a"}, {"end", "a"}}));
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().message(), "start and end must differ");
}

TEST(ParamsTest, SchemaAndKnownKeys) {
  const auto infos = sampleParams().infos();
  ASSERT_EQ(infos.size(), 14u);
  const Json host = infos[0].toJson();
  EXPECT_EQ(host["name"], "host");
  EXPECT_EQ(host["required"], true);
  EXPECT_EQ(host["sources"], Json({"triggerMetadata", "resolvedEnv", "authParams"}));
  const Json mode = infos[2].toJson();
  EXPECT_EQ(mode["default"], "QueueLength");
  EXPECT_EQ(mode["required"], false);
  EXPECT_EQ(infos[3].kind, ParamKind::kInt);
  EXPECT_EQ(infos[6].kind, ParamKind::kDuration);
  EXPECT_EQ(infos[10].kind, ParamKind::kInt);  // std::optional<int64_t>
  const auto keys = sampleParams().knownKeys();
  EXPECT_NE(std::find(keys.begin(), keys.end(), "hostFromEnv"), keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "queue"), keys.end());
  EXPECT_EQ(std::find(keys.begin(), keys.end(), "queueNameFromEnv"), keys.end());
}

}  // namespace
}  // namespace tidal::scalers
