// `tidal check FILE...`: offline validation of KEDA manifests, and a preview of what tidal would do
// with them (the HPA it would create, each trigger's metric, target and activation).
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/defaults.h"
#include "api/manifest.h"
#include "api/validation.h"
#include "cli/commands.h"
#include "cli/trigger_config.h"
#include "common/strings.h"
#include "common/version.h"
#include "controller/hpa_builder.h"
#include "scalers/registry.h"

namespace tidal::cli {
namespace {

using nlohmann::json;

struct TriggerReport {
  int index = 0;
  std::string type;
  std::string name;
  std::vector<scalers::MetricSpec> specs;
  std::optional<double> activation;
  bool parsed = false;
  std::string note;  // what could not be checked offline
};

struct ObjectReport {
  std::string file;
  int line = 0;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::vector<api::Issue> errors;
  std::vector<api::Issue> warnings;
  std::vector<int> errorLines;
  std::vector<int> warningLines;
  std::vector<TriggerReport> triggers;
  json hpa;  // null when not a ScaledObject or not buildable
  std::string note;

  bool valid() const { return errors.empty(); }
  std::string key() const {
    return namespace_.empty() ? name : fmt::format("{}/{}", namespace_, name);
  }
};

// Whether a trigger takes values that are only known in the cluster (auth or env), so a missing
// parameter may just be one that arrives from there.
bool dependsOnCluster(const api::ScaleTrigger& t) {
  if (t.authenticationRef) return true;
  for (const auto& [k, _] : t.metadata) {
    if (endsWith(k, "FromEnv")) return true;
  }
  return false;
}

// The parameters each TriggerAuthentication/ClusterTriggerAuthentication in the checked files
// provides, keyed "TriggerAuthentication/<namespace>/<name>" or
// "ClusterTriggerAuthentication/<name>".
using AuthIndex = std::map<std::string, std::set<std::string>, std::less<>>;

std::string authKey(const std::string& kind, const std::string& ns, const std::string& name) {
  return kind == "ClusterTriggerAuthentication"
             ? kind + "/" + name
             : kind + "/" + (ns.empty() ? "default" : ns) + "/" + name;
}

void indexAuthentication(const json& doc, AuthIndex& index) {
  api::Issues ignored;
  auto decoded = api::decodeKedaObject(doc, ignored);
  if (!decoded.isOk()) return;
  const auto* ta = std::get_if<api::TriggerAuthentication>(&*decoded);
  if (ta == nullptr) return;
  std::set<std::string>& params =
      index[authKey(ta->kind(), ta->metadata.namespace_, ta->metadata.name)];
  for (const auto& r : ta->spec.secretTargetRef) params.insert(r.parameter);
  for (const auto& r : ta->spec.configMapTargetRef) params.insert(r.parameter);
  for (const auto& e : ta->spec.env) params.insert(e.parameter);
  for (const auto& b : ta->spec.boundServiceAccountToken) params.insert(b.parameter);
}

// A value of the right shape for a parameter whose real value lives in the cluster.
std::string placeholder(const scalers::ParamInfo& p) {
  if (p.example) return *p.example;
  if (!p.enumValues.empty()) return p.enumValues.front();
  switch (p.kind) {
    case scalers::ParamKind::kBool:
      return "false";
    case scalers::ParamKind::kInt:
    case scalers::ParamKind::kFloat:
    case scalers::ParamKind::kIntList:
      return "1";
    case scalers::ParamKind::kDuration:
      return "1s";
    case scalers::ParamKind::kStringMap:
      return "key=value";
    default:
      return "placeholder";
  }
}

// Fills authParams and resolvedEnv with placeholders for what the cluster would supply: the
// parameters of a referenced TriggerAuthentication found in the checked files (or, when it is not
// among them, every required parameter that may come from authentication), and the variables named
// by `<param>FromEnv` keys. Returns a note for the report, or "" when nothing was substituted.
std::string fillFromCluster(const api::ScaleTrigger& t, const std::string& ns,
                            const AuthIndex& auth, scalers::ScalerConfig& config) {
  const scalers::ScalerType* type = scalers::builtinRegistry().find(t.type);
  if (type == nullptr) return "";
  std::vector<std::string> filled;
  const std::set<std::string>* provided = nullptr;
  if (t.authenticationRef) {
    auto it = auth.find(
        authKey(api::authenticationKind(*t.authenticationRef), ns, t.authenticationRef->name));
    if (it != auth.end()) provided = &it->second;
  }
  for (const auto& p : type->params) {
    const bool inMetadata = std::any_of(p.names.begin(), p.names.end(),
                                        [&](const auto& n) { return t.metadata.count(n) > 0; });
    if (inMetadata) continue;
    const bool fromAuth = std::find(p.order.begin(), p.order.end(),
                                    scalers::ParamSource::kAuthParams) != p.order.end();
    bool supplied = false;
    if (provided != nullptr) {
      supplied = std::any_of(p.names.begin(), p.names.end(),
                             [&](const auto& n) { return provided->count(n) > 0; });
    } else if (t.authenticationRef) {
      supplied = fromAuth && !p.optional && !p.defaultValue && !p.deprecated;
    }
    if (supplied) {
      config.authParams[p.names.front()] = placeholder(p);
      filled.push_back(p.names.front());
    }
    for (const auto& n : p.names) {
      auto env = t.metadata.find(n + "FromEnv");
      if (env != t.metadata.end()) {
        config.resolvedEnv[env->second] = placeholder(p);
        filled.push_back(n + " (from env " + env->second + ")");
      }
    }
  }
  if (filled.empty()) return "";
  return "not checked offline (supplied by the cluster): " + join(filled, ", ");
}

void checkTriggers(const std::vector<api::ScaleTrigger>& triggers, const api::ObjectMeta& meta,
                   const std::string& kind, const AuthIndex& auth, api::Issues& issues,
                   ObjectReport& report) {
  const auto& registry = scalers::builtinRegistry();
  scalers::ScalerContext context;
  for (size_t i = 0; i < triggers.size(); ++i) {
    const api::ScaleTrigger& t = triggers[i];
    TriggerReport tr;
    tr.index = static_cast<int>(i);
    tr.type = t.type;
    tr.name = t.name;
    if (t.type.empty()) {
      report.triggers.push_back(std::move(tr));
      continue;
    }
    const std::string path = api::fieldPath(api::fieldPath("spec.triggers", i), "metadata");
    scalers::ScalerConfig config = triggerConfig(t, static_cast<int>(i), meta, kind);
    tr.note = fillFromCluster(t, meta.namespace_, auth, config);
    auto scaler = registry.create(config, context);
    if (!scaler.isOk() && scaler.status().retryable()) {
      // The metadata parsed, but building the scaler asks its server (external scalers get their
      // metric specs by gRPC), which is not reachable from here: nothing is known to be wrong.
      issues.warning(path, scaler.status().message() +
                               " (not checked offline: this scaler asks its server for its "
                               "metrics when it is built)");
      report.triggers.push_back(std::move(tr));
      continue;
    }
    if (!scaler.isOk()) {
      // A scaler reports every problem, one per line: each becomes its own issue.
      for (const std::string& msg : split(scaler.status().message(), '\n', false)) {
        if (msg.empty()) continue;
        if (registry.find(t.type) == nullptr) {
          issues.error(api::fieldPath(api::fieldPath("spec.triggers", i), "type"), msg);
        } else if (dependsOnCluster(t) &&
                   msg.find("missing required parameter") != std::string::npos) {
          issues.warning(path, msg +
                                   " (not checked offline: the value may come from the "
                                   "TriggerAuthentication or the target's environment)");
        } else {
          issues.error(path, msg);
        }
      }
      report.triggers.push_back(std::move(tr));
      continue;
    }
    tr.parsed = true;
    tr.specs = (*scaler)->metricSpecs();
    tr.activation = (*scaler)->activationTarget();
    (*scaler)->close();
    report.triggers.push_back(std::move(tr));
  }
}

void checkObject(const api::ManifestDocument& doc, const std::string& file, const AuthIndex& auth,
                 std::vector<ObjectReport>& reports) {
  ObjectReport report;
  report.file = file;
  report.line = doc.line;
  report.kind = api::stringField(doc.json, "kind");
  if (doc.json.contains("metadata") && doc.json["metadata"].is_object()) {
    report.name = api::stringField(doc.json["metadata"], "name");
    report.namespace_ = api::stringField(doc.json["metadata"], "namespace");
  }
  const std::string apiVersion = api::stringField(doc.json, "apiVersion");
  if (apiVersion.rfind("keda.sh/", 0) != 0) {
    report.note = fmt::format("skipped: {} {} is not a keda.sh kind", apiVersion, report.kind);
    reports.push_back(std::move(report));
    return;
  }
  api::Issues issues;
  auto decoded = api::decodeKedaObject(doc.json, issues);
  if (!decoded.isOk()) {
    issues.error("", decoded.status().message());
  } else if (auto* so = std::get_if<api::ScaledObject>(&*decoded)) {
    api::validateScaledObject(*so, issues);
    checkTriggers(so->spec.triggers, so->metadata, "ScaledObject", auth, issues, report);
    bool allParsed = std::all_of(report.triggers.begin(), report.triggers.end(),
                                 [](const TriggerReport& t) { return t.parsed; });
    // The HPA preview only for an object the API server and tidal would accept.
    if (allParsed && !report.triggers.empty() && !issues.hasErrors()) {
      controller::HpaInputs inputs;
      inputs.scaledObject = so;
      inputs.version = kVersion;
      for (const auto& t : report.triggers) inputs.metricSpecs.push_back(t.specs);
      auto hpa = controller::buildHpa(inputs);
      if (hpa.isOk()) {
        report.hpa = std::move(*hpa);
      } else {
        issues.error("spec.triggers", hpa.status().message());
      }
    }
  } else if (auto* sj = std::get_if<api::ScaledJob>(&*decoded)) {
    api::validateScaledJob(*sj, issues);
    checkTriggers(sj->spec.triggers, sj->metadata, "ScaledJob", auth, issues, report);
  } else if (auto* ta = std::get_if<api::TriggerAuthentication>(&*decoded)) {
    api::validateTriggerAuthentication(*ta, issues);
  }
  for (const auto& issue : issues.all()) {
    const int line = doc.lineOf(issue.path);
    if (issue.severity == api::Severity::kError) {
      report.errors.push_back(issue);
      report.errorLines.push_back(line);
    } else {
      report.warnings.push_back(issue);
      report.warningLines.push_back(line);
    }
  }
  reports.push_back(std::move(report));
}

std::string describeTarget(const scalers::MetricSpec& spec) {
  return fmt::format("{} {}", spec.targetType, spec.targetString());
}

void printText(const std::vector<ObjectReport>& reports, std::ostream& out) {
  for (const auto& r : reports) {
    if (!r.note.empty()) {
      out << fmt::format("{}:{}: {}\n", r.file, r.line, r.note);
      continue;
    }
    out << fmt::format("{}:{}: {} {}: {}\n", r.file, r.line, r.kind, r.key(),
                       r.valid() ? "valid" : "INVALID");
    for (size_t i = 0; i < r.errors.size(); ++i) {
      const auto& e = r.errors[i];
      out << fmt::format("  error: {}:{}: {}{}{}\n", r.file, r.errorLines[i], e.path,
                         e.path.empty() ? "" : ": ", e.message);
    }
    for (size_t i = 0; i < r.warnings.size(); ++i) {
      const auto& w = r.warnings[i];
      out << fmt::format("  warning: {}:{}: {}{}{}\n", r.file, r.warningLines[i], w.path,
                         w.path.empty() ? "" : ": ", w.message);
    }
    for (const auto& t : r.triggers) {
      if (!t.parsed) continue;
      const std::string label =
          t.name.empty() ? fmt::format("trigger {} ({})", t.index, t.type)
                         : fmt::format("trigger {} ({}, name {})", t.index, t.type, t.name);
      for (const auto& spec : t.specs) {
        const std::string activation =
            t.activation ? fmt::format("activation > {}", *t.activation)
                         : std::string(t.type == "cron" ? "active inside the cron window"
                                                        : "no activation (never scales to zero)");
        out << fmt::format("  {}: metric {}, target {}, {}\n", label, spec.metricName,
                           describeTarget(spec), activation);
      }
      if (!t.note.empty()) out << fmt::format("    {}\n", t.note);
    }
    if (!r.hpa.is_null()) {
      const json& spec = r.hpa["spec"];
      out << fmt::format("  HPA {}: minReplicas {}, maxReplicas {}, target {} {}\n",
                         r.hpa["metadata"]["name"].get<std::string>(),
                         spec["minReplicas"].get<int>(), spec["maxReplicas"].get<int>(),
                         spec["scaleTargetRef"]["kind"].get<std::string>(),
                         spec["scaleTargetRef"]["name"].get<std::string>());
      for (const auto& m : spec["metrics"]) {
        const std::string type = m["type"];
        if (type == "External") {
          const json& target = m["external"]["target"];
          out << fmt::format(
              "    External {} {} {}\n", m["external"]["metric"]["name"].get<std::string>(),
              target["type"].get<std::string>(),
              target.contains("averageValue") ? target["averageValue"].get<std::string>()
                                              : target["value"].get<std::string>());
        } else {
          const json& res = type == "Resource" ? m["resource"] : m["containerResource"];
          const json& target = res["target"];
          out << fmt::format("    {} {} {} {}\n", type, res["name"].get<std::string>(),
                             target["type"].get<std::string>(),
                             target.contains("averageUtilization")
                                 ? target["averageUtilization"].dump() + "%"
                                 : target["averageValue"].get<std::string>());
        }
      }
      if (spec.contains("behavior")) out << "    behavior: " << spec["behavior"].dump() << "\n";
    }
  }
}

json issuesJson(const std::vector<api::Issue>& issues, const std::vector<int>& lines) {
  json arr = json::array();
  for (size_t i = 0; i < issues.size(); ++i) {
    arr.push_back({{"path", issues[i].path}, {"line", lines[i]}, {"message", issues[i].message}});
  }
  return arr;
}

json reportJson(const ObjectReport& r) {
  json j{{"file", r.file}, {"line", r.line}, {"kind", r.kind}, {"name", r.name}};
  if (!r.namespace_.empty()) j["namespace"] = r.namespace_;
  if (!r.note.empty()) {
    j["skipped"] = r.note;
    return j;
  }
  j["valid"] = r.valid();
  j["errors"] = issuesJson(r.errors, r.errorLines);
  j["warnings"] = issuesJson(r.warnings, r.warningLines);
  json triggers = json::array();
  for (const auto& t : r.triggers) {
    json tj{{"index", t.index}, {"type", t.type}, {"parsed", t.parsed}};
    if (!t.name.empty()) tj["name"] = t.name;
    json metrics = json::array();
    for (const auto& spec : t.specs) {
      metrics.push_back({{"metricName", spec.metricName},
                         {"targetType", spec.targetType},
                         {"target", spec.targetString()}});
    }
    tj["metrics"] = std::move(metrics);
    tj["activationTarget"] = t.activation ? json(*t.activation) : json(nullptr);
    if (!t.note.empty()) tj["note"] = t.note;
    triggers.push_back(std::move(tj));
  }
  j["triggers"] = std::move(triggers);
  if (!r.hpa.is_null()) j["hpa"] = r.hpa;
  return j;
}

}  // namespace

int runCheck(const CheckOptions& options, std::istream& in, std::ostream& out, std::ostream& err) {
  if (options.files.empty()) {
    err << "tidal check: no files given; usage: tidal check FILE... (\"-\" reads stdin)\n";
    return 2;
  }
  std::vector<ObjectReport> reports;
  std::vector<std::pair<std::string, std::vector<api::ManifestDocument>>> parsed;
  bool failed = false;
  for (const auto& file : options.files) {
    std::string text;
    if (file == "-") {
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    } else {
      std::ifstream f(file, std::ios::binary);
      if (!f) {
        err << fmt::format("tidal check: cannot read {}: {}\n", file, std::strerror(errno));
        return 2;
      }
      std::stringstream ss;
      ss << f.rdbuf();
      text = ss.str();
    }
    const std::string name = file == "-" ? "<stdin>" : file;
    auto docs = api::parseManifests(text, name);
    if (!docs.isOk()) {
      ObjectReport r;
      r.file = name;
      r.kind = "(file)";
      r.name = name;
      r.errors.push_back({api::Severity::kError, "", docs.status().message()});
      r.errorLines.push_back(0);
      reports.push_back(std::move(r));
      failed = true;
      continue;
    }
    parsed.emplace_back(name, std::move(*docs));
  }
  // TriggerAuthentications may come in any file or order: index them first.
  AuthIndex auth;
  for (const auto& [name, docs] : parsed) {
    for (const auto& doc : docs) indexAuthentication(doc.json, auth);
  }
  for (const auto& [name, docs] : parsed) {
    for (const auto& doc : docs) checkObject(doc, name, auth, reports);
  }
  for (const auto& r : reports) failed = failed || !r.valid();
  if (options.output == OutputFormat::kJson) {
    json arr = json::array();
    for (const auto& r : reports) arr.push_back(reportJson(r));
    out << json{{"valid", !failed}, {"objects", std::move(arr)}}.dump(2) << "\n";
  } else {
    printText(reports, out);
    size_t objects = 0;
    size_t invalid = 0;
    for (const auto& r : reports) {
      if (!r.note.empty()) continue;
      ++objects;
      if (!r.valid()) ++invalid;
    }
    out << fmt::format("{} object(s) checked, {} invalid\n", objects, invalid);
  }
  return failed ? 1 : 0;
}

}  // namespace tidal::cli
