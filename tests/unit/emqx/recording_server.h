// RecordingServer: plays EMQX's REST API in tests. EMQX itself cannot run in CI (there
// is no container engine), so an httplib::Server on 127.0.0.1 and a free port answers
// every DELETE, records method, raw target, decoded path and Authorization header, and
// can be told to fail the next N requests, to answer a fixed status, to answer slowly,
// or to hang until released. Thread-safe.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace iothub::emqx::testing {

struct RecordedRequest {
  std::string method;
  std::string target;  // raw request target, as sent on the wire
  std::string path;    // percent-decoded by httplib
  std::string authorization;
};

class RecordingServer {
 public:
  RecordingServer() {
    server_.Delete(
        ".*", [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~RecordingServer() {
    Release();
    server_.stop();
    thread_.join();
  }
  RecordingServer(const RecordingServer&) = delete;
  RecordingServer& operator=(const RecordingServer&) = delete;

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The next `count` requests get `status`; then the default status again.
  void FailNext(int count, int status = 503) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_left_ = count;
    fail_status_ = status;
  }
  // Every request (after any FailNext ones) gets `status` (200 by default).
  void AnswerAlways(int status) {
    std::lock_guard<std::mutex> lock(mu_);
    default_status_ = status;
  }
  // Each answer waits this long first.
  void SetDelay(std::chrono::milliseconds delay) {
    std::lock_guard<std::mutex> lock(mu_);
    delay_ = delay;
  }
  // Requests are recorded, then held without an answer until Release().
  void Hang() {
    std::lock_guard<std::mutex> lock(mu_);
    hang_ = true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      hang_ = false;
    }
    changed_.notify_all();
  }

  std::vector<RecordedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // Waits until at least `count` requests arrived; false on timeout.
  bool WaitForRequests(std::size_t count,
                       std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu_);
    requests_.push_back({req.method, req.target, req.path, req.get_header_value("Authorization")});
    changed_.notify_all();
    changed_.wait(lock, [&] { return !hang_; });
    const auto delay = delay_;
    int status = default_status_;
    if (fail_left_ > 0) {
      --fail_left_;
      status = fail_status_;
    }
    lock.unlock();
    std::this_thread::sleep_for(delay);
    res.status = status;
    res.set_content(status == 204 ? "" : R"({"code":"TEST"})", "application/json");
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<RecordedRequest> requests_;
  int fail_left_ = 0;
  int fail_status_ = 503;
  int default_status_ = 204;
  std::chrono::milliseconds delay_{0};
  bool hang_ = false;
};

}  // namespace iothub::emqx::testing
