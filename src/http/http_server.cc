#include "http/http_server.h"

namespace iothub::http {

HttpServer::HttpServer(HttpServerOptions options) : server_(std::make_unique<httplib::Server>()) {
  const std::size_t threads = options.threads == 0 ? 1 : options.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_read_timeout(options.read_timeout);
  server_->set_write_timeout(options.write_timeout);
  server_->set_keep_alive_timeout(options.keep_alive_timeout.count());
  server_->set_keep_alive_max_count(options.keep_alive_max_requests);
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
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return port;
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace iothub::http
