// RecordingEmqx: a small local HTTP server that plays EMQX's REST API for the tests
// (EMQX itself cannot run here): it records every DELETE's method and path and answers
// 204. Point a hub's [emqx] api_url at url(). Thread-safe.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace iothub::testing {

// Records every request's method and path; answers 204.
class RecordingEmqx {
 public:
  RecordingEmqx() {
    server_.Delete(".*", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex_);
      calls_.push_back(request.method + " " + request.path);
      authorization_ = request.get_header_value("Authorization");
      response.status = 204;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RecordingEmqx() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  bool Saw(const std::string& call) {
    std::lock_guard lock(mutex_);
    return std::find(calls_.begin(), calls_.end(), call) != calls_.end();
  }
  // How many times `call` was made.
  std::size_t Count(const std::string& call) {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count(calls_.begin(), calls_.end(), call));
  }
  std::string authorization() {
    std::lock_guard lock(mutex_);
    return authorization_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> calls_;
  std::string authorization_;
};

}  // namespace iothub::testing
