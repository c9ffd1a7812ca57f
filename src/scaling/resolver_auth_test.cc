#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "scaling/resolver.h"
#include "scaling/resolver_fake_source.h"

namespace tidal::scaling {
namespace {

namespace fs = std::filesystem;
using testing::FakeSource;

constexpr const char* kSecretValue = "S3CR3T-VALUE-never-in-messages";

api::ScaleTrigger triggerWithAuth(std::string name, std::string kind = "") {
  api::ScaleTrigger t;
  t.type = "rabbitmq";
  t.authenticationRef = api::AuthenticationRef{std::move(name), std::move(kind)};
  return t;
}

TriggerLocation context() {
  TriggerLocation c;
  c.objectKind = "ScaledObject";
  c.namespace_ = "apps";
  c.objectName = "worker";
  c.index = 1;
  c.triggerType = "rabbitmq";
  return c;
}

api::TargetRef ref(std::string parameter, std::string name, std::string key) {
  return api::TargetRef{std::move(parameter), std::move(name), std::move(key)};
}

k8s::Container containerWithEnv(std::string name, StringMap env) {
  k8s::Container c;
  c.name = std::move(name);
  for (const auto& [k, v] : env) {
    k8s::EnvVar var;
    var.name = k;
    var.value = v;
    c.env.push_back(var);
  }
  return c;
}

struct Fixture {
  FakeSource source;
  ResolverOptions options;
  TargetPodTemplate target;
  StringMap resolvedEnv;

  Fixture() {
    options.clusterObjectNamespace = "keda";
    source.addSecret("apps", "creds", {{"password", kSecretValue}, {"user", "guest"}});
    source.addSecret("keda", "creds", {{"password", "keda-pw"}, {"user", "keda-user"}});
    source.addConfigMap("apps", "settings", {{"host", "apps-host"}, {"user", "cm-user"}});
    source.addConfigMap("keda", "settings", {{"host", "keda-host"}});
    target.containers = {containerWithEnv("main", {{"HOST", "env-host"}}),
                         containerWithEnv("side", {{"HOST", "side-host"}})};
    resolvedEnv = {{"HOST", "env-host"}};
  }

  StatusOr<AuthResolution> resolve(const api::ScaleTrigger& trigger) {
    return resolveAuth(trigger, context(), target, resolvedEnv, source, options);
  }
};

TEST(ResolveAuth, NoAuthenticationRefGivesNothing) {
  Fixture f;
  api::ScaleTrigger t;
  t.type = "rabbitmq";
  StatusOr<AuthResolution> got = f.resolve(t);
  ASSERT_TRUE(got.isOk());
  EXPECT_TRUE(got->params.empty());
  EXPECT_TRUE(f.source.calls.empty());
}

TEST(ResolveAuth, EveryRefKindOfATriggerAuthentication) {
  Fixture f;
  f.source.tokens["apps/reader"] = "bound-token";
  f.options.boundServiceAccountTokenExpiry = std::chrono::hours(2);
  api::TriggerAuthenticationSpec spec;
  spec.env = {{"hostFromEnv", "HOST", ""}, {"sideHost", "HOST", "side"}};
  spec.configMapTargetRef = {ref("host", "settings", "host")};
  spec.secretTargetRef = {ref("password", "creds", "password")};
  spec.boundServiceAccountToken = {{"token", "reader"}};
  f.source.addTriggerAuth("apps", "auth", spec);

  StatusOr<AuthResolution> got = f.resolve(triggerWithAuth("auth"));
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(got->params, (StringMap{{"host", "apps-host"},
                                    {"hostFromEnv", "env-host"},
                                    {"password", kSecretValue},
                                    {"sideHost", "side-host"},
                                    {"token", "bound-token"}}));
  EXPECT_TRUE(got->diagnostics.empty());
  EXPECT_EQ(f.source.lastTokenExpiry, std::chrono::hours(2));
  EXPECT_FALSE(got->podIdentity.has_value());
}

TEST(ResolveAuth, LaterSourcesOverwriteEarlierOnes) {
  Fixture f;
  api::TriggerAuthenticationSpec spec;
  spec.env = {{"user", "HOST", ""}};
  spec.configMapTargetRef = {ref("user", "settings", "user")};
  spec.secretTargetRef = {ref("user", "creds", "user")};
  f.source.addTriggerAuth("apps", "auth", spec);
  StatusOr<AuthResolution> got = f.resolve(triggerWithAuth("auth"));
  ASSERT_TRUE(got.isOk());
  EXPECT_EQ(got->params.at("user"), "guest");  // secretTargetRef wins
}

TEST(ResolveAuth, ClusterTriggerAuthenticationReadsTheClusterObjectNamespace) {
  Fixture f;
  f.source.tokens["keda/reader"] = "keda-token";
  api::TriggerAuthenticationSpec spec;
  spec.configMapTargetRef = {ref("host", "settings", "host")};
  spec.secretTargetRef = {ref("password", "creds", "password")};
  spec.boundServiceAccountToken = {{"token", "reader"}};
  spec.env = {{"hostFromEnv", "HOST", ""}};
  f.source.addClusterTriggerAuth("shared", spec);
  StatusOr<AuthResolution> got =
      f.resolve(triggerWithAuth("shared", "ClusterTriggerAuthentication"));
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(got->params, (StringMap{{"host", "keda-host"},
                                    {"hostFromEnv", "env-host"},  // env stays the target's
                                    {"password", "keda-pw"},
                                    {"token", "keda-token"}}));
}

TEST(ResolveAuth, RestrictSecretAccessReadsSecretsFromTheClusterObjectNamespace) {
  Fixture f;
  f.options.restrictSecretAccess = true;
  api::TriggerAuthenticationSpec spec;
  spec.secretTargetRef = {ref("password", "creds", "password")};
  spec.configMapTargetRef = {ref("host", "settings", "host")};
  f.source.addTriggerAuth("apps", "auth", spec);
  StatusOr<AuthResolution> got = f.resolve(triggerWithAuth("auth"));
  ASSERT_TRUE(got.isOk());
  EXPECT_EQ(got->params.at("password"), "keda-pw");
  EXPECT_EQ(got->params.at("host"), "apps-host");  // ConfigMaps are not restricted
  EXPECT_EQ(f.source.calls,
            (std::vector<std::string>{"triggerauthentication apps/auth", "configmap apps/settings",
                                      "secret keda/creds"}));
}

struct MissingCase {
  const char* name;
  api::TriggerAuthenticationSpec spec;
  std::string parameter;
  StatusCode wantCode;
  std::string wantDiagnostic;
};

class MissingRefTest : public ::testing::TestWithParam<MissingCase> {};

// A missing referenced object or key is not an error (KEDA logs it); the parameter is "" and the
// diagnostic names everything needed to fix it.
TEST_P(MissingRefTest, GivesEmptyValueAndDiagnostic) {
  const MissingCase& c = GetParam();
  Fixture f;
  f.source.addTriggerAuth("apps", "auth", c.spec);
  StatusOr<AuthResolution> got = f.resolve(triggerWithAuth("auth"));
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(got->params.at(c.parameter), "");
  ASSERT_EQ(got->diagnostics.size(), 1u);
  EXPECT_EQ(got->diagnostics[0].code(), c.wantCode);
  EXPECT_EQ(got->diagnostics[0].message(), c.wantDiagnostic);

  f.options.strict = true;
  StatusOr<AuthResolution> strict = f.resolve(triggerWithAuth("auth"));
  ASSERT_FALSE(strict.isOk());
  EXPECT_EQ(strict.status(), got->diagnostics[0]);
}

const std::string kPrefix =
    "ScaledObject apps/worker: trigger 1 (rabbitmq): TriggerAuthentication apps/auth: ";

INSTANTIATE_TEST_SUITE_P(
    Cases, MissingRefTest,
    ::testing::Values(
        MissingCase{"secret",
                    {.secretTargetRef = {ref("password", "gone", "password")}},
                    "password",
                    StatusCode::kNotFound,
                    kPrefix + "spec.secretTargetRef[0] (parameter \"password\"): Secret "
                              "apps/gone not found"},
        MissingCase{"secretKey",
                    {.secretTargetRef = {ref("password", "creds", "pw")}},
                    "password",
                    StatusCode::kNotFound,
                    kPrefix + "spec.secretTargetRef[0] (parameter \"password\"): key \"pw\" not "
                              "found in Secret apps/creds"},
        MissingCase{"secretNameless",
                    {.secretTargetRef = {ref("password", "", "pw")}},
                    "password",
                    StatusCode::kInvalidArgument,
                    kPrefix + "spec.secretTargetRef[0] (parameter \"password\"): the Secret name "
                              "and key are both required"},
        MissingCase{"configMap",
                    {.configMapTargetRef = {ref("host", "gone", "host")}},
                    "host",
                    StatusCode::kNotFound,
                    kPrefix + "spec.configMapTargetRef[0] (parameter \"host\"): ConfigMap "
                              "apps/gone not found"},
        MissingCase{"configMapKey",
                    {.configMapTargetRef = {ref("host", "settings", "nope")}},
                    "host",
                    StatusCode::kNotFound,
                    kPrefix + "spec.configMapTargetRef[0] (parameter \"host\"): key \"nope\" not "
                              "found in ConfigMap apps/settings"},
        MissingCase{"envVar",
                    {.env = {{"host", "NOPE", ""}}},
                    "host",
                    StatusCode::kNotFound,
                    kPrefix + "spec.env[0] (parameter \"host\"): the scale target's container "
                              "has no env var NOPE"},
        MissingCase{"envContainer",
                    {.env = {{"host", "HOST", "ghost"}}},
                    "host",
                    StatusCode::kFailedPrecondition,
                    kPrefix + "spec.env[0] (parameter \"host\"): couldn't find container with "
                              "name ghost on Target object"},
        MissingCase{"serviceAccount",
                    {.boundServiceAccountToken = {{"token", "ghost"}}},
                    "token",
                    StatusCode::kNotFound,
                    kPrefix + "spec.boundServiceAccountToken[0] (parameter \"token\"): "
                              "ServiceAccount apps/ghost not found"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ResolveAuth, MissingTriggerAuthenticationIsADiagnostic) {
  Fixture f;
  StatusOr<AuthResolution> got = f.resolve(triggerWithAuth("ghost"));
  ASSERT_TRUE(got.isOk());
  EXPECT_TRUE(got->params.empty());
  ASSERT_EQ(got->diagnostics.size(), 1u);
  EXPECT_EQ(got->diagnostics[0],
            notFound("ScaledObject apps/worker: trigger 1 (rabbitmq): authenticationRef: "
                     "TriggerAuthentication apps/ghost not found"));

  StatusOr<AuthResolution> cta =
      f.resolve(triggerWithAuth("ghost", "ClusterTriggerAuthentication"));
  ASSERT_TRUE(cta.isOk());
  EXPECT_EQ(cta->diagnostics[0].message(),
            "ScaledObject apps/worker: trigger 1 (rabbitmq): authenticationRef: "
            "ClusterTriggerAuthentication ghost not found");

  StatusOr<AuthResolution> kind = f.resolve(triggerWithAuth("ghost", "SecretStore"));
  ASSERT_TRUE(kind.isOk());
  EXPECT_EQ(kind->diagnostics[0].code(), StatusCode::kInvalidArgument);
  EXPECT_NE(kind->diagnostics[0].message().find("unknown kind \"SecretStore\""), std::string::npos);
}

TEST(ResolveAuth, TransientFailuresAreRetryableErrors) {
  Fixture f;
  api::TriggerAuthenticationSpec spec;
  spec.secretTargetRef = {ref("password", "creds", "password")};
  f.source.addTriggerAuth("apps", "auth", spec);
  f.source.failure = unavailable("apiserver: 503");
  StatusOr<AuthResolution> got = f.resolve(triggerWithAuth("auth"));
  ASSERT_FALSE(got.isOk());
  EXPECT_TRUE(got.status().retryable());
  EXPECT_EQ(got.status().message(),
            "ScaledObject apps/worker: trigger 1 (rabbitmq): authenticationRef: apiserver: 503");
}

// A source that fails only for Secrets, to reach the per-ref error path.
class SecretOutage : public FakeSource {
 public:
  StatusOr<k8s::Secret> secret(std::string_view, std::string_view) override {
    return Status(StatusCode::kDeadlineExceeded, "timed out");
  }
};

TEST(ResolveAuth, TransientSecretFailureNamesTheRef) {
  SecretOutage source;
  api::TriggerAuthenticationSpec spec;
  spec.secretTargetRef = {ref("password", "creds", "password")};
  source.addTriggerAuth("apps", "auth", spec);
  StatusOr<AuthResolution> got =
      resolveAuth(triggerWithAuth("auth"), context(), {}, {}, source, {});
  ASSERT_FALSE(got.isOk());
  EXPECT_EQ(got.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(got.status().message(), kPrefix +
                                        "spec.secretTargetRef[0] (parameter \"password\"): "
                                        "timed out");
}

TEST(ResolveAuth, ExternalSecretStoresAreNotSupportedYet) {
  for (const char* field :
       {"hashiCorpVault", "azureKeyVault", "gcpSecretManager", "awsSecretManager"}) {
    Fixture f;
    api::TriggerAuthenticationSpec spec;
    api::Json store = {{"secrets", api::Json::array()}};
    if (std::string(field) == "hashiCorpVault") spec.hashiCorpVault = store;
    if (std::string(field) == "azureKeyVault") spec.azureKeyVault = store;
    if (std::string(field) == "gcpSecretManager") spec.gcpSecretManager = store;
    if (std::string(field) == "awsSecretManager") spec.awsSecretManager = store;
    f.source.addTriggerAuth("apps", "auth", spec);
    StatusOr<AuthResolution> got = f.resolve(triggerWithAuth("auth"));
    ASSERT_FALSE(got.isOk()) << field;
    EXPECT_EQ(got.status().code(), StatusCode::kUnimplemented);
    EXPECT_EQ(got.status().message(),
              kPrefix + "spec." + field +
                  " is not supported by tidal yet; use secretTargetRef, configMapTargetRef or "
                  "env instead");
  }
}

TEST(ResolveAuth, OAuth2) {
  Fixture f;
  api::TriggerAuthenticationSpec spec;
  api::OAuth2 o;
  o.clientId = "client";
  o.tokenUrl = "https://idp/token";
  o.clientSecret = {{"valueFrom", {{"secretKeyRef", {{"name", "creds"}, {"key", "password"}}}}}};
  o.scopes = {"read", "write"};
  o.tokenUrlParams = {{"audience", "api://x y"}, {"a", "1&2"}};
  spec.oauth2 = o;
  f.source.addTriggerAuth("apps", "auth", spec);
  StatusOr<AuthResolution> got = f.resolve(triggerWithAuth("auth"));
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(got->params, (StringMap{{"clientID", "client"},
                                    {"clientSecret", kSecretValue},
                                    {"endpointParams", "a=1%262&audience=api%3A%2F%2Fx+y"},
                                    {"oauthTokenURI", "https://idp/token"},
                                    {"scopes", "read,write"}}));
}

// ---- pod identity -------------------------------------------------------------------------

TEST(ResolveAuth, PodIdentity) {
  struct Case {
    const char* name;
    api::PodIdentity identity;
    std::string wantRoleArn;  // "-" for none
    std::string wantError;    // substring; empty for success
  };
  api::PodIdentity awsKeda{.provider = "aws", .roleArn = "arn:keda"};
  api::PodIdentity awsWorkload{.provider = "aws", .identityOwner = "workload"};
  api::PodIdentity awsBoth{.provider = "aws", .roleArn = "arn:x", .identityOwner = "workload"};
  api::PodIdentity eks{.provider = "aws-eks"};
  api::PodIdentity azureEmpty{.provider = "azure-workload", .identityId = ""};
  api::PodIdentity azure{.provider = "azure-workload", .identityId = "id"};
  const Case cases[] = {
      {"awsRoleArn", awsKeda, "arn:keda", ""},
      {"awsWorkloadOwner", awsWorkload, "arn:from-sa", ""},
      {"awsEks", eks, "arn:from-sa", ""},
      {"awsRoleArnWithWorkloadOwner", awsBoth, "-", "roleArn can't be set if KEDA isn't"},
      {"azureEmptyIdentity", azureEmpty, "-", "IdentityID of PodIdentity should not be empty"},
      {"azure", azure, "-", ""},
  };
  for (const Case& c : cases) {
    Fixture f;
    f.target.serviceAccountName = "worker-sa";
    f.source.serviceAccounts["apps/worker-sa"] = {{"eks.amazonaws.com/role-arn", "arn:from-sa"}};
    api::TriggerAuthenticationSpec spec;
    spec.podIdentity = c.identity;
    f.source.addTriggerAuth("apps", "auth", spec);
    StatusOr<AuthResolution> got = f.resolve(triggerWithAuth("auth"));
    if (!c.wantError.empty()) {
      ASSERT_FALSE(got.isOk()) << c.name;
      EXPECT_NE(got.status().message().find(c.wantError), std::string::npos) << c.name;
      continue;
    }
    ASSERT_TRUE(got.isOk()) << c.name << ": " << got.status().toString();
    ASSERT_TRUE(got->podIdentity.has_value()) << c.name;
    EXPECT_EQ(got->podIdentity->provider, c.identity.provider) << c.name;
    if (c.wantRoleArn == "-") {
      EXPECT_EQ(got->params.count("awsRoleArn"), 0u) << c.name;
    } else {
      EXPECT_EQ(got->params.at("awsRoleArn"), c.wantRoleArn) << c.name;
    }
  }
}

TEST(ResolveAuth, AwsWorkloadIdentityNeedsTheServiceAccount) {
  Fixture f;  // target uses the "default" ServiceAccount, which does not exist
  api::TriggerAuthenticationSpec spec;
  spec.podIdentity = api::PodIdentity{.provider = "aws-eks"};
  f.source.addTriggerAuth("apps", "auth", spec);
  StatusOr<AuthResolution> got = f.resolve(triggerWithAuth("auth"));
  ASSERT_FALSE(got.isOk());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find("error getting service account apps/default"),
            std::string::npos)
      << got.status().message();
}

// ---- filePath -----------------------------------------------------------------------------

class FilePathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tidal-resolver-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    base_ = pattern;
    root_ = base_ / "root";
    fs::create_directories(root_ / "team" / "..2024_01_01");
    write(root_ / "team" / "..2024_01_01" / "creds.json",
          std::string(R"({"password": ")") + kSecretValue + R"(", "user": "u"})");
    // The layout of a Kubernetes Secret volume: the visible name is a symlink inside the root.
    fs::create_symlink("..2024_01_01/creds.json", root_ / "team" / "creds.json");
    write(base_ / "outside.json", R"({"password": "outside"})");
    fs::create_symlink(base_ / "outside.json", root_ / "escape.json");
    fs::create_symlink(base_, root_ / "up");
    write(root_ / "list.json", std::string("[\"") + kSecretValue + "\"]");
    write(root_ / "garbage.json", std::string("{ ") + kSecretValue);
    write(root_ / "nested.json", std::string(R"({"password": {"v": ")") + kSecretValue + "\"}}");
    write(root_ / "big.json", std::string(R"({"a": ")") + std::string(2000, 'x') + "\"}");
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
  }

  fs::path base_;
  fs::path root_;
};

TEST_F(FilePathTest, ReadsAFileUnderTheRoot) {
  StatusOr<StringMap> got = readAuthFile(root_.string(), "team/creds.json", 1024);
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(*got, (StringMap{{"password", kSecretValue}, {"user", "u"}}));
  // Names that merely start with ".." are not parent references.
  EXPECT_TRUE(readAuthFile(root_.string(), "team/..2024_01_01/creds.json", 1024).isOk());
  EXPECT_TRUE(readAuthFile(root_.string(), "./team/creds.json", 1024).isOk());
}

TEST_F(FilePathTest, RefusesUnsafeOrBadFiles) {
  struct Case {
    const char* path;
    StatusCode code;
    std::string messagePart;
  };
  const Case cases[] = {
      {"../outside.json", StatusCode::kInvalidArgument, "must not contain \"..\""},
      {"team/../../outside.json", StatusCode::kInvalidArgument, "must not contain \"..\""},
      {"../etc/passwd", StatusCode::kInvalidArgument, "must not contain \"..\""},
      {"/etc/passwd", StatusCode::kInvalidArgument, "not an absolute one"},
      {"escape.json", StatusCode::kPermissionDenied, "leads outside the auth root"},
      {"up/outside.json", StatusCode::kPermissionDenied, "leads outside the auth root"},
      {"missing.json", StatusCode::kNotFound, "no such file"},
      {"team", StatusCode::kInvalidArgument, "not a regular file"},
      {"list.json", StatusCode::kInvalidArgument, "JSON object of string values"},
      {"garbage.json", StatusCode::kInvalidArgument, "JSON object of string values"},
      {"nested.json", StatusCode::kInvalidArgument, "key \"password\": expected a string"},
      {"big.json", StatusCode::kInvalidArgument, "larger than 1024 bytes"},
      {"", StatusCode::kInvalidArgument, "filePath is empty"},
  };
  for (const Case& c : cases) {
    StatusOr<StringMap> got = readAuthFile(root_.string(), c.path, 1024);
    ASSERT_FALSE(got.isOk()) << c.path;
    EXPECT_EQ(got.status().code(), c.code) << c.path << ": " << got.status().message();
    EXPECT_NE(got.status().message().find(c.messagePart), std::string::npos)
        << c.path << ": " << got.status().message();
    EXPECT_EQ(got.status().message().find(kSecretValue), std::string::npos) << c.path;
  }
  StatusOr<StringMap> noRoot = readAuthFile("", "team/creds.json", 1024);
  EXPECT_EQ(noRoot.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(FilePathTest, ClusterTriggerAuthenticationFileReplacesEverythingElse) {
  Fixture f;
  f.options.filePathAuthRoot = root_.string();
  api::TriggerAuthenticationSpec spec;
  spec.env = {{"host", "HOST", ""}};
  spec.secretTargetRef = {ref("user", "creds", "user")};
  spec.filePath = "team/creds.json";
  f.source.addClusterTriggerAuth("files", spec);
  StatusOr<AuthResolution> got =
      f.resolve(triggerWithAuth("files", "ClusterTriggerAuthentication"));
  ASSERT_TRUE(got.isOk()) << got.status().toString();
  EXPECT_EQ(got->params, (StringMap{{"password", kSecretValue}, {"user", "u"}}));

  spec.filePath = "../outside.json";
  f.source.addClusterTriggerAuth("files", spec);
  StatusOr<AuthResolution> bad =
      f.resolve(triggerWithAuth("files", "ClusterTriggerAuthentication"));
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().message(),
            "ScaledObject apps/worker: trigger 1 (rabbitmq): ClusterTriggerAuthentication files: "
            "spec.filePath: filePath \"../outside.json\" must not contain \"..\" components");
}

TEST_F(FilePathTest, FilePathOnATriggerAuthenticationIsRefused) {
  Fixture f;
  f.options.filePathAuthRoot = root_.string();
  api::TriggerAuthenticationSpec spec;
  spec.filePath = "team/creds.json";
  f.source.addTriggerAuth("apps", "auth", spec);
  StatusOr<AuthResolution> got = f.resolve(triggerWithAuth("auth"));
  ASSERT_FALSE(got.isOk());
  EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(got.status().message(),
            kPrefix +
                "spec.filePath: filePath is only supported for "
                "ClusterTriggerAuthentication, got kind: TriggerAuthentication");
}

// ---- secrets never leak -------------------------------------------------------------------

TEST_F(FilePathTest, NoSecretValueInAnyErrorOrDiagnostic) {
  std::vector<std::string> messages;
  auto collect = [&](const StatusOr<AuthResolution>& got) {
    if (!got.isOk()) {
      messages.push_back(got.status().message());
      return;
    }
    for (const Status& d : got->diagnostics) messages.push_back(d.message());
  };
  std::vector<api::TriggerAuthenticationSpec> specs;
  {
    api::TriggerAuthenticationSpec s;
    s.secretTargetRef = {ref("password", "creds", "nokey"), ref("p2", "gone", "password"),
                         ref("p3", "creds", "")};
    s.configMapTargetRef = {ref("host", "settings", "nokey")};
    s.env = {{"e", "NOPE", ""}, {"e2", "HOST", "ghost"}};
    s.boundServiceAccountToken = {{"t", "ghost"}, {"t2", ""}};
    specs.push_back(s);
  }
  {
    api::TriggerAuthenticationSpec s;
    s.secretTargetRef = {ref("password", "creds", "password")};
    s.hashiCorpVault = {{"address", kSecretValue}};
    specs.push_back(s);
  }
  for (const char* file : {"list.json", "garbage.json", "nested.json", "escape.json"}) {
    api::TriggerAuthenticationSpec s;
    s.filePath = file;
    specs.push_back(s);
  }
  {
    api::TriggerAuthenticationSpec s;
    s.filePath = "team/creds.json";  // on a namespaced TriggerAuthentication
    s.secretTargetRef = {ref("password", "creds", "password")};
    specs.push_back(s);
  }
  for (bool strict : {false, true}) {
    for (const auto& spec : specs) {
      Fixture f;
      f.options.strict = strict;
      f.options.filePathAuthRoot = root_.string();
      f.source.addTriggerAuth("apps", "auth", spec);
      f.source.addClusterTriggerAuth("cluster", spec);
      f.source.addSecret("keda", "creds", {{"password", kSecretValue}});
      collect(f.resolve(triggerWithAuth("auth")));
      collect(f.resolve(triggerWithAuth("cluster", "ClusterTriggerAuthentication")));
    }
  }
  // Container env failures, too.
  FakeSource source;
  source.addSecret("apps", "creds", {{"password", kSecretValue}});
  k8s::Container c;
  c.name = "main";
  k8s::EnvVar v;
  v.name = "X";
  v.secretKeyRef = k8s::KeySelector{"gone", "password", false};
  c.env = {v};
  StatusOr<StringMap> env = resolveContainerEnv({c}, "", "apps", source, {});
  ASSERT_FALSE(env.isOk());
  messages.push_back(env.status().message());

  EXPECT_GT(messages.size(), 20u);
  for (const std::string& m : messages) {
    EXPECT_EQ(m.find(kSecretValue), std::string::npos) << m;
    EXPECT_EQ(m.find("S3CR3T"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace tidal::scaling
