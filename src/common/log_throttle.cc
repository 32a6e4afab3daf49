#include "common/log_throttle.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "common/printable.h"

namespace iothub {
namespace {

constexpr std::uint64_t kNever = ~std::uint64_t{0};
constexpr std::string_view kOtherReason = "other";

struct EventNames {
  std::string_view label;     // metric label and summary prefix
  std::string_view offender;  // what the offenders are, plural
};

constexpr std::array<EventNames, kLogEventCount> kEventNames = {{
    {"authenticate_refused", "peers"},
    {"authorize_denied", "clientids"},
    {"publish_dropped", "clientids"},
    {"publish_answered", "clientids"},
    {"http_denied", "remote addresses"},
    {"session_unrecorded", "clientids"},
}};

// A shard per thread (stable for the thread's life), so writers rarely meet.
std::size_t ThreadShard() {
  thread_local const std::size_t shard =
      std::hash<std::thread::id>{}(std::this_thread::get_id()) % LogThrottle::kOffenderShards;
  return shard;
}

// "a"=3, "b"=1 (already sorted).
std::string JoinCounts(const std::vector<std::pair<std::string, std::uint64_t>>& counts) {
  std::string out;
  for (const auto& [name, count] : counts) {
    if (!out.empty()) out += ", ";
    out += "\"" + name + "\"=" + std::to_string(count);
  }
  return out.empty() ? "-" : out;
}

void SortByCountDescending(std::vector<std::pair<std::string, std::uint64_t>>& counts) {
  std::sort(counts.begin(), counts.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
}

}  // namespace

// One kind's state. Reasons are published once (slot written, then count released) and
// never move, so Record() reads them without a lock.
struct LogThrottle::Kind {
  struct Reason {
    std::string text;
    Counter* events = nullptr;
    std::atomic<std::uint64_t> logged_generation{kNever};
    std::uint64_t reported = 0;  // events->value() at the last window end (tick thread)
  };
  // Space-saving heavy hitters: a missing id replaces the smallest count, plus one.
  struct Offender {
    std::array<char, kOffenderBytes> id;
    std::size_t size = 0;
    std::uint64_t count = 0;
    std::string_view view() const { return {id.data(), size}; }
  };
  struct alignas(64) OffenderShard {
    std::mutex mutex;
    std::array<Offender, kOffendersPerShard> slots;
    std::size_t used = 0;
  };

  Kind(EventNames names, Metrics& metrics)
      : names(names),
        metrics(metrics),
        suppressed(&metrics.GetCounter("iothub_log_lines_suppressed_total",
                                       "Log lines of repetitive events held back by the log "
                                       "throttle (added when each window ends)",
                                       {{"event", std::string(names.label)}})) {}

  Reason& Find(std::string_view reason) {
    const std::size_t n = reason_count.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) {
      if (reasons[i]->text == reason) return *reasons[i];
    }
    if (n == kMaxReasons) return *reasons[kMaxReasons - 1];  // full: "other"
    return Add(reason);
  }

  // Rare: the first event of a reason. The last slot is kept for "other".
  Reason& Add(std::string_view reason) {
    std::lock_guard lock(add_mutex);
    const std::size_t n = reason_count.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < n; ++i) {
      if (reasons[i]->text == reason) return *reasons[i];
    }
    if (n == kMaxReasons) return *reasons[kMaxReasons - 1];
    auto added = std::make_unique<Reason>();
    added->text = std::string(n == kMaxReasons - 1 ? kOtherReason : reason);
    added->events =
        &metrics.GetCounter("iothub_log_events_total",
                            "Repetitive events (refusals, denials, drops) by kind and reason",
                            {{"event", std::string(names.label)}, {"reason", added->text}});
    reasons[n] = std::move(added);
    reason_count.store(n + 1, std::memory_order_release);
    return *reasons[n];
  }

  // Best effort: when every shard is busy the id is not ranked (it is still counted).
  void NoteOffender(std::string_view offender) {
    if (offender.empty()) return;
    const std::string_view id = offender.substr(0, kOffenderBytes);
    const std::size_t first = ThreadShard();
    for (std::size_t attempt = 0; attempt < kOffenderShards; ++attempt) {
      OffenderShard& shard = shards[(first + attempt) % kOffenderShards];
      if (!shard.mutex.try_lock()) continue;
      Offender* smallest = nullptr;
      bool found = false;
      for (std::size_t i = 0; i < shard.used && !found; ++i) {
        Offender& slot = shard.slots[i];
        if (slot.view() == id) {
          ++slot.count;
          found = true;
        } else if (smallest == nullptr || slot.count < smallest->count) {
          smallest = &slot;
        }
      }
      if (!found) {
        Offender& slot = shard.used < kOffendersPerShard ? shard.slots[shard.used++] : *smallest;
        std::copy(id.begin(), id.end(), slot.id.begin());
        slot.size = id.size();
        ++slot.count;  // a fresh slot starts at 1, a replaced one at its old count + 1
      }
      shard.mutex.unlock();
      return;
    }
  }

  // Ends this kind's window: resets the budget, writes the summary if lines were held.
  void EndWindow(std::int64_t seconds) {
    std::vector<std::pair<std::string, std::uint64_t>> by_reason;
    std::uint64_t total = 0;
    const std::size_t n = reason_count.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) {
      Reason& reason = *reasons[i];
      const std::uint64_t now = reason.events->value();
      const std::uint64_t delta = now - reason.reported;
      reason.reported = now;
      if (delta == 0) continue;
      total += delta;
      by_reason.emplace_back(Printable(reason.text, 80), delta);
    }
    const std::uint64_t logged = written.exchange(0, std::memory_order_relaxed);
    budget_used.store(0, std::memory_order_relaxed);
    std::map<std::string, std::uint64_t, std::less<>> merged;
    for (OffenderShard& shard : shards) {
      std::lock_guard lock(shard.mutex);
      for (std::size_t i = 0; i < shard.used; ++i) {
        merged[std::string(shard.slots[i].view())] += shard.slots[i].count;
        shard.slots[i].count = 0;
      }
      shard.used = 0;
    }
    const std::uint64_t held = total > logged ? total - logged : 0;
    if (held == 0) return;
    suppressed->Increment(held);
    SortByCountDescending(by_reason);
    std::vector<std::pair<std::string, std::uint64_t>> top;
    for (const auto& [id, count] : merged) top.emplace_back(Printable(id, kOffenderBytes), count);
    SortByCountDescending(top);
    if (top.size() > kTopOffenders) top.resize(kTopOffenders);
    spdlog::info(
        "{} (throttled): {} events in {}s, {} lines held back; reasons: {}; top {} (approx.): {}",
        names.label, total, seconds, held, JoinCounts(by_reason), names.offender, JoinCounts(top));
  }

  const EventNames names;
  Metrics& metrics;
  Counter* const suppressed;
  std::array<std::unique_ptr<Reason>, kMaxReasons> reasons;
  std::atomic<std::size_t> reason_count{0};
  std::mutex add_mutex;
  std::atomic<std::uint32_t> budget_used{0};
  std::atomic<std::uint64_t> written{0};  // info lines this window
  std::array<OffenderShard, kOffenderShards> shards;
};

LogThrottle::LogThrottle(LogThrottleOptions options, const Clock& clock, Metrics& metrics)
    : options_(options), clock_(clock), window_start_(clock.SteadyNow()) {
  for (std::size_t i = 0; i < kLogEventCount; ++i) {
    kinds_[i] = std::make_unique<Kind>(kEventNames[i], metrics);
  }
}

LogThrottle::~LogThrottle() = default;

spdlog::level::level_enum LogThrottle::Record(LogEvent event, std::string_view reason,
                                              std::string_view offender) {
  Kind& kind = *kinds_[static_cast<std::size_t>(event)];
  Kind::Reason& entry = kind.Find(reason);
  entry.events->Increment();
  kind.NoteOffender(offender);
  const std::uint64_t generation = generation_.load(std::memory_order_relaxed);
  // Checked before the add, so that a long burst stops touching the budget's line.
  if (kind.budget_used.load(std::memory_order_relaxed) < options_.lines_per_window &&
      kind.budget_used.fetch_add(1, std::memory_order_relaxed) < options_.lines_per_window) {
    entry.logged_generation.store(generation, std::memory_order_relaxed);
    kind.written.fetch_add(1, std::memory_order_relaxed);
    return spdlog::level::info;
  }
  std::uint64_t seen = entry.logged_generation.load(std::memory_order_relaxed);
  if (seen != generation && entry.logged_generation.compare_exchange_strong(
                                seen, generation, std::memory_order_relaxed)) {
    kind.written.fetch_add(1, std::memory_order_relaxed);
    return spdlog::level::info;
  }
  return spdlog::level::debug;
}

void LogThrottle::Tick() {
  std::lock_guard lock(tick_mutex_);
  const auto now = clock_.SteadyNow();
  if (now - window_start_ >= options_.window) EndWindow(now);
}

void LogThrottle::Flush() {
  std::lock_guard lock(tick_mutex_);
  EndWindow(clock_.SteadyNow());
}

void LogThrottle::EndWindow(std::chrono::steady_clock::time_point now) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - window_start_);
  window_start_ = now;
  generation_.fetch_add(1, std::memory_order_relaxed);
  for (auto& kind : kinds_) kind->EndWindow(seconds.count());
}

}  // namespace iothub
