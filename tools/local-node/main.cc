// tidal-local-node: runs the pods of a local test cluster as local processes. See README.md.
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <pthread.h>

#include "image_map.h"
#include "k8s/client/config.h"
#include "k8s/client/rest_client.h"
#include "node_agent.h"

namespace {

std::vector<std::string> splitCommas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& v : values) {
    std::stringstream in(v);
    std::string item;
    while (std::getline(in, item, ',')) {
      if (!item.empty()) out.push_back(item);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tidal;
  CLI::App app{
      "tidal-local-node: a stand-in for a kubelet where there is no container runtime. Registers "
      "a Node, binds the pending pods of the given namespaces to it and runs their containers as "
      "local processes, mapping images to local binaries with an image map file."};
  std::string kubeconfig;
  std::string imageMapPath;
  std::vector<std::string> namespaces;
  localnode::AgentOptions options;
  int shutdownGrace = 30;
  app.add_option("--kubeconfig", kubeconfig, "kubeconfig file (default: $KUBECONFIG)");
  app.add_option("--image-map", imageMapPath, "YAML file: image -> local binary (see README.md)")
      ->required();
  app.add_option("--namespace,-n", namespaces,
                 "namespace whose pods this node binds and runs (repeat, or comma-separated)")
      ->required();
  app.add_option("--node-name", options.nodeName, "name of the Node")->capture_default_str();
  app.add_option("--log-dir", options.logDir,
                 "directory of the pods' logs (default: a new /tmp/tidal-local-node-*)");
  app.add_option("--pod-ip", options.podIp, "address reported as node, host and pod IP")
      ->capture_default_str();
  app.add_option("--shutdown-grace", shutdownGrace,
                 "seconds between SIGTERM and SIGKILL for the processes when the agent stops")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.namespaces = splitCommas(namespaces);

  StatusOr<localnode::ImageMap> images = localnode::ImageMap::load(imageMapPath);
  if (!images.isOk()) {
    std::cerr << "tidal-local-node: " << images.status().message() << "\n";
    return 2;
  }
  if (options.logDir.empty()) {
    char tmpl[] = "/tmp/tidal-local-node-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::cerr << "tidal-local-node: cannot create a log directory\n";
      return 1;
    }
    options.logDir = tmpl;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.logDir, ec);
  options.logDir = std::filesystem::absolute(options.logDir).string();

  StatusOr<k8s::RestConfig> config = k8s::loadDefaultConfig(kubeconfig);
  if (!config.isOk()) {
    std::cerr << "tidal-local-node: " << config.status().toString() << "\n";
    return 1;
  }
  // A burst of pods (a Deployment scaled to 30) costs a binding, a Secret read and a few status
  // writes each: the operator's default client rate limit would delay them by seconds.
  config->qps = 500;
  config->burst = 1000;
  config->userAgent = "tidal-local-node";
  StatusOr<std::unique_ptr<k8s::RestClient>> rest = k8s::RestClient::create(*config);
  if (!rest.isOk()) {
    std::cerr << "tidal-local-node: " << rest.status().toString() << "\n";
    return 1;
  }
  k8s::Client client(std::shared_ptr<k8s::RestClient>(std::move(rest).value()));

  // SIGTERM and SIGINT are taken by sigwait below, in every thread started from here on.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  localnode::NodeAgent agent(client, std::move(images).value(), options);
  Status registered = agent.registerNode();
  if (!registered.isOk()) {
    std::cerr << "tidal-local-node: " << registered.toString() << "\n";
    return 1;
  }
  agent.start();
  std::string joined;
  for (const std::string& ns : options.namespaces) joined += (joined.empty() ? "" : ",") + ns;
  localnode::logLine("node " + options.nodeName + " is Ready; running pods of namespace(s) " +
                     joined + "; pod logs in " + options.logDir);
  int received = 0;
  sigwait(&stopSignals, &received);
  localnode::logLine(std::string("got ") + (received == SIGINT ? "SIGINT" : "SIGTERM") +
                     ": stopping the pods' processes");
  agent.shutdown(std::chrono::seconds(shutdownGrace));
  localnode::logLine("stopped");
  return 0;
}
