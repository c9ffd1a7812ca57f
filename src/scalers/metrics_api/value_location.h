// Finding the metric value in a metrics-api response: `valueLocation` read against the body in
// the trigger's `format`.
//
//   json        a GJSON path: keys separated by '.', `\` escapes a '.', '*' and '?' wildcards in a
//               key (first match in document order), numeric array indices, '#' for an array's
//               length. GJSON queries (`#(...)`) and modifiers (`@reverse`) are refused when the
//               trigger is parsed.
//   yaml, xml   a dot path of map keys (XML: element names, starting with the root element) with
//               numeric list indices (XML: the n-th of the repeated elements so named).
//   prometheus  a selector `name` or `name{label="value",...}`: the first sample of that metric
//               whose labels include every listed pair (counter, gauge or untyped).
//
// The value found must be a number or a string that parses as a Kubernetes Quantity ("64",
// "1k", "250m"); anything else is kInvalidArgument with KEDA's wording. Pure functions, no I/O.
//
// Example:
//   auto loc = ValueLocation::parse(ValueFormat::kJson, "components.0.tasks");
//   loc->find(R"({"components":[{"tasks":"2k"}]})") == 2000.0
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tidal::scalers::metrics_api {

enum class ValueFormat { kJson, kYaml, kXml, kPrometheus };

// "json", "yaml", "xml", "prometheus" and back; the parser fails on anything else.
std::string_view valueFormatName(ValueFormat format);
StatusOr<ValueFormat> valueFormatFromName(std::string_view name);

class ValueLocation {
 public:
  // Checks `location` for `format` (kInvalidArgument naming what is wrong).
  static StatusOr<ValueLocation> parse(ValueFormat format, std::string_view location);

  // The value at this location in `body`. Errors are kInvalidArgument: the body does not parse,
  // the location is absent, or it holds something that is not a number.
  StatusOr<double> find(std::string_view body) const;

  ValueFormat format() const { return format_; }
  const std::string& text() const { return text_; }

 private:
  struct LabelMatcher {
    std::string name;
    std::string value;
  };

  ValueFormat format_ = ValueFormat::kJson;
  std::string text_;
  std::vector<std::string> path_;  // json, yaml, xml: the unescaped components
  std::string metric_;             // prometheus
  std::vector<LabelMatcher> labels_;

  Status parsePrometheusSelector(std::string_view selector);
  StatusOr<double> findJson(std::string_view body) const;
  StatusOr<double> findYaml(std::string_view body) const;
  StatusOr<double> findXml(std::string_view body) const;
  StatusOr<double> findPrometheus(std::string_view body) const;
};

// A number, or a string parsed as a Kubernetes Quantity; `what` names the location in errors.
StatusOr<double> numberFromText(std::string_view text, std::string_view location);

// The error for a location holding a `type` ("Null", "JSON", "map", ...) instead of a number.
Status notNumericError(std::string_view location, std::string_view type);

}  // namespace tidal::scalers::metrics_api
