// Where the API server is and how to authenticate to it: kubeconfig files and in-cluster config.
//
// A RestConfig is the validated result: a server URL, TLS material as PEM text, and at most one
// credential (client certificate, static bearer token or token file). Everything a kubeconfig
// points at by path is read when the config is loaded, so a missing CA file fails at start-up with
// the file's name rather than at the first request; the one exception is a token file, which is
// re-read periodically (service-account tokens are rotated) by TokenSource.
//
// Loading never throws. Errors are kInvalidArgument for a malformed file or entry, kNotFound for a
// file that does not exist, kUnimplemented for auth methods tidal does not support (exec plugins,
// auth providers, basic auth). Every message names the kubeconfig file and the entry, e.g.
//   kubeconfig /home/a/.kube/config: user "admin": client-certificate "/pki/a.crt": cannot read
//   file: No such file or directory
//
// Example:
//   TIDAL_ASSIGN_OR_RETURN(RestConfig config, loadDefaultConfig(flags.kubeconfig, flags.context));
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tidal::k8s {

struct TlsConfig {
  std::string caPem;          // empty: the system's trust store
  std::string clientCertPem;  // client certificate (mTLS), with its key
  std::string clientKeyPem;
  bool insecureSkipVerify = false;  // never the default; only when a kubeconfig asks for it
};

struct RestConfig {
  std::string server;  // "https://host:port" (maybe with a path prefix), no trailing slash
  TlsConfig tls;
  std::string bearerToken;  // a static token
  std::string tokenFile;    // a token re-read periodically; wins over bearerToken when both set
  std::string namespace_;   // the context's namespace, or the service account's; may be empty
  std::string userAgent = "tidal";
  double qps = 20;  // client-side rate limit (KEDA's defaults)
  int burst = 30;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // per request, not for watches
  std::string source;  // where this came from, for messages: "kubeconfig PATH (context X)"
};

// Parses kubeconfig text. `sourceName` names the file in messages; relative file references are
// resolved against `baseDir`. `context` overrides current-context when not empty.
[[nodiscard]] StatusOr<RestConfig> parseKubeconfig(std::string_view yaml,
                                                   std::string_view sourceName,
                                                   std::string_view baseDir,
                                                   std::string_view context = "");

// Reads and parses the kubeconfig files in `paths` (as in $KUBECONFIG, merged: the first file
// that defines a named cluster, user or context wins, as does the first current-context). Files
// that don't exist are skipped unless none exists, which is kNotFound.
[[nodiscard]] StatusOr<RestConfig> loadKubeconfig(const std::vector<std::string>& paths,
                                                  std::string_view context = "");

// The in-cluster environment: the service-account directory and KUBERNETES_SERVICE_HOST/PORT.
struct InClusterEnvironment {
  std::string host;  // KUBERNETES_SERVICE_HOST
  std::string port;  // KUBERNETES_SERVICE_PORT
  std::string serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

  // Reads the two variables from the process environment.
  static InClusterEnvironment fromProcess();
};

// Builds the config of a pod: https://host:port, the service account's ca.crt, its token as a
// token file (re-read periodically) and its namespace. kFailedPrecondition when not in a cluster
// (variables unset), kNotFound / kInvalidArgument when the token or CA file is missing or empty.
[[nodiscard]] StatusOr<RestConfig> inClusterConfig(const InClusterEnvironment& env);

// The usual search order: `explicitPath` (a --kubeconfig flag) if given; else $KUBECONFIG (a
// colon-separated list); else in-cluster config when KUBERNETES_SERVICE_HOST is set; else
// ~/.kube/config.
[[nodiscard]] StatusOr<RestConfig> loadDefaultConfig(std::string_view explicitPath = "",
                                                     std::string_view context = "");

}  // namespace tidal::k8s
