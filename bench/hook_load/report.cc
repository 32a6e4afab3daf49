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

json ScrapeMetrics(const std::string& url, const std::vector<std::string>& names) {
  static const std::regex kUrl(R"(http://([^/:]+):([0-9]+)(/.*)?)");
  std::smatch m;
  if (!std::regex_match(url, m, kUrl)) return {{"error", "expected http://HOST:PORT/PATH"}};
  httplib::Client client(m[1].str(), std::stoi(m[2].str()));
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  const auto response = client.Get(m[3].matched ? m[3].str() : "/metrics");
  if (!response || response->status != 200) {
    return {{"error", response ? "HTTP " + std::to_string(response->status)
                               : httplib::to_string(response.error())}};
  }
  json out = json::object();
  for (const std::string& name : names) out[name] = nullptr;
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

}  // namespace hook_load
