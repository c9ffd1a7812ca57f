#include "metrics_server/external_metrics_api.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "k8s/cache/label_selector.h"
#include "k8s/types/object.h"
#include "observability/logger.h"

namespace tidal::metrics_server {
namespace {

// Kubernetes clients do not care about key order, but people reading captures and tests
// comparing with KEDA's answers do: keep the order in which fields are written.
using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kJson = "application/json";
const std::string kGroupVersion = fmt::format("{}/{}", kGroup, kVersion);
const std::string kApisPrefix = fmt::format("/apis/{}", kGroup);
const std::string kVersionPath = fmt::format("/apis/{}/{}", kGroup, kVersion);

std::string_view reasonFor(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 429:
      return "TooManyRequests";
    case 503:
      return "ServiceUnavailable";
    default:
      return "InternalError";
  }
}

net::Response failure(int code, std::string_view message) {
  OrderedJson body = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", OrderedJson::object()},
      {"status", "Failure"}, {"message", message}, {"reason", reasonFor(code)},
      {"code", code}};
  return net::Response{.status = code, .contentType = std::string(kJson), .body = body.dump()};
}

// `text` as a JSON string literal (invalid UTF-8 becomes U+FFFD).
void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  obs::appendJsonEscaped(out, text);
  out += '"';
}

net::Response jsonResponse(std::string body) {
  return net::Response{.status = 200, .contentType = std::string(kJson), .body = std::move(body)};
}

OrderedJson groupJson() {
  OrderedJson version = {{"groupVersion", kGroupVersion}, {"version", kVersion}};
  return {
      {"name", kGroup}, {"versions", OrderedJson::array({version})}, {"preferredVersion", version}};
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes one path segment ("+" stays "+", unlike in a query).
std::optional<std::string> decodeSegment(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '%') {
      out.push_back(segment[i]);
      continue;
    }
    if (i + 2 >= segment.size() || hexValue(segment[i + 1]) < 0 || hexValue(segment[i + 2]) < 0) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(hexValue(segment[i + 1]) * 16 + hexValue(segment[i + 2])));
    i += 2;
  }
  return out;
}

bool isProbe(std::string_view path) {
  return path == "/healthz" || path == "/readyz" || path == "/livez";
}

}  // namespace

bool sameMetricName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

int httpCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

net::Response statusResponse(const Status& status) {
  return failure(httpCodeFor(status.code()), status.message());
}

ExternalMetricsApi::ExternalMetricsApi(ExternalMetricsProvider& provider, ApiOptions options,
                                       const Clock& clock, k8s::Logger& logger)
    : provider_(provider), options_(std::move(options)), clock_(clock), logger_(logger) {
  // The trust lives in auth_ from here on (updateAuth replaces it), not in options_.
  if (options_.auth) {
    auth_ = std::make_shared<const RequestHeaderAuthConfig>(std::move(*options_.auth));
    options_.auth.reset();
  }
  OrderedJson resources = OrderedJson::array();
  for (const std::string& name : options_.discoveryResources) {
    resources.push_back({{"name", name},
                         {"singularName", ""},
                         {"namespaced", true},
                         {"kind", "ExternalMetricValueList"},
                         {"verbs", {"get"}}});
  }
  apiResourceList_ = OrderedJson{
      {"kind", "APIResourceList"},
      {"apiVersion", "v1"},
      {"groupVersion", kGroupVersion},
      {"resources",
       resources}}.dump();
  OrderedJson group = groupJson();
  apiGroupList_ =
      OrderedJson{
          {"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", OrderedJson::array({group})}}
          .dump();
  OrderedJson typedGroup = {{"kind", "APIGroup"}, {"apiVersion", "v1"}};
  for (auto& [key, value] : group.items()) typedGroup[key] = value;
  apiGroup_ = typedGroup.dump();
}

std::shared_ptr<const RequestHeaderAuthConfig> ExternalMetricsApi::currentAuth() const {
  std::lock_guard lock(authMutex_);
  return auth_;
}

Status ExternalMetricsApi::updateAuth(RequestHeaderAuthConfig auth) {
  std::lock_guard lock(authMutex_);
  if (!auth_) {
    return Status(StatusCode::kFailedPrecondition,
                  "the metrics API runs without front-proxy authentication; it cannot be turned "
                  "on while running");
  }
  auth_ = std::make_shared<const RequestHeaderAuthConfig>(std::move(auth));
  return Status::ok();
}

std::variant<net::Response, MetricQuery> ExternalMetricsApi::route(
    const net::Request& request) const {
  std::string_view path = request.path;
  if (isProbe(path)) {
    if (request.method != "GET") {
      return failure(405, fmt::format("method {} is not allowed on {}", request.method, path));
    }
    return net::Response{.status = 200, .body = "ok"};
  }
  if (std::shared_ptr<const RequestHeaderAuthConfig> auth = currentAuth()) {
    StatusOr<Caller> caller = authenticateProxy(request, *auth);
    if (!caller.isOk()) {
      logger_.log(k8s::LogLevel::kDebug, "metrics-server", "request rejected",
                  {{"path", std::string(path)},
                   {"remote", std::string(request.remoteAddress)},
                   {"error", caller.status().message()}});
      return statusResponse(caller.status());
    }
    logger_.log(k8s::LogLevel::kDebug, "metrics-server", "request",
                {{"path", std::string(path)}, {"user", caller->user}});
  }
  if (request.method != "GET") {
    net::Response response =
        failure(405, fmt::format("method {} is not allowed: the external metrics API is read-only",
                                 request.method));
    response.headers.emplace_back("Allow", "GET");
    return response;
  }
  if (path == "/apis") return jsonResponse(apiGroupList_);
  if (path == kApisPrefix) return jsonResponse(apiGroup_);
  if (path == kVersionPath) return jsonResponse(apiResourceList_);

  // /apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metricName}
  std::string_view rest = path;
  if (!startsWith(rest, kVersionPath) || !startsWith(rest.substr(kVersionPath.size()), "/")) {
    return failure(404, fmt::format("the server could not find the requested resource {}", path));
  }
  rest.remove_prefix(kVersionPath.size() + 1);
  std::vector<std::string> segments = split(rest, '/', /*trimParts=*/false);
  if (segments.size() != 3 || segments[0] != "namespaces" || segments[1].empty() ||
      segments[2].empty()) {
    return failure(404, fmt::format("the server could not find the requested resource {}: expected "
                                    "{}/namespaces/<namespace>/<metric name>",
                                    path, kVersionPath));
  }
  std::optional<std::string> ns = decodeSegment(segments[1]);
  std::optional<std::string> metric = decodeSegment(segments[2]);
  if (!ns || !metric) return failure(400, fmt::format("malformed escape in path {}", path));

  std::string_view selectorText = request.queryParam("labelSelector").value_or("");
  StatusOr<k8s::LabelSelector> selector = k8s::LabelSelector::parse(selectorText);
  if (!selector.isOk()) {
    return failure(400, fmt::format("invalid labelSelector \"{}\": {}", selectorText,
                                    selector.status().message()));
  }
  MetricQuery query{.ns = std::move(*ns), .metricName = std::move(*metric)};
  for (const auto& requirement : selector->requirements()) {
    if (requirement.key == kScaledObjectLabel &&
        requirement.op == k8s::LabelSelector::Op::kEquals && requirement.values.size() == 1) {
      query.scaledObject = requirement.values[0];
    }
  }
  if (query.scaledObject.empty()) return failure(400, "scaledObject name is not specified");
  return query;
}

net::Response ExternalMetricsApi::answer(const MetricQuery& query,
                                         const std::stop_token& stop) const {
  return render(query, provider_.getMetrics(query.ns, query.scaledObject, query.metricName, stop));
}

std::optional<net::Response> ExternalMetricsApi::answerNow(const MetricQuery& query) const {
  std::optional<StatusOr<std::vector<ExternalMetricValue>>> values =
      provider_.getMetricsNow(query.ns, query.scaledObject, query.metricName);
  if (!values) return std::nullopt;
  return render(query, *values);
}

net::Response ExternalMetricsApi::render(
    const MetricQuery& query, const StatusOr<std::vector<ExternalMetricValue>>& values) const {
  if (!values.isOk()) {
    logger_.log(k8s::LogLevel::kDebug, "metrics-server", "metric query failed",
                {{"scaledObject", query.ns + "/" + query.scaledObject},
                 {"metric", query.metricName},
                 {"error", values.status().toString()}});
    return statusResponse(values.status());
  }
  // Written directly rather than through a JSON tree: this is the answer to every HPA sync, and
  // building and dumping the tree was four fifths of a request's instructions (bench/callgrind,
  // BM_MetricsApiHandle).
  std::string body;
  body.reserve(160 + 140 * values->size());
  body += R"({"kind":"ExternalMetricValueList","apiVersion":")";
  body += kGroupVersion;
  body += R"(","metadata":{},"items":[)";
  bool first = true;
  for (const ExternalMetricValue& value : *values) {
    auto when =
        value.timestamp == std::chrono::system_clock::time_point{} ? clock_.now() : value.timestamp;
    if (!first) body += ',';
    first = false;
    body += R"({"metricName":)";
    appendJsonString(body, value.metricName);
    body += R"(,"metricLabels":)";
    if (value.metricLabels.empty()) {
      body += "null";
    } else {
      body += '{';
      bool firstLabel = true;
      for (const auto& [k, v] : value.metricLabels) {
        if (!firstLabel) body += ',';
        firstLabel = false;
        appendJsonString(body, k);
        body += ':';
        appendJsonString(body, v);
      }
      body += '}';
    }
    body += R"(,"timestamp":)";
    appendJsonString(body, k8s::formatTime(when));
    if (value.windowSeconds)
      fmt::format_to(std::back_inserter(body), R"(,"window":{})", *value.windowSeconds);
    body += R"(,"value":)";
    appendJsonString(body, value.value.toString());
    body += '}';
  }
  body += "]}";
  return jsonResponse(std::move(body));
}

net::Response ExternalMetricsApi::handle(const net::Request& request,
                                         const std::stop_token& stop) const {
  auto routed = route(request);
  if (auto* response = std::get_if<net::Response>(&routed)) return std::move(*response);
  return answer(std::get<MetricQuery>(routed), stop);
}

}  // namespace tidal::metrics_server
