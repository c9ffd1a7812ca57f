// URL handling shared by the scalers that take a server URL (rabbitmq's `host`, metrics-api's
// `url`, prometheus' `serverAddress`): splitting an amqp(s):// or http(s):// URL into its parts,
// Go's query escaping (KEDA builds metric names, API paths and query strings with it), and
// printing an endpoint without its credentials.
//
// The parser is deliberately small: it accepts what Go's net/url accepts for these schemes
// (scheme "://" [userinfo "@"] host [":" port] [path] ["?" query] ["#" fragment]) and keeps the
// path exactly as written, because the management API's vhost segment is taken from the raw,
// still-escaped path. No function here ever puts a URL's userinfo into an error message.
//
// Example:
//   auto url = parseUrl("amqp://user:secret@rabbit:5672/%2F");
//   url->host == "rabbit"; url->port == 5672; url->rawPath == "/%2F"; url->password == "secret"
//   endpointOf(*url) == "rabbit:5672"
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace tidal::scalers::http {

struct Url {
  std::string scheme;  // lower-cased, e.g. "amqps"
  bool hasUserInfo = false;
  std::string username;                 // percent-decoded
  std::optional<std::string> password;  // percent-decoded; nullopt when the URL has no ':' in it
  std::string host;                     // as written; IPv6 literals keep their brackets
  std::optional<int> port;              // nullopt when the URL names none
  std::string rawPath;                  // as written (still escaped), "" or starting with '/'
  std::string rawQuery;                 // without the '?'
};

// The scheme of `text` as Go's url.Parse sees it: the lower-cased letters before the first ':'
// when they form a valid scheme, else "" (a relative reference). A ':' in first position fails
// ("missing protocol scheme").
StatusOr<std::string> urlScheme(std::string_view text);

// Splits an absolute URL with an authority ("scheme://..."). Errors (kInvalidArgument) describe
// the problem without quoting the URL, which may hold a password.
StatusOr<Url> parseUrl(std::string_view text);

// "host:port" of a URL, with the scheme's default port (amqp 5672, amqps 5671, http 80, https
// 443) when it names none. Never contains credentials.
std::string endpointOf(const Url& url);

// The port `url` connects to (its own, or the scheme default as in endpointOf).
int effectivePort(const Url& url);

// Go's url.QueryEscape: unreserved bytes (A-Z a-z 0-9 - _ . ~) stay, a space becomes '+', every
// other byte becomes %XX with upper-case hex.
std::string queryEscape(std::string_view text);

// Decodes %XX escapes (and, with `plusIsSpace`, '+' as a space). Fails on a malformed escape.
StatusOr<std::string> percentDecode(std::string_view text, bool plusIsSpace = false);

// The URL without userinfo, query and fragment ("amqp://rabbit:5672/vh"), or "(unparseable URL)":
// what describe() and messages may show of a `host`.
std::string redactUrl(std::string_view text);

// `text` with the userinfo of every "scheme://user:pass@" removed, for messages and describe().
std::string withoutUserInfo(std::string_view text);

}  // namespace tidal::scalers::http
