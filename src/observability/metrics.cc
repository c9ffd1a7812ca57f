#include "observability/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include <fmt/format.h>

namespace tidal::obs {

std::string_view metricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// ---- formatting ---------------------------------------------------------------------------------

void appendPromFloat(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (v == 0) {  // also -0, which the Go client prints as "0"
    out += '0';
    return;
  }
  // Go's 'g' with the shortest precision picks %e when the decimal exponent is < -4 or >= 6
  // (the fixed threshold of 6 applies whatever the digit count), %f otherwise; both use the
  // shortest digits that round-trip, which is what std::to_chars without a precision gives.
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view s(buf, static_cast<size_t>(sci.ptr - buf));
  // The exponent, e.g. "e+06" -> 6, "e-05" -> -5 (the buffer is not NUL-terminated).
  std::string_view expText = s.substr(s.find('e') + 1);
  bool negative = expText.front() == '-';
  int exp = 0;
  std::from_chars(expText.data() + 1, expText.data() + expText.size(), exp);
  if (negative) exp = -exp;
  if (exp < -4 || exp >= 6) {
    out += s;  // to_chars writes at least two exponent digits, as Go does
    return;
  }
  auto fixed = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  out.append(buf, static_cast<size_t>(fixed.ptr - buf));
}

std::string formatPromFloat(double v) {
  std::string s;
  appendPromFloat(s, v);
  return s;
}

void appendEscapedLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void appendEscapedHelp(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

namespace {

bool isAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// One series' labels in exposition order, e.g. `namespace="a",scaledObject="b"` (no braces), so
// that a histogram can append `le` before closing.
void appendLabelPairs(std::string& out, std::span<const std::string_view> names,
                      std::span<const std::string_view> values) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    appendEscapedLabelValue(out, values[i]);
    out += '"';
  }
}

void appendSample(std::string& out, std::string_view name, std::string_view suffix,
                  std::string_view labels, std::string_view extraLabel, double value) {
  out += name;
  out += suffix;
  if (!labels.empty() || !extraLabel.empty()) {
    out += '{';
    out += labels;
    if (!labels.empty() && !extraLabel.empty()) out += ',';
    out += extraLabel;
    out += '}';
  }
  out += ' ';
  appendPromFloat(out, value);
  out += '\n';
}

void appendHeader(std::string& out, std::string_view name, std::string_view help, MetricType type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  appendEscapedHelp(out, help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += metricTypeName(type);
  out += '\n';
}

template <typename A, typename B>
bool lexLess(std::span<const A> a, std::span<const B> b) {
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(),
      [](const auto& x, const auto& y) { return std::string_view(x) < std::string_view(y); });
}

}  // namespace

bool isValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(isAlpha(c) || c == ':' || (i > 0 && isDigit(c)))) return false;
  }
  return true;
}

bool isValidLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!(isAlpha(c) || (i > 0 && isDigit(c)))) return false;
  }
  return true;
}

// ---- values -------------------------------------------------------------------------------------

void Counter::inc(double delta) {
  if (!(delta >= 0)) return;  // negative or NaN
  value_.fetch_add(delta, std::memory_order_relaxed);
}

Histogram::Histogram(std::shared_ptr<const std::vector<double>> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_->size() + 1)) {}

void Histogram::observe(double v) {
  const auto& b = *bounds_;
  size_t i = std::isnan(v)
                 ? b.size()
                 : static_cast<size_t>(std::lower_bound(b.begin(), b.end(), v) - b.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.resize(bounds_->size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i < s.cumulative.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// ---- families -----------------------------------------------------------------------------------

namespace internal {

namespace {

// <0, 0, >0 as the packed key's values compare with `values` (same count).
int comparePacked(std::string_view packed, std::span<const std::string_view> values) {
  size_t pos = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    size_t end = packed.find('\0', pos);
    if (end == std::string_view::npos) end = packed.size();
    if (int c = packed.substr(pos, end - pos).compare(values[i]); c != 0) return c;
    pos = end + 1;
  }
  return 0;
}

bool hasNul(std::span<const std::string_view> values) {
  return std::any_of(values.begin(), values.end(),
                     [](std::string_view v) { return v.find('\0') != std::string_view::npos; });
}

// Values with every NUL replaced by U+FFFD, kept alive in `storage`.
std::vector<std::string_view> withoutNul(std::span<const std::string_view> values,
                                         std::vector<std::string>& storage) {
  storage.assign(values.begin(), values.end());
  std::vector<std::string_view> out;
  for (std::string& v : storage) {
    for (size_t at = v.find('\0'); at != std::string::npos; at = v.find('\0', at + 3)) {
      v.replace(at, 1, "\xEF\xBF\xBD");
    }
    out.emplace_back(v);
  }
  return out;
}

}  // namespace

bool PackedLabelsLess::operator()(const std::string& a, std::span<const std::string_view> b) const {
  return comparePacked(a, b) < 0;
}
bool PackedLabelsLess::operator()(std::span<const std::string_view> a, const std::string& b) const {
  return comparePacked(b, a) > 0;
}

std::string packLabelValues(std::span<const std::string_view> values) {
  size_t size = values.empty() ? 0 : values.size() - 1;
  for (std::string_view v : values) size += v.size();
  std::string packed;
  packed.reserve(size);
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) packed += '\0';
    packed += values[i];
  }
  return packed;
}

void unpackLabelValues(std::string_view packed, size_t count, std::vector<std::string_view>& out) {
  out.clear();
  size_t pos = 0;
  for (size_t i = 0; i < count; ++i) {
    size_t end = packed.find('\0', pos);
    if (end == std::string_view::npos) end = packed.size();
    out.push_back(pos <= packed.size() ? packed.substr(pos, end - pos) : std::string_view());
    pos = end + 1;
  }
}

FamilyBase::FamilyBase(std::string name, std::string help, MetricType type,
                       std::vector<std::string> labelNames)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      labelNames_(std::move(labelNames)) {
  sortedOrder_.resize(labelNames_.size());
  std::iota(sortedOrder_.begin(), sortedOrder_.end(), size_t{0});
  std::sort(sortedOrder_.begin(), sortedOrder_.end(),
            [this](size_t a, size_t b) { return labelNames_[a] < labelNames_[b]; });
}

size_t FamilyBase::labelIndex(std::string_view name) const {
  for (size_t i = 0; i < labelNames_.size(); ++i) {
    if (labelNames_[i] == name) return i;
  }
  return std::string::npos;
}

}  // namespace internal

template <typename T>
Family<T>::Family(std::string name, std::string help, MetricType type,
                  std::vector<std::string> labelNames,
                  std::shared_ptr<const std::vector<double>> bounds)
    : FamilyBase(std::move(name), std::move(help), type, std::move(labelNames)),
      bounds_(std::move(bounds)) {}

template <typename T>
typename Family<T>::Child Family<T>::makeChild() const {
  if constexpr (std::is_same_v<T, Histogram>) {
    return std::make_shared<Histogram>(bounds_);
  } else {
    return std::make_shared<T>();
  }
}

template <typename T>
typename Family<T>::Child Family<T>::withLabels(std::span<const std::string_view> values) {
  if (values.size() != labelNames().size()) {
    assert(false && "withLabels: wrong number of label values");
    return makeChild();
  }
  std::vector<std::string> storage;
  std::vector<std::string_view> clean;
  if (internal::hasNul(values)) {
    clean = internal::withoutNul(values, storage);
    values = clean;
  }
  {
    std::shared_lock lock(mu_);
    auto it = children_.find(values);
    if (it != children_.end()) return it->second;
  }
  std::unique_lock lock(mu_);
  auto it = children_.find(values);
  if (it != children_.end()) return it->second;
  return children_.emplace(internal::packLabelValues(values), makeChild()).first->second;
}

template <typename T>
typename Family<T>::Child Family<T>::withLabels(const std::vector<std::string>& values) {
  std::vector<std::string_view> views(values.begin(), values.end());
  return withLabels(std::span<const std::string_view>(views));
}

template <typename T>
bool Family<T>::remove(std::span<const std::string_view> values) {
  std::vector<std::string> storage;
  std::vector<std::string_view> clean;
  if (internal::hasNul(values)) {
    clean = internal::withoutNul(values, storage);
    values = clean;
  }
  std::unique_lock lock(mu_);
  auto it = children_.find(values);
  if (it == children_.end()) return false;
  children_.erase(it);
  return true;
}

template <typename T>
size_t Family<T>::removeMatching(std::span<const LabelPair> partial) {
  std::vector<std::pair<size_t, std::string_view>> want;
  want.reserve(partial.size());
  for (const auto& [name, value] : partial) {
    size_t i = labelIndex(name);
    if (i == std::string::npos) return 0;
    want.emplace_back(i, value);
  }
  const size_t n = labelNames().size();
  std::vector<std::string_view> values;
  std::unique_lock lock(mu_);
  return std::erase_if(children_, [&](const auto& entry) {
    internal::unpackLabelValues(entry.first, n, values);
    for (const auto& [i, value] : want) {
      if (values[i] != value) return false;
    }
    return true;
  });
}

template <typename T>
void Family<T>::clear() {
  std::unique_lock lock(mu_);
  children_.clear();
}

template <typename T>
size_t Family<T>::size() const {
  std::shared_lock lock(mu_);
  return children_.size();
}

template <typename T>
void Family<T>::render(std::string& out) const {
  std::shared_lock lock(mu_);
  if (children_.empty()) return;
  appendHeader(out, name(), help(), type());

  // The map is ordered by values in declaration order; the exposition orders series by values in
  // label-name order, so re-sort when the names were not declared sorted.
  const size_t n = labelNames().size();
  std::vector<std::string_view> names(n);
  for (size_t i = 0; i < n; ++i) names[i] = labelNames()[sortedOrder_[i]];
  bool declaredSorted = std::is_sorted(sortedOrder_.begin(), sortedOrder_.end());

  struct Row {
    std::vector<std::string_view> values;  // in exposition order
    const T* child;
  };
  std::vector<Row> rows;
  rows.reserve(children_.size());
  std::vector<std::string_view> declared;
  for (const auto& [key, child] : children_) {
    internal::unpackLabelValues(key, n, declared);
    Row row{std::vector<std::string_view>(n), child.get()};
    for (size_t i = 0; i < n; ++i) row.values[i] = declared[sortedOrder_[i]];
    rows.push_back(std::move(row));
  }
  if (!declaredSorted) {
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      return lexLess<std::string_view, std::string_view>(a.values, b.values);
    });
  }

  std::string labels;
  std::string le;
  for (const Row& row : rows) {
    labels.clear();
    appendLabelPairs(labels, names, row.values);
    if constexpr (std::is_same_v<T, Histogram>) {
      Histogram::Snapshot snap = row.child->snapshot();
      const auto& bounds = row.child->bounds();
      for (size_t i = 0; i <= bounds.size(); ++i) {
        le = "le=\"";
        if (i < bounds.size()) {
          appendPromFloat(le, bounds[i]);
        } else {
          le += "+Inf";
        }
        le += '"';
        appendSample(out, name(), "_bucket", labels, le, static_cast<double>(snap.cumulative[i]));
      }
      appendSample(out, name(), "_sum", labels, {}, snap.sum);
      appendSample(out, name(), "_count", labels, {}, static_cast<double>(snap.count));
    } else {
      appendSample(out, name(), {}, labels, {}, row.child->value());
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- registry -----------------------------------------------------------------------------------

Status Registry::checkNew(const std::string& name, MetricType type,
                          const std::vector<std::string>& labelNames) const {
  if (!isValidMetricName(name)) {
    return invalidArgument(
        fmt::format("metric name \"{}\" is invalid: expected [a-zA-Z_:][a-zA-Z0-9_:]*", name));
  }
  std::set<std::string_view> seen;
  for (const auto& label : labelNames) {
    if (!isValidLabelName(label)) {
      return invalidArgument(
          fmt::format("metric {}: label name \"{}\" is invalid: expected [a-zA-Z_][a-zA-Z0-9_]* "
                      "not starting with \"__\"",
                      name, label));
    }
    if (type == MetricType::kHistogram && label == "le") {
      return invalidArgument(
          fmt::format("histogram {}: label name \"le\" is reserved for bucket bounds", name));
    }
    if (!seen.insert(label).second) {
      return invalidArgument(fmt::format("metric {}: label name \"{}\" repeated", name, label));
    }
  }
  if (families_.contains(name)) {
    return {StatusCode::kAlreadyExists, fmt::format("metric {} is already registered", name)};
  }
  return Status::ok();
}

StatusOr<CounterFamily*> Registry::counter(std::string name, std::string help,
                                           std::vector<std::string> labelNames) {
  std::lock_guard lock(mu_);
  TIDAL_RETURN_IF_ERROR(checkNew(name, MetricType::kCounter, labelNames));
  auto family = std::make_unique<CounterFamily>(name, std::move(help), MetricType::kCounter,
                                                std::move(labelNames), nullptr);
  CounterFamily* raw = family.get();
  families_.emplace(std::move(name), std::move(family));
  return raw;
}

StatusOr<GaugeFamily*> Registry::gauge(std::string name, std::string help,
                                       std::vector<std::string> labelNames) {
  std::lock_guard lock(mu_);
  TIDAL_RETURN_IF_ERROR(checkNew(name, MetricType::kGauge, labelNames));
  auto family = std::make_unique<GaugeFamily>(name, std::move(help), MetricType::kGauge,
                                              std::move(labelNames), nullptr);
  GaugeFamily* raw = family.get();
  families_.emplace(std::move(name), std::move(family));
  return raw;
}

StatusOr<HistogramFamily*> Registry::histogram(std::string name, std::string help,
                                               std::vector<std::string> labelNames,
                                               std::vector<double> bounds) {
  if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0) bounds.pop_back();
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (std::isnan(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
      return invalidArgument(fmt::format(
          "histogram {}: bucket bounds must be strictly increasing numbers, got {} at index {}",
          name, formatPromFloat(bounds[i]), i));
    }
  }
  std::lock_guard lock(mu_);
  TIDAL_RETURN_IF_ERROR(checkNew(name, MetricType::kHistogram, labelNames));
  auto family = std::make_unique<HistogramFamily>(
      name, std::move(help), MetricType::kHistogram, std::move(labelNames),
      std::make_shared<const std::vector<double>>(std::move(bounds)));
  HistogramFamily* raw = family.get();
  families_.emplace(std::move(name), std::move(family));
  return raw;
}

void Registry::addCollector(Collector collector) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collector));
}

namespace {

void renderCollected(std::string& out, const CollectedFamily& family) {
  struct Row {
    std::vector<std::string_view> names;
    std::vector<std::string_view> values;
    double value;
  };
  std::vector<Row> rows;
  rows.reserve(family.samples.size());
  for (const auto& sample : family.samples) {
    std::vector<const LabelPair*> sorted;
    sorted.reserve(sample.labels.size());
    bool valid = true;
    for (const auto& pair : sample.labels) {
      valid = valid && isValidLabelName(pair.first);
      sorted.push_back(&pair);
    }
    if (!valid) continue;
    std::sort(sorted.begin(), sorted.end(),
              [](const LabelPair* a, const LabelPair* b) { return a->first < b->first; });
    Row row{{}, {}, sample.value};
    for (const LabelPair* p : sorted) {
      row.names.push_back(p->first);
      row.values.push_back(p->second);
    }
    rows.push_back(std::move(row));
  }
  if (rows.empty()) return;
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return lexLess<std::string_view, std::string_view>(a.values, b.values);
  });
  appendHeader(out, family.name, family.help, family.type);
  std::string labels;
  for (const Row& row : rows) {
    labels.clear();
    appendLabelPairs(labels, row.names, row.values);
    appendSample(out, family.name, {}, labels, {}, row.value);
  }
}

}  // namespace

std::string Registry::render() const {
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mu_);
    collectors = collectors_;
  }
  // Collectors run without the registry lock so that one may read other metrics.
  std::map<std::string, CollectedFamily, std::less<>> collected;
  for (const auto& collector : collectors) {
    for (auto& family : collector()) {
      if (!isValidMetricName(family.name) || family.type == MetricType::kHistogram) continue;
      collected.try_emplace(family.name, std::move(family));
    }
  }

  std::string out;
  std::lock_guard lock(mu_);
  out.reserve(256 * (families_.size() + collected.size()));
  auto fam = families_.begin();
  auto col = collected.begin();
  while (fam != families_.end() || col != collected.end()) {
    if (col == collected.end() || (fam != families_.end() && fam->first <= col->first)) {
      if (col != collected.end() && fam->first == col->first) ++col;  // registered wins
      fam->second->render(out);
      ++fam;
    } else {
      renderCollected(out, col->second);
      ++col;
    }
  }
  return out;
}

}  // namespace tidal::obs
