#include "cli/redactor.h"

#include "scalers/http/url.h"

namespace tidal::cli {

void Redactor::addSecret(std::string_view value) {
  if (value.size() < 3) return;
  secrets_.emplace(value);
}

void Redactor::addUrlCredentials(std::string_view value) {
  auto url = scalers::http::parseUrl(value);
  if (!url.isOk() || !url->hasUserInfo || !url->password) return;
  addSecret(*url->password);
  // The raw form as written in the URL, in case a message quotes the URL undecoded.
  const size_t schemeEnd = value.find("://");
  const size_t at = value.find('@', schemeEnd == std::string_view::npos ? 0 : schemeEnd + 3);
  if (schemeEnd != std::string_view::npos && at != std::string_view::npos) {
    std::string_view userinfo = value.substr(schemeEnd + 3, at - schemeEnd - 3);
    const size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos) addSecret(userinfo.substr(colon + 1));
  }
}

std::string Redactor::apply(std::string_view text) const {
  std::string out(text);
  for (const std::string& secret : secrets_) {
    for (size_t at = out.find(secret); at != std::string::npos;
         at = out.find(secret, at + kMask.size())) {
      out.replace(at, secret.size(), kMask);
    }
  }
  return scalers::http::withoutUserInfo(out);
}

}  // namespace tidal::cli
