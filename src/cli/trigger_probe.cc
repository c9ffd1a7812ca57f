// `tidal trigger probe`: builds each trigger's scaler as the operator would (auth and env resolved
// by the operator's resolver, here over the objects in the given files) and queries each of its
// External metrics once against the live source, printing value, activity and latency, or the
// error.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/manifest.h"
#include "cli/commands.h"
#include "cli/offline_cluster.h"
#include "cli/redactor.h"
#include "cli/trigger_config.h"
#include "common/strings.h"
#include "scalers/registry.h"

namespace tidal::cli {
namespace {

using nlohmann::json;

struct MetricResult {
  std::string metricName;
  std::string targetType;
  std::string target;
  bool external = true;
  bool probed = false;
  std::optional<std::string> value;  // Quantity text; nullopt when the source gave none
  bool active = false;
  int64_t latencyMs = 0;
  std::string error;
};

struct TriggerResult {
  int index = 0;
  std::string type;
  std::string name;
  std::optional<double> activation;
  std::vector<MetricResult> metrics;
  std::string error;               // the scaler could not be built (or resolution failed)
  std::vector<std::string> notes;  // what could not be resolved offline

  bool failed() const {
    if (!error.empty()) return true;
    return std::any_of(metrics.begin(), metrics.end(),
                       [](const MetricResult& m) { return !m.error.empty(); });
  }
  bool needsCluster() const {
    return error.empty() && !metrics.empty() &&
           std::none_of(metrics.begin(), metrics.end(),
                        [](const MetricResult& m) { return m.external; });
  }
};

struct ObjectResult {
  std::string file;
  int line = 0;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string error;  // the object itself could not be read
  std::vector<TriggerResult> triggers;
};

// ---- flags --------------------------------------------------------------------------------------

// --auth and --env entries: each is KEY=VALUE or a JSON object of strings. Values are never echoed
// in messages, since they are usually secrets.
StatusOr<api::StringMap> parseAssignments(const std::vector<std::string>& entries,
                                          const std::string& flag) {
  api::StringMap out;
  for (const std::string& entry : entries) {
    if (trim(entry).starts_with("{")) {
      TIDAL_ASSIGN_OR_RETURN(api::StringMap map, parseStringMapJson(entry, flag));
      for (auto& [k, v] : map) out[k] = std::move(v);
      continue;
    }
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      return invalidArgument(
          fmt::format("{}: expected KEY=VALUE or a JSON object of strings (entry {} has no "
                      "KEY= part)",
                      flag, &entry - entries.data() + 1));
    }
    out[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return out;
}

// ---- secrets ------------------------------------------------------------------------------------

// Registers everything secret a scaler built from `config` may see (see redactor.h).
void registerSecrets(const scalers::ScalerConfig& config, Redactor& redactor) {
  const scalers::ScalerType* type = scalers::builtinRegistry().find(config.triggerType);
  std::set<std::string> declared;
  auto add = [&](const std::string& value, bool secret) {
    if (secret) redactor.addSecret(value);
    redactor.addUrlCredentials(value);
  };
  if (type != nullptr) {
    for (const scalers::ParamInfo& p : type->params) {
      for (const std::string& n : p.names) {
        declared.insert(n);
        if (auto it = config.authParams.find(n); it != config.authParams.end()) {
          add(it->second, p.secret);
        }
        if (auto it = config.triggerMetadata.find(n); it != config.triggerMetadata.end()) {
          add(it->second, p.secret);
        }
        if (auto it = config.triggerMetadata.find(n + "FromEnv");
            it != config.triggerMetadata.end()) {
          if (auto env = config.resolvedEnv.find(it->second); env != config.resolvedEnv.end()) {
            add(env->second, p.secret);
          }
        }
      }
    }
  }
  for (const auto& [k, v] : config.authParams) {
    if (!declared.contains(k)) add(v, /*secret=*/true);
  }
}

// ---- probing ------------------------------------------------------------------------------------

void probeScaler(const scalers::ScalerConfig& config, const scalers::ScalerContext& context,
                 TriggerResult& result) {
  auto scaler = scalers::builtinRegistry().create(config, context);
  if (!scaler.isOk()) {
    result.error = scaler.status().message();
    return;
  }
  result.activation = (*scaler)->activationTarget();
  for (const scalers::MetricSpec& spec : (*scaler)->metricSpecs()) {
    MetricResult m;
    m.metricName = spec.metricName;
    m.targetType = spec.targetType;
    m.target = spec.targetString();
    m.external = spec.source == scalers::MetricSpec::Source::kExternal;
    if (m.external) {
      const auto started = std::chrono::steady_clock::now();
      StatusOr<scalers::MetricsAndActivity> answer = (*scaler)->metricsAndActivity(spec.metricName);
      m.latencyMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
      m.probed = true;
      if (answer.isOk()) {
        m.active = answer->active;
        for (const scalers::MetricValue& v : answer->metrics) {
          if (v.metricName == spec.metricName || !m.value) m.value = v.value.toString();
        }
      } else {
        m.error = answer.status().message();
        if (m.error.empty()) m.error = std::string(statusCodeName(answer.status().code()));
      }
    }
    result.metrics.push_back(std::move(m));
  }
  (*scaler)->close();
}

// The parameter a resolver diagnostic is about (`... (parameter "password") ...`), or "".
std::string diagnosticParameter(const std::string& message) {
  constexpr std::string_view kMarker = "(parameter \"";
  const size_t at = message.find(kMarker);
  if (at == std::string::npos) return "";
  const size_t start = at + kMarker.size();
  const size_t end = message.find('"', start);
  return end == std::string::npos ? "" : message.substr(start, end - start);
}

struct ProbeInputs {
  api::StringMap auth;
  api::StringMap env;
  std::chrono::milliseconds timeout{3000};
};

// Probes trigger `index` of `input`. `targetKnown` says whether the scale target's pod template
// came from the files; `offlineNotes` are the object's env sources that were not.
TriggerResult probeTrigger(const scaling::ResolverInput& input, size_t index, bool targetKnown,
                           const std::string& targetName,
                           const std::vector<std::string>& offlineNotes, OfflineCluster& cluster,
                           const ProbeInputs& inputs, const scalers::ScalerContext& context,
                           Redactor& redactor) {
  const api::ScaleTrigger& trigger = input.triggers[index];
  TriggerResult result;
  result.index = static_cast<int>(index);
  result.type = trigger.type;
  result.name = trigger.name;

  scaling::ResolverOptions options;
  options.globalHttpTimeout = inputs.timeout;
  if (const char* ns = std::getenv("KEDA_CLUSTER_OBJECT_NAMESPACE"); ns != nullptr && *ns) {
    options.clusterObjectNamespace = ns;
  }
  StatusOr<scaling::ResolvedTrigger> resolved =
      scaling::resolveTrigger(input, index, cluster, options);
  if (!resolved.isOk()) {
    result.error = resolved.status().message();
    return result;
  }
  scalers::ScalerConfig& config = resolved->config;
  const bool hasAuthRef = trigger.authenticationRef && !trigger.authenticationRef->name.empty();
  scaling::TriggerLocation where;
  where.objectKind = input.kind;
  where.namespace_ = input.namespace_;
  where.objectName = input.name;
  where.index = index;
  where.triggerType = trigger.type;
  where.triggerName = trigger.name;
  const std::string prefix = where.describe() + ": ";

  for (const Status& d : resolved->diagnostics) {
    std::string message = d.message();
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
    // A value supplied with --auth replaces what could not be resolved.
    const std::string param = diagnosticParameter(message);
    if (!param.empty() && inputs.auth.contains(param)) continue;
    if (param.empty() && !inputs.auth.empty() && message.starts_with("authenticationRef")) continue;
    result.notes.push_back(message);
  }
  for (const std::string& note : offlineNotes) {
    result.notes.push_back(note + "; pass --env NAME=value for the variables it holds");
  }
  // --auth stands in for the TriggerAuthentication, so only where one is referenced: a trigger
  // without authenticationRef gets no auth params in the cluster either.
  if (hasAuthRef) {
    for (const auto& [k, v] : inputs.auth) config.authParams[k] = v;
  }
  for (const auto& [k, v] : inputs.env) config.resolvedEnv[k] = v;
  for (const auto& [k, v] : trigger.metadata) {
    if (!endsWith(k, "FromEnv") || config.resolvedEnv.contains(v) || targetKnown) continue;
    result.notes.push_back(fmt::format(
        "env var {} (for {}) of the scale target {}, which is not in the given files; pass "
        "--env {}=value",
        v, k, targetName, v));
  }
  for (std::string& note : result.notes) note = "not resolvable offline: " + note;
  config.globalHttpTimeout = inputs.timeout;
  registerSecrets(config, redactor);
  probeScaler(config, context, result);
  return result;
}

// Probes every trigger of one ScaledObject/ScaledJob document.
ObjectResult probeObject(const api::ManifestDocument& doc, const std::string& file,
                         OfflineCluster& cluster, const ProbeInputs& inputs,
                         const scalers::ScalerContext& context, Redactor& redactor) {
  ObjectResult r;
  r.file = file;
  r.line = doc.line;
  r.kind = api::stringField(doc.json, "kind");
  if (doc.json.contains("metadata") && doc.json["metadata"].is_object()) {
    r.name = api::stringField(doc.json["metadata"], "name");
  }
  api::Issues issues;
  auto decoded = api::decodeKedaObject(doc.json, issues);
  if (!decoded.isOk() || issues.hasErrors()) {
    std::vector<std::string> errors;
    if (!decoded.isOk()) errors.push_back(decoded.status().message());
    for (const api::Issue& i : issues.errors()) {
      errors.push_back(i.path.empty() ? i.message : i.path + ": " + i.message);
    }
    r.error = join(errors, "; ") + " (run `tidal check` for details)";
    return r;
  }
  scaling::ResolverInput input;
  bool targetKnown = true;
  std::string targetName;
  if (auto* so = std::get_if<api::ScaledObject>(&*decoded)) {
    const std::string ns = namespaceOrDefault(so->metadata.namespace_);
    const auto& ref = so->spec.scaleTargetRef;
    const std::string kind = ref.kind.empty() ? "Deployment" : ref.kind;
    targetName = fmt::format("{} {}/{}", kind, ns, ref.name);
    std::optional<scaling::TargetPodTemplate> target = cluster.podTemplate(kind, ns, ref.name);
    targetKnown = target.has_value();
    input = scaling::resolverInputFor(*so, target.value_or(scaling::TargetPodTemplate{}));
  } else if (auto* sj = std::get_if<api::ScaledJob>(&*decoded)) {
    auto in = scaling::resolverInputFor(*sj);
    if (!in.isOk()) {
      r.error = in.status().message();
      return r;
    }
    input = std::move(in).value();
    targetName = fmt::format("job template of ScaledJob {}", sj->metadata.name);
  } else {
    return r;  // a TriggerAuthentication: nothing to probe
  }
  input.namespace_ = namespaceOrDefault(input.namespace_);
  r.namespace_ = input.namespace_;
  std::vector<std::string> offline = cluster.skipMissingEnvSources(input.podTemplate, r.namespace_);
  for (size_t i = 0; i < input.triggers.size(); ++i) {
    r.triggers.push_back(probeTrigger(input, i, targetKnown, targetName, offline, cluster, inputs,
                                      context, redactor));
  }
  return r;
}

// ---- output -------------------------------------------------------------------------------------

std::string triggerLabel(const TriggerResult& t) {
  return t.name.empty() ? fmt::format("trigger {} ({})", t.index, t.type)
                        : fmt::format("trigger {} ({}, name {})", t.index, t.type, t.name);
}

void printTrigger(const TriggerResult& t, std::ostream& out) {
  const std::string label = triggerLabel(t);
  if (!t.error.empty()) {
    out << fmt::format("  {}: ERROR: {}\n", label, t.error);
  }
  for (const MetricResult& m : t.metrics) {
    const std::string target = fmt::format("target {} {}", m.targetType, m.target);
    if (!m.external) {
      out << fmt::format(
          "  {}: {} ({}): not probed: resource metrics come from the cluster's metrics server\n",
          label, m.metricName, target);
      continue;
    }
    if (!m.error.empty()) {
      out << fmt::format("  {}: {}: ERROR after {} ms: {}\n", label, m.metricName, m.latencyMs,
                         m.error);
      continue;
    }
    const std::string activation = t.activation ? fmt::format("activation > {}", *t.activation)
                                                : std::string("activity decided by the scaler");
    out << fmt::format("  {}: {} = {} ({}, {}): {}, {} ms\n", label, m.metricName,
                       m.value.value_or("(no value)"), target, activation,
                       m.active ? "active" : "inactive", m.latencyMs);
  }
  for (const std::string& note : t.notes) out << "    " << note << "\n";
}

// One line of totals.
std::string summary(const std::vector<const TriggerResult*>& triggers) {
  size_t failed = 0;
  size_t cluster = 0;
  for (const TriggerResult* t : triggers) {
    if (t->failed()) {
      ++failed;
    } else if (t->needsCluster()) {
      ++cluster;
    }
  }
  const size_t answered = triggers.size() - failed - cluster;
  std::string line = fmt::format("{} trigger(s) probed: {} answered, {} failed", triggers.size(),
                                 answered, failed);
  if (cluster > 0) line += fmt::format(", {} need(s) the cluster's metrics server", cluster);
  return line + "\n";
}

json triggerJson(const TriggerResult& t) {
  json j{{"index", t.index}, {"type", t.type}, {"ok", !t.failed()}};
  if (!t.name.empty()) j["name"] = t.name;
  j["activationTarget"] = t.activation ? json(*t.activation) : json(nullptr);
  json metrics = json::array();
  for (const MetricResult& m : t.metrics) {
    json mj{{"metricName", m.metricName},
            {"targetType", m.targetType},
            {"target", m.target},
            {"probed", m.probed}};
    if (!m.external) {
      mj["note"] = "resource metrics come from the cluster's metrics server";
    } else if (!m.error.empty()) {
      mj["error"] = m.error;
      mj["latencyMs"] = m.latencyMs;
    } else {
      mj["value"] = m.value ? json(*m.value) : json(nullptr);
      mj["active"] = m.active;
      mj["latencyMs"] = m.latencyMs;
    }
    metrics.push_back(std::move(mj));
  }
  j["metrics"] = std::move(metrics);
  if (!t.error.empty()) j["error"] = t.error;
  j["notes"] = t.notes;
  return j;
}

// Applies `redactor` to every string in `j`.
void redactJson(json& j, const Redactor& redactor) {
  if (j.is_string()) {
    j = redactor.apply(j.get<std::string>());
  } else if (j.is_structured()) {
    for (auto& item : j) redactJson(item, redactor);
  }
}

void emit(const std::string& text, const Redactor& redactor, std::ostream& out) {
  out << redactor.apply(text);
}

void emitJson(json j, const Redactor& redactor, std::ostream& out) {
  redactJson(j, redactor);
  out << j.dump(2) << "\n";
}

StatusOr<ProbeInputs> parseInputs(const TriggerProbeOptions& options) {
  ProbeInputs inputs;
  TIDAL_ASSIGN_OR_RETURN(inputs.auth, parseAssignments(options.auth, "--auth"));
  TIDAL_ASSIGN_OR_RETURN(inputs.env, parseAssignments(options.env, "--env"));
  if (options.timeout.count() <= 0) {
    return invalidArgument("--http-timeout-ms must be greater than 0");
  }
  inputs.timeout = options.timeout;
  return inputs;
}

// `--type T --metadata {...}`: one trigger from the command line.
int probeOne(const TriggerProbeOptions& options, const ProbeInputs& inputs,
             const scalers::ScalerContext& context, std::ostream& out, std::ostream& err) {
  if (options.index < 0) {
    err << "tidal trigger probe: --index must be 0 or greater\n";
    return 2;
  }
  scalers::ScalerConfig config;
  config.triggerType = options.type;
  config.triggerIndex = options.index;
  config.metricType = options.metricType;
  config.scalableObjectName = "trigger-probe";
  config.scalableObjectNamespace = "default";
  config.globalHttpTimeout = inputs.timeout;
  config.authParams = inputs.auth;
  config.resolvedEnv = inputs.env;
  auto metadata = parseStringMapJson(options.metadataJson, "--metadata");
  if (!metadata.isOk()) {
    err << "tidal trigger probe: " << metadata.status().message() << "\n";
    return 2;
  }
  config.triggerMetadata = std::move(metadata).value();
  Redactor redactor;
  registerSecrets(config, redactor);
  TriggerResult t;
  t.index = options.index;
  t.type = options.type;
  probeScaler(config, context, t);
  if (options.output == OutputFormat::kJson) {
    emitJson(json{{"ok", !t.failed()}, {"triggers", json::array({triggerJson(t)})}}, redactor, out);
  } else {
    std::ostringstream text;
    printTrigger(t, text);
    text << summary({&t});
    emit(text.str(), redactor, out);
  }
  return t.failed() ? 1 : 0;
}

int probeFiles(const TriggerProbeOptions& options, const ProbeInputs& inputs,
               const scalers::ScalerContext& context, std::istream& in, std::ostream& out,
               std::ostream& err) {
  std::vector<std::pair<std::string, std::vector<api::ManifestDocument>>> parsed;
  std::vector<ObjectResult> results;
  for (const std::string& file : options.files) {
    std::stringstream ss;
    if (file == "-") {
      ss << in.rdbuf();
    } else {
      std::ifstream f(file, std::ios::binary);
      if (!f) {
        err << fmt::format("tidal trigger probe: cannot read {}: {}\n", file, std::strerror(errno));
        return 2;
      }
      ss << f.rdbuf();
    }
    const std::string name = file == "-" ? "<stdin>" : file;
    auto docs = api::parseManifests(ss.str(), name);
    if (!docs.isOk()) {
      ObjectResult r;
      r.file = name;
      r.kind = "(file)";
      r.name = name;
      r.error = docs.status().message();
      results.push_back(std::move(r));
      continue;
    }
    parsed.emplace_back(name, std::move(docs).value());
  }
  // Secrets and TriggerAuthentications may come in any file or order: index them first.
  OfflineCluster cluster;
  for (const auto& [name, docs] : parsed) {
    for (const auto& doc : docs) cluster.add(doc.json);
  }
  Redactor redactor;
  for (const auto& [name, docs] : parsed) {
    for (const auto& doc : docs) {
      const std::string kind = api::stringField(doc.json, "kind");
      if (api::stringField(doc.json, "apiVersion").rfind("keda.sh/", 0) != 0 ||
          (kind != "ScaledObject" && kind != "ScaledJob")) {
        continue;
      }
      results.push_back(probeObject(doc, name, cluster, inputs, context, redactor));
    }
  }
  if (results.empty()) {
    err << "tidal trigger probe: no ScaledObject or ScaledJob in the given files\n";
    return 1;
  }
  bool failed = false;
  std::vector<const TriggerResult*> all;
  for (const ObjectResult& r : results) {
    failed = failed || !r.error.empty();
    for (const TriggerResult& t : r.triggers) {
      all.push_back(&t);
      failed = failed || t.failed();
    }
  }
  if (options.output == OutputFormat::kJson) {
    json objects = json::array();
    for (const ObjectResult& r : results) {
      json o{{"file", r.file}, {"line", r.line}, {"kind", r.kind}, {"name", r.name}};
      if (!r.namespace_.empty()) o["namespace"] = r.namespace_;
      if (!r.error.empty()) o["error"] = r.error;
      json triggers = json::array();
      for (const TriggerResult& t : r.triggers) triggers.push_back(triggerJson(t));
      o["triggers"] = std::move(triggers);
      objects.push_back(std::move(o));
    }
    emitJson(json{{"ok", !failed}, {"objects", std::move(objects)}}, redactor, out);
  } else {
    std::ostringstream text;
    for (const ObjectResult& r : results) {
      const std::string key = r.namespace_.empty() ? r.name : r.namespace_ + "/" + r.name;
      text << fmt::format("{}:{}: {} {}\n", r.file, r.line, r.kind, key);
      if (!r.error.empty()) text << fmt::format("  ERROR: {}\n", r.error);
      for (const TriggerResult& t : r.triggers) printTrigger(t, text);
    }
    text << summary(all);
    emit(text.str(), redactor, out);
  }
  return failed ? 1 : 0;
}

}  // namespace

int runTriggerProbe(const TriggerProbeOptions& options, std::istream& in, std::ostream& out,
                    std::ostream& err) {
  const bool single = !options.type.empty();
  if (single && !options.files.empty()) {
    err << "tidal trigger probe: give either FILE... or --type, not both\n";
    return 2;
  }
  if (!single && options.files.empty()) {
    err << "tidal trigger probe: nothing to probe; usage: tidal trigger probe FILE... or "
           "tidal trigger probe --type T --metadata JSON\n";
    return 2;
  }
  if (!single && (options.metadataJson != "{}" || !options.metricType.empty())) {
    err << "tidal trigger probe: --metadata and --metric-type need --type\n";
    return 2;
  }
  auto inputs = parseInputs(options);
  if (!inputs.isOk()) {
    err << "tidal trigger probe: " << inputs.status().message() << "\n";
    return 2;
  }
  scalers::ScalerContext context;
  if (options.clock != nullptr) context.clock = options.clock;
  return single ? probeOne(options, *inputs, context, out, err)
                : probeFiles(options, *inputs, context, in, out, err);
}

}  // namespace tidal::cli
