// Prometheus metrics: counters, gauges and histograms that are cheap to update on the hot
// path (one relaxed atomic add), registered once by name and labels, rendered as the
// Prometheus text format by Metrics::Render(). Thread-safe: registration takes a lock,
// updates never do. Registered objects live as long as the Metrics that made them.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace iothub {

class Counter {
 public:
  void Increment(std::uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void Add(std::int64_t by) { value_.fetch_add(by, std::memory_order_relaxed); }
  void Set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// A histogram of seconds with fixed bucket bounds (microseconds to seconds).
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds_seconds);
  void ObserveSeconds(double seconds);
  void ObserveMicros(std::int64_t micros) { ObserveSeconds(static_cast<double>(micros) / 1e6); }

  const std::vector<double>& bounds() const { return bounds_; }
  std::uint64_t bucket(std::size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum_seconds() const {
    return static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9;
  }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // one per bound, not cumulative
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_nanos_{0};
};

// Label pairs in the order given, e.g. {{"hook", "client.authorize"}, {"result", "allow"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // Buckets for hook latencies: 5 us .. 1 s.
  static std::vector<double> LatencyBuckets();

  // Returns the metric with this name and labels, creating it on first use.
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help, const Labels& labels = {},
                          std::vector<double> bounds = LatencyBuckets());

  // The Prometheus text exposition format (version 0.0.4).
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::map<std::string, std::size_t> index_by_labels;  // rendered labels -> slot
  };
  struct Series {
    std::string family;
    std::string labels;  // rendered: {a="b",c="d"} or empty
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  Series& Get(std::string_view name, std::string_view help, Type type, const Labels& labels,
              std::vector<double> bounds);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
  std::deque<Series> series_;  // stable addresses
};

}  // namespace iothub
