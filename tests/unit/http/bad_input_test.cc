// Each class of bad input gets the right status and a JSON error, and changes nothing:
// malformed JSON, wrong types, unknown fields, non-JSON content types, oversized bodies,
// hostile path ids, unknown routes and methods. Also the access log's contents.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

using BadInputTest = ApiTest;

// Malformed JSON and non-object bodies are 400.
TEST_F(BadInputTest, MalformedJson) {
  const StoreCounts before = Counts();
  for (const char* body : {"{", "{\"email\": }", "[1,2]", "\"text\"", "", "{\"a\":1}}"}) {
    Answer answer = Send("POST", "/api/users", AdminToken(), body);
    EXPECT_EQ(answer.status, 400) << body;
    EXPECT_EQ(Code(answer), "invalid_argument") << body;
  }
  EXPECT_EQ(Counts(), before);
}

// Wrong types name each bad field.
TEST_F(BadInputTest, WrongTypes) {
  const StoreCounts before = Counts();
  Answer answer = Post("/api/users", AdminToken(), {{"email", 5}, {"name", json::array()}});
  EXPECT_EQ(answer.status, 400);
  ASSERT_EQ(answer.body["error"]["details"].size(), 2u) << answer.text;
  EXPECT_EQ(answer.body["error"]["details"][0]["field"], "email");
  EXPECT_EQ(answer.body["error"]["details"][0]["problem"], "must be a string");
  EXPECT_EQ(Post("/api/devices/bind-device", AdminToken(), {{"id", 1}, {"ownerId", true}}).status,
            400);
  EXPECT_EQ(Counts(), before);
}

// Unknown fields are 400 naming the field.
TEST_F(BadInputTest, UnknownFields) {
  const StoreCounts before = Counts();
  Answer answer = Post("/api/users", AdminToken(),
                       {{"email", "z@example.com"}, {"name", "Zed"}, {"isAdmin", true}});
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body["error"]["details"][0]["field"], "isAdmin");
  EXPECT_EQ(answer.body["error"]["details"][0]["problem"], "unknown field");
  EXPECT_EQ(Counts(), before);
}

// A JSON endpoint refuses other content types with 415.
TEST_F(BadInputTest, NonJsonContentType) {
  const StoreCounts before = Counts();
  const std::string body = json{{"email", "z@example.com"}, {"name", "Zed"}}.dump();
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "application/jsonx"}) {
    Answer answer = Send("POST", "/api/users", AdminToken(), body, type);
    EXPECT_EQ(answer.status, 415) << type;
    EXPECT_EQ(Code(answer), "unsupported_media_type");
  }
  EXPECT_EQ(
      Send("POST", "/api/users", AdminToken(), body, "Application/JSON; charset=utf-8").status,
      201);
  EXPECT_EQ(Counts().users, before.users + 1);
}

// A 10 MB body is 413 and never parsed; a 1 MiB limit is the default.
TEST_F(BadInputTest, HugeBodyIs413) {
  const StoreCounts before = Counts();
  const std::string huge = "{\"email\":\"" + std::string(10 * 1024 * 1024, 'a') + "\"}";
  Answer answer = Send("POST", "/api/users", AdminToken(), huge);
  EXPECT_EQ(answer.status, 413);
  EXPECT_EQ(Code(answer), "payload_too_large");
  EXPECT_EQ(Counts(), before);
  // The connection still serves requests afterwards.
  EXPECT_EQ(Get("/api/health", {}).status, 200);
}

// JSON nested far past the parse policy's 32 levels (the bodies that crashed the hub with
// SIGSEGV: user metadata 100 000 deep, command params 500 000 deep) is 400 naming the
// limit, changes nothing, and the API keeps answering.
TEST_F(BadInputTest, DeeplyNestedJsonIs400) {
  MakeDevice("dev-deep", alice_.id);
  const StoreCounts before = Counts();
  std::string metadata;
  for (int i = 0; i < 100000; ++i) metadata += "{\"a\":";
  metadata += "1" + std::string(100000, '}');
  const std::string params = "{\"a\":" + std::string(500000, '[') + std::string(500000, ']') + "}";
  struct Case {
    const char* method;
    std::string path;
    httplib::Headers headers;
    std::string body;
  };
  const std::vector<Case> cases = {
      {"PATCH", "/api/users/" + alice_.id, Alice(), "{\"metadata\":" + metadata + "}"},
      {"POST", "/api/mqtt/device/command", Alice(),
       R"({"userId":")" + alice_.id + R"(","deviceId":"dev-deep","method":"reboot","params":)" +
           params + "}"},
      {"POST", "/api/users", AdminToken(),
       R"({"email":"deep@example.com","name":"Deep","metadata":)" + metadata + "}"},
  };
  for (const Case& c : cases) {
    Answer answer = Send(c.method, c.path, c.headers, c.body);
    EXPECT_EQ(answer.status, 400) << c.method << " " << c.path;
    EXPECT_EQ(Code(answer), "invalid_argument") << c.path;
    EXPECT_NE(answer.text.find("nesting deeper than 32"), std::string::npos) << answer.text;
    EXPECT_EQ(Get("/api/health", {}).status, 200);
  }
  EXPECT_TRUE(sender_.calls().empty());
  EXPECT_EQ(Counts(), before);
}

// Chunked bodies are refused (411) before they are read: httplib 0.11 bounds only
// Content-Length bodies. The server keeps serving afterwards.
TEST_F(BadInputTest, ChunkedBodyIs411) {
  const StoreCounts before = Counts();
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  std::string request = std::string("POST /api/users HTTP/1.1\r\nHost: x\r\n") +
                        "Authorization: Bearer " + kAdminToken +
                        "\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
  const std::string chunk(64 * 1024, ' ');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  for (int i = 0; i < 3 * 16; ++i) request += size_line + chunk + "\r\n";
  request += "0\r\n\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and close early
    sent += static_cast<std::size_t>(n);
  }
  std::string response(4096, '\0');
  const ssize_t got = recv(fd, response.data(), response.size(), 0);
  close(fd);
  ASSERT_GT(got, 0);
  response.resize(static_cast<std::size_t>(got));
  EXPECT_EQ(response.rfind("HTTP/1.1 411", 0), 0u) << response;
  EXPECT_EQ(Counts(), before);
  EXPECT_EQ(Get("/api/health", {}).status, 200);
}

// Hostile path ids never reach the store as paths: 400 or 404, JSON errors.
TEST_F(BadInputTest, HostilePathIds) {
  const StoreCounts before = Counts();
  for (const char* path :
       {"/api/users/..", "/api/users/%2e%2e", "/api/users/abc%00def", "/api/users/..%2F..%2Fetc",
        "/api/users/a%2Fb", "/api/users/../users", "/api/users/%20", "/api/users/%ff"}) {
    Answer answer = Get(path, AdminToken());
    EXPECT_TRUE(answer.status == 400 || answer.status == 404) << path << " " << answer.status;
    EXPECT_TRUE(answer.body.is_object()) << path;
  }
  for (const char* path : {"/api/users/..", "/api/users/abc%00def"}) {
    EXPECT_EQ(Patch(path, AdminToken(), {{"name", "Evil"}}).status, 400) << path;
    EXPECT_EQ(Delete(path, AdminToken()).status, 400) << path;
  }
  EXPECT_EQ(Delete("/api/devices/certificates/..%2F..", AdminToken()).status, 404);
  EXPECT_EQ(Counts(), before);
}

// Unknown routes are 404 "no_route"; a known path with another method is 405 with Allow.
TEST_F(BadInputTest, UnknownRouteAndMethod) {
  Answer missing = Get("/api/nothing-here", AdminToken());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Code(missing), "no_route");
  Answer wrong = Send("PUT", "/api/users", AdminToken(), "{}");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(Code(wrong), "method_not_allowed");
  ASSERT_TRUE(wrong.headers.count("Allow"));
  EXPECT_EQ(wrong.headers.find("Allow")->second, "GET, POST");
  EXPECT_EQ(Delete("/api/health", {}).status, 405);
}

// One access line per request: method, path without query, status, caller; no secrets.
TEST_F(BadInputTest, AccessLogHasNoSecrets) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  const std::string token = Token("sub-alice");
  Get("/api/users/" + alice_.id + "?access_token=secret-in-query", Bearer(token));
  Get("/api/auth/me", AdminToken());
  // httplib writes the access line after the response is sent: wait for it (up to 2 s)
  // before the capture ends.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (out.str().find("caller=admin-token") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  spdlog::set_default_logger(previous);
  const std::string log = out.str();
  EXPECT_NE(log.find("GET /api/users/" + alice_.id + " 200"), std::string::npos) << log;
  EXPECT_NE(log.find("caller=user:" + alice_.id), std::string::npos) << log;
  EXPECT_NE(log.find("caller=admin-token"), std::string::npos) << log;
  EXPECT_EQ(log.find(token), std::string::npos);
  EXPECT_EQ(log.find(kAdminToken), std::string::npos);
  EXPECT_EQ(log.find("secret-in-query"), std::string::npos);
  EXPECT_NE(metrics_.Render().find("iothub_http_requests_total"), std::string::npos);
}

}  // namespace
}  // namespace iothub::http::testing
