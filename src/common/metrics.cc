#include "common/metrics.h"

#include <algorithm>
#include <cstdio>

namespace iothub {
namespace {

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string RenderLabels(const Labels& labels, std::string_view extra = {}) {
  if (labels.empty() && extra.empty()) return "";
  std::string out = "{";
  for (const auto& [key, value] : labels) {
    if (out.size() > 1) out += ",";
    out += key + "=\"" + EscapeLabelValue(value) + "\"";
  }
  if (!extra.empty()) {
    if (out.size() > 1) out += ",";
    out += extra;
  }
  return out + "}";
}

// Splices an extra label into an already rendered label set.
std::string WithLabel(const std::string& rendered, const std::string& extra) {
  if (rendered.empty()) return "{" + extra + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + extra + "}";
}

std::string FormatDouble(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", v);
  return buffer;
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds_seconds)
    : bounds_(std::move(upper_bounds_seconds)),
      buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::ObserveSeconds(double seconds) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), seconds);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<std::uint64_t>(std::max(0.0, seconds) * 1e9),
                       std::memory_order_relaxed);
}

std::vector<double> Metrics::LatencyBuckets() {
  return {5e-6, 10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 5e-3, 25e-3, 100e-3, 1.0};
}

Counter& Metrics::GetCounter(std::string_view name, std::string_view help, const Labels& labels) {
  return *Get(name, help, Type::kCounter, labels, {}).counter;
}

Gauge& Metrics::GetGauge(std::string_view name, std::string_view help, const Labels& labels) {
  return *Get(name, help, Type::kGauge, labels, {}).gauge;
}

Histogram& Metrics::GetHistogram(std::string_view name, std::string_view help, const Labels& labels,
                                 std::vector<double> bounds) {
  return *Get(name, help, Type::kHistogram, labels, std::move(bounds)).histogram;
}

Metrics::Series& Metrics::Get(std::string_view name, std::string_view help, Type type,
                              const Labels& labels, std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  auto family = families_.find(name);
  if (family == families_.end()) {
    family = families_.emplace(std::string(name), Family{type, std::string(help), {}}).first;
  }
  const std::string rendered = RenderLabels(labels);
  auto found = family->second.index_by_labels.find(rendered);
  if (found != family->second.index_by_labels.end()) return series_[found->second];

  Series& series = series_.emplace_back();
  series.family = std::string(name);
  series.labels = rendered;
  switch (type) {
    case Type::kCounter:
      series.counter = std::make_unique<Counter>();
      break;
    case Type::kGauge:
      series.gauge = std::make_unique<Gauge>();
      break;
    case Type::kHistogram:
      series.histogram = std::make_unique<Histogram>(std::move(bounds));
      break;
  }
  family->second.index_by_labels.emplace(rendered, series_.size() - 1);
  return series;
}

std::string Metrics::Render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    const char* type = family.type == Type::kCounter ? "counter"
                       : family.type == Type::kGauge ? "gauge"
                                                     : "histogram";
    out += "# HELP " + name + " " + family.help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& [labels, index] : family.index_by_labels) {
      const Series& s = series_[index];
      if (s.counter) out += name + labels + " " + std::to_string(s.counter->value()) + "\n";
      if (s.gauge) out += name + labels + " " + std::to_string(s.gauge->value()) + "\n";
      if (s.histogram) {
        const Histogram& h = *s.histogram;
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < h.bounds().size(); ++i) {
          cumulative += h.bucket(i);
          out += name + "_bucket" +
                 WithLabel(labels, "le=\"" + FormatDouble(h.bounds()[i]) + "\"") + " " +
                 std::to_string(cumulative) + "\n";
        }
        cumulative += h.bucket(h.bounds().size());
        out += name + "_bucket" + WithLabel(labels, "le=\"+Inf\"") + " " +
               std::to_string(cumulative) + "\n";
        out += name + "_sum" + labels + " " + FormatDouble(h.sum_seconds()) + "\n";
        out += name + "_count" + labels + " " + std::to_string(h.count()) + "\n";
      }
    }
  }
  return out;
}

}  // namespace iothub
