#include "api/codec.h"

#include <fmt/format.h>

namespace tidal::api {
namespace {

Json encodePart(const Condition& c);
Json encodePart(const AuthenticationRef& a);
Json encodePart(const ScaleTrigger& t);
Json encodePart(const HpaScalingPolicy& p);
Json encodePart(const HpaScalingRules& r);
Json encodePart(const HpaBehavior& b);
Json encodePart(const HorizontalPodAutoscalerConfig& h);
Json encodePart(const ScalingModifiers& s);
Json encodePart(const AdvancedConfig& a);
Json encodePart(const Fallback& f);
Json encodePart(const ScaleTargetRef& s);
Json encodePart(const GroupVersionKindResource& g);
Json encodePart(const HealthStatus& h);
Json encodePart(const TriggerActivity& t);
Json encodePart(const Rollout& r);
Json encodePart(const ScalingStrategy& s);

// Builds a JSON object starting from the unknown fields kept at decode time. Empty strings, unset
// optionals and empty collections are omitted, as Go's `omitempty` does.
class ObjectWriter {
 public:
  explicit ObjectWriter(const Json& unknown)
      : json_(unknown.is_object() ? unknown : Json::object()) {}

  ObjectWriter& str(const char* key, const std::string& v) {
    if (!v.empty()) json_[key] = v;
    return *this;
  }
  ObjectWriter& str(const char* key, const std::optional<std::string>& v) {
    if (v) json_[key] = *v;
    return *this;
  }
  template <typename T>
  ObjectWriter& num(const char* key, const std::optional<T>& v) {
    if (v) json_[key] = *v;
    return *this;
  }
  ObjectWriter& flag(const char* key, bool v) {
    if (v) json_[key] = true;
    return *this;
  }
  ObjectWriter& map(const char* key, const StringMap& v) {
    if (!v.empty()) json_[key] = v;
    return *this;
  }
  ObjectWriter& list(const char* key, const std::vector<std::string>& v) {
    if (!v.empty()) json_[key] = v;
    return *this;
  }
  ObjectWriter& raw(const char* key, const Json& v) {
    if (!v.is_null()) json_[key] = v;
    return *this;
  }
  ObjectWriter& set(const char* key, Json v) {
    json_[key] = std::move(v);
    return *this;
  }
  template <typename T>
  ObjectWriter& objects(const char* key, const std::vector<T>& items) {
    if (items.empty()) return *this;
    Json arr = Json::array();
    for (const auto& item : items) arr.push_back(encodePart(item));
    json_[key] = std::move(arr);
    return *this;
  }
  template <typename T>
  ObjectWriter& optObject(const char* key, const std::optional<T>& item) {
    if (item) json_[key] = encodePart(*item);
    return *this;
  }
  template <typename T>
  ObjectWriter& optObject(const char* key, const Boxed<T>& item) {
    if (item) json_[key] = encodePart(*item);
    return *this;
  }
  Json take() { return std::move(json_); }

 private:
  Json json_;
};

}  // namespace

// ---- shared pieces --------------------------------------------------------------------------

ObjectMeta decodeObjectMeta(ObjectReader& r) {
  ObjectMeta m;
  r.string("name", m.name);
  r.string("generateName", m.generateName);
  r.string("namespace", m.namespace_);
  r.string("uid", m.uid);
  r.string("resourceVersion", m.resourceVersion);
  r.optInt64("generation", m.generation);
  r.string("creationTimestamp", m.creationTimestamp);
  r.string("deletionTimestamp", m.deletionTimestamp);
  r.stringMap("labels", m.labels);
  r.stringMap("annotations", m.annotations);
  r.stringList("finalizers", m.finalizers);
  r.raw("ownerReferences", m.ownerReferences);
  // ObjectMeta has many more fields (managedFields, ...): keep them without complaint.
  m.unknown = r.remaining(/*reportUnknown=*/false);
  return m;
}

Json encode(const ObjectMeta& m) {
  return ObjectWriter(m.unknown)
      .str("name", m.name)
      .str("generateName", m.generateName)
      .str("namespace", m.namespace_)
      .str("uid", m.uid)
      .str("resourceVersion", m.resourceVersion)
      .num("generation", m.generation)
      .str("creationTimestamp", m.creationTimestamp)
      .str("deletionTimestamp", m.deletionTimestamp)
      .map("labels", m.labels)
      .map("annotations", m.annotations)
      .list("finalizers", m.finalizers)
      .raw("ownerReferences", m.ownerReferences)
      .take();
}

namespace {

// Metadata keeps every field Kubernetes may add, silently (they are not user typos).
ObjectMeta readMeta(ObjectReader& top) {
  ObjectMeta meta;
  top.object("metadata", [&](ObjectReader& r) { meta = decodeObjectMeta(r); });
  return meta;
}

Condition decodeCondition(ObjectReader& r) {
  Condition c;
  r.string("type", c.type);
  r.string("status", c.status);
  r.string("reason", c.reason);
  r.string("message", c.message);
  c.unknown = r.remaining();
  return c;
}

std::vector<Condition> readConditions(ObjectReader& r) {
  std::vector<Condition> out;
  out.reserve(r.listSize("conditions"));
  r.objectList("conditions", [&](ObjectReader& c, size_t) { out.push_back(decodeCondition(c)); });
  return out;
}

std::map<std::string, TriggerActivity, std::less<>> readActivity(ObjectReader& r) {
  std::map<std::string, TriggerActivity, std::less<>> out;
  r.objectMap("triggersActivity", [&](const std::string& name, ObjectReader& a) {
    TriggerActivity t;
    a.boolean("isActive", t.isActive);
    t.unknown = a.remaining();
    out[name] = std::move(t);
  });
  return out;
}

ScaleTrigger decodeTrigger(ObjectReader& r, bool allowMetricType) {
  ScaleTrigger t;
  r.require("type");
  r.string("type", t.type);
  r.string("name", t.name);
  r.stringMap("metadata", t.metadata);
  r.object("authenticationRef", [&](ObjectReader& a) {
    AuthenticationRef ref;
    a.require("name");
    a.string("name", ref.name);
    a.string("kind", ref.kind);
    ref.unknown = a.remaining();
    t.authenticationRef = std::move(ref);
  });
  if (allowMetricType || r.has("metricType")) r.string("metricType", t.metricType);
  r.boolean("useCachedMetrics", t.useCachedMetrics);
  t.unknown = r.remaining();
  return t;
}

std::vector<ScaleTrigger> readTriggers(ObjectReader& r, bool allowMetricType) {
  std::vector<ScaleTrigger> out;
  out.reserve(r.listSize("triggers"));
  r.require("triggers");
  r.objectList("triggers",
               [&](ObjectReader& t, size_t) { out.push_back(decodeTrigger(t, allowMetricType)); });
  return out;
}

HpaScalingRules decodeRules(ObjectReader& r) {
  HpaScalingRules rules;
  r.optInt32("stabilizationWindowSeconds", rules.stabilizationWindowSeconds);
  r.string("selectPolicy", rules.selectPolicy);
  rules.hasPolicies = r.has("policies");
  r.objectList("policies", [&](ObjectReader& p, size_t) {
    HpaScalingPolicy policy;
    p.require("type");
    p.require("value");
    p.require("periodSeconds");
    p.string("type", policy.type);
    p.int32("value", policy.value);
    p.int32("periodSeconds", policy.periodSeconds);
    policy.unknown = p.remaining();
    rules.policies.push_back(std::move(policy));
  });
  // tolerance is a Quantity: a string or a number in JSON.
  Json tolerance;
  r.raw("tolerance", tolerance);
  if (tolerance.is_string()) {
    rules.tolerance = tolerance.get<std::string>();
  } else if (tolerance.is_number()) {
    rules.tolerance = tolerance.dump();
  } else if (!tolerance.is_null()) {
    r.error("tolerance", "expected a quantity (a string such as \"0.1\" or a number), got " +
                             describeJson(tolerance));
  }
  rules.unknown = r.remaining();
  return rules;
}

}  // namespace

Json encode(const Condition& c) {
  // type and status are required in KEDA's Condition; always written.
  return ObjectWriter(c.unknown)
      .set("type", c.type)
      .set("status", c.status)
      .str("reason", c.reason)
      .str("message", c.message)
      .take();
}

namespace {

Json encodePart(const Condition& c) {
  return encode(c);
}

Json encodePart(const AuthenticationRef& a) {
  return ObjectWriter(a.unknown).set("name", a.name).str("kind", a.kind).take();
}

Json encodePart(const ScaleTrigger& t) {
  return ObjectWriter(t.unknown)
      .set("type", t.type)
      .str("name", t.name)
      .flag("useCachedMetrics", t.useCachedMetrics)
      .set("metadata", Json(t.metadata))
      .optObject("authenticationRef", t.authenticationRef)
      .str("metricType", t.metricType)
      .take();
}

Json encodePart(const HpaScalingPolicy& p) {
  return ObjectWriter(p.unknown)
      .set("type", p.type)
      .set("value", p.value)
      .set("periodSeconds", p.periodSeconds)
      .take();
}

Json encodePart(const HpaScalingRules& r) {
  ObjectWriter w(r.unknown);
  w.num("stabilizationWindowSeconds", r.stabilizationWindowSeconds)
      .str("selectPolicy", r.selectPolicy)
      .str("tolerance", r.tolerance);
  if (r.hasPolicies || !r.policies.empty()) {
    Json arr = Json::array();
    for (const auto& p : r.policies) arr.push_back(encodePart(p));
    w.set("policies", std::move(arr));
  }
  return w.take();
}

Json encodePart(const HpaBehavior& b) {
  return ObjectWriter(b.unknown)
      .optObject("scaleUp", b.scaleUp)
      .optObject("scaleDown", b.scaleDown)
      .take();
}

Json encodePart(const HorizontalPodAutoscalerConfig& h) {
  return ObjectWriter(h.unknown).str("name", h.name).optObject("behavior", h.behavior).take();
}

Json encodePart(const ScalingModifiers& s) {
  return ObjectWriter(s.unknown)
      .str("formula", s.formula)
      .str("target", s.target)
      .str("activationTarget", s.activationTarget)
      .str("metricType", s.metricType)
      .take();
}

Json encodePart(const AdvancedConfig& a) {
  return ObjectWriter(a.unknown)
      .flag("restoreToOriginalReplicaCount", a.restoreToOriginalReplicaCount)
      .optObject("horizontalPodAutoscalerConfig", a.horizontalPodAutoscalerConfig)
      .optObject("scalingModifiers", a.scalingModifiers)
      .take();
}

Json encodePart(const Fallback& f) {
  return ObjectWriter(f.unknown)
      .set("failureThreshold", f.failureThreshold)
      .set("replicas", f.replicas)
      .str("behavior", f.behavior)
      .take();
}

Json encodePart(const ScaleTargetRef& s) {
  return ObjectWriter(s.unknown)
      .set("name", s.name)
      .str("apiVersion", s.apiVersion)
      .str("kind", s.kind)
      .str("envSourceContainerName", s.envSourceContainerName)
      .take();
}

Json encodePart(const GroupVersionKindResource& g) {
  return ObjectWriter(g.unknown)
      .str("group", g.group)
      .str("version", g.version)
      .str("kind", g.kind)
      .str("resource", g.resource)
      .take();
}

Json encodePart(const HealthStatus& h) {
  return ObjectWriter(h.unknown)
      .num("numberOfFailures", h.numberOfFailures)
      .str("status", h.status)
      .take();
}

Json encodePart(const TriggerActivity& t) {
  return ObjectWriter(t.unknown).set("isActive", t.isActive).take();
}

template <typename T>
Json encodeMap(const std::map<std::string, T, std::less<>>& m) {
  Json out = Json::object();
  for (const auto& [k, v] : m) out[k] = encodePart(v);
  return out;
}

Json encodePart(const Rollout& r) {
  return ObjectWriter(r.unknown)
      .str("strategy", r.strategy)
      .str("propagationPolicy", r.propagationPolicy)
      .take();
}

Json encodePart(const ScalingStrategy& s) {
  return ObjectWriter(s.unknown)
      .str("strategy", s.strategy)
      .num("customScalingQueueLengthDeduction", s.customScalingQueueLengthDeduction)
      .str("customScalingRunningJobPercentage", s.customScalingRunningJobPercentage)
      .list("pendingPodConditions", s.pendingPodConditions)
      .str("multipleScalersCalculation", s.multipleScalersCalculation)
      .take();
}

}  // namespace

// ---- ScaledObject ---------------------------------------------------------------------------

ScaledObject decodeScaledObject(const Json& json, Issues& issues) {
  ScaledObject so;
  ObjectReader top(issues, &json, "");
  std::string ignoredString;
  top.string("apiVersion", ignoredString);
  top.string("kind", ignoredString);
  so.metadata = readMeta(top);
  top.require("spec");
  top.object("spec", [&](ObjectReader& r) {
    ScaledObjectSpec& spec = so.spec;
    r.require("scaleTargetRef");
    r.object("scaleTargetRef", [&](ObjectReader& s) {
      s.require("name");
      s.string("name", spec.scaleTargetRef.name);
      s.string("apiVersion", spec.scaleTargetRef.apiVersion);
      s.string("kind", spec.scaleTargetRef.kind);
      s.string("envSourceContainerName", spec.scaleTargetRef.envSourceContainerName);
      spec.scaleTargetRef.unknown = s.remaining();
    });
    r.optInt32("pollingInterval", spec.pollingInterval);
    r.optInt32("initialCooldownPeriod", spec.initialCooldownPeriod);
    r.optInt32("cooldownPeriod", spec.cooldownPeriod);
    r.optInt32("idleReplicaCount", spec.idleReplicaCount);
    r.optInt32("minReplicaCount", spec.minReplicaCount);
    r.optInt32("maxReplicaCount", spec.maxReplicaCount);
    r.object("advanced", [&](ObjectReader& a) {
      AdvancedConfig adv;
      a.boolean("restoreToOriginalReplicaCount", adv.restoreToOriginalReplicaCount);
      a.object("horizontalPodAutoscalerConfig", [&](ObjectReader& h) {
        HorizontalPodAutoscalerConfig hpa;
        h.string("name", hpa.name);
        h.object("behavior", [&](ObjectReader& b) {
          HpaBehavior behavior;
          b.object("scaleUp", [&](ObjectReader& u) { behavior.scaleUp = decodeRules(u); });
          b.object("scaleDown", [&](ObjectReader& d) { behavior.scaleDown = decodeRules(d); });
          behavior.unknown = b.remaining();
          hpa.behavior = std::move(behavior);
        });
        hpa.unknown = h.remaining();
        adv.horizontalPodAutoscalerConfig = std::move(hpa);
      });
      a.object("scalingModifiers", [&](ObjectReader& m) {
        ScalingModifiers mods;
        m.string("formula", mods.formula);
        m.string("target", mods.target);
        m.string("activationTarget", mods.activationTarget);
        m.string("metricType", mods.metricType);
        mods.unknown = m.remaining();
        adv.scalingModifiers = std::move(mods);
      });
      adv.unknown = a.remaining();
      spec.advanced = std::move(adv);
    });
    spec.triggers = readTriggers(r, /*allowMetricType=*/true);
    r.object("fallback", [&](ObjectReader& f) {
      Fallback fb;
      f.require("failureThreshold");
      f.require("replicas");
      f.int32("failureThreshold", fb.failureThreshold);
      f.int32("replicas", fb.replicas);
      f.string("behavior", fb.behavior);
      fb.unknown = f.remaining();
      spec.fallback = std::move(fb);
    });
    spec.unknown = r.remaining();
  });
  top.object("status", [&](ObjectReader& r) {
    ScaledObjectStatus st;
    r.string("scaleTargetKind", st.scaleTargetKind);
    r.object("scaleTargetGVKR", [&](ObjectReader& g) {
      GroupVersionKindResource gvkr;
      g.string("group", gvkr.group);
      g.string("version", gvkr.version);
      g.string("kind", gvkr.kind);
      g.string("resource", gvkr.resource);
      gvkr.unknown = g.remaining();
      st.scaleTargetGVKR = std::move(gvkr);
    });
    r.optInt32("originalReplicaCount", st.originalReplicaCount);
    r.string("lastActiveTime", st.lastActiveTime);
    r.stringList("externalMetricNames", st.externalMetricNames);
    r.stringList("resourceMetricNames", st.resourceMetricNames);
    r.string("compositeScalerName", st.compositeScalerName);
    st.conditions = readConditions(r);
    r.objectMap("health", [&](const std::string& name, ObjectReader& h) {
      HealthStatus hs;
      h.optInt32("numberOfFailures", hs.numberOfFailures);
      h.string("status", hs.status);
      hs.unknown = h.remaining();
      st.health[name] = std::move(hs);
    });
    st.triggersActivity = readActivity(r);
    r.optInt32("pausedReplicaCount", st.pausedReplicaCount);
    r.string("hpaName", st.hpaName);
    r.string("triggersTypes", st.triggersTypes);
    r.string("authenticationsTypes", st.authenticationsTypes);
    st.unknown = r.remaining();
    so.status = std::move(st);
  });
  so.unknown = top.remaining();
  return so;
}

Json encode(const ScaledObjectStatus& st) {
  ObjectWriter w(st.unknown);
  w.str("scaleTargetKind", st.scaleTargetKind)
      .optObject("scaleTargetGVKR", st.scaleTargetGVKR)
      .num("originalReplicaCount", st.originalReplicaCount)
      .str("lastActiveTime", st.lastActiveTime)
      .list("externalMetricNames", st.externalMetricNames)
      .list("resourceMetricNames", st.resourceMetricNames)
      .str("compositeScalerName", st.compositeScalerName)
      .objects("conditions", st.conditions);
  if (!st.health.empty()) w.set("health", encodeMap(st.health));
  if (!st.triggersActivity.empty()) w.set("triggersActivity", encodeMap(st.triggersActivity));
  w.num("pausedReplicaCount", st.pausedReplicaCount)
      .str("hpaName", st.hpaName)
      .str("triggersTypes", st.triggersTypes)
      .str("authenticationsTypes", st.authenticationsTypes);
  return w.take();
}

Json encode(const ScaledObject& so) {
  const ScaledObjectSpec& s = so.spec;
  Json spec = ObjectWriter(s.unknown)
                  .set("scaleTargetRef", encodePart(s.scaleTargetRef))
                  .num("pollingInterval", s.pollingInterval)
                  .num("initialCooldownPeriod", s.initialCooldownPeriod)
                  .num("cooldownPeriod", s.cooldownPeriod)
                  .num("idleReplicaCount", s.idleReplicaCount)
                  .num("minReplicaCount", s.minReplicaCount)
                  .num("maxReplicaCount", s.maxReplicaCount)
                  .optObject("advanced", s.advanced)
                  .objects("triggers", s.triggers)
                  .optObject("fallback", s.fallback)
                  .take();
  ObjectWriter w(so.unknown);
  w.set("apiVersion", kApiVersion).set("kind", "ScaledObject");
  w.set("metadata", encode(so.metadata)).set("spec", std::move(spec));
  if (so.status) w.set("status", encode(*so.status));
  return w.take();
}

// ---- ScaledJob ------------------------------------------------------------------------------

ScaledJob decodeScaledJob(const Json& json, Issues& issues) {
  ScaledJob sj;
  ObjectReader top(issues, &json, "");
  std::string ignoredString;
  top.string("apiVersion", ignoredString);
  top.string("kind", ignoredString);
  sj.metadata = readMeta(top);
  top.require("spec");
  top.object("spec", [&](ObjectReader& r) {
    ScaledJobSpec& spec = sj.spec;
    r.require("jobTargetRef");
    r.raw("jobTargetRef", spec.jobTargetRef);
    if (!spec.jobTargetRef.is_null() && !spec.jobTargetRef.is_object()) {
      issues.error("spec.jobTargetRef",
                   fmt::format("expected an object (a batch/v1 JobSpec), got {}",
                               describeJson(spec.jobTargetRef)));
    }
    r.optInt32("pollingInterval", spec.pollingInterval);
    r.optInt32("successfulJobsHistoryLimit", spec.successfulJobsHistoryLimit);
    r.optInt32("failedJobsHistoryLimit", spec.failedJobsHistoryLimit);
    r.string("rolloutStrategy", spec.rolloutStrategy);
    r.object("rollout", [&](ObjectReader& o) {
      Rollout rollout;
      o.string("strategy", rollout.strategy);
      o.string("propagationPolicy", rollout.propagationPolicy);
      rollout.unknown = o.remaining();
      spec.rollout = std::move(rollout);
    });
    r.string("envSourceContainerName", spec.envSourceContainerName);
    r.optInt32("minReplicaCount", spec.minReplicaCount);
    r.optInt32("maxReplicaCount", spec.maxReplicaCount);
    r.object("scalingStrategy", [&](ObjectReader& o) {
      ScalingStrategy ss;
      o.string("strategy", ss.strategy);
      o.optInt32("customScalingQueueLengthDeduction", ss.customScalingQueueLengthDeduction);
      o.string("customScalingRunningJobPercentage", ss.customScalingRunningJobPercentage);
      o.stringList("pendingPodConditions", ss.pendingPodConditions);
      o.string("multipleScalersCalculation", ss.multipleScalersCalculation);
      ss.unknown = o.remaining();
      spec.scalingStrategy = std::move(ss);
    });
    spec.triggers = readTriggers(r, /*allowMetricType=*/false);
    spec.unknown = r.remaining();
  });
  top.object("status", [&](ObjectReader& r) {
    ScaledJobStatus st;
    r.string("lastActiveTime", st.lastActiveTime);
    st.conditions = readConditions(r);
    r.string("Paused", st.paused);
    r.string("triggersTypes", st.triggersTypes);
    r.string("authenticationsTypes", st.authenticationsTypes);
    r.stringList("externalMetricNames", st.externalMetricNames);
    st.triggersActivity = readActivity(r);
    st.unknown = r.remaining();
    sj.status = std::move(st);
  });
  sj.unknown = top.remaining();
  return sj;
}

Json encode(const ScaledJobStatus& st) {
  ObjectWriter w(st.unknown);
  w.str("lastActiveTime", st.lastActiveTime)
      .objects("conditions", st.conditions)
      .str("Paused", st.paused)
      .str("triggersTypes", st.triggersTypes)
      .str("authenticationsTypes", st.authenticationsTypes)
      .list("externalMetricNames", st.externalMetricNames);
  if (!st.triggersActivity.empty()) w.set("triggersActivity", encodeMap(st.triggersActivity));
  return w.take();
}

Json encode(const ScaledJob& sj) {
  const ScaledJobSpec& s = sj.spec;
  Json spec = ObjectWriter(s.unknown)
                  .raw("jobTargetRef", s.jobTargetRef)
                  .num("pollingInterval", s.pollingInterval)
                  .num("successfulJobsHistoryLimit", s.successfulJobsHistoryLimit)
                  .num("failedJobsHistoryLimit", s.failedJobsHistoryLimit)
                  .str("rolloutStrategy", s.rolloutStrategy)
                  .optObject("rollout", s.rollout)
                  .str("envSourceContainerName", s.envSourceContainerName)
                  .num("minReplicaCount", s.minReplicaCount)
                  .num("maxReplicaCount", s.maxReplicaCount)
                  .optObject("scalingStrategy", s.scalingStrategy)
                  .objects("triggers", s.triggers)
                  .take();
  ObjectWriter w(sj.unknown);
  w.set("apiVersion", kApiVersion).set("kind", "ScaledJob");
  w.set("metadata", encode(sj.metadata)).set("spec", std::move(spec));
  if (sj.status) w.set("status", encode(*sj.status));
  return w.take();
}

}  // namespace tidal::api
