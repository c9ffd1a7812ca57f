// KEDA's shared authentication block: parsing (sources, enum, exclusive set), validation and
// what each mode puts on a request.
#include "scalers/http/http_auth.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tidal::scalers::http {
namespace {

struct Md {
  std::string url;
  AuthMetadata auth;
};

const ParamSet<Md>& params() {
  static const ParamSet<Md> p =
      withAuthParams(ParamSet<Md>().add(param("url", &Md::url).optional()), &Md::auth);
  return p;
}

StatusOr<Md> parse(StringMap metadata, StringMap auth) {
  ScalerConfig c;
  c.triggerType = "test";
  c.triggerMetadata = std::move(metadata);
  c.authParams = std::move(auth);
  return params().parse(c);
}

TEST(HttpAuthParams, ModesComeFromMetadataThenAuthAndAcceptTheAlias) {
  StatusOr<Md> a = parse({{"authModes", "bearer, tls"}}, {{"authModes", "basic"}});
  ASSERT_TRUE(a.isOk()) << a.status().toString();
  EXPECT_EQ(a->auth.modes, (std::vector<std::string>{"bearer", "tls"}));
  StatusOr<Md> b = parse({}, {{"authMode", "custom"}});
  ASSERT_TRUE(b.isOk());
  EXPECT_EQ(b->auth.modes, (std::vector<std::string>{"custom"}));
  EXPECT_EQ(b->auth.method, "header");
}

TEST(HttpAuthParams, Errors) {
  struct Case {
    const char* name;
    StringMap metadata;
    StringMap auth;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"unknown_mode",
       {{"authModes", "kerberos"}},
       {},
       "parameter \"authModes;authMode\" value \"kerberos\" must be one of [apiKey basic tls "
       "bearer custom oauth]"},
      {"bearer_and_basic",
       {{"authModes", "bearer,basic"}},
       {},
       "parameter \"authModes;authMode\" value \"bearer,basic\" must contain only one of [bearer "
       "basic oauth]"},
      {"bad_method",
       {{"method", "cookie"}},
       {},
       "parameter \"method\" value \"cookie\" must be one of [header query]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<Md> md = parse(c.metadata, c.auth);
    ASSERT_FALSE(md.isOk());
    EXPECT_EQ(md.status().message(), c.error);
  }
}

TEST(HttpAuthValidate, EachModeNeedsItsCredentials) {
  struct Case {
    const char* name;
    StringMap auth;
    std::string error;  // "" when valid
  };
  const std::vector<Case> cases = {
      {"bearer_without_token",
       {{"authModes", "bearer"}},
       "authModes bearer needs a bearerToken (or token) in authParams"},
      {"bearer_with_token_alias", {{"authModes", "bearer"}, {"token", "t"}}, ""},
      {"basic_without_user",
       {{"authModes", "basic"}, {"password", "p"}},
       "authModes basic needs a username in authParams"},
      {"basic_without_password", {{"authModes", "basic"}, {"username", "u"}}, ""},
      {"tls_without_key",
       {{"authModes", "tls"}, {"cert", "c"}},
       "authModes tls needs both cert and key in authParams"},
      {"custom_without_value",
       {{"authModes", "custom"}, {"customAuthHeader", "X"}},
       "authModes custom needs customAuthHeader and customAuthValue in authParams"},
      {"apikey_without_key",
       {{"authModes", "apiKey"}},
       "authModes apiKey needs an apiKey in authParams"},
      {"oauth_without_client",
       {{"authModes", "oauth"}, {"oauthTokenURI", "https://t"}},
       "authModes oauth needs oauthTokenURI and clientID in authParams"},
      {"none", {}, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<Md> md = parse({}, c.auth);
    ASSERT_TRUE(md.isOk()) << md.status().toString();
    Status s = validateAuth(md->auth);
    EXPECT_EQ(s.message(), c.error);
  }
}

TEST(HttpAuth, ModesShapeTheRequest) {
  StatusOr<Md> md = parse({{"authModes", "bearer,custom,apiKey"}, {"keyParamName", "k"}},
                          {{"bearerToken", "tok"},
                           {"customAuthHeader", "X-Org"},
                           {"customAuthValue", "acme"},
                           {"apiKey", "sekret"},
                           {"method", "query"}});
  ASSERT_TRUE(md.isOk()) << md.status().toString();
  StatusOr<HttpAuth> auth = newHttpAuth(md->auth);
  ASSERT_TRUE(auth.isOk()) << auth.status().toString();
  HttpRequest r{.url = auth->withQuery("http://h/p?a=1#frag")};
  auth->apply(r);
  EXPECT_EQ(r.url, "http://h/p?a=1&k=sekret#frag");
  EXPECT_FALSE(r.username.has_value());
  using Headers = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.headers, (Headers{{"Authorization", "Bearer tok"}, {"X-Org", "acme"}}));
  EXPECT_FALSE(auth->useTlsMaterial);
  EXPECT_TRUE(auth->tlsOptions(false).verifyPeer);
  EXPECT_FALSE(auth->tlsOptions(true).verifyPeer);
}

TEST(HttpAuth, ApiKeyDefaultsAndBasic) {
  StatusOr<Md> header = parse({{"authMode", "apiKey"}}, {{"apiKey", "k1"}});
  ASSERT_TRUE(header.isOk());
  StatusOr<HttpAuth> h = newHttpAuth(header->auth);
  ASSERT_TRUE(h.isOk());
  HttpRequest r{.url = h->withQuery("http://h/p")};
  h->apply(r);
  EXPECT_EQ(r.url, "http://h/p");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], std::make_pair(std::string("X-API-KEY"), std::string("k1")));

  StatusOr<Md> query = parse({{"authMode", "apiKey"}, {"method", "query"}}, {{"apiKey", "a b"}});
  ASSERT_TRUE(query.isOk());
  EXPECT_EQ(newHttpAuth(query->auth)->withQuery("http://h/p"), "http://h/p?api_key=a+b");

  StatusOr<Md> basic = parse({{"authModes", "basic"}}, {{"username", "u"}, {"password", "p"}});
  ASSERT_TRUE(basic.isOk());
  HttpRequest b;
  newHttpAuth(basic->auth)->apply(b);
  EXPECT_EQ(b.username, "u");
  EXPECT_EQ(b.password, "p");
}

TEST(HttpAuth, OauthIsNotImplementedAndBadTlsMaterialIsRefused) {
  StatusOr<Md> oauth =
      parse({{"authModes", "oauth"}}, {{"oauthTokenURI", "https://t"}, {"clientID", "c"}});
  ASSERT_TRUE(oauth.isOk());
  EXPECT_EQ(newHttpAuth(oauth->auth).status().code(), StatusCode::kUnimplemented);

  StatusOr<Md> tls = parse({{"authModes", "tls"}}, {{"cert", "nope"}, {"key", "secret-key"}});
  ASSERT_TRUE(tls.isOk());
  StatusOr<HttpAuth> bad = newHttpAuth(tls->auth);
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find("secret-key"), std::string::npos);

  StatusOr<Md> ca = parse({}, {{"ca", "not a pem"}});
  ASSERT_TRUE(ca.isOk());
  EXPECT_EQ(newHttpAuth(ca->auth).status().message(), "ca: no PEM certificate found");
}

}  // namespace
}  // namespace tidal::scalers::http
