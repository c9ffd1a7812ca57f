// tidal-bench-metrics-load: the load generator of bench/run's metrics-api scenario. Drives GET
// requests for external metrics over keep-alive HTTPS, presenting a client certificate (the
// front-proxy client certificate: tidal's metrics API only answers the aggregator), spread
// round-robin over `--objects` ScaledObjects:
//   GET /apis/external.metrics.k8s.io/v1beta1/namespaces/<ns>/<metric>
//       ?labelSelector=scaledobject.keda.sh%2Fname%3D<prefix><i>
//
// One thread per connection, each with a blocking TLS connection (OpenSSL), one request in
// flight per connection (no pipelining).
//   --rate 0 (max-rate mode): every connection sends its next request as soon as the previous
//     answer is in; latency is answer time - send time.
//   --rate R (fixed-rate mode): request k of connection c is scheduled at
//     start + (k + c/N) * N/R; it is sent at that time, or at once when the connection is late,
//     and its latency is measured from the SCHEDULED time (coordinated omission: a stalled
//     server is charged for the requests it kept the client from sending).
// Latencies go into a log-linear histogram (1 ns resolution below 256 ns, then 128 sub-buckets
// per power of two: under 0.8 % relative error), as HdrHistogram does. A warm-up period is run
// and not recorded. Prints one JSON object.
//
// Usage: tidal-bench-metrics-load --port P --cert C --key K --metric M [--host 127.0.0.1]
//          [--namespace bench] [--objects 1000] [--prefix so-] [--connections 16] [--rate 0]
//          [--duration 10] [--warmup 2]
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"

namespace {

using tidal::bench::loadAverage;

using Json = nlohmann::json;
using BenchClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

class Histogram {
 public:
  static constexpr uint64_t kSub = 128;

  Histogram() : counts_(64 * kSub, 0) {}

  void record(uint64_t v) {
    ++counts_[index(v)];
    ++total_;
    max_ = std::max(max_, v);
  }
  void merge(const Histogram& o) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    max_ = std::max(max_, o.max_);
  }
  uint64_t total() const { return total_; }
  uint64_t max() const { return max_; }

  // The value at quantile q (0..1): the middle of the bucket holding the ceil(q*total)-th value.
  double quantile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * total_)));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        double lo = static_cast<double>(lowest(i));
        double hi = static_cast<double>(lowest(i + 1));
        return std::min((lo + hi) / 2, static_cast<double>(max_));
      }
    }
    return static_cast<double>(max_);
  }

 private:
  static size_t index(uint64_t v) {
    if (v < 2 * kSub) return v;
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 7;
    return static_cast<size_t>(shift + 1) * kSub + ((v >> shift) - kSub);
  }
  static uint64_t lowest(size_t i) {
    if (i < 2 * kSub) return i;
    size_t shift = i / kSub - 1;
    return (i % kSub + kSub) << shift;
  }

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string cert, key, metric, ns = "bench", prefix = "so-";
  int objects = 1000;
  int connections = 16;
  double rate = 0;
  double duration = 10;
  double warmup = 2;
};

struct WorkerResult {
  Histogram latency;
  uint64_t ok = 0, non200 = 0, errors = 0, reconnects = 0;
  uint64_t unsent = 0;  // fixed rate: due in the measured window, never sent (server too slow)
  std::map<int, uint64_t> statuses;
  std::string lastError;
};

std::string sslError() {
  unsigned long e = ERR_get_error();  // NOLINT(google-runtime-int): OpenSSL's type
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

class Connection {
 public:
  Connection(SSL_CTX* ctx, const Options& o) : ctx_(ctx), o_(o) {}
  ~Connection() { close(); }

  bool open(std::string* error) {
    close();
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(o_.port));
    inet_pton(AF_INET, o_.host.c_str(), &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      *error = std::string("connect: ") + std::strerror(errno);
      return false;
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) {
      *error = "TLS handshake: " + sslError();
      return false;
    }
    buf_.clear();
    return true;
  }

  void close() {
    if (ssl_ != nullptr) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

  // Sends `request` and reads one response; its status code, or -1 on an I/O or parse error.
  // `keepAlive` is false when the server closes the connection after this response.
  int roundTrip(const std::string& request, bool* keepAlive, std::string* error) {
    if (SSL_write(ssl_, request.data(), static_cast<int>(request.size())) <= 0) {
      *error = "write: " + sslError();
      return -1;
    }
    size_t headerEnd;
    while ((headerEnd = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(error)) return -1;
    }
    std::string head = buf_.substr(0, headerEnd);
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : -1;
    *keepAlive = lower.find("connection: close") == std::string::npos;
    size_t bodyStart = headerEnd + 4;
    size_t cl = lower.find("content-length:");
    if (cl != std::string::npos) {
      size_t length = std::strtoul(lower.c_str() + cl + 15, nullptr, 10);
      while (buf_.size() < bodyStart + length) {
        if (!fill(error)) return -1;
      }
      buf_.erase(0, bodyStart + length);
    } else if (lower.find("transfer-encoding: chunked") != std::string::npos) {
      size_t pos = bodyStart;
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n", pos)) == std::string::npos) {
          if (!fill(error)) return -1;
        }
        size_t size = std::strtoul(buf_.c_str() + pos, nullptr, 16);
        while (buf_.size() < eol + 2 + size + 2) {
          if (!fill(error)) return -1;
        }
        pos = eol + 2 + size + 2;
        if (size == 0) break;
      }
      buf_.erase(0, pos);
    } else {
      *error = "response without Content-Length";
      return -1;
    }
    return status;
  }

 private:
  bool fill(std::string* error) {
    char tmp[16384];
    int n = SSL_read(ssl_, tmp, sizeof tmp);
    if (n <= 0) {
      *error = "read: connection closed or " + sslError();
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  SSL_CTX* ctx_;
  const Options& o_;
  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string buf_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tidal-bench-metrics-load: HTTPS load on tidal's external metrics API"};
  Options o;
  app.add_option("--host", o.host);
  app.add_option("--port", o.port)->required();
  app.add_option("--cert", o.cert, "client certificate (PEM)")->required();
  app.add_option("--key", o.key, "its key (PEM)")->required();
  app.add_option("--metric", o.metric, "external metric name")->required();
  app.add_option("--namespace", o.ns);
  app.add_option("--objects", o.objects, "ScaledObjects <prefix>0 .. <prefix>N-1");
  app.add_option("--prefix", o.prefix);
  app.add_option("--connections", o.connections);
  app.add_option("--rate", o.rate, "requests/s over all connections; 0: as fast as possible");
  app.add_option("--duration", o.duration, "measured seconds");
  app.add_option("--warmup", o.warmup, "unmeasured seconds before");
  CLI11_PARSE(app, argc, argv);

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // tidal's self-signed serving certificate
  if (SSL_CTX_use_certificate_chain_file(ctx, o.cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, o.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::cerr << "cannot load the client certificate: " << sslError() << "\n";
    return 2;
  }

  std::vector<std::string> requests;
  requests.reserve(static_cast<size_t>(o.objects));
  for (int i = 0; i < o.objects; ++i) {
    requests.push_back("GET /apis/external.metrics.k8s.io/v1beta1/namespaces/" + o.ns + "/" +
                       o.metric + "?labelSelector=scaledobject.keda.sh%2Fname%3D" + o.prefix +
                       std::to_string(i) + " HTTP/1.1\r\nHost: " + o.host +
                       "\r\nAccept: application/json\r\nUser-Agent: tidal-bench\r\n\r\n");
  }

  const int n = o.connections;
  std::vector<WorkerResult> results(static_cast<size_t>(n));
  const BenchClock::time_point start = BenchClock::now() + 200ms;  // all threads connected
  const BenchClock::time_point measureFrom =
      start +
      std::chrono::duration_cast<BenchClock::duration>(std::chrono::duration<double>(o.warmup));
  const BenchClock::time_point end = measureFrom + std::chrono::duration_cast<BenchClock::duration>(
                                                       std::chrono::duration<double>(o.duration));
  const std::string loadBefore = loadAverage();
  std::vector<std::thread> threads;
  for (int c = 0; c < n; ++c) {
    threads.emplace_back([&, c] {
      WorkerResult& r = results[static_cast<size_t>(c)];
      Connection conn(ctx, o);
      std::string error;
      if (!conn.open(&error)) {
        ++r.errors;
        r.lastError = error;
        return;
      }
      std::this_thread::sleep_until(start);
      // Fixed rate: this connection's share, staggered against the others.
      const double period = o.rate > 0 ? n / o.rate : 0;
      auto scheduled = [&](uint64_t k) {
        return start +
               std::chrono::duration_cast<BenchClock::duration>(std::chrono::duration<double>(
                   (static_cast<double>(k) + static_cast<double>(c) / n) * period));
      };
      size_t next = static_cast<size_t>(c) * 7919 % requests.size();
      for (uint64_t k = 0;; ++k) {
        BenchClock::time_point due = o.rate > 0 ? scheduled(k) : BenchClock::now();
        if (due >= end) break;
        if (o.rate > 0) std::this_thread::sleep_until(due);
        BenchClock::time_point sent = BenchClock::now();
        if (sent >= end) {
          // Requests due in the window that the server's slowness kept from being sent: counted,
          // not silently dropped (their latency would be at least end - due).
          for (uint64_t j = k; o.rate > 0 && scheduled(j) < end; ++j) {
            if (scheduled(j) >= measureFrom) ++r.unsent;
          }
          break;
        }
        bool keepAlive = true;
        int status = conn.roundTrip(requests[next], &keepAlive, &error);
        BenchClock::time_point done = BenchClock::now();
        next = (next + static_cast<size_t>(n)) % requests.size();
        bool measured = (o.rate > 0 ? due : sent) >= measureFrom;
        if (status < 0) {
          if (measured) ++r.errors;
          r.lastError = error;
          ++r.reconnects;
          if (!conn.open(&error)) {
            r.lastError = error;
            std::this_thread::sleep_for(100ms);
          }
          continue;
        }
        if (measured) {
          auto from = o.rate > 0 ? due : sent;
          r.latency.record(static_cast<uint64_t>(
              std::chrono::duration_cast<std::chrono::nanoseconds>(done - from).count()));
          ++r.statuses[status];
          if (status == 200) {
            ++r.ok;
          } else {
            ++r.non200;
          }
        }
        if (!keepAlive) {
          ++r.reconnects;
          if (!conn.open(&error)) r.lastError = error;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double measuredSeconds = o.duration;

  WorkerResult all;
  for (const WorkerResult& r : results) {
    all.latency.merge(r.latency);
    all.ok += r.ok;
    all.non200 += r.non200;
    all.errors += r.errors;
    all.reconnects += r.reconnects;
    all.unsent += r.unsent;
    for (auto [s, count] : r.statuses) all.statuses[s] += count;
    if (!r.lastError.empty()) all.lastError = r.lastError;
  }
  Json statuses = Json::object();
  for (auto [s, count] : all.statuses) statuses[std::to_string(s)] = count;
  auto ms = [](double ns) { return ns / 1e6; };
  Json out{
      {"mode", o.rate > 0 ? "fixed-rate" : "max-rate"},
      {"targetRate", o.rate},
      {"connections", n},
      {"objects", o.objects},
      {"durationSeconds", measuredSeconds},
      {"warmupSeconds", o.warmup},
      {"requests", all.latency.total()},
      {"ok", all.ok},
      {"non200", all.non200},
      {"errors", all.errors},
      {"reconnects", all.reconnects},
      {"unsent", all.unsent},
      {"statuses", statuses},
      {"throughput", static_cast<double>(all.latency.total()) / measuredSeconds},
      {"latencyP50Ms", ms(all.latency.quantile(0.5))},
      {"latencyP90Ms", ms(all.latency.quantile(0.9))},
      {"latencyP99Ms", ms(all.latency.quantile(0.99))},
      {"latencyP999Ms", ms(all.latency.quantile(0.999))},
      {"latencyMaxMs", ms(static_cast<double>(all.latency.max()))},
      {"loadAverageBefore", loadBefore},
      {"loadAverageAfter", loadAverage()},
      {"measuredWith",
       o.rate > 0 ? "tidal-bench-metrics-load fixed-rate: one blocking keep-alive TLS connection "
                    "per thread, requests on a fixed schedule, latency from the scheduled send "
                    "time to the end of the response (coordinated-omission corrected), "
                    "log-linear histogram (<0.8 % error)"
                  : "tidal-bench-metrics-load max-rate: one blocking keep-alive TLS connection "
                    "per thread, next request when the previous answer is in, latency from send "
                    "to the end of the response"},
  };
  if (!all.lastError.empty()) out["lastError"] = all.lastError;
  std::cout << out.dump() << std::endl;
  SSL_CTX_free(ctx);
  return all.ok > 0 ? 0 : 1;
}
