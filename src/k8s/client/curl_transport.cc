#include "k8s/client/curl_transport.h"

#include <algorithm>
#include <cctype>
#include <mutex>

#include <curl/curl.h>

namespace tidal::k8s {

std::string HttpResponse::header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

struct CurlTransport::Handle {
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
  std::chrono::steady_clock::time_point releasedAt;
  ~Handle() {
    if (multi != nullptr) curl_multi_cleanup(multi);
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

namespace {

std::once_flag globalInit;

// The state of one transfer, seen by the callbacks.
struct Transfer {
  CURL* easy = nullptr;
  HttpResponse* response = nullptr;
  const BodyChunkFn* onChunk = nullptr;  // null: collect the body
  bool stoppedByCallback = false;
};

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after a 100 Continue, say): earlier headers belong to another response.
    t->response->headers.clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  t->response->headers[name] = std::string(value);
  return size * count;
}

size_t onBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->onChunk != nullptr) {
    long code = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code >= 200 && code < 300) {
      if (!(*t->onChunk)(std::string_view(data, n))) {
        t->stoppedByCallback = true;
        return 0;  // makes curl abort the transfer with CURLE_WRITE_ERROR
      }
      return n;
    }
  }
  t->response->body.append(data, n);
  return n;
}

void lockShare(CURL*, curl_lock_data data, curl_lock_access, void* user) {
  auto* locks = static_cast<std::array<std::mutex, 8>*>(user);
  (*locks)[static_cast<size_t>(data) % locks->size()].lock();
}

void unlockShare(CURL*, curl_lock_data data, void* user) {
  auto* locks = static_cast<std::array<std::mutex, 8>*>(user);
  (*locks)[static_cast<size_t>(data) % locks->size()].unlock();
}

void setBlob(CURL* easy, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(easy, option, &blob);
}

Status statusFromCurl(CURLcode code, const char* detail, const HttpRequest& request) {
  std::string what = request.method + " " + request.url + ": " +
                     (detail != nullptr && *detail != '\0' ? detail : curl_easy_strerror(code));
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return unavailable(std::string(kNotSentPrefix) + what);
    case CURLE_OPERATION_TIMEDOUT:
      return Status(StatusCode::kDeadlineExceeded, what);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      return invalidArgument(what);
    case CURLE_PEER_FAILED_VERIFICATION:
      // A wrong CA or server name does not fix itself by retrying.
      return failedPrecondition(what);
    default:
      return unavailable(what);
  }
}

}  // namespace

CurlTransport::CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {}

StatusOr<std::unique_ptr<CurlTransport>> CurlTransport::create(CurlTransportOptions options) {
  if (options.tls.clientCertPem.empty() != options.tls.clientKeyPem.empty()) {
    return invalidArgument("TLS: a client certificate needs its key, and a key its certificate");
  }
  CURLcode initResult = CURLE_OK;
  std::call_once(globalInit, [&] { initResult = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (initResult != CURLE_OK) {
    return internalError(std::string("curl_global_init: ") + curl_easy_strerror(initResult));
  }
  std::unique_ptr<CurlTransport> transport(new CurlTransport(std::move(options)));
  transport->share_ = curl_share_init();
  if (transport->share_ == nullptr) return internalError("curl_share_init failed");
  curl_share_setopt(transport->share_, CURLSHOPT_LOCKFUNC, lockShare);
  curl_share_setopt(transport->share_, CURLSHOPT_UNLOCKFUNC, unlockShare);
  curl_share_setopt(transport->share_, CURLSHOPT_USERDATA, &transport->shareLocks_);
  curl_share_setopt(transport->share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(transport->share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(transport->share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  return transport;
}

CurlTransport::~CurlTransport() {
  idle_.clear();  // easy handles must go before the share handle they use
  if (share_ != nullptr) curl_share_cleanup(share_);
}

long CurlTransport::connectionsOpened() const {
  std::lock_guard lock(poolMu_);
  return connections_;
}

std::unique_ptr<CurlTransport::Handle> CurlTransport::acquire() {
  {
    std::lock_guard lock(poolMu_);
    if (!idle_.empty()) {
      std::unique_ptr<Handle> h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  auto h = std::make_unique<Handle>();
  h->easy = curl_easy_init();
  h->multi = curl_multi_init();
  if (h->easy == nullptr || h->multi == nullptr) return nullptr;
  // The shared connection cache is pruned to this multi handle's limit, which defaults to four
  // per easy handle it holds (here: one). Counting connections in use, that closed nearly every
  // connection under concurrency; keep as many as we keep idle handles, plus headroom.
  curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options_.maxIdleHandles * 2));
  return h;
}

size_t CurlTransport::idleHandles() const {
  std::lock_guard lock(poolMu_);
  return idle_.size();
}

void CurlTransport::release(std::unique_ptr<Handle> handle) {
  std::vector<std::unique_ptr<Handle>> expired;  // closed after the lock is released
  {
    std::lock_guard lock(poolMu_);
    const auto now = std::chrono::steady_clock::now();
    handle->releasedAt = now;
    if (idle_.size() < options_.maxIdleHandles) idle_.push_back(std::move(handle));
    // The pool is a stack, so the handles at its bottom are those a past burst left unused.
    auto kept = std::find_if(idle_.begin(), idle_.end(), [&](const std::unique_ptr<Handle>& h) {
      return now - h->releasedAt < options_.idleTtl;
    });
    expired.assign(std::make_move_iterator(idle_.begin()), std::make_move_iterator(kept));
    idle_.erase(idle_.begin(), kept);
  }
}

StatusOr<HttpResponse> CurlTransport::send(const HttpRequest& request,
                                           const std::stop_token& stop) {
  return perform(request, nullptr, stop);
}

StatusOr<HttpResponse> CurlTransport::stream(const HttpRequest& request, const BodyChunkFn& onChunk,
                                             const std::stop_token& stop) {
  return perform(request, &onChunk, stop);
}

StatusOr<HttpResponse> CurlTransport::perform(const HttpRequest& request,
                                              const BodyChunkFn* onChunk,
                                              const std::stop_token& stop) {
  if (stop.stop_requested()) return Status(StatusCode::kCancelled, "request cancelled");
  std::unique_ptr<Handle> handle = acquire();
  if (handle == nullptr) return internalError("curl_easy_init failed");
  CURL* easy = handle->easy;
  curl_easy_reset(easy);

  HttpResponse response;
  Transfer transfer{easy, &response, onChunk, false};
  char errorBuffer[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(easy, CURLOPT_SHARE, share_);
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errorBuffer);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.userAgent.c_str());
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connectTimeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  if (request.idleTimeout.count() > 0) {
    // curl counts whole seconds: abort when under 1 byte/s for that long.
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>(request.idleTimeout.count() / 1000)));
  }
  // A kept-alive connection idle longer than this is closed instead of reused (curl's default is
  // 118 s); the next request to look for one in the shared cache prunes them all.
  curl_easy_setopt(easy, CURLOPT_MAXAGE_CONN, static_cast<long>(options_.idleTtl.count()));
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 10L);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);

  const TlsConfig& tls = options_.tls;
  if (!tls.caPem.empty()) setBlob(easy, CURLOPT_CAINFO_BLOB, tls.caPem);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, tls.insecureSkipVerify ? 0L : 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, tls.insecureSkipVerify ? 0L : 2L);
  if (!tls.clientCertPem.empty()) {
    setBlob(easy, CURLOPT_SSLCERT_BLOB, tls.clientCertPem);
    curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
    setBlob(easy, CURLOPT_SSLKEY_BLOB, tls.clientKeyPem);
    curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
  }

  if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!request.body.empty() || request.method == "POST") {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip for big bodies
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);

  CURLM* multi = handle->multi;
  curl_multi_add_handle(multi, easy);
  bool cancelled = false;
  {
    std::stop_callback wake(stop, [multi] { curl_multi_wakeup(multi); });
    int running = 1;
    while (true) {
      CURLMcode mc = curl_multi_perform(multi, &running);
      if (mc != CURLM_OK || running == 0) break;
      if (stop.stop_requested()) {
        cancelled = true;
        break;
      }
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
      if (stop.stop_requested()) {
        cancelled = true;
        break;
      }
    }
  }
  CURLcode result = CURLE_OK;
  if (!cancelled) {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) result = msg->data.result;
    }
  }
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  long newConnections = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &newConnections);
  curl_multi_remove_handle(multi, easy);
  curl_slist_free_all(headers);
  {
    std::lock_guard lock(poolMu_);
    connections_ += newConnections;
  }
  release(std::move(handle));

  if (cancelled)
    return Status(StatusCode::kCancelled, request.method + " " + request.url + ": cancelled");
  if (result == CURLE_WRITE_ERROR && transfer.stoppedByCallback) {
    response.status = static_cast<int>(status);
    return response;
  }
  if (result != CURLE_OK) return statusFromCurl(result, errorBuffer, request);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace tidal::k8s
