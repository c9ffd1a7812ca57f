#include "k8s/testing/http_stub.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tidal::k8s::testing {

HttpStub::HttpStub(Handler handler) : handler_(std::move(handler)) {
  listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (listenFd_ < 0 || ::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listenFd_, 16) != 0 || ::pipe2(stopPipe_, O_CLOEXEC) != 0) {
    std::perror("HttpStub");
    std::abort();
  }
  socklen_t len = sizeof addr;
  ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptThread_ = std::thread([this] { acceptLoop(); });
}

HttpStub::~HttpStub() {
  char c = 'x';
  (void)!::write(stopPipe_[1], &c, 1);
  acceptThread_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (std::thread& t : workers) t.join();
  ::close(listenFd_);
  ::close(stopPipe_[0]);
  ::close(stopPipe_[1]);
}

void HttpStub::acceptLoop() {
  while (true) {
    pollfd fds[2] = {{listenFd_, POLLIN, 0}, {stopPipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard lock(mu_);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void HttpStub::serve(int fd) {
  std::string buffer;
  auto stopped = [&](int timeoutMs) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stopPipe_[0], POLLIN, 0}};
    ::poll(fds, 2, timeoutMs);
    return fds[1].revents != 0;
  };
  // Reads until `pred` holds on the buffer; false on EOF or stop.
  auto readUntil = [&](const std::function<bool()>& pred) {
    char data[4096];
    while (!pred()) {
      if (stopped(-1)) return false;
      ssize_t n = ::read(fd, data, sizeof data);
      if (n <= 0) return false;
      buffer.append(data, static_cast<size_t>(n));
    }
    return true;
  };
  while (true) {
    if (!readUntil([&] { return buffer.find("\r\n\r\n") != std::string::npos; })) break;
    size_t headEnd = buffer.find("\r\n\r\n") + 4;
    std::string head = buffer.substr(0, headEnd);
    size_t length = 0;
    for (const char* name : {"Content-Length:", "content-length:"}) {
      size_t at = head.find(name);
      if (at != std::string::npos) length = std::strtoul(head.c_str() + at + 15, nullptr, 10);
    }
    if (!readUntil([&] { return buffer.size() >= headEnd + length; })) break;
    std::string body = buffer.substr(headEnd, length);
    buffer.erase(0, headEnd + length);
    ++requests_;
    Reply reply = handler_(head, body);
    bool ok = true;
    for (size_t i = 0; i < reply.pieces.size() && ok; ++i) {
      if (i > 0 && reply.pause.count() > 0 && stopped(static_cast<int>(reply.pause.count()))) {
        ok = false;
        break;
      }
      const std::string& piece = reply.pieces[i];
      ok = ::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(piece.size());
    }
    if (!ok || reply.close) break;
    if (reply.hang) {
      // Silent until the client goes away or the stub stops.
      while (!stopped(-1)) {
        char data[256];
        if (::read(fd, data, sizeof data) <= 0) break;
      }
      break;
    }
  }
  ::close(fd);
}

std::string HttpStub::response(int status, const std::string& body,
                               const std::string& extraHeaders) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n" + extraHeaders + "\r\n" + body;
}

std::string HttpStub::chunkedHead(int status) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
}

std::string HttpStub::chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

}  // namespace tidal::k8s::testing
