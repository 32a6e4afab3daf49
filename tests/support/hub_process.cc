#include "support/hub_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "support/temp_dir.h"

extern char** environ;

namespace iothub::testing {
namespace {

std::vector<std::string> Environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    // Keep the test's environment but never leak the developer's IOTHUB_ settings in.
    if (entry.rfind("IOTHUB_", 0) != 0) env.push_back(entry);
  }
  for (const auto& [key, value] : extra) env.push_back(key + "=" + value);
  return env;
}

pid_t Spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::string& out_path, const std::string& err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::vector<std::string> env_strings = Environment(env);
  std::vector<char*> envp;
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

int WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -2;
}

}  // namespace

std::string HubBinary() { return std::string(IOTHUB_BINARY_DIR) + "/iot-hub"; }

HubProcess::HubProcess(HubOptions options) : options_(std::move(options)) {
  log_path_ = options_.data_dir / "hub.log";
  std::vector<std::string> args = {HubBinary()};
  if (!options_.config_file.empty()) args.insert(args.end(), {"--config", options_.config_file});
  args.insert(args.end(), {"serve", "--data-dir", options_.data_dir.string(), "--grpc-listen",
                           "127.0.0.1:0", "--http-listen", "127.0.0.1:0"});
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::filesystem::create_directories(options_.data_dir);
  pid_ = Spawn(args, options_.env, (options_.data_dir / "hub.out").string(), log_path_.string());
}

HubProcess::~HubProcess() {
  if (pid_ > 0 && Stop() < 0 && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool HubProcess::WaitReady(std::chrono::milliseconds timeout) {
  static const std::regex kReady(R"(on port (\d+) and HTTP on port (\d+))");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string log = Log();
    if (std::regex_search(log, match, kReady)) {
      grpc_port_ = std::stoi(match[1]);
      http_port_ = std::stoi(match[2]);
      return true;
    }
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string HubProcess::Log() const { return ReadFile(log_path_); }

int HubProcess::Stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const int status = WaitExit(pid_, timeout);
  if (status != -2) pid_ = -1;
  return status < 0 ? -1 : status;
}

CommandResult RunHub(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env) {
  TempDir scratch;
  std::vector<std::string> argv = {HubBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string out = scratch.File("out"), err = scratch.File("err");
  const pid_t pid = Spawn(argv, env, out, err);
  CommandResult result;
  if (pid > 0) result.status = WaitExit(pid, std::chrono::seconds(60));
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

}  // namespace iothub::testing
