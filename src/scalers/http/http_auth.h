// KEDA's shared authentication block for HTTP-based triggers (prometheus, metrics-api, ...):
// the `authModes` list and the credentials each mode needs, declared once and added to a
// scaler's parameter set, validated with KEDA's rules, and turned into what an HTTP request
// carries (basic credentials, headers, query parameters) and what its transport uses (TLS
// material).
//
// Modes: `bearer` (Authorization: Bearer <bearerToken|token>), `basic` (username, password),
// `tls` (client cert + key, optional ca), `custom` (customAuthHeader: customAuthValue), `apiKey`
// (apiKey in header X-API-KEY or query parameter api_key, or in keyParamName; `method` picks
// header or query) and `oauth` (client credentials; declared and validated, but not implemented
// yet: newHttpAuth refuses it with kUnimplemented). At most one of bearer, basic and oauth. A `ca`
// is used to verify the server whatever the modes.
//
// Example:
//   struct MyMetadata { std::string url; AuthMetadata auth; };
//   static const ParamSet<MyMetadata> params =
//       withAuthParams(ParamSet<MyMetadata>().add(param("url", &MyMetadata::url)),
//                      &MyMetadata::auth);
//   ... after parsing: TIDAL_RETURN_IF_ERROR(validateAuth(md.auth));
//   TIDAL_ASSIGN_OR_RETURN(HttpAuth auth, newHttpAuth(md.auth));
//   HttpRequest r{.url = auth.withQuery(url)}; auth.apply(r);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "scalers/http/http_client.h"
#include "scalers/http/tls_material.h"
#include "scalers/params.h"

namespace tidal::scalers::http {

// The block's parameters as written.
struct AuthMetadata {
  std::vector<std::string> modes;  // authModes / authMode
  std::string bearerToken;         // bearerToken / token
  std::string username;
  std::string password;
  std::string ca;
  std::string cert;
  std::string key;
  std::string keyPassword;
  std::string customAuthHeader;
  std::string customAuthValue;
  std::string apiKey;
  std::string method = "header";  // header | query (apiKey)
  std::string keyParamName;
  std::string oauthTokenUri;
  std::vector<std::string> scopes;
  std::string clientId;
  std::string clientSecret;
  std::string endpointParams;

  bool has(std::string_view mode) const;
  // Every non-empty secret (token, password, key material, API key, custom value, client
  // secret), for masking messages.
  std::vector<std::string> secrets() const;
};

// The declarations of the block, bound to member `T::*auth`.
std::vector<Param<AuthMetadata>> authParams();

template <typename T>
ParamSet<T> withAuthParams(ParamSet<T>&& set, AuthMetadata T::*auth) {
  for (const Param<AuthMetadata>& p : authParams()) {
    set.add(
        Param<T>(p.info(), [p, auth](T& out, std::string_view s) { return p.set(out.*auth, s); }));
  }
  return std::move(set);
}

// KEDA's rules: bearer needs a token, basic a username, tls cert and key, custom a header and a
// value, apiKey a key, oauth a token URI and a client ID. kInvalidArgument.
Status validateAuth(const AuthMetadata& auth);

// The block resolved for requests.
struct HttpAuth {
  std::optional<std::string> username;  // basic
  std::string password;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::pair<std::string, std::string>> query;  // apiKey with method query
  bool useTlsMaterial = false;
  TlsMaterial tls;

  // `url` with the query parameters appended (after '?' or '&').
  std::string withQuery(const std::string& url) const;
  // Puts the credentials and headers into `request`.
  void apply(HttpRequest& request) const;
  // The transport options: this block's TLS material, verification unless `unsafeSsl`.
  HttpTlsOptions tlsOptions(bool unsafeSsl) const;
};

// `text` with every URL userinfo removed and every occurrence of a secret (as written and
// query-escaped; secrets shorter than 3 bytes are left alone) replaced by "***": for messages
// that may echo a server's answer or a library's error.
std::string maskSecrets(std::string text, const std::vector<std::string>& secrets);

// Resolves a validated block. kUnimplemented for oauth; kInvalidArgument (naming ca, cert or
// key, never quoting them) for TLS material that does not parse.
StatusOr<HttpAuth> newHttpAuth(const AuthMetadata& auth);

}  // namespace tidal::scalers::http
