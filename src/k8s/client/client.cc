#include "k8s/client/client.h"

#include "common/strings.h"

namespace tidal::k8s {
namespace {

std::string stringAt(const Json& object, const char* a, const char* b) {
  auto outer = object.find(a);
  if (outer == object.end() || !outer->is_object()) return "";
  auto inner = outer->find(b);
  return inner != outer->end() && inner->is_string() ? inner->get<std::string>() : "";
}

void addIfSet(QueryParams& query, const char* key, const std::string& value) {
  if (!value.empty()) query.emplace_back(key, value);
}

StatusOr<ObjectList> parseList(const Json& json, const std::string& what) {
  if (!json.is_object()) return internalError(what + ": the answer is not a JSON object");
  ObjectList list;
  list.apiVersion = json.value("apiVersion", "");
  list.kind = json.value("kind", "");
  list.resourceVersion = stringAt(json, "metadata", "resourceVersion");
  list.continueToken = stringAt(json, "metadata", "continue");
  if (auto meta = json.find("metadata"); meta != json.end() && meta->is_object()) {
    auto remaining = meta->find("remainingItemCount");
    if (remaining != meta->end() && remaining->is_number_integer()) {
      list.remainingItemCount = remaining->get<int64_t>();
    }
  }
  // Built-in kinds' list items come without apiVersion/kind; give every item both, so that
  // code downstream (decoders, events' `regarding`) can rely on them.
  std::string itemKind =
      endsWith(list.kind, "List") ? list.kind.substr(0, list.kind.size() - 4) : list.kind;
  if (auto items = json.find("items"); items != json.end() && items->is_array()) {
    list.items.reserve(items->size());
    for (const Json& item : *items) {
      Json copy = item;
      if (copy.is_object()) {
        if (!copy.contains("apiVersion")) copy["apiVersion"] = list.apiVersion;
        if (!copy.contains("kind")) copy["kind"] = itemKind;
      }
      list.items.push_back(std::move(copy));
    }
  }
  return list;
}

}  // namespace

std::string_view patchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

Client::Client(std::shared_ptr<RestClient> rest) : rest_(std::move(rest)) {}

StatusOr<Json> Client::get(const GroupVersionResource& gvr, std::string_view ns,
                           std::string_view name, const std::stop_token& stop) {
  if (name.empty()) return invalidArgument("get " + gvr.toString() + ": the name is empty");
  RestRequest request;
  request.path = resourcePath(gvr, ns, name);
  return rest_->call(request, stop);
}

StatusOr<ObjectList> Client::list(const GroupVersionResource& gvr, std::string_view ns,
                                  const ListOptions& options, const std::stop_token& stop) {
  RestRequest request;
  request.path = resourcePath(gvr, ns);
  addIfSet(request.query, "labelSelector", options.labelSelector);
  addIfSet(request.query, "fieldSelector", options.fieldSelector);
  if (options.limit > 0) request.query.emplace_back("limit", std::to_string(options.limit));
  addIfSet(request.query, "continue", options.continueToken);
  addIfSet(request.query, "resourceVersion", options.resourceVersion);
  addIfSet(request.query, "resourceVersionMatch", options.resourceVersionMatch);
  if (options.timeoutSeconds > 0) {
    request.query.emplace_back("timeoutSeconds", std::to_string(options.timeoutSeconds));
  }
  TIDAL_ASSIGN_OR_RETURN(Json json, rest_->call(request, stop));
  return parseList(json, request.describe());
}

StatusOr<ObjectList> Client::listAll(const GroupVersionResource& gvr, std::string_view ns,
                                     ListOptions options, const std::stop_token& stop) {
  if (options.limit <= 0) options.limit = 500;
  bool restarted = false;
  ObjectList all;
  while (true) {
    StatusOr<ObjectList> page = list(gvr, ns, options, stop);
    if (!page.isOk()) {
      // An expired continue token (410) means the snapshot is gone: start again, once.
      bool expired = page.status().code() == StatusCode::kAborted &&
                     page.status().message().find(": 410") != std::string::npos;
      if (expired && !restarted && !options.continueToken.empty()) {
        restarted = true;
        all = ObjectList();
        options.continueToken.clear();
        continue;
      }
      return page.status();
    }
    if (all.kind.empty()) {
      all.apiVersion = page->apiVersion;
      all.kind = page->kind;
    }
    // The resourceVersion of the first page is the snapshot's; later pages repeat it.
    if (all.resourceVersion.empty()) all.resourceVersion = page->resourceVersion;
    for (Json& item : page->items) all.items.push_back(std::move(item));
    if (page->continueToken.empty()) break;
    options.continueToken = page->continueToken;
  }
  return all;
}

WatchResult Client::watch(const GroupVersionResource& gvr, std::string_view ns,
                          const WatchOptions& options, const WatchHandler& handler,
                          const std::stop_token& stop) {
  RestRequest request;
  request.path = resourcePath(gvr, ns);
  request.query.emplace_back("watch", "1");
  addIfSet(request.query, "resourceVersion", options.resourceVersion);
  if (options.allowBookmarks) request.query.emplace_back("allowWatchBookmarks", "true");
  addIfSet(request.query, "labelSelector", options.labelSelector);
  addIfSet(request.query, "fieldSelector", options.fieldSelector);
  if (options.timeoutSeconds > 0) {
    request.query.emplace_back("timeoutSeconds", std::to_string(options.timeoutSeconds));
    // A safety net in case the server never ends the stream (a half-open connection).
    request.timeout = std::chrono::seconds(options.timeoutSeconds + 60);
  }

  WatchResult result;
  result.lastResourceVersion = options.resourceVersion;
  LineSplitter splitter;
  bool stopped = false;
  std::optional<Status> streamError;
  bool expired = false;
  auto onLine = [&](std::string_view line) {
    StatusOr<WatchEvent> event = parseWatchEvent(line);
    if (!event.isOk()) {
      streamError = event.status().withPrefix(request.describe());
      return false;
    }
    if (event->type == WatchEventType::kError) {
      std::optional<ApiStatus> api = parseApiStatus(event->object.dump());
      int code = api ? api->code : 0;
      std::string reason = api ? api->reason : "";
      std::string message = request.describe() + ": watch ERROR " + std::to_string(code) +
                            (reason.empty() ? "" : " " + reason) +
                            (api && !api->message.empty() ? ": " + api->message : "");
      expired = code == 410;
      streamError = Status(statusCodeForHttp(code, reason), message);
      return false;
    }
    std::string rv = event->resourceVersion();
    if (!rv.empty()) result.lastResourceVersion = rv;
    ++result.events;
    if (!handler(std::move(*event))) {
      stopped = true;
      return false;
    }
    return true;
  };
  auto onChunk = [&](std::string_view chunk) {
    StatusOr<bool> more = splitter.feed(chunk, onLine);
    if (!more.isOk()) {
      streamError = more.status().withPrefix(request.describe());
      return false;
    }
    return *more;
  };

  StatusOr<HttpResponse> response = rest_->stream(request, onChunk, stop);
  if (stopped || stop.stop_requested()) {
    result.end = WatchEnd::kStopped;
    return result;
  }
  if (streamError) {
    result.end = expired ? WatchEnd::kExpired : WatchEnd::kFailed;
    result.status = *streamError;
    return result;
  }
  if (!response.isOk()) {
    result.end = WatchEnd::kFailed;
    result.status = response.status();
    return result;
  }
  if (response->status < 200 || response->status >= 300) {
    result.end = response->status == 410 ? WatchEnd::kExpired : WatchEnd::kFailed;
    result.status = statusFromResponse(*response, request.method, request.path);
    return result;
  }
  if (splitter.pending() > 0) {
    result.end = WatchEnd::kFailed;
    result.status = unavailable(request.describe() + ": the watch stream ended in the middle of " +
                                "an event (" + std::to_string(splitter.pending()) + " bytes)");
    return result;
  }
  result.end = WatchEnd::kClosed;
  return result;
}

StatusOr<Json> Client::write(const std::string& method, const std::string& path, const Json& body,
                             const WriteOptions& options, const std::stop_token& stop) {
  RestRequest request;
  request.method = method;
  request.path = path;
  request.body = body.dump();
  addIfSet(request.query, "fieldManager", options.fieldManager);
  if (options.dryRun) request.query.emplace_back("dryRun", "All");
  return rest_->call(request, stop);
}

StatusOr<Json> Client::create(const GroupVersionResource& gvr, std::string_view ns,
                              const Json& object, const WriteOptions& options,
                              const std::stop_token& stop) {
  return write("POST", resourcePath(gvr, ns), object, options, stop);
}

StatusOr<Json> Client::update(const GroupVersionResource& gvr, std::string_view ns,
                              const Json& object, const WriteOptions& options,
                              const std::stop_token& stop) {
  std::string name = stringAt(object, "metadata", "name");
  if (name.empty()) return invalidArgument("update " + gvr.toString() + ": metadata.name is empty");
  return write("PUT", resourcePath(gvr, ns, name), object, options, stop);
}

StatusOr<Json> Client::updateStatus(const GroupVersionResource& gvr, std::string_view ns,
                                    const Json& object, const WriteOptions& options,
                                    const std::stop_token& stop) {
  std::string name = stringAt(object, "metadata", "name");
  if (name.empty()) {
    return invalidArgument("update status of " + gvr.toString() + ": metadata.name is empty");
  }
  return write("PUT", resourcePath(gvr, ns, name, "status"), object, options, stop);
}

StatusOr<Json> Client::patch(const GroupVersionResource& gvr, std::string_view ns,
                             std::string_view name, PatchType type, const Json& patch,
                             const PatchOptions& options, const std::stop_token& stop) {
  if (name.empty()) return invalidArgument("patch " + gvr.toString() + ": the name is empty");
  if (type == PatchType::kApply && options.fieldManager.empty()) {
    return invalidArgument("server-side apply of " + gvr.toString() + " needs a field manager");
  }
  RestRequest request;
  request.method = "PATCH";
  request.path = resourcePath(gvr, ns, name, options.subresource);
  request.contentType = std::string(patchContentType(type));
  request.body = patch.dump();
  addIfSet(request.query, "fieldManager", options.fieldManager);
  if (type == PatchType::kApply && options.force) request.query.emplace_back("force", "true");
  return rest_->call(request, stop);
}

StatusOr<Json> Client::apply(const GroupVersionResource& gvr, std::string_view ns,
                             const Json& object, std::string_view fieldManager, bool force,
                             const std::stop_token& stop) {
  std::string name = stringAt(object, "metadata", "name");
  PatchOptions options;
  options.fieldManager = std::string(fieldManager);
  options.force = force;
  return patch(gvr, ns, name, PatchType::kApply, object, options, stop);
}

Status Client::remove(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                      const DeleteOptions& options, const std::stop_token& stop) {
  if (name.empty()) return invalidArgument("delete " + gvr.toString() + ": the name is empty");
  Json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!options.propagationPolicy.empty()) body["propagationPolicy"] = options.propagationPolicy;
  if (options.gracePeriodSeconds) body["gracePeriodSeconds"] = *options.gracePeriodSeconds;
  if (!options.preconditionUid.empty()) body["preconditions"]["uid"] = options.preconditionUid;
  if (!options.preconditionResourceVersion.empty()) {
    body["preconditions"]["resourceVersion"] = options.preconditionResourceVersion;
  }
  RestRequest request;
  request.method = "DELETE";
  request.path = resourcePath(gvr, ns, name);
  request.body = body.dump();
  return rest_->call(request, stop).status();
}

StatusOr<Json> Client::getScale(const GroupVersionResource& gvr, std::string_view ns,
                                std::string_view name, const std::stop_token& stop) {
  if (name.empty()) return invalidArgument("get scale of " + gvr.toString() + ": empty name");
  RestRequest request;
  request.path = resourcePath(gvr, ns, name, "scale");
  return rest_->call(request, stop);
}

StatusOr<Json> Client::scale(const GroupVersionResource& gvr, std::string_view ns,
                             std::string_view name, int32_t replicas, const std::stop_token& stop) {
  PatchOptions options;
  options.subresource = "scale";
  return patch(gvr, ns, name, PatchType::kMerge, Json{{"spec", {{"replicas", replicas}}}}, options,
               stop);
}

}  // namespace tidal::k8s
