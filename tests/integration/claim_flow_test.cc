// Claiming a device through the real binary: the CLI shows the claim code once, a user
// claims over HTTP, wrong codes lock out (and stay locked across a hub restart), and
// unbinding gives a new code while the old one fails.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "support/hub_flow.h"

namespace iothub::testing {
namespace {

struct HttpAnswer {
  int status = 0;
  nlohmann::json body;
  std::string retry_after;
};

// A POST as the user with token subject `subject`.
HttpAnswer PostAs(int port, const std::string& subject, const std::string& path,
                  const nlohmann::json& body) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  const httplib::Headers headers = {{"Authorization", "Bearer " + HubFlow::Token(subject)}};
  httplib::Result result = client.Post(path, headers, body.dump(), "application/json");
  if (!result) return {};
  return {result->status, nlohmann::json::parse(result->body, nullptr, false),
          result->get_header_value("Retry-After")};
}

// The whole claim life of two devices through the CLI and HTTP, and a restart.
TEST(ClaimFlowTest, CreateClaimLockoutUnbind) {
  HubFlow flow;
  ASSERT_TRUE(flow.Init());
  const std::string alice = flow.CreateUser("a@example.com", "Alice", "sub-a");
  flow.CreateUser("b@example.com", "Bob", "sub-b");

  // The code is shown by create (text and JSON), never by show.
  const CommandResult created = flow.Cli({"device", "create", "dev-1"});
  ASSERT_EQ(created.status, 0) << created.err;
  const std::size_t at = created.out.find("claimCode: ");
  ASSERT_NE(at, std::string::npos) << created.out;
  const std::string code = created.out.substr(at + 11, 19);
  const nlohmann::json second = flow.CliJson({"device", "create", "dev-2"});
  const std::string code2 = second.value("claimCode", "");
  ASSERT_EQ(code2.size(), 19u) << second.dump();
  const CommandResult shown = flow.Cli({"device", "show", "dev-1"});
  EXPECT_EQ(shown.out.find(code), std::string::npos);
  EXPECT_EQ(shown.out.find("claimCode"), std::string::npos);

  // A label for the code (and a refusal for a wrong code).
  const CommandResult label = flow.Cli({"device", "label", "dev-1", "--code", code});
  EXPECT_EQ(label.status, 0) << label.err;
  EXPECT_NE(label.out.find("iothub://claim?id=dev-1&code=" + code), std::string::npos);
  EXPECT_NE(flow.Cli({"device", "label", "dev-1", "--code", "0000-0000-0000-0000"}).status, 0);
  // SVG and PNG labels go to a file; the URI is printed.
  const std::string svg = flow.dir().File("label.svg");
  const std::string png = flow.dir().File("label.png");
  ASSERT_EQ(flow.Cli({"device", "label", "dev-1", "--code", code, "--format", "svg", "--out", svg})
                .status,
            0);
  EXPECT_EQ(ReadFile(svg).rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  ASSERT_EQ(flow.Cli({"device", "label", "dev-1", "--code", code, "--format", "png", "--out", png})
                .status,
            0);
  EXPECT_EQ(ReadFile(png).substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_NE(flow.Cli({"device", "label", "dev-1", "--code", code, "--format", "png"}).status, 0);

  ASSERT_TRUE(flow.Start());
  const int port = flow.hub().http_port();

  // Alice claims dev-1, typing the code in lower case.
  std::string typed = code;
  for (char& c : typed) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const HttpAnswer claimed =
      PostAs(port, "sub-a", "/api/devices/claim", {{"id", "dev-1"}, {"claimCode", typed}});
  ASSERT_EQ(claimed.status, 200) << claimed.body.dump();
  EXPECT_EQ(claimed.body["device"]["ownerId"], alice);

  // Five wrong codes for dev-2 lock it, also for Bob with the right code.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(PostAs(port, "sub-a", "/api/devices/claim",
                     {{"id", "dev-2"}, {"claimCode", "0000-0000-0000-0000"}})
                  .status,
              403);
  }
  const HttpAnswer locked =
      PostAs(port, "sub-b", "/api/devices/claim", {{"id", "dev-2"}, {"claimCode", code2}});
  EXPECT_EQ(locked.status, 429) << locked.body.dump();
  EXPECT_FALSE(locked.retry_after.empty());

  // Unbinding answers a new code; the old one no longer works, the new one does.
  const HttpAnswer unbound = PostAs(port, "sub-a", "/api/devices/unbind-device", {{"id", "dev-1"}});
  ASSERT_EQ(unbound.status, 200) << unbound.body.dump();
  const std::string fresh = unbound.body.value("claimCode", "");
  ASSERT_EQ(fresh.size(), 19u);
  EXPECT_EQ(
      PostAs(port, "sub-a", "/api/devices/claim", {{"id", "dev-1"}, {"claimCode", code}}).status,
      403);
  EXPECT_EQ(
      PostAs(port, "sub-b", "/api/devices/claim", {{"id", "dev-1"}, {"claimCode", fresh}}).status,
      200);

  // The lockout is in the database: a restarted hub still refuses dev-2.
  ASSERT_EQ(flow.hub().Stop(), 0) << flow.Log();
  HubProcess again({.data_dir = flow.data_dir(), .config_file = flow.config_path()});
  ASSERT_TRUE(again.WaitReady()) << again.Log();
  EXPECT_EQ(PostAs(again.http_port(), "sub-b", "/api/devices/claim",
                   {{"id", "dev-2"}, {"claimCode", code2}})
                .status,
            429);
  // No claim code ever reaches the log.
  EXPECT_EQ(again.Log().find(code2), std::string::npos);
  EXPECT_EQ(flow.Log().find(code2), std::string::npos);
  EXPECT_EQ(flow.Log().find(fresh), std::string::npos);
}

}  // namespace
}  // namespace iothub::testing
