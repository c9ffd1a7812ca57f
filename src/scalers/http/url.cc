#include "scalers/http/url.h"

#include <cctype>

#include <fmt/format.h>

#include "common/strings.h"

namespace tidal::scalers::http {
namespace {

bool isSchemeChar(char c, bool first) {
  if (std::isalpha(static_cast<unsigned char>(c))) return true;
  if (first) return false;
  return std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

StatusOr<std::string> urlScheme(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ':') {
      if (i == 0) return invalidArgument("missing protocol scheme");
      return toLower(text.substr(0, i));
    }
    if (!isSchemeChar(c, i == 0)) return std::string();  // a relative reference: no scheme
  }
  return std::string();
}

StatusOr<std::string> percentDecode(std::string_view text, bool plusIsSpace) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return invalidArgument("malformed percent escape");
      const int hi = hexValue(text[i + 1]);
      const int lo = hexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return invalidArgument("malformed percent escape");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

StatusOr<Url> parseUrl(std::string_view text) {
  Url url;
  TIDAL_ASSIGN_OR_RETURN(url.scheme, urlScheme(text));
  if (url.scheme.empty()) return invalidArgument("the URL has no scheme (expected scheme://host)");
  std::string_view rest = text.substr(url.scheme.size() + 1);
  if (!startsWith(rest, "//")) {
    return invalidArgument(
        fmt::format("the {} URL has no host (expected {}://host)", url.scheme, url.scheme));
  }
  rest.remove_prefix(2);
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    url.rawQuery = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.rawPath = std::string(rest.substr(slash));

  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    url.hasUserInfo = true;
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    auto user = percentDecode(userinfo.substr(0, colon));
    if (!user.isOk()) return invalidArgument("the URL's user name has a malformed percent escape");
    url.username = *std::move(user);
    if (colon != std::string_view::npos) {
      auto pass = percentDecode(userinfo.substr(colon + 1));
      if (!pass.isOk()) return invalidArgument("the URL's password has a malformed percent escape");
      url.password = *std::move(pass);
    }
  }

  std::string_view portText;
  if (startsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalidArgument("missing ']' in the URL's host");
    url.host = std::string(authority.substr(0, close + 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalidArgument("unexpected text after the URL's host");
      portText = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) portText = authority.substr(colon + 1);
  }
  if (!portText.empty()) {
    auto port = parseGoInt(portText);
    if (!port || portText.front() == '+' || portText.front() == '-' || *port > 65535) {
      // The text is not quoted: in a malformed URL it may be part of a password.
      return invalidArgument("invalid port after host (expected a number up to 65535)");
    }
    url.port = static_cast<int>(*port);
  }
  if (url.host.empty()) {
    return invalidArgument(
        fmt::format("the {} URL has no host (expected {}://host)", url.scheme, url.scheme));
  }
  return url;
}

int effectivePort(const Url& url) {
  if (url.port) return *url.port;
  if (url.scheme == "amqps") return 5671;
  if (url.scheme == "https") return 443;
  if (url.scheme == "http") return 80;
  return 5672;
}

std::string endpointOf(const Url& url) {
  return fmt::format("{}:{}", url.host, effectivePort(url));
}

std::string queryEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    }
  }
  return out;
}

std::string redactUrl(std::string_view text) {
  StatusOr<Url> url = parseUrl(text);
  if (!url.isOk()) return "(unparseable URL)";
  return fmt::format("{}://{}{}{}", url->scheme, url->host,
                     url->port ? fmt::format(":{}", *url->port) : std::string(), url->rawPath);
}

std::string withoutUserInfo(std::string_view text) {
  // Any "token@" whose token holds a ':' is treated as "user:password@" and dropped, where a token
  // starts after a space, a slash, a quote or the beginning of the text (KEDA masks the same
  // shape with a regular expression).
  std::string out;
  size_t copied = 0;
  for (size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    size_t start = at;
    while (start > copied && text[start - 1] != ' ' && text[start - 1] != '/' &&
           text[start - 1] != '"' && text[start - 1] != '\'') {
      --start;
    }
    const std::string_view token = text.substr(start, at - start);
    if (token.find(':') == std::string_view::npos) continue;
    out.append(text.substr(copied, start - copied));
    copied = at + 1;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace tidal::scalers::http
