// hook-load's measurements and figures: the server's CPU time and memory from /proc, a
// Prometheus page's metrics, latency percentiles, the client threads' figures merged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hook_load/vocabulary.h"
#include "hook_load/worker.h"

namespace hook_load {

// utime + stime of a process in microseconds, from /proc/PID/stat (fields 14 and 15).
std::optional<double> ProcessCpuUs(const std::string& pid);
// Resident memory of a process in kB (VmRSS in /proc/PID/status).
std::optional<long> ProcessRssKb(int pid);
// GETs of Prometheus text pages; the sum of each named metric's samples (all labels, all
// pages), or null for a metric no page has. An object with "error" when a GET fails.
json ScrapeMetrics(const std::vector<std::string>& urls, const std::vector<std::string>& names);
// Rounds to `decimals` places (dividing by a power of ten gives the shortest printing).
double Round(double value, int decimals);
// p50, p99 and p999 in microseconds of latencies in nanoseconds (sorts `ns`).
json Percentiles(std::vector<int64_t>& ns);

// The client threads' figures of the measured window merged: per hook (calls, calls/s,
// errors, percentiles, answers), errors by gRPC status, and percentiles of all calls.
struct MergedStats {
  json hooks = json::object();
  json errors_by_code = json::object();
  json all;
  uint64_t calls = 0, errors = 0;
};
MergedStats MergeStats(const std::vector<const ThreadStats*>& stats,
                       const std::array<double, kHookCount>& weights, double duration_s);

}  // namespace hook_load
