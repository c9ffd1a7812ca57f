#include "k8s/types/object.h"

#include <cstdio>
#include <ctime>

#include "api/codec.h"
#include "common/strings.h"

namespace tidal::k8s {

ObjectKey keyOf(const ObjectMeta& meta) {
  return {meta.namespace_, meta.name};
}

ObjectMeta metaOf(const Json& object) {
  api::Issues ignored;
  ObjectMeta meta;
  if (!object.is_object()) return meta;
  api::ObjectReader top(ignored, &object, "");
  top.object("metadata", [&](api::ObjectReader& r) { meta = api::decodeObjectMeta(r); });
  return meta;
}

ObjectMeta readObjectMeta(api::ObjectReader& top) {
  ObjectMeta meta;
  top.object("metadata", [&](api::ObjectReader& r) { meta = api::decodeObjectMeta(r); });
  return meta;
}

Status decodeStatus(const api::Issues& issues, std::string_view kind, const Json& object) {
  if (!issues.hasErrors()) return Status::ok();
  std::string message = std::string(kind) + " " + keyOf(metaOf(object)).toString() + ": ";
  bool first = true;
  for (const api::Issue& issue : issues.errors()) {
    if (!first) message += "; ";
    first = false;
    message += issue.path.empty() ? issue.message : issue.path + ": " + issue.message;
  }
  return invalidArgument(message);
}

std::optional<TimePoint> parseTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)
  if (text.size() < 20) return std::nullopt;
  auto digits = [&](size_t at, size_t n) -> std::optional<int> {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':' || *month < 1 ||
      *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int scale = 100000;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (scale > 0) micros += static_cast<int64_t>(text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int offsetSeconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') &&
             text[pos + 3] == ':') {
    auto oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
    if (!oh || !om) return std::nullopt;
    offsetSeconds = (*oh * 3600 + *om * 60) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  time_t seconds = timegm(&tm) - offsetSeconds;
  return std::chrono::system_clock::from_time_t(seconds) + std::chrono::microseconds(micros);
}

namespace {

std::string format(TimePoint time, bool micro) {
  auto sinceEpoch = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch());
  int64_t totalMicros = sinceEpoch.count();
  int64_t seconds = totalMicros / 1000000;
  int64_t micros = totalMicros % 1000000;
  if (micros < 0) {
    micros += 1000000;
    seconds -= 1;
  }
  time_t t = static_cast<time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[96];
  if (micro) {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(micros));
  } else {
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buffer;
}

}  // namespace

std::string formatTime(TimePoint time) {
  return format(time, false);
}

std::string formatMicroTime(TimePoint time) {
  return format(time, true);
}

std::vector<ApiCondition> readConditions(api::ObjectReader& status) {
  std::vector<ApiCondition> out;
  out.reserve(status.listSize("conditions"));
  status.objectList("conditions", [&](api::ObjectReader& r, size_t) {
    ApiCondition c;
    r.string("type", c.type);
    r.string("status", c.status);
    r.string("reason", c.reason);
    r.string("message", c.message);
    r.string("lastTransitionTime", c.lastTransitionTime);
    out.push_back(std::move(c));
  });
  return out;
}

const ApiCondition* findCondition(const std::vector<ApiCondition>& conditions,
                                  std::string_view type) {
  for (const ApiCondition& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

Json ObjectReference::toJson() const {
  Json j = Json::object();
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) j[key] = value;
  };
  put("apiVersion", apiVersion);
  put("kind", kind);
  put("namespace", namespace_);
  put("name", name);
  put("uid", uid);
  put("resourceVersion", resourceVersion);
  put("fieldPath", fieldPath);
  return j;
}

ObjectReference ObjectReference::fromJson(const Json& json) {
  ObjectReference r;
  if (!json.is_object()) return r;
  auto get = [&](const char* key) {
    auto it = json.find(key);
    return it != json.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  r.apiVersion = get("apiVersion");
  r.kind = get("kind");
  r.namespace_ = get("namespace");
  r.name = get("name");
  r.uid = get("uid");
  r.resourceVersion = get("resourceVersion");
  r.fieldPath = get("fieldPath");
  return r;
}

ObjectReference ObjectReference::to(const Json& object) {
  ObjectReference r;
  ObjectMeta meta = metaOf(object);
  r.apiVersion = object.is_object() ? object.value("apiVersion", "") : "";
  r.kind = object.is_object() ? object.value("kind", "") : "";
  r.namespace_ = meta.namespace_;
  r.name = meta.name;
  r.uid = meta.uid;
  r.resourceVersion = meta.resourceVersion;
  return r;
}

StatusOr<Unstructured> Unstructured::decode(const Json& json) {
  if (!json.is_object()) return invalidArgument("object: not a JSON object");
  return Unstructured{metaOf(json), json};
}

}  // namespace tidal::k8s
