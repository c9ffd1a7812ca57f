#include "cli/redactor.h"

#include <gtest/gtest.h>

namespace tidal::cli {
namespace {

TEST(RedactorTest, MasksSecretsAndUrlPasswords) {
  struct Case {
    const char* name;
    std::vector<std::string> secrets;
    std::vector<std::string> urls;
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"plain secret", {"s3cret!"}, {}, "AUTH s3cret! failed", "AUTH [redacted] failed"},
      {"every occurrence", {"abc"}, {}, "abc abcabc", "[redacted] [redacted][redacted]"},
      {"longest first", {"pass", "password1"}, {}, "password1 pass", "[redacted] [redacted]"},
      {"short values ignored", {"ok", ""}, {}, "ok 12", "ok 12"},
      {"url password, host kept",
       {},
       {"amqp://user:pw%21x@rabbit:5672/vh"},
       "dial amqp://user:pw%21x@rabbit:5672/vh: refused (pw!x)",
       "dial amqp://rabbit:5672/vh: refused ([redacted])"},
      {"userinfo always dropped", {}, {}, "redis://u:p@host:1 down", "redis://host:1 down"},
      {"not a url", {}, {"host:6379"}, "host:6379 down", "host:6379 down"},
  };
  for (const Case& c : cases) {
    Redactor r;
    for (const auto& s : c.secrets) r.addSecret(s);
    for (const auto& u : c.urls) r.addUrlCredentials(u);
    EXPECT_EQ(r.apply(c.text), c.expected) << c.name;
  }
}

}  // namespace
}  // namespace tidal::cli
