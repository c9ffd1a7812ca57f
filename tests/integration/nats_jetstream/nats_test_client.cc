#include "nats_test_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/strings.h"

namespace tidal::testing {

NatsTestClient::NatsTestClient(const std::string& address) {
  const size_t colon = address.rfind(':');
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
  ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &a.sin_addr);
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ADD_FAILURE() << "cannot connect to NATS at " << address;
    ::close(fd_);
    fd_ = -1;
    return;
  }
  std::string line;
  if (!readLine(line) || !startsWith(line, "INFO ")) ADD_FAILURE() << "no INFO: " << line;
  sendAll("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true}\r\nPING\r\n");
  while (readLine(line) && line != "PONG") {
  }
}

NatsTestClient::~NatsTestClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool NatsTestClient::sendAll(const std::string& bytes) {
  size_t done = 0;
  while (fd_ >= 0 && done < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return fd_ >= 0;
}

bool NatsTestClient::readLine(std::string& line) {
  for (;;) {
    if (const size_t end = buffer_.find("\r\n"); end != std::string::npos) {
      line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      return true;
    }
    char chunk[4096];
    const ssize_t n = fd_ >= 0 ? ::recv(fd_, chunk, sizeof chunk, 0) : -1;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

bool NatsTestClient::readBytes(size_t n, std::string& out) {
  while (buffer_.size() < n + 2) {
    char chunk[4096];
    const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(got));
  }
  out = buffer_.substr(0, n);
  buffer_.erase(0, n + 2);
  return true;
}

bool NatsTestClient::readMessage(const std::string& inbox, Message& out) {
  std::string line;
  while (readLine(line)) {
    if (line == "PING") {
      sendAll("PONG\r\n");
      continue;
    }
    if (startsWith(line, "-ERR")) {
      ADD_FAILURE() << "NATS: " << line;
      return false;
    }
    const bool headers = startsWith(line, "HMSG ");
    if (!headers && !startsWith(line, "MSG ")) continue;
    // MSG <subject> <sid> [reply] <#bytes>, HMSG <subject> <sid> [reply] <#hdr> <#total>
    const std::vector<std::string> parts = split(line, ' ');
    std::string data;
    if (!readBytes(std::stoul(parts.back()), data)) return false;
    if (parts[1] != inbox && !startsWith(parts[1], inbox + ".")) continue;
    const size_t fields = headers ? 6 : 5;
    if (headers) {
      const size_t hdr = std::stoul(parts[parts.size() - 2]);
      if (startsWith(data, "NATS/1.0 ")) continue;  // a status (404 no messages, 408 timeout)
      data = data.substr(hdr);
    }
    out.subject = parts[1];
    out.reply = parts.size() == fields ? parts[3] : "";
    out.data = std::move(data);
    return true;
  }
  ADD_FAILURE() << "no NATS reply on " << inbox << " within 5 s";
  return false;
}

std::string NatsTestClient::request(const std::string& subject, const std::string& payload) {
  const std::string inbox = "_INBOX.tidal." + std::to_string(nextInbox_++);
  sendAll("SUB " + inbox + " " + std::to_string(nextInbox_) + "\r\nPUB " + subject + " " + inbox +
          " " + std::to_string(payload.size()) + "\r\n" + payload + "\r\n");
  Message m;
  if (!readMessage(inbox, m)) return "";
  sendAll("UNSUB " + std::to_string(nextInbox_) + "\r\n");
  return m.data;
}

void NatsTestClient::publish(const std::string& subject, const std::string& payload) {
  sendAll("PUB " + subject + " " + std::to_string(payload.size()) + "\r\n" + payload +
          "\r\nPING\r\n");
  std::string line;
  while (readLine(line) && line != "PONG") {
  }
}

std::vector<NatsTestClient::Message> NatsTestClient::pull(const std::string& stream,
                                                          const std::string& consumer, int count) {
  const std::string inbox = "_INBOX.tidal." + std::to_string(nextInbox_++);
  const std::string body = "{\"batch\":" + std::to_string(count) + "}";
  sendAll("SUB " + inbox + " " + std::to_string(nextInbox_) + "\r\nPUB $JS.API.CONSUMER.MSG.NEXT." +
          stream + "." + consumer + " " + inbox + " " + std::to_string(body.size()) + "\r\n" +
          body + "\r\n");
  std::vector<Message> out;
  for (int i = 0; i < count; ++i) {
    Message m;
    if (!readMessage(inbox, m)) break;
    out.push_back(std::move(m));
  }
  sendAll("UNSUB " + std::to_string(nextInbox_) + "\r\n");
  return out;
}

}  // namespace tidal::testing
