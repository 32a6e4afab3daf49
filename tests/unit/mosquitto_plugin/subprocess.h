// Subprocess helpers for the broker smoke test: start a program with its output in files,
// wait with a timeout, terminate only the children we started; free loopback ports.
// Thread-compatible.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace iothub::mosquitto_plugin::testing {

class Subprocess {
 public:
  // Starts argv[0] (a path) with stdout/stderr appended to the given files.
  Subprocess(const std::vector<std::string>& argv, const std::string& stdout_path,
             const std::string& stderr_path);
  ~Subprocess();  // Terminate()
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return pid_ > 0; }
  // The exit code, or -1 when still running after `timeout` (the process is then killed).
  int Wait(std::chrono::milliseconds timeout);
  // SIGTERM, then SIGKILL after 2 s; no-op once reaped.
  void Terminate();

 private:
  pid_t pid_ = -1;
};

// Runs a program to completion (killed after `timeout`); returns its exit code (-1 on
// timeout) and its stdout in *out.
int Run(const std::vector<std::string>& argv, const std::string& scratch_dir,
        std::chrono::milliseconds timeout, std::string* out);

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();
// True once something accepts TCP connections on 127.0.0.1:port.
bool WaitForPort(int port, std::chrono::milliseconds timeout);
// The full path of a program in PATH, /usr/sbin or /usr/bin; empty when absent.
std::string FindProgram(const std::string& name);

}  // namespace iothub::mosquitto_plugin::testing
