#include "http/guarded_server.h"

#include <netdb.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>

#include "http/api_error.h"

namespace iothub::http {
namespace {

using Clock = std::chrono::steady_clock;

// Longest single wait, so that a stopping server is noticed while clients are slow.
constexpr std::chrono::milliseconds kPollSlice{100};

// A socket stream whose reads share one deadline per request (head and body) and whose
// writes share one deadline per response, unlike httplib's, which bounds each read.
// Buffers reads: httplib reads request lines one byte at a time.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int sock, const std::atomic<int>& listener,
                 std::chrono::milliseconds write_timeout)
      : sock_(sock), listener_(listener), write_timeout_(write_timeout) {}

  // Starts a request that must be read by `read_deadline`.
  void BeginRequest(Clock::time_point read_deadline) {
    read_deadline_ = read_deadline;
    write_deadline_.reset();
    written_ = 0;
  }
  // Waits up to `timeout` for the next request's first byte; false on timeout or close.
  bool WaitForRequest(std::chrono::milliseconds timeout) {
    return buffered() > 0 || Wait(POLLIN, Clock::now() + timeout);
  }
  bool read_expired() const { return read_expired_; }
  std::size_t written() const { return written_; }

  bool is_readable() const override { return buffered() > 0 || WaitToRead(); }
  bool is_writable() const override { return !read_expired_ && Wait(POLLOUT, WriteDeadline()); }

  ssize_t read(char* ptr, std::size_t size) override {
    if (buffered() == 0) {
      if (!WaitToRead()) return -1;
      const ssize_t n = recv(sock_, buffer_.data(), buffer_.size(), 0);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<std::size_t>(n);
    }
    const std::size_t n = std::min(size, buffered());
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, std::size_t size) override {
    // A request that ran out of time gets the 408 of ServeConnection, not httplib's 400.
    if (read_expired_) return -1;
    if (!write_deadline_) write_deadline_ = Clock::now() + write_timeout_;
    if (!Wait(POLLOUT, *write_deadline_)) return -1;
    const ssize_t n = send(sock_, ptr, size, MSG_NOSIGNAL);
    if (n > 0) written_ += static_cast<std::size_t>(n);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    Address(getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Address(getsockname, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  std::size_t buffered() const { return end_ - begin_; }
  Clock::time_point WriteDeadline() const {
    return write_deadline_.value_or(Clock::now() + write_timeout_);
  }

  // Waits for request bytes until the request's deadline, and notes when it passed.
  bool WaitToRead() const {
    if (Wait(POLLIN, read_deadline_)) return true;
    if (Clock::now() >= read_deadline_) read_expired_ = true;
    return false;
  }

  // Polls for `events` until `deadline`, in slices so a server stop is seen.
  bool Wait(short events, Clock::time_point deadline) const {
    for (;;) {
      if (listener_.load() == INVALID_SOCKET) return false;
      const auto now = Clock::now();
      if (now >= deadline) return false;
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
      pollfd fd{.fd = sock_, .events = events, .revents = 0};
      const int ready = poll(&fd, 1, static_cast<int>(std::min(left, kPollSlice).count()));
      if (ready > 0) return true;
      if (ready < 0 && errno != EINTR) return false;
    }
  }

  template <typename GetName>
  void Address(GetName get_name, std::string& ip, int& port) const {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    std::array<char, NI_MAXHOST> host{};
    std::array<char, NI_MAXSERV> service{};
    if (get_name(sock_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        getnameinfo(reinterpret_cast<sockaddr*>(&address), length, host.data(), host.size(),
                    service.data(), service.size(), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
      return;
    }
    ip = host.data();
    port = std::atoi(service.data());
  }

  const int sock_;
  const std::atomic<int>& listener_;
  const std::chrono::milliseconds write_timeout_;
  Clock::time_point read_deadline_;
  std::optional<Clock::time_point> write_deadline_;
  mutable bool read_expired_ = false;  // set by the const is_readable() too
  std::size_t written_ = 0;
  std::array<char, 4096> buffer_{};
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

// A whole response with a JSON error body, closing the connection.
std::string FixedResponse(const char* status_line, const ApiError& error) {
  const std::string body = ErrorToJson(error).dump();
  return std::string("HTTP/1.1 ") + status_line +
         "\r\nContent-Type: application/json\r\nCache-Control: no-store\r\nConnection: "
         "close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Best effort, never blocks: the socket buffer of a fresh connection takes a short answer.
void SendNow(int sock, const std::string& response) {
  (void)send(sock, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

// Closes after discarding what the client already sent, so the kernel does not answer
// the unread bytes with a reset that could destroy the response before it is read.
void CloseGracefully(int sock) {
  shutdown(sock, SHUT_WR);
  std::array<char, 4096> sink{};
  for (int i = 0; i < 16 && recv(sock, sink.data(), sink.size(), MSG_DONTWAIT) > 0; ++i) {
  }
  close(sock);
}

}  // namespace

GuardedServer::GuardedServer(ConnectionLimits limits) : limits_(limits) {
  // Only for the Keep-Alive header httplib writes; ServeConnection enforces both.
  set_keep_alive_max_count(limits.keep_alive_max_requests);
  set_keep_alive_timeout(
      std::chrono::duration_cast<std::chrono::seconds>(limits.keep_alive_timeout).count());
}

bool GuardedServer::WidenBacklog(int backlog) {
  // Linux applies a second listen() on a listening socket as a new backlog.
  return ::listen(svr_sock_, backlog) == 0;
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  if (active_.fetch_add(1) >= limits_.max_connections) {
    active_.fetch_sub(1);
    refused_.fetch_add(1);
    static const std::string kBusy =
        FixedResponse("503 Service Unavailable",
                      Unavailable("the server has too many open connections; retry shortly"));
    SendNow(sock, kBusy);
    CloseGracefully(sock);
    spdlog::debug("http: connection refused: {} connections open", limits_.max_connections);
    return true;
  }
  ServeConnection(sock);
  active_.fetch_sub(1);
  CloseGracefully(sock);
  return true;
}

void GuardedServer::ServeConnection(socket_t sock) {
  DeadlineStream stream(sock, svr_sock_, limits_.write_timeout);
  // The first request's time starts at accept; later ones when their first byte arrives.
  stream.BeginRequest(Clock::now() + limits_.request_timeout);
  const auto ignore_ranges = [](httplib::Request& request) { request.ranges.clear(); };
  for (std::size_t served = 1; served <= limits_.keep_alive_max_requests; ++served) {
    if (served > 1) {
      if (!stream.WaitForRequest(limits_.keep_alive_timeout)) return;
      stream.BeginRequest(Clock::now() + limits_.request_timeout);
    }
    bool connection_closed = false;
    const bool ok = process_request(stream, served == limits_.keep_alive_max_requests,
                                    connection_closed, ignore_ranges);
    if (stream.read_expired()) {
      static const std::string kTimeout =
          FixedResponse("408 Request Timeout",
                        {408, "request_timeout", "the request was not received in time", {}});
      if (stream.written() == 0) SendNow(sock, kTimeout);
      return;
    }
    if (!ok || connection_closed) return;
  }
}

}  // namespace iothub::http
