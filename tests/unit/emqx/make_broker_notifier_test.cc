#include "emqx/make_broker_notifier.h"

#include <gtest/gtest.h>

#include "emqx/emqx_broker_admin.h"

namespace iothub::emqx {
namespace {

BrokerAdminOptions Valid() {
  BrokerAdminOptions options;
  options.api_url = "http://127.0.0.1:1";
  options.api_key = "key";
  options.api_secret = "do-not-print";
  options.drain_timeout_ms = 0;
  return options;
}

// Without api_url the hub gets a notifier that does nothing, and it can be called.
TEST(MakeBrokerNotifierTest, EmptyUrlGivesNullNotifier) {
  auto notifier = MakeBrokerNotifier(BrokerAdminOptions{}, nullptr);
  ASSERT_TRUE(notifier.ok()) << notifier.status();
  EXPECT_NE(dynamic_cast<NullBrokerNotifier*>(notifier->get()), nullptr);
  (*notifier)->KickClient("x");
  (*notifier)->ClearAuthzCache();
}

// With api_url the hub gets the EMQX admin.
TEST(MakeBrokerNotifierTest, UrlGivesEmqxAdmin) {
  auto notifier = MakeBrokerNotifier(Valid(), nullptr);
  ASSERT_TRUE(notifier.ok()) << notifier.status();
  EXPECT_NE(dynamic_cast<EmqxBrokerAdmin*>(notifier->get()), nullptr);
}

// Bad options are a start-up error naming the field, never echoing the secret.
TEST(MakeBrokerNotifierTest, RejectsBadOptions) {
  auto with = [](auto change) {
    BrokerAdminOptions options = Valid();
    change(options);
    return options;
  };
  const std::vector<BrokerAdminOptions> bad = {
      with([](auto& o) { o.api_url = "emqx:18083"; }),
      with([](auto& o) { o.api_url = "ftp://emqx"; }),
      with([](auto& o) { o.api_url = "http://"; }),
      with([](auto& o) { o.api_url = "http://key:do-not-print@emqx:18083"; }),
      with([](auto& o) { o.api_url = "http://emqx:18083?x=1"; }),
      with([](auto& o) { o.api_key = ""; }),
      with([](auto& o) { o.api_secret = ""; }),
      with([](auto& o) { o.timeout_ms = 0; }),
      with([](auto& o) { o.max_attempts = 0; }),
      with([](auto& o) { o.initial_backoff_ms = 10'000; }),
      with([](auto& o) { o.drain_timeout_ms = -1; }),
      with([](auto& o) { o.max_queue = 0; }),
  };
  for (const auto& options : bad) {
    auto notifier = MakeBrokerNotifier(options, nullptr);
    ASSERT_FALSE(notifier.ok()) << options.api_url;
    EXPECT_EQ(notifier.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(notifier.status().message().find("do-not-print"), std::string::npos);
  }
}

// The URL splits into what httplib connects to and a path prefix without trailing '/'.
TEST(MakeBrokerNotifierTest, SplitsApiUrl) {
  EXPECT_EQ(SplitApiUrl("http://emqx:18083").scheme_host_port, "http://emqx:18083");
  EXPECT_EQ(SplitApiUrl("http://emqx:18083").path_prefix, "");
  EXPECT_EQ(SplitApiUrl("https://h/").path_prefix, "");
  EXPECT_EQ(SplitApiUrl("https://h/emqx//").scheme_host_port, "https://h");
  EXPECT_EQ(SplitApiUrl("https://h/emqx//").path_prefix, "/emqx");
}

}  // namespace
}  // namespace iothub::emqx
