// GuardedServer: httplib::Server with the connection handling replaced, so that slow or
// hostile clients cannot take the API down (httplib 0.11 bounds only each single read):
//  - at most `max_connections` connections are served at once; one more is answered at
//    once with a fixed 503 and closed, without reading its request;
//  - a request's head and body must arrive within `request_timeout` (a client trickling
//    bytes is answered 408 and dropped), a response must be taken within `write_timeout`,
//    and an idle keep-alive connection is closed after `keep_alive_timeout`;
//  - Range headers are ignored: every answer is the whole entity (httplib would build one
//    multipart part per requested range, so "bytes=0-,0-,..." multiplied the response).
// Pair it with ElasticThreadPool (http_server.cc), so each admitted connection has a
// thread and one slow client never delays another.
// Thread-safety: as httplib::Server; connections are handled concurrently.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>

namespace iothub::http {

struct ConnectionLimits {
  std::size_t max_connections = 512;
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds keep_alive_timeout{std::chrono::seconds(5)};
  std::size_t keep_alive_max_requests = 100;
};

class GuardedServer final : public httplib::Server {
 public:
  explicit GuardedServer(ConnectionLimits limits);

  // After bind: widens the listen backlog, which httplib 0.11 fixes at 5. With 5, a
  // burst of connections overflows it and the kernel drops SYNs, so even /api/health
  // waits for the client's 1 s, 3 s, ... retransmits. False if the socket refuses.
  bool WidenBacklog(int backlog);

  // Connections being served now, and connections refused with 503 so far.
  std::size_t active_connections() const { return active_.load(); }
  std::size_t refused_connections() const { return refused_.load(); }

 private:
  bool process_and_close_socket(socket_t sock) override;
  void ServeConnection(socket_t sock);

  const ConnectionLimits limits_;
  std::atomic<std::size_t> active_{0};
  std::atomic<std::size_t> refused_{0};
};

}  // namespace iothub::http
