#include "k8s/client/config.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "k8s/base64.h"
#include "k8s/client/token_source.h"

namespace tidal::k8s {
namespace {

namespace fs = std::filesystem;

// A scratch directory removed at the end of each test.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("tidal-k8s-config-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name) << content;
    return (path_ / name).string();
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

const std::string kCa = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const std::string kCert = "-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n";
const std::string kKey = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";

std::string embedded() {
  return "apiVersion: v1\n"
         "kind: Config\n"
         "clusters:\n"
         "- name: local\n"
         "  cluster:\n"
         "    server: https://127.0.0.1:6443/\n"
         "    certificate-authority-data: " +
         base64Encode(kCa) +
         "\n"
         "users:\n"
         "- name: admin\n"
         "  user:\n"
         "    client-certificate-data: " +
         base64Encode(kCert) +
         "\n"
         "    client-key-data: " +
         base64Encode(kKey) +
         "\n"
         "- name: robot\n"
         "  user:\n"
         "    token: s3cr3t\n"
         "contexts:\n"
         "- name: local\n"
         "  context: {cluster: local, user: admin, namespace: web}\n"
         "- name: bot\n"
         "  context: {cluster: local, user: robot}\n"
         "current-context: local\n";
}

TEST(KubeconfigTest, EmbeddedCertificates) {
  StatusOr<RestConfig> config = parseKubeconfig(embedded(), "/k/config", "/k");
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");  // trailing slash removed
  EXPECT_EQ(config->tls.caPem, kCa);
  EXPECT_EQ(config->tls.clientCertPem, kCert);
  EXPECT_EQ(config->tls.clientKeyPem, kKey);
  EXPECT_FALSE(config->tls.insecureSkipVerify);
  EXPECT_EQ(config->namespace_, "web");
  EXPECT_EQ(config->bearerToken, "");
  EXPECT_EQ(config->source, "kubeconfig /k/config (context local)");
  EXPECT_EQ(config->qps, 20);
  EXPECT_EQ(config->burst, 30);
}

TEST(KubeconfigTest, ContextOverrideSelectsTokenUser) {
  StatusOr<RestConfig> config = parseKubeconfig(embedded(), "/k/config", "/k", "bot");
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  EXPECT_EQ(config->bearerToken, "s3cr3t");
  EXPECT_TRUE(config->tls.clientCertPem.empty());
  EXPECT_EQ(config->namespace_, "");
}

TEST(KubeconfigTest, FilesResolvedRelativeToTheKubeconfig) {
  TempDir dir;
  dir.write("ca.crt", kCa);
  dir.write("admin.crt", kCert);
  dir.write("admin.key", kKey);
  dir.write("token", "file-token\n");
  std::string path =
      dir.write("config",
                "clusters:\n"
                "- name: c\n"
                "  cluster: {server: 'https://k:443', certificate-authority: ca.crt}\n"
                "users:\n"
                "- name: u\n"
                "  user: {client-certificate: admin.crt, client-key: "
                "admin.key, tokenFile: token}\n"
                "contexts:\n"
                "- name: x\n"
                "  context: {cluster: c, user: u}\n"
                "current-context: x\n");
  StatusOr<RestConfig> config = loadKubeconfig({path});
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  EXPECT_EQ(config->tls.caPem, kCa);
  EXPECT_EQ(config->tls.clientCertPem, kCert);
  EXPECT_EQ(config->tokenFile, dir.path() + "/token");
}

TEST(KubeconfigTest, InsecureSkipVerify) {
  StatusOr<RestConfig> config = parseKubeconfig(
      "clusters: [{name: c, cluster: {server: 'https://k', insecure-skip-tls-verify: true}}]\n"
      "contexts: [{name: x, context: {cluster: c}}]\n"
      "current-context: x\n",
      "cfg", "");
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  EXPECT_TRUE(config->tls.insecureSkipVerify);
  EXPECT_TRUE(config->bearerToken.empty());
}

TEST(KubeconfigTest, Errors) {
  struct Case {
    std::string name;
    std::string yaml;
    StatusCode code;
    std::string message;  // a substring of the error
  };
  const std::string ctx =
      "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
      "current-context: x\n";
  const std::string cluster = "clusters: [{name: c, cluster: {server: 'https://k'}}]\n";
  const Case cases[] = {
      {"yaml syntax", "clusters: [\n  - {name: c\n", StatusCode::kInvalidArgument,
       "kubeconfig cfg: line "},
      {"not a mapping", "- a\n- b\n", StatusCode::kInvalidArgument, "not a YAML mapping"},
      {"clusters not a list", "clusters: {a: b}\n", StatusCode::kInvalidArgument,
       "clusters must be a list"},
      {"entry without name", "clusters: [{cluster: {server: x}}]\n", StatusCode::kInvalidArgument,
       "clusters[0]: name is missing"},
      {"no current context", cluster, StatusCode::kInvalidArgument,
       "current-context is not set and no context was given"},
      {"unknown context", cluster + "current-context: nope\n", StatusCode::kInvalidArgument,
       "context \"nope\" not found (no contexts defined)"},
      {"unknown cluster", ctx, StatusCode::kInvalidArgument, "cluster \"c\" not found"},
      {"missing server", "clusters: [{name: c, cluster: {}}]\n" + ctx, StatusCode::kInvalidArgument,
       "cluster \"c\": server is missing"},
      {"bad scheme", "clusters: [{name: c, cluster: {server: 'k:443'}}]\n" + ctx,
       StatusCode::kInvalidArgument, "must start with https:// or http://"},
      {"unknown user", cluster + ctx, StatusCode::kInvalidArgument, "user \"u\" not found"},
      {"bad base64",
       "clusters: [{name: c, cluster: {server: 'https://k', certificate-authority-data: "
       "'@@@'}}]\n" +
           ctx,
       StatusCode::kInvalidArgument, "certificate-authority-data is not valid base64"},
      {"data and file",
       "clusters: [{name: c, cluster: {server: 'https://k', certificate-authority-data: "
       "'QQ==', certificate-authority: ca.crt}}]\n" +
           ctx,
       StatusCode::kInvalidArgument, "both certificate-authority-data and certificate-authority"},
      {"missing CA file",
       "clusters: [{name: c, cluster: {server: 'https://k', certificate-authority: "
       "/nonexistent/ca.crt}}]\n" +
           ctx,
       StatusCode::kNotFound,
       "cluster \"c\": certificate-authority \"/nonexistent/ca.crt\": cannot read file"},
      {"insecure with CA",
       "clusters: [{name: c, cluster: {server: 'https://k', certificate-authority-data: "
       "'QQ==', insecure-skip-tls-verify: true}}]\n" +
           ctx,
       StatusCode::kInvalidArgument, "insecure-skip-tls-verify cannot be combined"},
      {"insecure not a bool",
       "clusters: [{name: c, cluster: {server: 'https://k', insecure-skip-tls-verify: "
       "maybe}}]\n" +
           ctx,
       StatusCode::kInvalidArgument, "must be true or false, got \"maybe\""},
      {"certificate without key",
       cluster + ctx + "users: [{name: u, user: {client-certificate-data: 'QQ=='}}]\n",
       StatusCode::kInvalidArgument, "user \"u\": a client certificate needs its key"},
      {"exec plugin", cluster + ctx + "users: [{name: u, user: {exec: {command: aws}}}]\n",
       StatusCode::kUnimplemented, "user \"u\": exec is not supported by tidal"},
      {"missing token file", cluster + ctx + "users: [{name: u, user: {tokenFile: /no/t}}]\n",
       StatusCode::kNotFound, "user \"u\": tokenFile \"/no/t\": cannot read file"},
  };
  for (const Case& c : cases) {
    StatusOr<RestConfig> config = parseKubeconfig(c.yaml, "cfg", "/base");
    ASSERT_FALSE(config.isOk()) << c.name;
    EXPECT_EQ(config.status().code(), c.code) << c.name << ": " << config.status().toString();
    EXPECT_NE(config.status().message().find(c.message), std::string::npos)
        << c.name << ": " << config.status().message();
    EXPECT_EQ(config.status().message().rfind("kubeconfig cfg", 0), 0u)
        << c.name << ": the message must name the file: " << config.status().message();
  }
}

TEST(KubeconfigTest, MergesFilesFirstDefinitionWins) {
  TempDir dir;
  std::string a = dir.write("a",
                            "clusters: [{name: c, cluster: {server: 'https://first'}}]\n"
                            "current-context: x\n");
  std::string b = dir.write("b",
                            "clusters: [{name: c, cluster: {server: 'https://second'}}]\n"
                            "contexts: [{name: x, context: {cluster: c}}]\n"
                            "current-context: y\n");
  StatusOr<RestConfig> config = loadKubeconfig({dir.path() + "/missing", a, b});
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  EXPECT_EQ(config->server, "https://first");

  StatusOr<RestConfig> none = loadKubeconfig({dir.path() + "/missing"});
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

TEST(InClusterConfigTest, ReadsServiceAccount) {
  TempDir dir;
  dir.write("token", "sa-token\n");
  dir.write("ca.crt", kCa);
  dir.write("namespace", "keda\n");
  struct Case {
    std::string name;
    std::string host;
    std::string server;
  };
  const Case cases[] = {
      {"ipv4", "10.0.0.1", "https://10.0.0.1:443"},
      {"ipv6 gets brackets", "fd00::1", "https://[fd00::1]:443"},
  };
  for (const Case& c : cases) {
    StatusOr<RestConfig> config = inClusterConfig({c.host, "443", dir.path()});
    ASSERT_TRUE(config.isOk()) << c.name << ": " << config.status().toString();
    EXPECT_EQ(config->server, c.server) << c.name;
    EXPECT_EQ(config->tls.caPem, kCa) << c.name;
    EXPECT_EQ(config->tokenFile, dir.path() + "/token") << c.name;
    EXPECT_EQ(config->namespace_, "keda") << c.name;
  }
}

TEST(InClusterConfigTest, Errors) {
  TempDir dir;
  EXPECT_EQ(inClusterConfig({"", "", dir.path()}).status().code(), StatusCode::kFailedPrecondition);
  StatusOr<RestConfig> noToken = inClusterConfig({"10.0.0.1", "443", dir.path()});
  EXPECT_EQ(noToken.status().code(), StatusCode::kNotFound);
  EXPECT_NE(noToken.status().message().find(dir.path() + "/token"), std::string::npos);
  dir.write("token", "t");
  StatusOr<RestConfig> noCa = inClusterConfig({"10.0.0.1", "443", dir.path()});
  EXPECT_EQ(noCa.status().code(), StatusCode::kNotFound);
  EXPECT_NE(noCa.status().message().find("ca.crt"), std::string::npos);
}

TEST(TokenSourceTest, StaticToken) {
  FakeClock clock;
  TokenSource source("abc", "", clock);
  EXPECT_EQ(*source.token(), "abc");
}

TEST(TokenSourceTest, RereadsTheFileAfterTheRefreshPeriodOrInvalidation) {
  TempDir dir;
  std::string file = dir.write("token", "one\n");
  FakeClock clock;
  TokenSource source("", file, clock, std::chrono::seconds(60));
  EXPECT_EQ(*source.token(), "one");
  dir.write("token", "two");
  clock.advance(std::chrono::seconds(59));
  EXPECT_EQ(*source.token(), "one") << "cached within the refresh period";
  clock.advance(std::chrono::seconds(2));
  EXPECT_EQ(*source.token(), "two");
  dir.write("token", "three");
  source.invalidate();
  EXPECT_EQ(*source.token(), "three");
  fs::remove(file);
  source.invalidate();
  EXPECT_EQ(*source.token(), "three") << "the last good token is kept when the file vanishes";
}

TEST(TokenSourceTest, UnreadableFromTheStart) {
  FakeClock clock;
  TokenSource source("", "/nonexistent/token", clock);
  EXPECT_EQ(source.token().status().code(), StatusCode::kUnavailable);
}

TEST(Base64Test, RoundTripAndRejects) {
  struct Case {
    std::string plain;
    std::string encoded;
  };
  const Case cases[] = {{"", ""},        {"f", "Zg=="},        {"fo", "Zm8="},
                        {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {std::string("\0\xff", 2), "AP8="}};
  for (const Case& c : cases) {
    EXPECT_EQ(base64Encode(c.plain), c.encoded);
    EXPECT_EQ(base64Decode(c.encoded), c.plain) << c.encoded;
  }
  EXPECT_EQ(base64Decode("Zm9v\nYg==\n"), "foob") << "line breaks are ignored";
  for (const char* bad : {"Zg=", "Z===", "Zm9v!", "Zg==Zg==", "=Zg="}) {
    EXPECT_FALSE(base64Decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace tidal::k8s
