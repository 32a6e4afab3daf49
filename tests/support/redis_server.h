// RedisServer: a real redis-server for tests, in its own temporary directory, on a free
// loopback port, without persistence; stopped with the object. Stop() and Start() take
// it down and bring it back on the same port (empty: it keeps nothing), for tests of
// outages. The binary is $IOTHUB_REDIS_SERVER, else redis-server found in PATH (Debian:
// /usr/bin/redis-server). Nothing is skipped: when it is missing ok() is false and
// error() says what to install, and tests ASSERT ok().
// Thread-compatible: drive it from the test's main thread.
#pragma once

#include <memory>
#include <string>

#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace iothub::testing {

class RedisServer {
 public:
  RedisServer();  // Start()
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  // redis://127.0.0.1:<port>/0
  std::string Url() const;

  // Both return false (with error()) on failure.
  bool Stop();
  bool Start();

 private:
  TempDir dir_;
  std::string binary_;
  int port_ = 0;
  std::string error_;
  std::unique_ptr<Subprocess> server_;
};

}  // namespace iothub::testing
