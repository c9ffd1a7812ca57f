#include "e2e/operator_process.h"

#include <chrono>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iterator>
#include <thread>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "k8s/base64.h"
#include "k8s/client/resource.h"
#include "net/tls_certs.h"

namespace tidal::e2e {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

const k8s::GroupVersionResource kServices{"", "v1", "services", true};
const k8s::GroupVersionResource kApiServices{"apiregistration.k8s.io", "v1", "apiservices", false};
const k8s::GroupVersionResource kWebhookConfigs{"admissionregistration.k8s.io", "v1",
                                                "validatingwebhookconfigurations", false};

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

int freePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string httpGet(const std::string& url) {
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return "";
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 5L);
  long code = 0;  // NOLINT(google-runtime-int)
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(curl);
  return rc == CURLE_OK && code == 200 ? body : "";
}

OperatorProcess::OperatorProcess(std::string binary, std::string kubeconfig,
                                 std::vector<std::string> extraArgs,
                                 std::vector<std::string> extraEnv)
    : binary_(std::move(binary)),
      kubeconfig_(std::move(kubeconfig)),
      extraArgs_(std::move(extraArgs)),
      extraEnv_(std::move(extraEnv)) {
  char tmpl[] = "/tmp/tidal-operator-log-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd >= 0) close(fd);
  logFile_ = tmpl;
  metricsApiPort_ = freePort();
  metricsPort_ = freePort();
  healthPort_ = freePort();
  webhookPort_ = freePort();
  char dir[] = "/tmp/tidal-e2e-certs-XXXXXX";
  if (mkdtemp(dir) != nullptr) certDir_ = dir;
  StatusOr<net::PemPair> ca = net::generateCa({.commonName = "tidal-e2e-ca"});
  if (ca.isOk()) {
    caPem_ = ca->certificatePem;
    StatusOr<net::PemPair> leaf = net::generateSignedCertificate(
        {.commonName = "tidal-operator",
         .dnsNames = {"localhost", "keda-metrics-apiserver.keda.svc"},
         .ipAddresses = {"127.0.0.1"}},
        *ca);
    if (leaf.isOk()) (void)net::writePemPair(*leaf, certDir_ + "/tls.crt", certDir_ + "/tls.key");
  }
}

OperatorProcess::~OperatorProcess() {
  stop();
  unlink(logFile_.c_str());
  unlink((certDir_ + "/tls.crt").c_str());
  unlink((certDir_ + "/tls.key").c_str());
  rmdir(certDir_.c_str());
}

bool OperatorProcess::start() {
  std::vector<std::string> args = {
      binary_,
      "operator",
      "--kubeconfig=" + kubeconfig_,
      "--metrics-server-bind-address=127.0.0.1:" + std::to_string(metricsApiPort_),
      "--metrics-bind-address=127.0.0.1:" + std::to_string(metricsPort_),
      "--health-probe-bind-address=127.0.0.1:" + std::to_string(healthPort_),
      "--webhook-bind-address=127.0.0.1:" + std::to_string(webhookPort_),
      "--cert-dir=" + certDir_,
      "--log-format=text",
      "--log-level=debug",
  };
  args.insert(args.end(), extraArgs_.begin(), extraArgs_.end());
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(logFile_.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    for (std::string& e : extraEnv_) putenv(e.data());  // the child's own copy: it stays alive
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::string ready = "http://127.0.0.1:" + std::to_string(healthPort_) + "/readyz";
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    if (httpGet(ready) == "ok") return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

bool OperatorProcess::running() const {
  if (pid_ <= 0) return false;
  int status = 0;
  return waitpid(pid_, &status, WNOHANG) == 0;
}

int OperatorProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = -1;
  for (int i = 0; i < 100; ++i) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(100ms);
  }
  ::kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

void OperatorProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string OperatorProcess::log() const {
  std::ifstream in(logFile_);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string OperatorProcess::tail(size_t lines) const {
  std::ifstream in(logFile_);
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const std::string& l : last) out += l + "\n";
  return out;
}

std::string OperatorProcess::scrapeMetrics() const {
  return httpGet("http://127.0.0.1:" + std::to_string(metricsPort_) + "/metrics");
}

Status registerMetricsApi(k8s::Client& client, int port, const std::string& caPem) {
  Json ns{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "keda"}}}};
  StatusOr<Json> made = client.apply(k8s::kNamespaces, "", ns, "tidal-e2e");
  if (!made.isOk()) return made.status();
  Json service{{"apiVersion", "v1"},
               {"kind", "Service"},
               {"metadata", {{"name", "keda-metrics-apiserver"}, {"namespace", "keda"}}},
               {"spec",
                {{"type", "ExternalName"},
                 {"externalName", "localhost"},
                 {"ports", Json::array({{{"name", "https"}, {"port", port}}})}}}};
  made = client.apply(kServices, "keda", service, "tidal-e2e");
  if (!made.isOk()) return made.status();
  Json apiService{
      {"apiVersion", "apiregistration.k8s.io/v1"},
      {"kind", "APIService"},
      {"metadata", {{"name", "v1beta1.external.metrics.k8s.io"}}},
      {"spec",
       {{"group", "external.metrics.k8s.io"},
        {"version", "v1beta1"},
        {"groupPriorityMinimum", 100},
        {"versionPriority", 100},
        {"caBundle", k8s::base64Encode(caPem)},
        {"service", {{"namespace", "keda"}, {"name", "keda-metrics-apiserver"}, {"port", port}}}}}};
  made = client.apply(kApiServices, "", apiService, "tidal-e2e");
  return made.isOk() ? Status::ok() : made.status();
}

Status registerWebhook(k8s::Client& client, int port, const std::string& caPem) {
  Json webhooks = Json::array();
  for (const char* kind :
       {"scaledobject", "scaledjob", "triggerauthentication", "clustertriggerauthentication"}) {
    std::string resource = std::string(kind) + "s";
    webhooks.push_back({{"name", "v" + std::string(kind) + ".keda.sh"},
                        {"admissionReviewVersions", {"v1"}},
                        {"sideEffects", "None"},
                        {"failurePolicy", "Ignore"},
                        {"timeoutSeconds", 10},
                        {"clientConfig",
                         {{"url", "https://127.0.0.1:" + std::to_string(port) +
                                      "/validate-keda-sh-v1alpha1-" + kind},
                          {"caBundle", k8s::base64Encode(caPem)}}},
                        {"rules", Json::array({{{"apiGroups", {"keda.sh"}},
                                                {"apiVersions", {"v1alpha1"}},
                                                {"operations", {"CREATE", "UPDATE"}},
                                                {"resources", {resource}}}})}});
  }
  Json config{{"apiVersion", "admissionregistration.k8s.io/v1"},
              {"kind", "ValidatingWebhookConfiguration"},
              {"metadata", {{"name", "keda-admission"}}},
              {"webhooks", webhooks}};
  StatusOr<Json> made = client.apply(kWebhookConfigs, "", config, "tidal-e2e");
  return made.isOk() ? Status::ok() : made.status();
}

Status unregisterWebhook(k8s::Client& client) {
  Status s = client.remove(kWebhookConfigs, "", "keda-admission");
  return s.isOk() || s.code() == StatusCode::kNotFound ? Status::ok() : s;
}

Status unregisterMetricsApi(k8s::Client& client) {
  Status s = client.remove(kApiServices, "", "v1beta1.external.metrics.k8s.io");
  return s.isOk() || s.code() == StatusCode::kNotFound ? Status::ok() : s;
}

}  // namespace tidal::e2e
