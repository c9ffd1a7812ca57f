// The beanstalkd scaler (and its socket client) against a real beanstalkd 1.12
// (scripts/services.d/beanstalkd.sh). Jobs are put, reserved and delayed by a producer speaking
// the text protocol on its own connection.
#include <cstdlib>
#include <memory>
#include <string>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "scalers/registry.h"
#include "scalers/scaler.h"

namespace tidal::scalers {
namespace {

std::string address() {
  const char* v = std::getenv("TIDAL_BEANSTALKD_ADDRESS");
  if (v == nullptr) {
    ADD_FAILURE() << "TIDAL_BEANSTALKD_ADDRESS is not set; run under with-services beanstalkd";
    return "";
  }
  return v;
}

// A producer connection: sends one command, returns the first answer line.
class Producer {
 public:
  Producer() {
    const std::string a = address();
    const size_t colon = a.rfind(':');
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(a.substr(colon + 1))));
    ::inet_pton(AF_INET, a.substr(0, colon).c_str(), &sa.sin_addr);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  }
  ~Producer() { ::close(fd_); }
  std::string command(const std::string& text) {
    ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
    std::string line;
    char c = 0;
    while (::recv(fd_, &c, 1, 0) == 1) {
      line += c;
      if (line.size() >= 2 && line.ends_with("\r\n")) break;
    }
    return line.substr(0, line.size() >= 2 ? line.size() - 2 : 0);
  }
  void put(int n, int delaySeconds = 0) {
    for (int i = 0; i < n; ++i) {
      EXPECT_TRUE(command("put 1024 " + std::to_string(delaySeconds) + " 60 3\r\njob\r\n")
                      .starts_with("INSERTED"));
    }
  }

 private:
  int fd_ = -1;
};

StatusOr<std::unique_ptr<Scaler>> make(StringMap metadata) {
  ScalerConfig c;
  c.triggerType = "beanstalkd";
  c.triggerMetadata = std::move(metadata);
  if (!c.triggerMetadata.contains("server")) c.triggerMetadata["server"] = address();
  if (!c.triggerMetadata.contains("value")) c.triggerMetadata["value"] = "5";
  return builtinRegistry().create(c, ScalerContext{});
}

StatusOr<MetricsAndActivity> poll(Scaler& s) {
  return s.metricsAndActivity(s.metricSpecs().at(0).metricName);
}

int closedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(BeanstalkdIntegration, ReadyPlusReservedPlusDelayedAndActivity) {
  Producer p;
  ASSERT_EQ(p.command("use emails\r\n"), "USING emails");
  ASSERT_EQ(p.command("watch emails\r\n"), "WATCHING 2");
  StatusOr<std::unique_ptr<Scaler>> s = make({{"tube", "emails"}, {"activationValue", "3"}});
  StatusOr<std::unique_ptr<Scaler>> withDelayed =
      make({{"tube", "emails"}, {"includeDelayed", "true"}});
  ASSERT_TRUE(s.isOk() && withDelayed.isOk()) << s.status().toString();
  EXPECT_EQ((*s)->metricSpecs().at(0).metricName, "s0-beanstalkd-emails");

  p.put(3);
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 3000);
  EXPECT_FALSE(m->active);  // 3 is not above 3

  // A reserved job still counts; delayed ones only with includeDelayed.
  ASSERT_TRUE(p.command("reserve-with-timeout 0\r\n").starts_with("RESERVED"));
  EXPECT_EQ(p.command(""), "job");  // the reserved job's body
  p.put(2, /*delaySeconds=*/600);
  p.put(1);
  m = poll(**s);
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 4000);  // 3 ready + 1 reserved
  EXPECT_TRUE(m->active);
  m = poll(**withDelayed);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 6000);
}

TEST(BeanstalkdIntegration, MissingTubeIsZeroAsInKeda) {
  StatusOr<std::unique_ptr<Scaler>> s = make({{"tube", "never-used"}});
  ASSERT_TRUE(s.isOk());
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->metrics.at(0).value.milliValue(), 0);
  EXPECT_FALSE(m->active);
}

TEST(BeanstalkdIntegration, ManyTriggersShareOneConnectionAndSurviveReuse) {
  Producer p;
  ASSERT_EQ(p.command("use shared-a\r\n"), "USING shared-a");
  p.put(2);
  StatusOr<std::unique_ptr<Scaler>> a = make({{"tube", "shared-a"}});
  StatusOr<std::unique_ptr<Scaler>> b = make({{"tube", "shared-b"}});
  ASSERT_TRUE(a.isOk() && b.isOk());
  for (int i = 0; i < 20; ++i) {
    StatusOr<MetricsAndActivity> ma = poll(**a);
    StatusOr<MetricsAndActivity> mb = poll(**b);
    ASSERT_TRUE(ma.isOk() && mb.isOk()) << ma.status().toString() << mb.status().toString();
    EXPECT_EQ(ma->metrics.at(0).value.milliValue(), 2000);
    EXPECT_EQ(mb->metrics.at(0).value.milliValue(), 0);
  }
  Producer stats;
  const std::string line = stats.command("stats\r\n");  // OK <n>, then the dictionary
  ASSERT_TRUE(line.starts_with("OK ")) << line;
}

TEST(BeanstalkdIntegration, ServerDownIsRetryableAndNamesTheServer) {
  const std::string server = "127.0.0.1:" + std::to_string(closedPort());
  StatusOr<std::unique_ptr<Scaler>> s = make({{"server", server}, {"tube", "emails"}});
  ASSERT_TRUE(s.isOk());  // building does no I/O
  StatusOr<MetricsAndActivity> m = poll(**s);
  ASSERT_FALSE(m.isOk());
  EXPECT_TRUE(isRetryable(m.status().code())) << m.status().toString();
  EXPECT_NE(m.status().message().find("at " + server + ": connect"), std::string::npos)
      << m.status().message();
}

}  // namespace
}  // namespace tidal::scalers
