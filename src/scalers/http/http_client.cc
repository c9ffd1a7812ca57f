#include "scalers/http/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include "scalers/http/tls_material.h"
#include "scalers/http/url.h"

namespace tidal::scalers::http {
namespace {

constexpr size_t kMaxIdleHandles = 4;
constexpr size_t kMaxBodyBytes = 32 << 20;  // a regex page of 500 queues is well under 1 MiB

struct Body {
  std::string data;
  bool truncated = false;
};

size_t appendBody(char* ptr, size_t size, size_t count, void* userdata) {
  auto* body = static_cast<Body*>(userdata);
  const size_t n = size * count;
  if (body->data.size() + n > kMaxBodyBytes) {
    body->truncated = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  body->data.append(ptr, n);
  return n;
}

CURLcode installTlsMaterial(CURL* /*handle*/, void* sslCtx, void* userdata) {
  const auto* tls = static_cast<const HttpTlsOptions*>(userdata);
  return applyTlsMaterial(sslCtx, tls->material).isOk() ? CURLE_OK : CURLE_SSL_CERTPROBLEM;
}

void globalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string HttpTlsOptions::poolKey() const {
  return fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", useTlsMaterial, material.ca, material.cert,
                     material.key, material.keyPassword, verifyPeer);
}

StatusCode codeForHttpStatus(long status) {  // NOLINT(google-runtime-int)
  if (status == 404) return StatusCode::kNotFound;
  if (status == 401) return StatusCode::kUnauthenticated;
  if (status == 403) return StatusCode::kPermissionDenied;
  if (status == 429) return StatusCode::kResourceExhausted;
  if (status >= 500 || status == 408) return StatusCode::kUnavailable;
  return StatusCode::kFailedPrecondition;
}

std::shared_ptr<CurlHttpGetter> sharedGetter(std::string_view url, const HttpTlsOptions& tls) {
  // Connections are per scheme://host:port; a URL that does not parse gets a getter of its own
  // kind anyway (the request will fail with libcurl's message).
  std::string origin = "?";
  if (StatusOr<Url> u = parseUrl(url); u.isOk()) {
    origin = fmt::format("{}://{}", u->scheme, endpointOf(*u));
  }
  return CurlHttpGetter::pool().acquire(origin + "\x1f" + tls.poolKey(),
                                        [&] { return std::make_shared<CurlHttpGetter>(tls); });
}

std::string httpStatusLine(long status) {  // NOLINT(google-runtime-int)
  const char* text = nullptr;
  switch (status) {
    case 200:
      text = "OK";
      break;
    case 301:
      text = "Moved Permanently";
      break;
    case 302:
      text = "Found";
      break;
    case 400:
      text = "Bad Request";
      break;
    case 401:
      text = "Unauthorized";
      break;
    case 403:
      text = "Forbidden";
      break;
    case 404:
      text = "Not Found";
      break;
    case 405:
      text = "Method Not Allowed";
      break;
    case 408:
      text = "Request Timeout";
      break;
    case 429:
      text = "Too Many Requests";
      break;
    case 500:
      text = "Internal Server Error";
      break;
    case 502:
      text = "Bad Gateway";
      break;
    case 503:
      text = "Service Unavailable";
      break;
    case 504:
      text = "Gateway Timeout";
      break;
    default:
      break;
  }
  return text != nullptr ? fmt::format("{} {}", status, text) : std::to_string(status);
}

CurlHttpGetter::CurlHttpGetter(HttpTlsOptions tls) : tls_(std::move(tls)) {
  globalInitOnce();
}

CurlHttpGetter::~CurlHttpGetter() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

SharedPool<CurlHttpGetter>& CurlHttpGetter::pool() {
  static SharedPool<CurlHttpGetter> pool;
  return pool;
}

void* CurlHttpGetter::borrowHandle() {
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

void CurlHttpGetter::returnHandle(void* handle) {
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdleHandles) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

StatusOr<HttpResponse> CurlHttpGetter::get(const HttpRequest& request) {
  auto* h = static_cast<CURL*>(borrowHandle());
  if (h == nullptr) return internalError("libcurl could not create a handle");
  // Reset forgets the previous request's options but keeps the handle's live connection.
  curl_easy_reset(h);
  Body body;
  char error[CURL_ERROR_SIZE] = {0};
  const long timeoutMs =
      static_cast<long>(std::max<int64_t>(request.timeout.count(), 1));  // NOLINT
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeoutMs);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "tidal");
  struct curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    // "Name:" with nothing after it would remove the header; "Name;" sends it empty.
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    headers = curl_slist_append(headers, line.c_str());
  }
  if (headers != nullptr) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  if (request.username) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, request.username->c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, request.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, tls_.verifyPeer ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, tls_.verifyPeer ? 2L : 0L);
  if (tls_.useTlsMaterial) {
    curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, installTlsMaterial);
    curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, const_cast<HttpTlsOptions*>(&tls_));
  }
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;  // NOLINT(google-runtime-int)
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);  // `error` goes out of scope
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);   // so does `headers`
  curl_slist_free_all(headers);
  returnHandle(h);

  if (rc != CURLE_OK) {
    const std::string detail = error[0] != 0 ? std::string(error) : curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        return Status(StatusCode::kDeadlineExceeded,
                      fmt::format("timed out after {} ms: {}", timeoutMs, detail));
      case CURLE_PEER_FAILED_VERIFICATION:
        return failedPrecondition(fmt::format("TLS verification of the server failed: {}", detail));
      case CURLE_SSL_CERTPROBLEM:
        return invalidArgument(fmt::format("the TLS client certificate is unusable: {}", detail));
      case CURLE_WRITE_ERROR:
        if (body.truncated) {
          return unavailable(fmt::format("the response is larger than {} bytes", kMaxBodyBytes));
        }
        [[fallthrough]];
      default:
        return unavailable(detail);
    }
  }
  return HttpResponse{status, std::move(body.data)};
}

}  // namespace tidal::scalers::http
