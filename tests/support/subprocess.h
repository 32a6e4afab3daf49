// Child processes for tests that run real programs (the hub, Mosquitto, device-sim,
// mosquitto_pub): start one with its output in files, wait for it with a timeout, signal
// it, and stop it (SIGTERM, then SIGKILL). Also free loopback ports and PATH look-ups.
//
// Only the processes a Subprocess started are ever signalled, by their pid. A child gets
// SIGTERM if the thread that started it dies (PR_SET_PDEATHSIG), so a crashed or killed
// test leaves no broker behind: start children from the test's main thread.
// The IOTHUB_* variables of the test's environment are never passed on (a developer's
// settings must not leak into a hub under test); `env` adds or replaces variables.
// Thread-compatible: one thread drives one Subprocess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace iothub::testing {

class Subprocess {
 public:
  // Starts argv[0] (a path) with stdin from /dev/null and stdout/stderr appended to the
  // given files. started() tells whether it could be started.
  Subprocess(const std::vector<std::string>& argv, const std::string& stdout_path,
             const std::string& stderr_path, const std::map<std::string, std::string>& env = {});
  ~Subprocess();  // Stop()
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return started_; }
  pid_t pid() const { return pid_; }
  // True while the child has not exited (reaps it when it has).
  bool Running();
  // The exit status (128 + signal for a signal death) once the child has exited within
  // `timeout`; nullopt while it still runs (it is left running).
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);
  // Sends `signal` to the child while it runs.
  void Signal(int signal);
  // SIGTERM, then SIGKILL after `grace`; returns the exit status as WaitExit does, or the
  // status already collected. No-op (returns the old status) once reaped.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

 private:
  void Reaped(int wait_status);

  bool started_ = false;
  pid_t pid_ = -1;  // -1 once reaped
  int exit_status_ = -1;
};

struct ProcessResult {
  int status = -1;  // exit status; -1 when it had to be killed after the timeout
  std::string out;
  std::string err;
};

// Runs a program to completion (killed after `timeout`), with its output captured.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60),
                         const std::map<std::string, std::string>& env = {});

// A TCP port on 127.0.0.1 that was free a moment ago (another process may take it
// before it is used: callers bind it soon).
int FreeTcpPort();
// True once something accepts TCP connections on 127.0.0.1:port within `timeout`.
bool WaitForTcpPort(int port, std::chrono::milliseconds timeout);
// True when nothing accepts TCP connections on 127.0.0.1:port right now.
bool TcpPortIsClosed(int port);
// The full path of an executable in PATH, /usr/sbin, /usr/bin, /usr/local/{s,}bin;
// empty when absent.
std::string FindExecutable(const std::string& name);

}  // namespace iothub::testing
