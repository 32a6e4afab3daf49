// HttpServer: the embedded HTTP server (cpp-httplib) on its own thread pool, bound to one
// address. Routes are added before Start(); Stop() finishes in-flight requests.
// Options bound what one client can hold: worker threads, read/write timeouts (a slow
// client cannot pin a worker for long) and keep-alive. The request body limit is set by
// RegisterApi (register_api.h).
// Thread-safety: Start/Stop from one thread; handlers run concurrently on the pool.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace iothub::http {

struct HttpServerOptions {
  std::size_t threads = 8;                     // worker threads
  std::chrono::seconds read_timeout{10};       // per read of a request
  std::chrono::seconds write_timeout{10};      // per write of a response
  std::chrono::seconds keep_alive_timeout{5};  // idle keep-alive connection
  std::size_t keep_alive_max_requests = 100;   // requests per connection
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options = {});
  ~HttpServer();

  httplib::Server& routes() { return *server_; }

  // Binds `listen` ("host:port"; port 0 picks a free one) and serves in the background.
  // Returns the bound port, or an error naming the address.
  absl::StatusOr<int> Start(const std::string& listen);
  void Stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace iothub::http
