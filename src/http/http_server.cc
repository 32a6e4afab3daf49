#include "http/http_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <memory>

#include "http/elastic_thread_pool.h"

namespace iothub::http {
namespace {

// Threads beyond max_connections only answer refused connections' 503, which is quick.
constexpr std::size_t kRefusalThreads = 4;

}  // namespace

HttpServer::HttpServer(HttpServerOptions options)
    : server_(std::make_unique<GuardedServer>(options.limits)) {
  const std::size_t core = std::max<std::size_t>(options.threads, 1);
  const std::size_t max = std::max(core, options.limits.max_connections + kRefusalThreads);
  server_->new_task_queue = [core, max] { return new ElasticThreadPool(core, max); };
}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<int> HttpServer::Start(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError("HTTP listen address '" + listen + "' is not host:port");
  }
  const std::string host = listen.substr(0, colon);
  const int wanted = std::stoi(listen.substr(colon + 1));
  const int port = wanted == 0 ? server_->bind_to_any_port(host)
                               : (server_->bind_to_port(host, wanted) ? wanted : -1);
  if (port <= 0) {
    return absl::UnavailableError("cannot listen for HTTP on " + listen +
                                  " (address in use or not valid for this host)");
  }
  if (!server_->WidenBacklog(SOMAXCONN)) {
    return absl::InternalError("cannot set the HTTP listen backlog on " + listen);
  }
  auto listening_ended = std::make_shared<std::atomic<bool>>(false);
  thread_ = std::thread([this, listening_ended] {
    server_->listen_after_bind();
    *listening_ended = true;
  });
  // httplib's stop() does nothing until the listen loop has started: wait for it, so that
  // a Stop() right after Start() (SIGTERM during startup) cannot leave the loop running.
  while (!server_->is_running() && !*listening_ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return port;
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace iothub::http
