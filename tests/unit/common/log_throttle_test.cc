// LogThrottle with a ManualClock and the real spdlog writing into a string: the line
// budget, first lines of new reasons, the summary written by Tick() alone, the metrics,
// the bounds on reasons and offenders, and concurrent callers.
#include "common/log_throttle.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>
#include <vector>

namespace iothub {
namespace {

using spdlog::level::debug;
using spdlog::level::info;
using std::chrono::seconds;

// Makes spdlog's default logger write into `out` for the life of the object.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    auto logger = std::make_shared<spdlog::logger>("captured", sink);
    logger->set_pattern("%l %v");
    logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }
  std::size_t Lines() const {
    const std::string t = text();
    return static_cast<std::size_t>(std::count(t.begin(), t.end(), '\n'));
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

class LogThrottleTest : public ::testing::Test {
 protected:
  LogThrottle Make(std::uint32_t lines = 3, seconds window = seconds(60)) {
    return LogThrottle({.window = window, .lines_per_window = lines}, clock_, metrics_);
  }
  bool MetricsHave(const std::string& line) const {
    return metrics_.Render().find(line + "\n") != std::string::npos;
  }

  ManualClock clock_;
  Metrics metrics_;
  CapturedLog log_;
};

// The first `lines_per_window` events of a kind are logged at info, the rest at debug.
TEST_F(LogThrottleTest, BudgetThenDebug) {
  LogThrottle throttle = Make(3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(throttle.Record(LogEvent::kAuthenticateRefused, "bad token", "10.0.0.1"), info);
  }
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(throttle.Record(LogEvent::kAuthenticateRefused, "bad token", "10.0.0.1"), debug);
  }
}

// Each kind has its own budget: a flood of one does not silence another.
TEST_F(LogThrottleTest, KindsHaveSeparateBudgets) {
  LogThrottle throttle = Make(1);
  EXPECT_EQ(throttle.Record(LogEvent::kAuthenticateRefused, "bad token", "p"), info);
  EXPECT_EQ(throttle.Record(LogEvent::kAuthenticateRefused, "bad token", "p"), debug);
  EXPECT_EQ(throttle.Record(LogEvent::kHttpDenied, "401 unauthorized", "p"), info);
  EXPECT_EQ(throttle.Record(LogEvent::kAuthorizeDenied, "unknown client", "c"), info);
}

// Past the budget, a reason not yet seen in the window still gets its one line.
TEST_F(LogThrottleTest, NewReasonPastTheBudgetIsLoggedOncePerWindow) {
  LogThrottle throttle = Make(1);
  EXPECT_EQ(throttle.Record(LogEvent::kAuthenticateRefused, "bad token", "p"), info);
  EXPECT_EQ(throttle.Record(LogEvent::kAuthenticateRefused, "bad token", "p"), debug);
  EXPECT_EQ(throttle.Record(LogEvent::kAuthenticateRefused, "certificate revoked", "p"), info);
  EXPECT_EQ(throttle.Record(LogEvent::kAuthenticateRefused, "certificate revoked", "p"), debug);
  clock_.Advance(seconds(60));
  throttle.Tick();
  // A new window: the budget is back, then each reason once more.
  EXPECT_EQ(throttle.Record(LogEvent::kAuthenticateRefused, "bad token", "p"), info);
  EXPECT_EQ(throttle.Record(LogEvent::kAuthenticateRefused, "bad token", "p"), debug);
  EXPECT_EQ(throttle.Record(LogEvent::kAuthenticateRefused, "certificate revoked", "p"), info);
}

// A burst that stops still gets its summary, written by Tick() once the window is over,
// with the count, the counts by reason and the top offender.
TEST_F(LogThrottleTest, TickWritesTheSummaryOfABurstThatStopped) {
  LogThrottle throttle = Make(2);
  for (int i = 0; i < 500; ++i) {
    throttle.Record(LogEvent::kAuthenticateRefused, "bad token", "10.9.9.9");
  }
  for (int i = 0; i < 20; ++i) {
    throttle.Record(LogEvent::kAuthenticateRefused, "token expired", "10.0.0." + std::to_string(i));
  }
  clock_.Advance(seconds(59));
  throttle.Tick();
  EXPECT_EQ(log_.text(), "");  // the window is not over yet
  clock_.Advance(seconds(1));
  throttle.Tick();
  const std::string text = log_.text();
  EXPECT_NE(text.find("info authenticate_refused (throttled): 520 events in 60s, 517 lines held "
                      "back; reasons: \"bad token\"=500, \"token expired\"=20; top peers "
                      "(approx.): \"10.9.9.9\"=500, "),
            std::string::npos)
      << text;
  EXPECT_EQ(log_.Lines(), 1u);
  // Nothing new: no second summary.
  clock_.Advance(seconds(60));
  throttle.Tick();
  EXPECT_EQ(log_.Lines(), 1u);
}

// No summary when every event of the window was logged.
TEST_F(LogThrottleTest, NoSummaryWhenNothingWasHeldBack) {
  LogThrottle throttle = Make(5);
  for (int i = 0; i < 5; ++i) throttle.Record(LogEvent::kPublishDropped, "response_late", "dev");
  clock_.Advance(seconds(60));
  throttle.Tick();
  EXPECT_EQ(log_.text(), "");
}

// Flush() ends a partial window (shutdown), so held-back counts are reported.
TEST_F(LogThrottleTest, FlushReportsAPartialWindow) {
  LogThrottle throttle = Make(0);
  for (int i = 0; i < 10; ++i) throttle.Record(LogEvent::kHttpDenied, "401 unauthorized", "::1");
  clock_.Advance(seconds(5));
  throttle.Flush();
  EXPECT_NE(log_.text().find("http_denied (throttled): 10 events in 5s, 9 lines held back"),
            std::string::npos)
      << log_.text();
}

// Every event is counted at once by kind and reason; held-back lines when a window ends.
TEST_F(LogThrottleTest, MetricsCountEveryEvent) {
  LogThrottle throttle = Make(1);
  for (int i = 0; i < 7; ++i) throttle.Record(LogEvent::kAuthorizeDenied, "unknown client", "c");
  throttle.Record(LogEvent::kAuthorizeDenied, "topic_not_allowed", "c");
  EXPECT_TRUE(MetricsHave(
      R"(iothub_log_events_total{event="authorize_denied",reason="unknown client"} 7)"));
  EXPECT_TRUE(MetricsHave(
      R"(iothub_log_events_total{event="authorize_denied",reason="topic_not_allowed"} 1)"));
  clock_.Advance(seconds(60));
  throttle.Tick();
  EXPECT_TRUE(MetricsHave(R"(iothub_log_lines_suppressed_total{event="authorize_denied"} 6)"));
}

// Reasons are a bounded label set: past kMaxReasons - 1 distinct ones, all count as "other".
TEST_F(LogThrottleTest, ReasonsAreBounded) {
  LogThrottle throttle = Make(0);
  std::vector<std::string> reasons;
  for (std::size_t i = 0; i < LogThrottle::kMaxReasons + 10; ++i) {
    reasons.push_back("reason " + std::to_string(i));
  }
  for (const std::string& reason : reasons) throttle.Record(LogEvent::kPublishDropped, reason, "d");
  const std::string rendered = metrics_.Render();
  std::size_t series = 0;
  for (std::size_t at = 0;
       (at = rendered.find("iothub_log_events_total{", at)) != std::string::npos; ++at) {
    ++series;
  }
  EXPECT_EQ(series, LogThrottle::kMaxReasons);
  EXPECT_TRUE(MetricsHave(R"(iothub_log_events_total{event="publish_dropped",reason="other"} 11)"));
}

// Offenders are client-supplied: the summary escapes control bytes and cuts long ids.
TEST_F(LogThrottleTest, OffendersAreSanitisedAndCut) {
  LogThrottle throttle = Make(0);
  const std::string hostile = "evil\n\x1b[31m" + std::string(500, 'x');
  for (int i = 0; i < 3; ++i)
    throttle.Record(LogEvent::kAuthorizeDenied, "unknown client", hostile);
  throttle.Flush();
  const std::string text = log_.text();
  EXPECT_EQ(log_.Lines(), 1u) << text;
  EXPECT_NE(text.find("\"evil\\x0A\\x1B[31m" + std::string(LogThrottle::kOffenderBytes - 10, 'x') +
                      "\"=3"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find(std::string(LogThrottle::kOffenderBytes, 'x')), std::string::npos);
}

// A heavy hitter stays on top while thousands of one-off ids churn through the table.
TEST_F(LogThrottleTest, HeavyHitterAmongManyOneOffIds) {
  LogThrottle throttle = Make(0);
  for (int i = 0; i < 5000; ++i) {
    throttle.Record(LogEvent::kAuthenticateRefused, "bad token", "once-" + std::to_string(i));
    if (i % 5 == 0) throttle.Record(LogEvent::kAuthenticateRefused, "bad token", "attacker");
  }
  throttle.Flush();
  EXPECT_NE(log_.text().find("top peers (approx.): \"attacker\"="), std::string::npos)
      << log_.text();
}

// Concurrent callers: every event counted, the info lines stay within budget + reasons.
TEST_F(LogThrottleTest, ConcurrentCallersAreCountedExactly) {
  LogThrottle throttle = Make(10);
  std::atomic<int> info_lines{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        const bool odd = i % 2 == 1;
        if (throttle.Record(LogEvent::kAuthenticateRefused, odd ? "a" : "b",
                            "peer-" + std::to_string(t)) == info) {
          ++info_lines;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(
      MetricsHave(R"(iothub_log_events_total{event="authenticate_refused",reason="a"} 40000)"));
  EXPECT_TRUE(
      MetricsHave(R"(iothub_log_events_total{event="authenticate_refused",reason="b"} 40000)"));
  EXPECT_GE(info_lines.load(), 10);
  EXPECT_LE(info_lines.load(), 12);
  throttle.Flush();
  EXPECT_NE(log_.text().find("80000 events"), std::string::npos) << log_.text();
}

}  // namespace
}  // namespace iothub
