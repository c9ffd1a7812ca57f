#include "scalers/etcd/etcd_transport.h"

#include <algorithm>

#include <curl/curl.h>
#include <fmt/format.h>

#include "scalers/http/tls_material.h"
#include "scalers/shared_pool.h"

namespace tidal::scalers::etcd {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxIdleHandles = 4;
constexpr size_t kMaxBodyBytes = 4 << 20;  // one key's range answer; values are small numbers
constexpr size_t kMaxErrorBody = 4096;
constexpr int kPollSliceMs = 100;

struct Body {
  std::string data;
  bool truncated = false;
};

size_t appendBody(char* ptr, size_t size, size_t count, void* userdata) {
  auto* body = static_cast<Body*>(userdata);
  const size_t n = size * count;
  if (body->data.size() + n > kMaxBodyBytes) {
    body->truncated = true;
    return 0;  // libcurl stops with CURLE_WRITE_ERROR
  }
  body->data.append(ptr, n);
  return n;
}

CURLcode installTlsMaterial(CURL* /*handle*/, void* sslCtx, void* userdata) {
  const auto* tls = static_cast<const http::HttpTlsOptions*>(userdata);
  return http::applyTlsMaterial(sslCtx, tls->material).isOk() ? CURLE_OK : CURLE_SSL_CERTPROBLEM;
}

void globalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

long clampMs(std::chrono::milliseconds d) {  // NOLINT(google-runtime-int): libcurl's type
  return static_cast<long>(std::max<int64_t>(d.count(), 1));  // NOLINT(google-runtime-int)
}

// The options every etcd request shares. `headers` must outlive the request.
void setCommon(CURL* h, const EtcdRequest& request, const http::HttpTlsOptions& tls,
               curl_slist* headers, char* error) {
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));  // NOLINT
  curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, request.body.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, clampMs(request.timeout));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "tidal");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, tls.verifyPeer ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, tls.verifyPeer ? 2L : 0L);
  if (tls.useTlsMaterial) {
    curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, installTlsMaterial);
    curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, const_cast<http::HttpTlsOptions*>(&tls));
  }
}

curl_slist* headerList(const EtcdRequest& request) {
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  return headers;
}

Status transportError(CURLcode rc, const char* error, std::chrono::milliseconds timeout) {
  const std::string detail = error[0] != 0 ? std::string(error) : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status(StatusCode::kDeadlineExceeded,
                    fmt::format("timed out after {} ms: {}", timeout.count(), detail));
    case CURLE_PEER_FAILED_VERIFICATION:
      return failedPrecondition(fmt::format("TLS verification of the server failed: {}", detail));
    case CURLE_SSL_CERTPROBLEM:
      return invalidArgument(fmt::format("the TLS client certificate is unusable: {}", detail));
    default:
      return unavailable(detail);
  }
}

// What a stream's write callback needs.
struct StreamState {
  CURL* handle = nullptr;
  const std::function<void(std::string_view)>* onData = nullptr;
  Clock::time_point lastData;
  std::string errorBody;  // the answer when the status is not 200
};

size_t streamWrite(char* ptr, size_t size, size_t count, void* userdata) {
  auto* st = static_cast<StreamState*>(userdata);
  const size_t n = size * count;
  long status = 0;  // NOLINT(google-runtime-int)
  curl_easy_getinfo(st->handle, CURLINFO_RESPONSE_CODE, &status);
  st->lastData = Clock::now();
  if (status != 200) {
    if (st->errorBody.size() < kMaxErrorBody) st->errorBody.append(ptr, n);
    return n;
  }
  (*st->onData)(std::string_view(ptr, n));
  return n;
}

}  // namespace

CurlEtcdTransport::CurlEtcdTransport(http::HttpTlsOptions tls) : tls_(std::move(tls)) {
  globalInitOnce();
}

CurlEtcdTransport::~CurlEtcdTransport() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* CurlEtcdTransport::borrowHandle() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void CurlEtcdTransport::returnHandle(void* handle) {
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

StatusOr<http::HttpResponse> CurlEtcdTransport::post(const EtcdRequest& request) {
  auto* h = static_cast<CURL*>(borrowHandle());
  if (h == nullptr) return internalError("libcurl could not create a handle");
  curl_easy_reset(h);  // forgets the last request's options, keeps the connection
  Body body;
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = headerList(request);
  setCommon(h, request, tls_, headers, error);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, clampMs(request.timeout));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;  // NOLINT(google-runtime-int)
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  returnHandle(h);
  if (rc != CURLE_OK) {
    if (rc == CURLE_WRITE_ERROR && body.truncated) {
      return unavailable(fmt::format("the response is larger than {} bytes", kMaxBodyBytes));
    }
    return transportError(rc, error, request.timeout);
  }
  return http::HttpResponse{status, std::move(body.data)};
}

Status CurlEtcdTransport::stream(const EtcdRequest& request,
                                 const std::function<void(std::string_view)>& onData,
                                 const std::function<bool()>& stop,
                                 std::chrono::milliseconds idleTimeout) {
  CURL* h = curl_easy_init();
  CURLM* multi = curl_multi_init();
  if (h == nullptr || multi == nullptr) {
    if (h != nullptr) curl_easy_cleanup(h);
    if (multi != nullptr) curl_multi_cleanup(multi);
    return internalError("libcurl could not create a handle");
  }
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = headerList(request);
  setCommon(h, request, tls_, headers, error);
  StreamState state{h, &onData, Clock::now(), {}};
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, streamWrite);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_multi_add_handle(multi, h);

  Status result = Status::ok();
  for (;;) {
    int running = 0;
    if (curl_multi_perform(multi, &running) != CURLM_OK) {
      result = internalError("libcurl's multi interface failed");
      break;
    }
    if (running == 0) {
      int left = 0;
      CURLcode rc = CURLE_OK;
      while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
        if (msg->msg == CURLMSG_DONE) rc = msg->data.result;
      }
      long status = 0;  // NOLINT(google-runtime-int)
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      if (rc != CURLE_OK) {
        result = transportError(rc, error, request.timeout);
      } else if (status != 200) {
        result = Status(http::codeForHttpStatus(status),
                        fmt::format("HTTP {}: {}", http::httpStatusLine(status),
                                    state.errorBody.substr(0, 200)));
      } else {
        result = unavailable("the server ended the watch");
      }
      break;
    }
    if (stop()) break;
    if (Clock::now() - state.lastData > idleTimeout) {
      result = Status(StatusCode::kDeadlineExceeded,
                      fmt::format("the watch was silent for {} ms", idleTimeout.count()));
      break;
    }
    curl_multi_poll(multi, nullptr, 0, kPollSliceMs, nullptr);
  }
  curl_multi_remove_handle(multi, h);
  curl_easy_cleanup(h);
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);
  return result;
}

std::shared_ptr<EtcdTransport> sharedEtcdTransport(const std::string& poolKey,
                                                   const http::HttpTlsOptions& tls) {
  static SharedPool<CurlEtcdTransport> pool;
  return pool.acquire(poolKey + "\x1f" + tls.poolKey(),
                      [&] { return std::make_shared<CurlEtcdTransport>(tls); });
}

}  // namespace tidal::scalers::etcd
