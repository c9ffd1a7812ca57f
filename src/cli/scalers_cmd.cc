// `tidal scalers`: the built-in scalers and their parameter tables, from the same declarations
// that parse triggers.
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/strings.h"
#include "common/version.h"
#include "scalers/registry.h"

namespace tidal::cli {

std::string markdownTable(const scalers::ScalerType& t) {
  std::string out = "| parameter | type | required / default | sources | description |\n";
  out += "|---|---|---|---|---|\n";
  for (const auto& p : t.params) {
    std::vector<std::string> sources;
    for (auto s : p.order) sources.emplace_back(scalers::paramSourceName(s));
    std::string names = "`" + p.names.front() + "`";
    for (size_t i = 1; i < p.names.size(); ++i) names += " (alias `" + p.names[i] + "`)";
    std::string req = p.deprecated     ? "deprecated: " + *p.deprecated
                      : p.defaultValue ? "default `" + *p.defaultValue + "`"
                      : p.optional     ? "optional"
                                       : "required";
    if (!p.enumValues.empty()) req += "; one of " + join(p.enumValues, ", ");
    out += fmt::format("| {} | {} | {} | {} | {} |\n", names, scalers::paramKindName(p.kind), req,
                       join(sources, ", "), p.description);
  }
  return out;
}

int runScalers(bool json, std::ostream& out, const std::string& markdownType) {
  const auto types = scalers::builtinRegistry().list();
  if (!markdownType.empty()) {
    const scalers::ScalerType* t = scalers::builtinRegistry().find(markdownType);
    if (t == nullptr) {
      out << fmt::format("no built-in scaler named \"{}\"\n", markdownType);
      return 2;
    }
    out << markdownTable(*t);
    return 0;
  }
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto* t : types) {
      nlohmann::json params = nlohmann::json::array();
      for (const auto& p : t->params) params.push_back(p.toJson());
      arr.push_back({{"type", t->name}, {"description", t->description}, {"parameters", params}});
    }
    out << arr.dump(2) << "\n";
    return 0;
  }
  for (const auto* t : types) {
    out << fmt::format("{}: {}\n", t->name, t->description);
    for (const auto& p : t->params) {
      std::vector<std::string> sources;
      for (auto s : p.order) sources.emplace_back(scalers::paramSourceName(s));
      std::string flags = p.deprecated     ? "deprecated"
                          : p.defaultValue ? fmt::format("default {}", *p.defaultValue)
                          : p.optional     ? "optional"
                                           : "required";
      if (!p.enumValues.empty()) flags += fmt::format(", one of {}", join(p.enumValues, "|"));
      std::string names = p.names.front();
      if (p.names.size() > 1) {
        names +=
            fmt::format(" (alias {})",
                        join(std::vector<std::string>(p.names.begin() + 1, p.names.end()), ", "));
      }
      out << fmt::format("  {:<28} {:<14} {:<36} {}\n", names, scalers::paramKindName(p.kind),
                         flags, join(sources, ","));
      if (!p.description.empty()) out << fmt::format("  {:<28} {}\n", "", p.description);
    }
  }
  return 0;
}

int runVersion(std::ostream& out) {
  out << fmt::format("tidal {} (KEDA API keda.sh/v1alpha1)\n", kVersion);
  return 0;
}

}  // namespace tidal::cli
