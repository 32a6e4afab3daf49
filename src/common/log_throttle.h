// LogThrottle: bounded logging of events that untrusted clients can repeat at will
// (refused authentications, denied authorizations, dropped publishes, HTTP 401/403),
// in the spirit of EMQX's log.throttling.
//
// Per event kind and per window (`window`, e.g. 60 s):
//  - the first `lines_per_window` events are logged at info, as before;
//  - past that budget, the first event of each reason not yet seen in the window is
//    still logged at info (reasons are static strings; at most kMaxReasons per kind,
//    later ones share the reason "other"), every other one only at debug;
//  - when the window ends, Tick() writes one summary line per kind that held lines
//    back: the count, the count per reason and the top offenders (peers or clientids,
//    approximated by a small space-saving table, sanitised with Printable).
// Every event is counted at once in iothub_log_events_total{event,reason}; the lines
// held back are added to iothub_log_lines_suppressed_total{event} when a window ends.
//
// Thread-safety: Record() is called from any thread and, but for the first event of each
// reason (which registers it under a mutex), waits for no lock: relaxed atomics, plus a
// try_lock on one of a few offender shards (skipped when all are busy). Tick() and
// Flush() run on one background thread (and at shutdown).
#pragma once

#include <spdlog/common.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/metrics.h"

namespace iothub {

// The kinds of repetitive events; each has its own budget, metric label and summary.
enum class LogEvent : std::uint8_t {
  kAuthenticateRefused,  // offenders: peers
  kAuthorizeDenied,      // offenders: clientids
  kPublishDropped,       // offenders: clientids
  kPublishAnswered,      // an RPC request refused with a JSON-RPC error; offenders: clientids
  kHttpDenied,           // HTTP 401 and 403; offenders: remote addresses
  kSessionUnrecorded,    // a connect or disconnect the shared sessions could not count;
                         // offenders: clientids
};
inline constexpr std::size_t kLogEventCount = 6;

struct LogThrottleOptions {
  std::chrono::seconds window{60};
  std::uint32_t lines_per_window = 20;  // per kind; 0: only each reason's first line
};

class LogThrottle {
 public:
  static constexpr std::size_t kMaxReasons = 32;        // distinct reasons per kind
  static constexpr std::size_t kOffenderShards = 8;     // spread the hot path's writers
  static constexpr std::size_t kOffendersPerShard = 8;  // space-saving table size
  static constexpr std::size_t kOffenderBytes = 64;     // longer ids are cut
  static constexpr std::size_t kTopOffenders = 3;       // named in a summary

  LogThrottle(LogThrottleOptions options, const Clock& clock, Metrics& metrics);
  ~LogThrottle();
  LogThrottle(const LogThrottle&) = delete;
  LogThrottle& operator=(const LogThrottle&) = delete;

  // Counts one event; `reason` must be a static string (it becomes a metric label),
  // `offender` is the client-supplied id to rank (copied, cut to kOffenderBytes).
  // Returns the level to write the event's own line at: info within the budget or for
  // a reason new in this window, debug otherwise (never off).
  spdlog::level::level_enum Record(LogEvent event, std::string_view reason,
                                   std::string_view offender);

  // Ends the window if it is over (summaries written). Call often, e.g. every 200 ms.
  void Tick();
  // Ends the current window now, e.g. at shutdown, so that no count goes unreported.
  void Flush();

 private:
  struct Kind;
  void EndWindow(std::chrono::steady_clock::time_point now);

  const LogThrottleOptions options_;
  const Clock& clock_;
  std::array<std::unique_ptr<Kind>, kLogEventCount> kinds_;
  // Bumped when a window ends: a reason logs its first line again once per window.
  std::atomic<std::uint64_t> generation_{0};
  std::mutex tick_mutex_;  // Tick() and Flush() only
  std::chrono::steady_clock::time_point window_start_;
};

}  // namespace iothub
