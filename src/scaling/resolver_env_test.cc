#include <gtest/gtest.h>

#include "scaling/resolver.h"
#include "scaling/resolver_fake_source.h"

namespace tidal::scaling {
namespace {

using testing::FakeSource;

// ---- $(VAR) expansion ---------------------------------------------------------------------

struct ExpandCase {
  const char* name;
  std::string input;
  std::string want;
};

class ExpandTest : public ::testing::TestWithParam<ExpandCase> {};

TEST_P(ExpandTest, MatchesKubernetes) {
  const StringMap vars = {{"A", "a"}, {"B", "bb"}, {"EMPTY", ""}, {"DOLLAR", "$(A)"}};
  EXPECT_EQ(expandEnvReferences(GetParam().input, vars), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ExpandTest,
    ::testing::Values(
        ExpandCase{"plain", "plain", "plain"}, ExpandCase{"empty", "", ""},
        ExpandCase{"reference", "$(A)", "a"}, ExpandCase{"embedded", "x$(A)y$(B)z", "xaybbz"},
        ExpandCase{"repeated", "$(A)$(A)", "aa"}, ExpandCase{"definedEmpty", "<$(EMPTY)>", "<>"},
        ExpandCase{"undefinedKept", "$(NOPE)", "$(NOPE)"},
        ExpandCase{"escapedReference", "$$(A)", "$(A)"},
        ExpandCase{"escapeThenReference", "$$$(A)", "$a"}, ExpandCase{"doubleDollar", "$$", "$"},
        ExpandCase{"lone", "$", "$"}, ExpandCase{"trailing", "a$", "a$"},
        ExpandCase{"notAReference", "$A", "$A"}, ExpandCase{"unterminated", "$(A", "$(A"},
        ExpandCase{"unterminatedThenReference", "$($(A)", "$($(A)"},
        ExpandCase{"emptyName", "$()", "$()"},
        ExpandCase{"valueNotReExpanded", "$(DOLLAR)", "$(A)"},
        ExpandCase{"nestedTakesFirstCloser", "$($(A))", "$($(A))"}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- container env ------------------------------------------------------------------------

k8s::EnvVar literal(std::string name, std::string value) {
  k8s::EnvVar v;
  v.name = std::move(name);
  v.value = std::move(value);
  return v;
}
k8s::EnvVar fromSecret(std::string name, std::string secret, std::string key,
                       bool optional = false) {
  k8s::EnvVar v;
  v.name = std::move(name);
  v.secretKeyRef = k8s::KeySelector{std::move(secret), std::move(key), optional};
  return v;
}
k8s::EnvVar fromConfigMap(std::string name, std::string cm, std::string key,
                          bool optional = false) {
  k8s::EnvVar v;
  v.name = std::move(name);
  v.configMapKeyRef = k8s::KeySelector{std::move(cm), std::move(key), optional};
  return v;
}
k8s::EnvFromSource envFromSecret(std::string name, std::string prefix = "", bool optional = false) {
  k8s::EnvFromSource f;
  f.secretName = std::move(name);
  f.prefix = std::move(prefix);
  f.optional = optional;
  return f;
}
k8s::EnvFromSource envFromConfigMap(std::string name, std::string prefix = "",
                                    bool optional = false) {
  k8s::EnvFromSource f;
  f.configMapName = std::move(name);
  f.prefix = std::move(prefix);
  f.optional = optional;
  return f;
}
k8s::Container container(std::string name, std::vector<k8s::EnvVar> env,
                         std::vector<k8s::EnvFromSource> envFrom = {}) {
  k8s::Container c;
  c.name = std::move(name);
  c.env = std::move(env);
  c.envFrom = std::move(envFrom);
  return c;
}

struct EnvCase {
  const char* name;
  std::vector<k8s::Container> containers;
  std::string containerName;
  std::string ns = "apps";
  bool restrict = false;
  StringMap want;
  StatusCode wantCode = StatusCode::kOk;
  std::string wantMessage;  // exact, when the code is not OK
};

FakeSource envFixtures() {
  FakeSource source;
  source.addSecret("apps", "creds", {{"user", "u1"}, {"password", "p1"}});
  source.addSecret("apps", "other", {{"password", "p2"}});
  source.addSecret("keda", "creds", {{"user", "keda-user"}});
  source.addConfigMap("apps", "settings", {{"host", "h1"}, {"port", "5672"}});
  source.addConfigMap("apps", "more", {{"host", "h2"}});
  source.addConfigMap("keda", "settings", {{"host", "keda-host"}});
  return source;
}

class ContainerEnvTest : public ::testing::TestWithParam<EnvCase> {};

TEST_P(ContainerEnvTest, Resolves) {
  const EnvCase& c = GetParam();
  FakeSource source = envFixtures();
  ResolverOptions options;
  options.restrictSecretAccess = c.restrict;
  StatusOr<StringMap> got =
      resolveContainerEnv(c.containers, c.containerName, c.ns, source, options);
  if (c.wantCode != StatusCode::kOk) {
    ASSERT_FALSE(got.isOk());
    EXPECT_EQ(got.status().code(), c.wantCode);
    EXPECT_EQ(got.status().message(), c.wantMessage);
    return;
  }
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(*got, c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ContainerEnvTest,
    ::testing::Values(
        EnvCase{.name = "noContainersGivesNothing", .containers = {}, .containerName = "x"},
        EnvCase{.name = "firstContainerByDefault",
                .containers = {container("a", {literal("X", "1")}),
                               container("b", {literal("X", "2")})},
                .want = {{"X", "1"}}},
        EnvCase{.name = "namedContainer",
                .containers = {container("a", {literal("X", "1")}),
                               container("b", {literal("X", "2")})},
                .containerName = "b",
                .want = {{"X", "2"}}},
        EnvCase{.name = "unknownContainer",
                .containers = {container("a", {})},
                .containerName = "sidecar",
                .wantCode = StatusCode::kFailedPrecondition,
                .wantMessage = "couldn't find container with name sidecar on Target object"},
        EnvCase{.name = "envFromWithPrefixes",
                .containers = {container(
                    "a", {}, {envFromConfigMap("settings", "CM_"), envFromSecret("creds", "S_")})},
                .want = {{"CM_host", "h1"},
                         {"CM_port", "5672"},
                         {"S_password", "p1"},
                         {"S_user", "u1"}}},
        EnvCase{.name = "laterEnvFromWins",
                .containers = {container("a", {},
                                         {envFromConfigMap("settings"), envFromConfigMap("more")})},
                .want = {{"host", "h2"}, {"port", "5672"}}},
        EnvCase{
            .name = "envOverridesEnvFromAndLaterEnvWins",
            .containers = {container("a",
                                     {literal("host", "lit"), literal("X", "1"), literal("X", "2")},
                                     {envFromConfigMap("settings")})},
            .want = {{"X", "2"}, {"host", "lit"}, {"port", "5672"}}},
        EnvCase{.name = "expansionSeesEnvFromAndEarlierEnvOnly",
                .containers = {container("a",
                                         {literal("URL", "amqp://$(host):$(port)/$(VHOST)"),
                                          literal("VHOST", "v"), literal("AGAIN", "$(VHOST)")},
                                         {envFromConfigMap("settings")})},
                .want = {{"AGAIN", "v"},
                         {"URL", "amqp://h1:5672/$(VHOST)"},
                         {"VHOST", "v"},
                         {"host", "h1"},
                         {"port", "5672"}}},
        EnvCase{.name = "keyRefs",
                .containers = {container("a", {fromSecret("PW", "creds", "password"),
                                               fromConfigMap("HOST", "settings", "host")})},
                .want = {{"HOST", "h1"}, {"PW", "p1"}}},
        EnvCase{.name = "optionalMissingSourcesAndKeysSkipped",
                .containers = {container(
                    "a",
                    {fromSecret("A", "nope", "k", true), fromSecret("B", "creds", "nokey", true),
                     fromConfigMap("C", "nope", "k", true),
                     fromConfigMap("D", "settings", "nokey", true)},
                    {envFromSecret("nope", "", true), envFromConfigMap("nope", "", true)})},
                .want = {}},
        EnvCase{.name = "requiredMissingKeyIsEmptyAsInKeda",
                .containers = {container("a", {fromSecret("A", "creds", "nokey"),
                                               fromConfigMap("B", "settings", "nokey")})},
                .want = {{"A", ""}, {"B", ""}}},
        EnvCase{
            .name = "requiredMissingSecret",
            .containers = {container("app", {fromSecret("A", "gone", "k")})},
            .wantCode = StatusCode::kNotFound,
            .wantMessage = "container \"app\": env[0] (A).valueFrom.secretKeyRef: Secret apps/gone "
                           "not found"},
        EnvCase{.name = "requiredMissingConfigMapKeyRef",
                .containers = {container("app", {fromConfigMap("A", "gone", "k")})},
                .wantCode = StatusCode::kNotFound,
                .wantMessage = "container \"app\": env[0] (A).valueFrom.configMapKeyRef: "
                               "ConfigMap apps/gone not found"},
        EnvCase{.name = "requiredMissingEnvFromSecret",
                .containers = {container("app", {}, {envFromSecret("gone")})},
                .wantCode = StatusCode::kNotFound,
                .wantMessage = "container \"app\": envFrom[0].secretRef: Secret apps/gone not "
                               "found"},
        EnvCase{.name = "requiredMissingEnvFromConfigMap",
                .containers = {container("app", {}, {envFromConfigMap("gone")})},
                .wantCode = StatusCode::kNotFound,
                .wantMessage = "container \"app\": envFrom[0].configMapRef: ConfigMap apps/gone "
                               "not found"},
        EnvCase{.name = "emptyValueWithoutRefIsEmpty",
                .containers = {container("a", {literal("POD_NAME", "")})},
                .want = {{"POD_NAME", ""}}},
        EnvCase{.name = "restrictSkipsSecretsOutsideClusterNamespace",
                .containers = {container("a",
                                         {fromSecret("PW", "creds", "password"),
                                          fromSecret("MISSING", "gone", "k"),
                                          fromConfigMap("HOST", "settings", "host")},
                                         {envFromSecret("creds", "S_"), envFromSecret("gone")})},
                .restrict = true,
                .want = {{"HOST", "h1"}}},
        EnvCase{.name = "restrictStillReadsSecretsInClusterNamespace",
                .containers = {container("a", {fromSecret("U", "creds", "user")})},
                .ns = "keda",
                .restrict = true,
                .want = {{"U", "keda-user"}}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ContainerEnv, TransientFailureKeepsItsCode) {
  FakeSource source = envFixtures();
  source.failure = unavailable("connection refused");
  std::vector<k8s::Container> containers = {
      container("app", {fromSecret("A", "creds", "password", /*optional=*/true)})};
  StatusOr<StringMap> got = resolveContainerEnv(containers, "", "apps", source, {});
  ASSERT_FALSE(got.isOk());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(got.status().retryable());
  EXPECT_EQ(got.status().message(),
            "container \"app\": env[0] (A).valueFrom.secretKeyRef: connection refused");
}

TEST(ContainerEnv, ReadsFromTheGivenNamespace) {
  FakeSource source = envFixtures();
  std::vector<k8s::Container> containers = {
      container("a", {fromConfigMap("H", "settings", "host")})};
  StatusOr<StringMap> got = resolveContainerEnv(containers, "", "keda", source, {});
  ASSERT_TRUE(got.isOk());
  EXPECT_EQ(got->at("H"), "keda-host");
  EXPECT_EQ(source.calls, std::vector<std::string>{"configmap keda/settings"});
}

// ---- pod templates ------------------------------------------------------------------------

TEST(TargetPodTemplate, ReadsContainersAndServiceAccount) {
  api::Json json = api::Json::parse(R"({
    "metadata": {"labels": {"app": "x"}},
    "spec": {
      "serviceAccountName": "worker",
      "containers": [
        {"name": "main", "env": [{"name": "A", "value": "1"},
                                 {"name": "B", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k", "optional": true}}}],
         "envFrom": [{"prefix": "P_", "configMapRef": {"name": "cm"}}]},
        {"name": "side"}
      ]
    }
  })");
  StatusOr<TargetPodTemplate> got = podTemplateFromJson(json);
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(got->serviceAccountName, "worker");
  ASSERT_EQ(got->containers.size(), 2u);
  EXPECT_EQ(got->containers[0].env.size(), 2u);
  ASSERT_TRUE(got->containers[0].env[1].secretKeyRef.has_value());
  EXPECT_TRUE(got->containers[0].env[1].secretKeyRef->optional);
  EXPECT_EQ(got->containers[0].envFrom[0].configMapName, "cm");
  EXPECT_EQ(got->containers[1].name, "side");
}

TEST(TargetPodTemplate, NullIsEmptyAndWrongTypesAreRefused) {
  StatusOr<TargetPodTemplate> empty = podTemplateFromJson(api::Json());
  ASSERT_TRUE(empty.isOk());
  EXPECT_TRUE(empty->containers.empty());

  StatusOr<TargetPodTemplate> bad =
      podTemplateFromJson(api::Json::parse(R"({"spec": {"containers": 3}})"));
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("containers"), std::string::npos) << bad.status().message();

  StatusOr<TargetPodTemplate> notObject = podTemplateFromJson(api::Json("x"));
  EXPECT_EQ(notObject.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tidal::scaling
