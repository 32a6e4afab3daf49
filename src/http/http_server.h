// HttpServer: the embedded HTTP server (cpp-httplib) on its own thread pool, bound to one
// address. Routes are added before Start(); Stop() finishes in-flight requests.
// Thread-safety: Start/Stop from one thread; handlers run concurrently on the pool.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace iothub::http {

class HttpServer {
 public:
  HttpServer();
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
