// The log throttle in the real binary: floods of refusals that any client can cause
// (bad logins over gRPC, unauthenticated HTTP calls) leave a bounded number of lines,
// summary lines that account for every event, and exact counts in /metrics.
#include <gtest/gtest.h>
#include <httplib.h>

#include <regex>
#include <sstream>

#include "support/hub_flow.h"
#include "support/temp_dir.h"

namespace iothub::testing {
namespace {

// Lines of `log` that contain `needle`.
std::size_t CountLines(const std::string& log, std::string_view needle) {
  std::istringstream in(log);
  std::size_t count = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) ++count;
  }
  return count;
}

// The sums of "N events" and "H lines held back" over the summary lines of `event`.
struct SummaryTotals {
  std::uint64_t lines = 0;
  std::uint64_t events = 0;
  std::uint64_t held_back = 0;
};
SummaryTotals Summaries(const std::string& log, const std::string& event) {
  const std::regex summary(event +
                           R"( \(throttled\): (\d+) events in \d+s, (\d+) lines held back)");
  SummaryTotals totals;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), summary);
       it != std::sregex_iterator(); ++it) {
    ++totals.lines;
    totals.events += std::stoull((*it)[1]);
    totals.held_back += std::stoull((*it)[2]);
  }
  return totals;
}

// The sum of iothub_log_events_total{event="<event>",...} in /metrics.
std::uint64_t MetricEvents(int http_port, const std::string& event) {
  httplib::Client http("127.0.0.1", http_port);
  auto response = http.Get("/metrics");
  if (!response || response->status != 200) return 0;
  const std::regex series("iothub_log_events_total\\{event=\"" + event +
                          R"(",reason="[^"]*"\} (\d+))");
  std::uint64_t sum = 0;
  for (auto it = std::sregex_iterator(response->body.begin(), response->body.end(), series);
       it != std::sregex_iterator(); ++it) {
    sum += std::stoull((*it)[1]);
  }
  return sum;
}

// 5 000 refused logins (two reasons, every clientid different, one peer): the hub logs
// the budget plus each reason's first line per window, the background tick writes a
// summary after the burst stops, /metrics counts all 5 000, and at shutdown every event
// is either a line or counted in a summary.
TEST(LogThrottleTest, FiveThousandRefusedLoginsLeaveABoundedLog) {
  HubFlow flow({.extra_toml = "[log]\nthrottle_lines = 5\n",
                .env = {{"IOTHUB_LOG__THROTTLE_WINDOW_S", "1"}}});
  ASSERT_TRUE(flow.Start());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5000; ++i) {
    const std::string clientid = "intruder-" + std::to_string(i);
    if (i % 5 == 0) {
      EXPECT_TRUE(IsDeny(flow.Authenticate(ServiceVersion::kV3, clientid, "not-a-certificate!")));
    } else {
      EXPECT_TRUE(IsDeny(flow.Authenticate(ServiceVersion::kV3, clientid, "jwt", "not-a-token")));
    }
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
          .count();
  // No more events: the tick alone writes the summary.
  EXPECT_TRUE(flow.WaitForLog("authenticate_refused (throttled): ")) << flow.Log();
  EXPECT_EQ(MetricEvents(flow.hub().http_port(), "authenticate_refused"), 5000u);
  ASSERT_EQ(flow.hub().Stop(), 0);

  const std::string log = flow.Log();
  const std::size_t lines = CountLines(log, "authenticate refused: ");
  // Per window: 5 budget lines + one line per reason (2); a window per second.
  EXPECT_LE(lines, (5u + 2u) * static_cast<std::size_t>(seconds + 3)) << log.substr(0, 4000);
  const SummaryTotals summaries = Summaries(log, "authenticate_refused");
  EXPECT_GE(summaries.lines, 1u);
  EXPECT_EQ(lines + summaries.held_back, 5000u) << log.substr(0, 4000);
  EXPECT_NE(log.find("top peers (approx.): \"127.0.0.1\"="), std::string::npos);
  EXPECT_LT(log.size(), 64u * 1024u);
  EXPECT_EQ(log.find("not-a-token"), std::string::npos);  // never the password
}

// Authorize calls for clientids without a session and unauthenticated HTTP calls: both
// counted exactly in /metrics, both with bounded lines.
TEST(LogThrottleTest, UnknownClientsAndHttp401AreThrottled) {
  HubFlow flow({.extra_toml = "[log]\nthrottle_lines = 3\nthrottle_window_s = 3600\n"});
  ASSERT_TRUE(flow.Start());
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(IsDeny(
        flow.Authorize(ServiceVersion::kV2, "ghost-" + std::to_string(i), false, "users/x/y")));
  }
  httplib::Client http("127.0.0.1", flow.hub().http_port());
  for (int i = 0; i < 200; ++i) {
    auto response = http.Get("/api/devices");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 401);
  }
  EXPECT_EQ(MetricEvents(flow.hub().http_port(), "authorize_denied"), 1000u);
  EXPECT_EQ(MetricEvents(flow.hub().http_port(), "http_denied"), 200u);
  ASSERT_EQ(flow.hub().Stop(), 0);

  const std::string log = flow.Log();
  EXPECT_EQ(CountLines(log, "authorize denied: "), 3u);
  EXPECT_EQ(CountLines(log, " 401 "), 3u);
  // One window (3600 s) ended by the shutdown: one summary each, accounting for all.
  const SummaryTotals authorize = Summaries(log, "authorize_denied");
  EXPECT_EQ(authorize.lines, 1u);
  EXPECT_EQ(authorize.events, 1000u);
  EXPECT_EQ(authorize.held_back, 997u);
  const SummaryTotals denied = Summaries(log, "http_denied");
  EXPECT_EQ(denied.events, 200u);
  EXPECT_NE(log.find("reasons: \"401 unauthorized\"=200"), std::string::npos) << log;
}

// The throttle's keys are validated and named on error; the environment sets them too.
TEST(LogThrottleTest, ConfigKeysAreChecked) {
  TempDir dir;
  WriteFile(dir.path() / "hub.toml", "[log]\nthrottle_window_s = 10\nthrottle_lines = 0\n");
  EXPECT_EQ(RunHub({"config", "check", dir.File("hub.toml")}).status, 0);
  const std::pair<std::string, std::string> cases[] = {
      {"[log]\nthrottle_window_s = 0\n", "log.throttle_window_s: 0 is outside 1..86400"},
      {"[log]\nthrottle_lines = -1\n", "log.throttle_lines: -1 is outside 0..1000000"},
      {"[log]\nthrottle_lines = \"many\"\n", "log.throttle_lines: expected an integer"},
  };
  for (const auto& [toml, expected] : cases) {
    SCOPED_TRACE(toml);
    WriteFile(dir.path() / "hub.toml", toml);
    const CommandResult result = RunHub({"config", "check", dir.File("hub.toml")});
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
  }
  WriteFile(dir.path() / "hub.toml", "");
  const CommandResult from_env =
      RunHub({"config", "check", dir.File("hub.toml")}, {{"IOTHUB_LOG__THROTTLE_WINDOW_S", "0"}});
  EXPECT_EQ(from_env.status, 2);
  EXPECT_NE(from_env.err.find("log.throttle_window_s"), std::string::npos) << from_env.err;
}

}  // namespace
}  // namespace iothub::testing
