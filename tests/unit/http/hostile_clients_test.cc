// Clients that try to exhaust the server rather than break a handler: Range headers that
// multiply a response, slow clients that hold connections, and more connections than the
// server serves at once. Real sockets against the production HttpServer on loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

// A raw loopback connection that sends exactly what a test writes.
class RawClient {
 public:
  explicit RawClient(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // What the server sent until it closed the connection or `timeout` passed.
  std::string ReadUntilClosed(milliseconds timeout) {
    std::string out;
    const auto deadline = SteadyClock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) return out;
      pollfd fd{.fd = fd_, .events = POLLIN, .revents = 0};
      if (poll(&fd, 1, static_cast<int>(left.count())) <= 0) return out;
      char buffer[4096];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
};

// A request head that never ends (slowloris), and one with a body that never comes.
constexpr char kUnfinishedHead[] = "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: 1";
constexpr char kUnfinishedBody[] =
    "POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    "Content-Length: 1000\r\n\r\n{\"email\":";

class HostileClientsTest : public ApiTest {
 protected:
  // Restarts the server with `limits`.
  void Restart(ConnectionLimits limits) {
    server_options_.limits = limits;
    Start({"127.0.0.1"});
  }
  // Opens `n` connections that each send `what` and stall; waits until the server holds
  // `expect_active` of them.
  std::vector<std::unique_ptr<RawClient>> OpenSlow(std::size_t n, const char* what,
                                                   std::size_t expect_active) {
    std::vector<std::unique_ptr<RawClient>> clients;
    for (std::size_t i = 0; i < n; ++i) {
      clients.push_back(std::make_unique<RawClient>(port_));
      EXPECT_TRUE(clients.back()->connected());
      EXPECT_TRUE(clients.back()->Send(what));
    }
    const auto deadline = SteadyClock::now() + seconds(5);
    while (server_->server().active_connections() < expect_active &&
           SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    EXPECT_GE(server_->server().active_connections(), expect_active);
    return clients;
  }
  // Status of GET /api/health on a fresh connection, and how long it took.
  std::pair<int, milliseconds> TimedHealth() {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(seconds(5));
    client.set_read_timeout(seconds(5));
    const auto start = SteadyClock::now();
    auto result = client.Get("/api/health");
    const auto took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start);
    return {result ? result->status : 0, took};
  }
};

// Range headers are ignored: 2 600 ranges of the whole document (84 MB once) get the
// plain 200 body, never a multipart 206; so does a single range.
TEST_F(HostileClientsTest, RangeHeaderIsIgnored) {
  Answer plain = Get("/api/openapi.json", {});
  ASSERT_EQ(plain.status, 200);
  std::string ranges = "bytes=0-";
  for (int i = 1; i < 2600; ++i) ranges += ",0-";
  for (const std::string& range : {ranges, std::string("bytes=0-10"), std::string("bytes=-5")}) {
    Answer ranged = Get("/api/openapi.json", {{"Range", range}});
    EXPECT_EQ(ranged.status, 200) << range.substr(0, 20);
    EXPECT_EQ(ranged.text.size(), plain.text.size());
    EXPECT_EQ(ranged.headers.find("Content-Type")->second, "application/json");
    EXPECT_EQ(ranged.headers.count("Content-Range"), 0u);
  }
}

// Slow clients (unfinished heads and bodies) hold no worker another client needs: with
// 56 of them open, /api/health answers within 1 s.
TEST_F(HostileClientsTest, SlowClientsDoNotBlockHealth) {
  Restart({.max_connections = 64, .request_timeout = seconds(30)});
  auto heads = OpenSlow(48, kUnfinishedHead, 48);
  auto bodies = OpenSlow(8, kUnfinishedBody, 56);
  const auto [status, took] = TimedHealth();
  EXPECT_EQ(status, 200);
  EXPECT_LT(took, seconds(1));
}

// One connection beyond max_connections is answered 503 at once (JSON error, closed);
// once the slow ones are gone the server serves again.
TEST_F(HostileClientsTest, BeyondTheCapIs503Fast) {
  Restart({.max_connections = 8, .request_timeout = seconds(30)});
  {
    auto slow = OpenSlow(8, kUnfinishedHead, 8);
    RawClient extra(port_);
    ASSERT_TRUE(extra.connected());
    const auto start = SteadyClock::now();
    extra.Send("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string answer = extra.ReadUntilClosed(seconds(5));
    EXPECT_LT(SteadyClock::now() - start, seconds(1));
    EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
    EXPECT_NE(answer.find("\"code\":\"unavailable\""), std::string::npos) << answer;
    EXPECT_TRUE(extra.closed());
    EXPECT_GE(server_->server().refused_connections(), 1u);
  }
  const auto deadline = SteadyClock::now() + seconds(5);
  while (server_->server().active_connections() > 0 && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_EQ(TimedHealth().first, 200);
}

// A request whose head or body trickles in is cut at request_timeout with 408, although
// each byte arrives well within any per-read timeout.
TEST_F(HostileClientsTest, TricklingRequestIsCutAtRequestTimeout) {
  Restart({.request_timeout = seconds(1)});
  for (const char* start : {"GET /api/health HTTP/1.1\r\nHost: x\r\n", kUnfinishedBody}) {
    RawClient client(port_);
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(start));
    const auto begin = SteadyClock::now();
    std::string answer;
    while (!client.closed() && SteadyClock::now() - begin < seconds(4)) {
      client.Send(" ");  // a header continuation or body byte every 100 ms
      answer += client.ReadUntilClosed(milliseconds(100));
    }
    EXPECT_TRUE(client.closed()) << start;
    EXPECT_LT(SteadyClock::now() - begin, seconds(3));
    EXPECT_EQ(answer.rfind("HTTP/1.1 408", 0), 0u) << answer;
  }
  EXPECT_EQ(TimedHealth().first, 200);
}

}  // namespace
}  // namespace iothub::http::testing
