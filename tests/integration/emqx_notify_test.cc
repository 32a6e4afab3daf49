// Changes act at once on a live EMQX: the real hub, with [emqx] pointing at a small local
// HTTP server that records the calls. EMQX itself cannot run here (no container engine),
// so this server plays its REST API.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

#include "support/hub_flow.h"

namespace iothub::testing {
namespace {

// Records every request's method and path; answers 204.
class RecordingEmqx {
 public:
  RecordingEmqx() {
    server_.Delete(".*", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex_);
      calls_.push_back(request.method + " " + request.path);
      authorization_ = request.get_header_value("Authorization");
      response.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RecordingEmqx() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  bool Saw(const std::string& call) {
    std::lock_guard lock(mutex_);
    return std::find(calls_.begin(), calls_.end(), call) != calls_.end();
  }
  std::string authorization() {
    std::lock_guard lock(mutex_);
    return authorization_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> calls_;
  std::string authorization_;
};

// A revocation through the CLI kicks the device's live session and clears EMQX's authz
// cache; a binding change clears the cache, with the configured API key.
TEST(EmqxNotifyTest, RevokeKicksTheDeviceAndBindingChangesClearTheCache) {
  RecordingEmqx emqx;
  HubFlow flow({.extra_toml = "[emqx]\napi_url = \"" + emqx.url() +
                              "\"\napi_key = \"key1\"\napi_secret = \"secret1\"\n",
                .env = {}});
  const std::string user = flow.CreateUser("a@example.com", "Alice", "sub-a");
  flow.CreateDevice("dev-1");
  ASSERT_TRUE(flow.Start());

  flow.Bind("dev-1", user);
  EXPECT_TRUE(Eventually([&] { return emqx.Saw("DELETE /api/v5/authorization/cache"); }))
      << flow.Log();
  EXPECT_EQ(emqx.authorization(), "Basic a2V5MTpzZWNyZXQx");  // key1:secret1

  flow.Revoke("dev-1");
  EXPECT_TRUE(Eventually([&] { return emqx.Saw("DELETE /api/v5/clients/dev-1"); })) << flow.Log();
  EXPECT_EQ(flow.Log().find("secret1"), std::string::npos);
}

}  // namespace
}  // namespace iothub::testing
