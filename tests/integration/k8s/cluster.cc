#include "cluster.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "api/manifest.h"
#include "k8s/client/curl_transport.h"
#include "k8s/types/apiextensions.h"

namespace tidal::k8s::integration {

using Ms = std::chrono::milliseconds;

Cluster& Cluster::get() {
  static Cluster* cluster = new Cluster();
  return *cluster;
}

Cluster::Cluster() {
  if (std::getenv("KUBECONFIG") == nullptr) {
    std::fprintf(stderr, "KUBECONFIG is not set: run this through tests/support/with-cluster\n");
    std::exit(2);
  }
  StatusOr<RestConfig> config = loadDefaultConfig();
  if (!config.isOk()) {
    std::fprintf(stderr, "%s\n", config.status().toString().c_str());
    std::exit(2);
  }
  config_ = *config;
  config_.qps = 0;  // the tests' own traffic is not what the limiter tests measure
  RestClientOptions options;
  options.logger = &nullLogger();
  StatusOr<std::unique_ptr<RestClient>> rest = RestClient::create(config_, options);
  if (!rest.isOk()) {
    std::fprintf(stderr, "%s\n", rest.status().toString().c_str());
    std::exit(2);
  }
  client_ = std::make_unique<Client>(std::shared_ptr<RestClient>(std::move(rest).value()));
}

std::unique_ptr<Client> Cluster::newClient(double qps, int burst, Logger& logger) {
  RestConfig config = config_;
  config.qps = qps;
  config.burst = burst;
  RestClientOptions options;
  options.logger = &logger;
  StatusOr<std::unique_ptr<RestClient>> rest = RestClient::create(config, options);
  if (!rest.isOk()) return nullptr;
  return std::make_unique<Client>(std::shared_ptr<RestClient>(std::move(rest).value()));
}

std::string Cluster::sourceDir() const {
  return TIDAL_SOURCE_DIR;
}

std::string Cluster::createNamespace(const std::string& prefix) {
  std::string name =
      prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++namespaces_);
  Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  StatusOr<Json> created = client_->create(kNamespaces, "", ns);
  if (!created.isOk()) {
    std::fprintf(stderr, "cannot create namespace %s: %s\n", name.c_str(),
                 created.status().toString().c_str());
  }
  return name;
}

void Cluster::deleteNamespace(const std::string& name) {
  (void)client_->remove(kNamespaces, "", name);
}

StatusOr<std::chrono::milliseconds> Cluster::installCrds() {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(sourceDir() + "/deploy/crds")) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    TIDAL_ASSIGN_OR_RETURN(std::vector<api::ManifestDocument> docs,
                           api::parseManifests(text.str(), entry.path().string()));
    for (const api::ManifestDocument& doc : docs) {
      TIDAL_ASSIGN_OR_RETURN(
          Json applied, client_->apply(kCustomResourceDefinitions, "", doc.json, "tidal-test"));
      names.push_back(applied["metadata"]["name"]);
    }
  }
  for (const std::string& name : names) {
    bool established = waitFor(
        [&] {
          StatusOr<Json> json = client_->get(kCustomResourceDefinitions, "", name);
          if (!json.isOk()) return false;
          StatusOr<CustomResourceDefinition> crd = CustomResourceDefinition::decode(*json);
          return crd.isOk() && crd->isEstablished();
        },
        std::chrono::seconds(60));
    if (!established) return unavailable("CRD " + name + " did not become Established in 60 s");
  }
  return std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start);
}

StatusOr<Json> Cluster::etcdPost(const std::string& path, const Json& body) {
  const char* url = std::getenv("TIDAL_ETCD_URL");
  if (url == nullptr) return failedPrecondition("TIDAL_ETCD_URL is not set");
  TIDAL_ASSIGN_OR_RETURN(std::unique_ptr<CurlTransport> transport, CurlTransport::create({}));
  HttpRequest request;
  request.method = "POST";
  request.url = std::string(url) + path;
  request.body = body.dump();
  request.headers = {{"Content-Type", "application/json"}};
  request.timeout = std::chrono::seconds(10);
  TIDAL_ASSIGN_OR_RETURN(HttpResponse response, transport->send(request, {}));
  if (response.status != 200) {
    return unavailable("etcd " + path + ": " + std::to_string(response.status) + " " +
                       response.body);
  }
  return Json::parse(response.body);
}

StatusOr<int64_t> Cluster::etcdRevision() {
  // A range request for an absent key still reports the store's revision in its header.
  TIDAL_ASSIGN_OR_RETURN(Json answer, etcdPost("/v3/kv/range", {{"key", "AA=="}}));
  return std::stoll(answer["header"]["revision"].get<std::string>());
}

Status Cluster::compactEtcd(int64_t revision) {
  return etcdPost("/v3/kv/compaction", {{"revision", std::to_string(revision)}, {"physical", true}})
      .status();
}

StatusOr<std::chrono::milliseconds> Cluster::restartApiServer() {
  auto start = std::chrono::steady_clock::now();
  std::string command = sourceDir() + "/scripts/cluster restart-apiserver";
  int rc = std::system(command.c_str());
  if (rc != 0) return unavailable(command + " failed with status " + std::to_string(rc));
  return std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start);
}

bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
             std::chrono::milliseconds interval) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

void measure(const std::string& name, const std::string& value) {
  std::cout << "[measure] " << name << " = " << value << std::endl;
}

}  // namespace tidal::k8s::integration
