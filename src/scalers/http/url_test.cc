// URL splitting, Go's query escaping and credential removal (shared by the URL-taking scalers).
#include "scalers/http/url.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tidal::scalers::http {
namespace {

TEST(ScalerUrl, Parses) {
  StatusOr<Url> u = parseUrl("amqps://us%65r:p%40ss@rabbit.example:5671/vh?heartbeat=5#frag");
  ASSERT_TRUE(u.isOk());
  EXPECT_EQ(u->scheme, "amqps");
  EXPECT_TRUE(u->hasUserInfo);
  EXPECT_EQ(u->username, "user");
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->host, "rabbit.example");
  EXPECT_EQ(u->port, 5671);
  EXPECT_EQ(u->rawPath, "/vh");
  EXPECT_EQ(u->rawQuery, "heartbeat=5");
  EXPECT_EQ(endpointOf(*u), "rabbit.example:5671");

  StatusOr<Url> bare = parseUrl("HTTP://r");
  ASSERT_TRUE(bare.isOk());
  EXPECT_EQ(bare->scheme, "http");
  EXPECT_FALSE(bare->hasUserInfo);
  EXPECT_FALSE(bare->password.has_value());
  EXPECT_EQ(endpointOf(*bare), "r:80");

  StatusOr<Url> v6 = parseUrl("amqp://[fe80::1]:1234");
  ASSERT_TRUE(v6.isOk());
  EXPECT_EQ(v6->host, "[fe80::1]");
  EXPECT_EQ(v6->port, 1234);

  StatusOr<Url> at = parseUrl("amqp://u:p@ss@r/");  // the last '@' ends the userinfo
  ASSERT_TRUE(at.isOk());
  EXPECT_EQ(at->password, "p@ss");
  EXPECT_EQ(at->host, "r");
}

TEST(ScalerUrl, Errors) {
  struct Case {
    const char* name;
    const char* url;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"no_scheme", "rabbit", "the URL has no scheme (expected scheme://host)"},
      {"no_authority", "amqp:rabbit", "the amqp URL has no host (expected amqp://host)"},
      {"empty_host", "amqp://u:p@/vh", "the amqp URL has no host (expected amqp://host)"},
      {"bad_port", "amqp://r:port/", "invalid port after host (expected a number up to 65535)"},
      {"port_too_big", "amqp://r:65536/",
       "invalid port after host (expected a number up to 65535)"},
      {"bad_escape", "amqp://u:%zz@r/", "the URL's password has a malformed percent escape"},
      {"unclosed_v6", "amqp://[::1/", "missing ']' in the URL's host"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    StatusOr<Url> u = parseUrl(c.url);
    ASSERT_FALSE(u.isOk());
    EXPECT_EQ(u.status().message(), c.message);
  }
}

TEST(ScalerUrl, Scheme) {
  EXPECT_EQ(*urlScheme("amqp://x"), "amqp");
  EXPECT_EQ(*urlScheme("Https://x"), "https");
  EXPECT_EQ(*urlScheme("localhost:5672"), "localhost");
  EXPECT_EQ(*urlScheme("10.0.0.1:5672"), "");  // a digit cannot start a scheme
  EXPECT_EQ(*urlScheme("/path"), "");
  EXPECT_FALSE(urlScheme(":5672").isOk());
}

TEST(ScalerUrl, QueryEscapeMatchesGo) {
  EXPECT_EQ(queryEscape("hello"), "hello");
  EXPECT_EQ(queryEscape("a-b_c.d~e"), "a-b_c.d~e");
  EXPECT_EQ(queryEscape("a b"), "a+b");
  EXPECT_EQ(queryEscape("ns/name"), "ns%2Fname");
  EXPECT_EQ(queryEscape("^q-.*$"), "%5Eq-.%2A%24");
  EXPECT_EQ(queryEscape("é"), "%C3%A9");
  EXPECT_EQ(queryEscape("a+b&c=d%"), "a%2Bb%26c%3Dd%25");
}

TEST(ScalerUrl, PercentDecode) {
  EXPECT_EQ(*percentDecode("%2F"), "/");
  EXPECT_EQ(*percentDecode("a+b"), "a+b");
  EXPECT_EQ(*percentDecode("a+b", /*plusIsSpace=*/true), "a b");
  EXPECT_FALSE(percentDecode("%2").isOk());
  EXPECT_FALSE(percentDecode("%G0").isOk());
}

TEST(ScalerUrl, Redaction) {
  EXPECT_EQ(redactUrl("amqp://user:pw@r:5672/vh?x=1"), "amqp://r:5672/vh");
  EXPECT_EQ(redactUrl("http://r"), "http://r");
  EXPECT_EQ(redactUrl("amqp://u:pw@r:bad/"), "(unparseable URL)");
  EXPECT_EQ(withoutUserInfo("dial amqp://user:pw@r:5672/ failed"), "dial amqp://r:5672/ failed");
  EXPECT_EQ(withoutUserInfo("user:pw@r and a:b@c"), "r and c");
  EXPECT_EQ(withoutUserInfo("mail me@example.com"), "mail me@example.com");
}

}  // namespace
}  // namespace tidal::scalers::http
