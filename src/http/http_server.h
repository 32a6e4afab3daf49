// HttpServer: the embedded HTTP server (cpp-httplib), bound to one address. Routes are
// added before Start(); Stop() finishes in-flight requests.
// Options bound what clients can hold (guarded_server.h): each connection has its own
// thread up to max_connections, one more is refused with a fast 503, a request must
// arrive within request_timeout and a response be taken within write_timeout, so slow
// clients cannot keep /api/health or /metrics from answering. The request body limit is
// set by RegisterApi (register_api.h).
// Thread-safety: Start/Stop from one thread; handlers run concurrently on the pool.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "http/guarded_server.h"

namespace iothub::http {

struct HttpServerOptions {
  std::size_t threads = 8;  // worker threads kept ready; more start per connection
  ConnectionLimits limits;  // connection cap, request/write/keep-alive timeouts
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options = {});
  ~HttpServer();

  httplib::Server& routes() { return *server_; }
  const GuardedServer& server() const { return *server_; }

  // Binds `listen` ("host:port"; port 0 picks a free one) and serves in the background.
  // Returns the bound port, or an error naming the address.
  absl::StatusOr<int> Start(const std::string& listen);
  void Stop();

 private:
  std::unique_ptr<GuardedServer> server_;
  std::thread thread_;
};

}  // namespace iothub::http
