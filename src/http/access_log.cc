#include "http/access_log.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <string>

#include "common/printable.h"

namespace iothub::http {
namespace {

struct RequestState {
  std::optional<std::chrono::steady_clock::time_point> start;
  std::string route;
  std::string caller;
};

thread_local RequestState current;

// A bounded label for the method (httplib accepts only the standard methods).
std::string_view MethodLabel(std::string_view method) {
  for (std::string_view known : {"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "OTHER";
}

// The level of the request's line: 401 and 403 (anyone can cause them at will) go
// through the log throttle, every other status is logged at info.
spdlog::level::level_enum LineLevel(const httplib::Request& request, int status,
                                    LogThrottle* throttle) {
  if (throttle == nullptr || (status != 401 && status != 403)) return spdlog::level::info;
  return throttle->Record(LogEvent::kHttpDenied,
                          status == 401 ? "401 unauthorized" : "403 forbidden",
                          request.remote_addr);
}

}  // namespace

void BeginRequest(const Clock& clock) {
  current = RequestState{};
  current.start = clock.SteadyNow();
}

void NoteRoute(std::string_view route) { current.route = std::string(route); }

void NoteCaller(std::string_view actor) { current.caller = std::string(actor); }

void LogRequest(const httplib::Request& request, const httplib::Response& response,
                const Clock& clock, Metrics& metrics, LogThrottle* throttle) {
  double seconds = 0;
  if (current.start) {
    seconds = std::chrono::duration<double>(clock.SteadyNow() - *current.start).count();
  }
  const std::string route = current.route.empty() ? "unmatched" : current.route;
  if (const auto level = LineLevel(request, response.status, throttle); spdlog::should_log(level)) {
    spdlog::log(level, "http {} {} {} {:.1f}ms caller={} remote={}", MethodLabel(request.method),
                Printable(request.path, 200), response.status, seconds * 1000,
                current.caller.empty() ? "-" : Printable(current.caller, 140),
                Printable(request.remote_addr, 64));
  }
  metrics
      .GetCounter("iothub_http_requests_total", "HTTP API requests",
                  {{"method", std::string(MethodLabel(request.method))},
                   {"route", route},
                   {"status", std::to_string(response.status)}})
      .Increment();
  metrics
      .GetHistogram("iothub_http_request_duration_seconds", "HTTP API request latency",
                    {{"route", route}})
      .ObserveSeconds(seconds);
  current = RequestState{};
}

}  // namespace iothub::http
