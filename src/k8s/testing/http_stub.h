// A tiny HTTP/1.1 server on 127.0.0.1 for the few transport tests that need real bytes on a real
// socket: a watch body cut in the middle of an object, an idle stream cancelled, a connection
// reused. Everything else uses FakeTransport (no sockets) or the real API server.
//
// Each request is answered by the handler with raw bytes written as-is, so a test can send
// exactly the malformed or truncated response it needs. Port 0 is bound (the kernel picks).
// Thread-safe; the destructor stops the server and joins every connection thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tidal::k8s::testing {

class HttpStub {
 public:
  struct Reply {
    std::vector<std::string> pieces;     // raw bytes, written one after another
    std::chrono::milliseconds pause{0};  // between pieces
    bool close = false;                  // close the connection after the last piece
    bool hang = false;  // after the last piece, keep the connection open and silent
  };
  // Called with the request line plus headers, and the body.
  using Handler = std::function<Reply(const std::string& head, const std::string& body)>;

  explicit HttpStub(Handler handler);
  ~HttpStub();
  HttpStub(const HttpStub&) = delete;
  HttpStub& operator=(const HttpStub&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

  // Helpers for building replies.
  static std::string response(int status, const std::string& body,
                              const std::string& extraHeaders = "");
  static std::string chunkedHead(int status = 200);
  static std::string chunk(const std::string& data);

 private:
  void acceptLoop();
  void serve(int fd);

  Handler handler_;
  int listenFd_ = -1;
  int stopPipe_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread acceptThread_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
};

}  // namespace tidal::k8s::testing
