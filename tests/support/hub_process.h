// HubProcess: the real iot-hub binary started for one test on free loopback ports
// (port 0, read back from its start-up log line), with its own data dir; a Subprocess
// (so IOTHUB_* variables of the test's environment are not passed on). Stopped with
// SIGTERM (then SIGKILL) when the object dies. Thread-compatible.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/subprocess.h"

namespace iothub::testing {

// The built binaries of this build tree.
std::string HubBinary();

struct HubOptions {
  std::filesystem::path data_dir;          // required
  std::string config_file;                 // optional
  std::vector<std::string> extra_args;     // appended after `serve`
  std::map<std::string, std::string> env;  // added to the environment
};

class HubProcess {
 public:
  explicit HubProcess(HubOptions options);
  ~HubProcess();
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  // True once the hub logged its ports (waits up to `timeout`).
  bool WaitReady(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }
  std::string grpc_target() const { return "127.0.0.1:" + std::to_string(grpc_port_); }
  // Everything the hub wrote to stderr so far.
  std::string Log() const;
  // Sends SIGTERM and waits; returns the exit status (128 + signal for a signal death),
  // or -1 while it still runs after `timeout`.
  int Stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  HubOptions options_;
  std::filesystem::path log_path_;
  std::unique_ptr<Subprocess> process_;
  int grpc_port_ = 0;
  int http_port_ = 0;
};

// Runs the binary with `args` to completion (killed after 60 s); returns {exit status
// (-1 when killed), stdout, stderr}.
struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};
CommandResult RunHub(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env = {});

}  // namespace iothub::testing
