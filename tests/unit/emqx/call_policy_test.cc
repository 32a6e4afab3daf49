#include "emqx/call_policy.h"

#include <gtest/gtest.h>

namespace iothub::emqx {
namespace {

constexpr CallKind kKick = CallKind::kKickClient;
constexpr CallKind kClear = CallKind::kClearAuthzCache;

// 2xx is done; no answer, 408, 429 and 5xx are retried; 401/403 are configuration
// errors; 404 is "not connected" for a kick only; other statuses are rejected.
TEST(CallPolicyTest, ClassifiesAnswers) {
  EXPECT_EQ(Classify(kKick, 204), Verdict::kDone);
  EXPECT_EQ(Classify(kClear, 200), Verdict::kDone);
  EXPECT_EQ(Classify(kKick, std::nullopt), Verdict::kRetry);
  EXPECT_EQ(Classify(kClear, std::nullopt), Verdict::kRetry);
  for (int status : {408, 429, 500, 502, 503, 504}) {
    EXPECT_EQ(Classify(kKick, status), Verdict::kRetry) << status;
    EXPECT_EQ(Classify(kClear, status), Verdict::kRetry) << status;
  }
  for (int status : {401, 403}) {
    EXPECT_EQ(Classify(kKick, status), Verdict::kUnauthorized) << status;
    EXPECT_EQ(Classify(kClear, status), Verdict::kUnauthorized) << status;
  }
  EXPECT_EQ(Classify(kKick, 404), Verdict::kNotConnected);
  EXPECT_EQ(Classify(kClear, 404), Verdict::kRejected);
  for (int status : {301, 400, 405, 409}) {
    EXPECT_EQ(Classify(kKick, status), Verdict::kRejected) << status;
  }
}

// The defaults back off 200 ms, doubling, capped at 5 s.
TEST(CallPolicyTest, BackoffDoublesUpToCap) {
  const BrokerAdminOptions options;
  const int expected[] = {200, 400, 800, 1600, 3200, 5000, 5000};
  for (int attempt = 1; attempt <= 7; ++attempt) {
    EXPECT_EQ(BackoffAfter(attempt, options).count(), expected[attempt - 1]) << attempt;
  }
  EXPECT_EQ(BackoffAfter(1000, options).count(), 5000);
}

TEST(CallPolicyTest, NamesCallKinds) {
  EXPECT_EQ(CallKindName(kKick), "kick_client");
  EXPECT_EQ(CallKindName(kClear), "clear_authz_cache");
}

}  // namespace
}  // namespace iothub::emqx
