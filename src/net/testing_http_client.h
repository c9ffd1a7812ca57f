// Test-only: a minimal libcurl client for real-socket tests of tidal's HTTP servers, and a
// temporary directory of generated certificates. Header-only so that test binaries of several
// libraries can share it without a library of its own; never used by production code.
//
// Example:
//   TestClient client;  // one curl handle: consecutive requests reuse the connection
//   TestReply r = client.get(fmt::format("http://127.0.0.1:{}/healthz", port));
//   EXPECT_EQ(r.status, 200);
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <curl/curl.h>
#include <stdlib.h>

namespace tidal::net::testing {

struct TestReply {
  CURLcode code = CURLE_OK;
  long status = 0;  // NOLINT(google-runtime-int): curl's type
  std::string body;
  std::string error;
  long newConnections = 0;  // NOLINT(google-runtime-int): 0 when an open connection was reused
  long httpVersion = 0;     // NOLINT(google-runtime-int): CURL_HTTP_VERSION_*
};

struct TestTls {
  std::string caFile;    // trust this CA for the server
  std::string certFile;  // client certificate (optional)
  std::string keyFile;
  long sslVersion = CURL_SSLVERSION_DEFAULT;  // NOLINT(google-runtime-int)
  bool allowHttp2 = false;
};

class TestClient {
 public:
  TestClient() : curl_(curl_easy_init()) {}
  ~TestClient() { curl_easy_cleanup(curl_); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  TestReply get(const std::string& url, const TestTls& tls = {},
                const std::vector<std::string>& headers = {}) {
    return perform("GET", url, "", tls, headers);
  }
  TestReply perform(const std::string& method, const std::string& url, const std::string& body,
                    const TestTls& tls = {}, const std::vector<std::string>& headers = {}) {
    TestReply reply;
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl_, CURLOPT_HTTP_VERSION,
                     tls.allowHttp2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
    if (method == "POST" || !body.empty()) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method == "GET" ? nullptr : method.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_CAINFO, tls.caFile.empty() ? nullptr : tls.caFile.c_str());
    curl_easy_setopt(curl_, CURLOPT_SSLCERT, tls.certFile.empty() ? nullptr : tls.certFile.c_str());
    curl_easy_setopt(curl_, CURLOPT_SSLKEY, tls.keyFile.empty() ? nullptr : tls.keyFile.c_str());
    curl_easy_setopt(curl_, CURLOPT_SSLVERSION, tls.sslVersion);
    curl_slist* list = nullptr;
    for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &TestClient::write);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
    reply.code = curl_easy_perform(curl_);
    curl_slist_free_all(list);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    reply.error = error;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &reply.newConnections);
    curl_easy_getinfo(curl_, CURLINFO_HTTP_VERSION, &reply.httpVersion);
    return reply;
  }

 private:
  static size_t write(char* data, size_t size, size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
  }
  CURL* curl_;
};

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tidal-net-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tidal::net::testing
