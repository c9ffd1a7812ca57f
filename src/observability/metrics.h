// A small Prometheus registry and its text exposition (format 0.0.4).
//
// Overview
//   A Registry owns metric families. A family has a name, a help text, a type (counter, gauge or
//   histogram) and a fixed list of label names. Each distinct list of label values is one series
//   (a "child"), obtained with `family.withLabels({...})`. A child is a shared handle to a few
//   atomics: keep it and update it from any thread without taking a lock. Finding or creating a
//   child takes the family's lock (shared for a lookup, exclusive for an insert).
//
//   Series can be deleted one at a time (`remove`) or by a partial label match
//   (`removeMatching`): KEDA deletes every series of a ScaledObject by namespace, name and type
//   before it records them again. A handle held across a removal stays safe to use but is
//   detached: its updates no longer show up; call withLabels() again to get the live series.
//
//   `Registry::render()` writes the whole registry in the text format the Prometheus Go client
//   produces: families sorted by name, `# HELP` and `# TYPE` lines, labels sorted by name, series
//   sorted by label values, numbers formatted as Go's strconv.FormatFloat(v, 'g', -1, 64)
//   (`1`, `0.5`, `1e+06`, `NaN`, `+Inf`). Families without series are left out, as the Go client
//   does. Values known only at scrape time (process metrics) come from collectors registered
//   with addCollector().
//
// Example
//   Registry registry;
//   auto requests = registry.counter("http_requests_total", "HTTP requests served.",
//                                    {"method", "code"});
//   if (!requests.isOk()) return requests.status();
//   std::shared_ptr<Counter> ok = (*requests)->withLabels({"GET", "200"});
//   ok->inc();                          // lock-free
//   std::string text = registry.render();
//
// Threading: every class here is thread-safe. Families live as long as their Registry; children
// live as long as someone holds them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace tidal::obs {

enum class MetricType { kCounter, kGauge, kHistogram };

// "counter", "gauge", "histogram" as written on a `# TYPE` line.
std::string_view metricTypeName(MetricType type);

// A label name and value, e.g. {"namespace", "default"}.
using LabelPair = std::pair<std::string, std::string>;

// A monotonically increasing value. Lock-free.
class Counter {
 public:
  // Adds `delta`; a negative or NaN delta is ignored (a counter never goes down).
  void inc(double delta = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// A value that can go up and down. Lock-free.
class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  void inc() { add(1.0); }
  void dec() { add(-1.0); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

// Observations counted into buckets with fixed upper bounds (inclusive, `le`). Lock-free.
class Histogram {
 public:
  // `bounds` must be strictly increasing and finite (the family checks this).
  explicit Histogram(std::shared_ptr<const std::vector<double>> bounds);

  // Counts `v` in the first bucket whose bound is >= v (NaN and values above every bound count
  // only in +Inf) and adds it to the sum.
  void observe(double v);

  // A consistent-enough view for rendering: cumulative counts per bound then +Inf; `count` is the
  // +Inf bucket, so buckets and count always agree even while observations race the scrape.
  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then one for +Inf
    double sum = 0.0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return *bounds_; }

 private:
  std::shared_ptr<const std::vector<double>> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_->size() + 1 slots, not cumulative
  std::atomic<double> sum_{0.0};
};

namespace internal {

// Orders label-value lists lexicographically; transparent so lookups need no allocation.
// A series' label values packed into one string, in declaration order, separated by NUL: one
// allocation per series instead of a vector of strings (a NUL inside a value is stored as
// U+FFFD). Packed strings compare as the value tuples do; the comparator also compares a packed
// key with unpacked values, so lookups need not pack.
struct PackedLabelsLess {
  using is_transparent = void;
  bool operator()(const std::string& a, const std::string& b) const { return a < b; }
  bool operator()(const std::string& a, std::span<const std::string_view> b) const;
  bool operator()(std::span<const std::string_view> a, const std::string& b) const;
};
std::string packLabelValues(std::span<const std::string_view> values);
// The values of a packed key; `out` gets exactly `count` views into `packed`.
void unpackLabelValues(std::string_view packed, size_t count, std::vector<std::string_view>& out);

// What every family type shares: identity, label names, and rendering of its series.
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> labelNames);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& labelNames() const { return labelNames_; }

  // Appends `# HELP`, `# TYPE` and every series; appends nothing when there is no series.
  virtual void render(std::string& out) const = 0;
  virtual size_t size() const = 0;

 protected:
  // Positions of label names in sorted order (exposition order), e.g. {1, 0} for {"b", "a"}.
  std::vector<size_t> sortedOrder_;
  // Index of each name in labelNames_, or npos; used by removeMatching.
  size_t labelIndex(std::string_view name) const;

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> labelNames_;
};

}  // namespace internal

// A family of series of one type, T = Counter, Gauge or Histogram.
template <typename T>
class Family : public internal::FamilyBase {
 public:
  using Child = std::shared_ptr<T>;

  // Returns the series for `values` (one per label name, in declaration order), creating it at
  // zero on first use. The handle stays valid forever (see the file comment about removal).
  // A wrong number of values is a programming error: asserted in debug builds; in release
  // builds a detached child (never rendered) is returned.
  Child withLabels(std::span<const std::string_view> values);
  Child withLabels(std::initializer_list<std::string_view> values) {
    return withLabels(std::span<const std::string_view>(values.begin(), values.size()));
  }
  Child withLabels(const std::vector<std::string>& values);

  // Deletes the series with exactly these values. Returns whether it existed.
  bool remove(std::span<const std::string_view> values);
  bool remove(std::initializer_list<std::string_view> values) {
    return remove(std::span<const std::string_view>(values.begin(), values.size()));
  }
  // Deletes every series whose labels include all of `partial` (name -> value). A name the
  // family does not have matches nothing (as the Go client's DeletePartialMatch). Returns how
  // many series were deleted.
  size_t removeMatching(std::span<const LabelPair> partial);
  size_t removeMatching(std::initializer_list<LabelPair> partial) {
    return removeMatching(std::span<const LabelPair>(partial.begin(), partial.size()));
  }
  // Deletes every series.
  void clear();

  void render(std::string& out) const override;
  size_t size() const override;

  // Only Registry constructs families.
  Family(std::string name, std::string help, MetricType type, std::vector<std::string> labelNames,
         std::shared_ptr<const std::vector<double>> bounds);

 private:
  Child makeChild() const;

  mutable std::shared_mutex mu_;
  std::map<std::string, Child, internal::PackedLabelsLess> children_;
  std::shared_ptr<const std::vector<double>> bounds_;  // histograms only
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

// One value produced by a collector at scrape time.
struct CollectedSample {
  std::vector<LabelPair> labels;
  double value = 0.0;
};

// A counter or gauge family produced by a collector at scrape time.
struct CollectedFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;  // kCounter or kGauge; kHistogram is not supported
  std::vector<CollectedSample> samples;
};

// Called on every render(), from the rendering thread; must be thread-safe and quick.
using Collector = std::function<std::vector<CollectedFamily>()>;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers a family. Fails with kInvalidArgument for an invalid metric or label name
  // (Prometheus naming rules; label names starting with "__" are reserved, and histograms may
  // not use "le") or repeated label names, and with kAlreadyExists for a name already taken.
  // The returned pointer is owned by the registry and valid for its lifetime.
  StatusOr<CounterFamily*> counter(std::string name, std::string help,
                                   std::vector<std::string> labelNames = {});
  StatusOr<GaugeFamily*> gauge(std::string name, std::string help,
                               std::vector<std::string> labelNames = {});
  // `bounds` are the bucket upper bounds: strictly increasing, not NaN (else kInvalidArgument).
  // A trailing +Inf is dropped since it is always implied; empty bounds leave only +Inf.
  StatusOr<HistogramFamily*> histogram(std::string name, std::string help,
                                       std::vector<std::string> labelNames,
                                       std::vector<double> bounds);

  // Adds a scrape-time source. A collected family whose name is already registered, or was
  // produced by an earlier collector, is skipped; invalid names are skipped too.
  void addCollector(Collector collector);

  // The whole registry in text exposition format 0.0.4.
  std::string render() const;

  // The content type to serve render() with.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  Status checkNew(const std::string& name, MetricType type,
                  const std::vector<std::string>& labelNames) const;

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<internal::FamilyBase>, std::less<>> families_;
  std::vector<Collector> collectors_;
};

// Formatting helpers, public for tests and for other exposition code.

// Go's strconv.FormatFloat(v, 'g', -1, 64) with the exposition's spellings of the specials:
// "1", "0.5", "123456", "1.234567e+06", "1e-05", "NaN", "+Inf", "-Inf".
void appendPromFloat(std::string& out, double v);
std::string formatPromFloat(double v);
// Escapes a label value: backslash, double quote and newline.
void appendEscapedLabelValue(std::string& out, std::string_view v);
// Escapes a HELP text: backslash and newline.
void appendEscapedHelp(std::string& out, std::string_view v);
bool isValidMetricName(std::string_view name);
bool isValidLabelName(std::string_view name);

}  // namespace tidal::obs
