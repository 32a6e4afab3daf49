#include "hook_load/report.h"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>

namespace hook_load {

std::optional<double> ProcessCpuUs(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');  // the command name may contain spaces
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) {
      stime = std::stoull(field);
      return static_cast<double>(utime + stime) * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  return std::nullopt;
}

std::optional<long> ProcessRssKb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return std::nullopt;
}

namespace {

// Adds the samples of `names` on the page at `url` to `out`; the error, if the GET fails.
std::optional<std::string> ScrapeInto(const std::string& url, const std::vector<std::string>& names,
                                      json& out) {
  static const std::regex kUrl(R"(http://([^/:]+):([0-9]+)(/.*)?)");
  std::smatch m;
  if (!std::regex_match(url, m, kUrl)) return "expected http://HOST:PORT/PATH";
  httplib::Client client(m[1].str(), std::stoi(m[2].str()));
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  const auto response = client.Get(m[3].matched ? m[3].str() : "/metrics");
  if (!response || response->status != 200) {
    return response ? "HTTP " + std::to_string(response->status)
                    : httplib::to_string(response.error());
  }
  std::istringstream page(response->body);
  std::string line;
  while (std::getline(page, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    const size_t value_at = line.rfind(' ');
    if (name_end == std::string::npos || value_at == std::string::npos) continue;
    const std::string name = line.substr(0, name_end);
    if (!out.contains(name)) continue;
    try {
      const double value = std::stod(line.substr(value_at + 1));
      out[name] = (out[name].is_null() ? 0.0 : out[name].get<double>()) + value;
    } catch (const std::exception&) {
    }
  }
  return std::nullopt;
}

}  // namespace

json ScrapeMetrics(const std::vector<std::string>& urls, const std::vector<std::string>& names) {
  json out = json::object();
  for (const std::string& name : names) out[name] = nullptr;
  for (const std::string& url : urls) {
    if (auto error = ScrapeInto(url, names, out)) return {{"error", url + ": " + *error}};
  }
  return out;
}

double Round(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

json Percentiles(std::vector<int64_t>& ns) {
  json out = json::object();
  if (ns.empty()) return out;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    const size_t i = std::min(ns.size() - 1, static_cast<size_t>(q * ns.size()));
    return Round(ns[i] / 1000.0, 1);  // us
  };
  out["p50_us"] = at(0.50);
  out["p99_us"] = at(0.99);
  out["p999_us"] = at(0.999);
  return out;
}

MergedStats MergeStats(const std::vector<const ThreadStats*>& stats,
                       const std::array<double, kHookCount>& weights, double duration_s) {
  MergedStats merged;
  std::vector<int64_t> all;
  for (int h = 0; h < kHookCount; ++h) {
    if (weights[h] <= 0) continue;
    std::vector<int64_t> ns;
    std::array<uint64_t, kStatusNames.size()> status{};
    std::array<uint64_t, kOutcomeCount> outcomes{};
    for (const ThreadStats* thread : stats) {
      ns.insert(ns.end(), thread->latency_ns[h].begin(), thread->latency_ns[h].end());
      for (size_t c = 0; c < status.size(); ++c) status[c] += thread->status[h][c];
      for (int k = 0; k < kOutcomeCount; ++k) outcomes[k] += thread->outcomes[h][k];
    }
    all.insert(all.end(), ns.begin(), ns.end());
    uint64_t hook_errors = 0;
    for (size_t c = 1; c < status.size(); ++c) {
      if (status[c] == 0) continue;
      hook_errors += status[c];
      merged.errors_by_code[kStatusNames[c]] =
          merged.errors_by_code.value(kStatusNames[c], 0) + status[c];
    }
    json entry = {{"calls", ns.size()},
                  {"calls_per_s", Round(ns.size() / duration_s, 1)},
                  {"errors", hook_errors}};
    entry.update(Percentiles(ns));
    if (kHooks[h].valued) {
      json results = json::object();
      for (int k = 0; k < kOutcomeCount; ++k) {
        if (outcomes[k] > 0) results[OutcomeName(k)] = outcomes[k];
      }
      entry["results"] = results;
    }
    if (h == kPublish) {  // what the server did with each kind of publish
      json answers = json::object();
      for (int k = 0; k < kPublishKindCount; ++k) {
        for (int a = 0; a < kPublishAnswerCount; ++a) {
          uint64_t n = 0;
          for (const ThreadStats* thread : stats) n += thread->publish[k][a];
          if (n > 0) {
            answers[std::string(kPublishKindNames[k]) + ":" + kPublishAnswerNames[a]] = n;
          }
        }
      }
      entry["publish_answers"] = answers;
    }
    merged.hooks[kHooks[h].name] = entry;
    merged.calls += ns.size();
    merged.errors += hook_errors;
  }

  merged.all = Percentiles(all);
  return merged;
}

}  // namespace hook_load
