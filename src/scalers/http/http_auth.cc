#include "scalers/http/http_auth.h"

#include <algorithm>

#include "scalers/http/url.h"

namespace tidal::scalers::http {
namespace {

constexpr ParamSource kMetadata = ParamSource::kTriggerMetadata;
constexpr ParamSource kAuth = ParamSource::kAuthParams;
using A = AuthMetadata;

}  // namespace

bool AuthMetadata::has(std::string_view mode) const {
  return std::find(modes.begin(), modes.end(), mode) != modes.end();
}

std::vector<std::string> AuthMetadata::secrets() const {
  std::vector<std::string> out;
  for (const std::string* s :
       {&bearerToken, &password, &key, &keyPassword, &apiKey, &customAuthValue, &clientSecret}) {
    if (!s->empty()) out.push_back(*s);
  }
  return out;
}

std::vector<Param<AuthMetadata>> authParams() {
  return {
      param("authModes", &A::modes)
          .aliases({"authMode"})
          .order({kMetadata, kAuth})
          .optional()
          .enumValues({"apiKey", "basic", "tls", "bearer", "custom", "oauth"})
          .exclusiveSet({"bearer", "basic", "oauth"})
          .describe("comma-separated authentication modes: apiKey, basic, tls, bearer, custom, "
                    "oauth; at most one of bearer, basic and oauth"),
      param("bearerToken", &A::bearerToken)
          .aliases({"token"})
          .order({kAuth})
          .optional()
          .secret()
          .describe("token for authModes bearer, sent as `Authorization: Bearer <token>`"),
      param("username", &A::username)
          .order({kAuth})
          .optional()
          .describe("user name for authModes basic"),
      param("password", &A::password)
          .order({kAuth})
          .optional()
          .secret()
          .describe("password for authModes basic"),
      param("ca", &A::ca)
          .order({kAuth})
          .optional()
          .describe("PEM CA certificate(s) to verify the server with (any mode)"),
      param("cert", &A::cert)
          .order({kAuth})
          .optional()
          .describe("PEM client certificate for authModes tls; needs key"),
      param("key", &A::key)
          .order({kAuth})
          .optional()
          .secret()
          .describe("PEM private key of the client certificate"),
      param("keyPassword", &A::keyPassword)
          .order({kAuth})
          .optional()
          .secret()
          .describe("password of an encrypted key"),
      param("customAuthHeader", &A::customAuthHeader)
          .order({kAuth})
          .optional()
          .describe("header name for authModes custom"),
      param("customAuthValue", &A::customAuthValue)
          .order({kAuth})
          .optional()
          .secret()
          .describe("header value for authModes custom"),
      param("apiKey", &A::apiKey)
          .order({kAuth})
          .optional()
          .secret()
          .describe("the key for authModes apiKey"),
      param("method", &A::method)
          .order({kAuth, kMetadata})
          .defaultValue("header")
          .enumValues({"header", "query"})
          .describe("how authModes apiKey sends the key: header or query"),
      param("keyParamName", &A::keyParamName)
          .order({kAuth, kMetadata})
          .optional()
          .describe("header or query parameter carrying the API key (default X-API-KEY for "
                    "header, api_key for query)"),
      param("oauthTokenURI", &A::oauthTokenUri)
          .order({kAuth})
          .optional()
          .describe("token endpoint for authModes oauth (client credentials)"),
      param("scopes", &A::scopes)
          .aliases({"scope"})
          .order({kAuth})
          .optional()
          .describe("comma-separated OAuth scopes"),
      param("clientID", &A::clientId).order({kAuth}).optional().describe("OAuth client ID"),
      param("clientSecret", &A::clientSecret)
          .order({kAuth})
          .optional()
          .secret()
          .describe("OAuth client secret"),
      param("endpointParams", &A::endpointParams)
          .order({kAuth})
          .optional()
          .describe("extra parameters for the OAuth token request, URL query syntax"),
  };
}

Status validateAuth(const AuthMetadata& a) {
  if (a.has("bearer") && a.bearerToken.empty()) {
    return invalidArgument("authModes bearer needs a bearerToken (or token) in authParams");
  }
  if (a.has("basic") && a.username.empty()) {
    return invalidArgument("authModes basic needs a username in authParams");
  }
  if (a.has("tls") && (a.cert.empty() || a.key.empty())) {
    return invalidArgument("authModes tls needs both cert and key in authParams");
  }
  if (a.has("oauth") && (a.oauthTokenUri.empty() || a.clientId.empty())) {
    return invalidArgument("authModes oauth needs oauthTokenURI and clientID in authParams");
  }
  if (a.has("custom") && (a.customAuthHeader.empty() || a.customAuthValue.empty())) {
    return invalidArgument(
        "authModes custom needs customAuthHeader and customAuthValue in authParams");
  }
  if (a.has("apiKey") && a.apiKey.empty()) {
    return invalidArgument("authModes apiKey needs an apiKey in authParams");
  }
  return Status::ok();
}

std::string HttpAuth::withQuery(const std::string& url) const {
  if (query.empty()) return url;
  std::string out = url;
  // A fragment would swallow what follows it; put the parameters before it.
  std::string fragment;
  if (size_t hash = out.find('#'); hash != std::string::npos) {
    fragment = out.substr(hash);
    out.resize(hash);
  }
  char sep = out.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : query) {
    out += sep;
    out += queryEscape(name) + "=" + queryEscape(value);
    sep = '&';
  }
  return out + fragment;
}

void HttpAuth::apply(HttpRequest& request) const {
  if (username) {
    request.username = username;
    request.password = password;
  }
  request.headers.insert(request.headers.end(), headers.begin(), headers.end());
}

HttpTlsOptions HttpAuth::tlsOptions(bool unsafeSsl) const {
  return HttpTlsOptions{useTlsMaterial, tls, !unsafeSsl};
}

std::string maskSecrets(std::string text, const std::vector<std::string>& secrets) {
  constexpr size_t kMinMasked = 3;
  text = withoutUserInfo(text);
  for (const std::string& raw : secrets) {
    if (raw.size() < kMinMasked) continue;
    for (const std::string& secret : {raw, queryEscape(raw)}) {
      for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
        text.replace(at, secret.size(), "***");
        at += 3;
      }
    }
  }
  return text;
}

StatusOr<HttpAuth> newHttpAuth(const AuthMetadata& a) {
  if (a.has("oauth")) {
    return Status(StatusCode::kUnimplemented,
                  "authModes oauth (client credentials) is not implemented in tidal yet");
  }
  HttpAuth out;
  if (a.has("basic")) {
    out.username = a.username;
    out.password = a.password;
  }
  if (a.has("bearer")) out.headers.emplace_back("Authorization", "Bearer " + a.bearerToken);
  if (a.has("custom")) out.headers.emplace_back(a.customAuthHeader, a.customAuthValue);
  if (a.has("apiKey")) {
    if (a.method == "query") {
      out.query.emplace_back(a.keyParamName.empty() ? "api_key" : a.keyParamName, a.apiKey);
    } else {
      out.headers.emplace_back(a.keyParamName.empty() ? "X-API-KEY" : a.keyParamName, a.apiKey);
    }
  }
  if (!a.ca.empty()) {
    out.useTlsMaterial = true;
    out.tls.ca = a.ca;
  }
  if (a.has("tls")) {
    out.useTlsMaterial = true;
    out.tls.cert = a.cert;
    out.tls.key = a.key;
    out.tls.keyPassword = a.keyPassword;
  }
  if (out.useTlsMaterial) TIDAL_RETURN_IF_ERROR(checkTlsMaterial(out.tls));
  return out;
}

}  // namespace tidal::scalers::http
