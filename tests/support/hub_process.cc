#include "support/hub_process.h"

#include <signal.h>

#include <regex>
#include <thread>

#include "support/temp_dir.h"

namespace iothub::testing {

std::string HubBinary() { return std::string(IOTHUB_BINARY_DIR) + "/iot-hub"; }

HubProcess::HubProcess(HubOptions options) : options_(std::move(options)) {
  log_path_ = options_.data_dir / "hub.log";
  std::vector<std::string> args = {HubBinary()};
  if (!options_.config_file.empty()) args.insert(args.end(), {"--config", options_.config_file});
  args.insert(args.end(), {"serve", "--data-dir", options_.data_dir.string(), "--grpc-listen",
                           "127.0.0.1:0", "--http-listen", "127.0.0.1:0"});
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::filesystem::create_directories(options_.data_dir);
  // A fresh log: WaitReady reads the ports from it, never from an earlier run's.
  std::filesystem::remove(log_path_);
  process_ = std::make_unique<Subprocess>(args, (options_.data_dir / "hub.out").string(),
                                          log_path_.string(), options_.env);
}

HubProcess::~HubProcess() = default;  // Subprocess: SIGTERM, then SIGKILL

bool HubProcess::WaitReady(std::chrono::milliseconds timeout) {
  static const std::regex kReady(R"(on port (\d+) and HTTP on port (\d+))");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process_->Running() && std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string log = Log();
    if (std::regex_search(log, match, kReady)) {
      grpc_port_ = std::stoi(match[1]);
      http_port_ = std::stoi(match[2]);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string HubProcess::Log() const { return ReadFile(log_path_); }

int HubProcess::Stop(std::chrono::milliseconds timeout) {
  process_->Signal(SIGTERM);  // no-op once it has exited
  return process_->WaitExit(timeout).value_or(-1);
}

CommandResult RunHub(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {HubBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult result = RunProcess(argv, std::chrono::seconds(60), env);
  return {result.status, std::move(result.out), std::move(result.err)};
}

}  // namespace iothub::testing
