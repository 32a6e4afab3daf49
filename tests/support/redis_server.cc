#include "support/redis_server.h"

#include <unistd.h>

#include <cstdlib>

namespace iothub::testing {

RedisServer::RedisServer() {
  const char* binary = std::getenv("IOTHUB_REDIS_SERVER");
  binary_ = binary != nullptr && *binary != '\0' ? binary : FindExecutable("redis-server");
  if (binary_.empty() || access(binary_.c_str(), X_OK) != 0) {
    error_ =
        "redis-server is not installed: run scripts/install-deps.sh (redis-server) or set "
        "IOTHUB_REDIS_SERVER";
    return;
  }
  port_ = FreeTcpPort();
  Start();
}

RedisServer::~RedisServer() { Stop(); }

std::string RedisServer::Url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

bool RedisServer::Start() {
  if (server_ != nullptr) return true;
  server_ = std::make_unique<Subprocess>(
      std::vector<std::string>{binary_, "--port", std::to_string(port_), "--bind", "127.0.0.1",
                               "--dir", dir_.path().string(), "--save", "", "--appendonly", "no",
                               "--daemonize", "no", "--protected-mode", "yes"},
      dir_.File("server.log"), dir_.File("server.log"));
  if (server_->started() && WaitForTcpPort(port_, std::chrono::seconds(10))) {
    error_.clear();
    return true;
  }
  error_ = "redis-server did not start: " + ReadFile(dir_.File("server.log"));
  server_.reset();
  return false;
}

bool RedisServer::Stop() {
  if (server_ == nullptr) return true;
  const int status = server_->Stop();
  server_.reset();
  return status >= 0;
}

}  // namespace iothub::testing
