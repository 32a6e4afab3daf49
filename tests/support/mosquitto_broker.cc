#include "support/mosquitto_broker.h"

#include <signal.h>
#include <unistd.h>

#include "support/temp_dir.h"

namespace iothub::testing {

MosquittoBroker::MosquittoBroker(MosquittoOptions options) : options_(std::move(options)) {
  if (options_.device_port == 0) options_.device_port = FreeTcpPort();
  if (options_.user_listener && options_.user_port == 0) options_.user_port = FreeTcpPort();
  if (!options_.user_listener) options_.user_port = 0;
}

MosquittoBroker::~MosquittoBroker() { Stop(); }

std::string MosquittoBroker::Binary() { return FindExecutable("mosquitto"); }

bool MosquittoBroker::Start(std::chrono::milliseconds timeout) {
  if (process_ != nullptr && process_->Running()) return false;
  std::string conf;
  // As root, Mosquitto would switch to the "mosquitto" user, who cannot read the test's
  // private directory.
  if (geteuid() == 0) conf += "user root\n";
  conf += "per_listener_settings false\n";
  conf += "allow_anonymous false\n";
  conf += "persistence false\n";
  conf += "set_tcp_nodelay true\n";  // no Nagle delay (~40 ms) on small RPC messages
  conf += "log_dest stderr\n";
  conf += "log_type all\n";
  conf += "log_timestamp_format %H:%M:%S\n";
  conf += "connection_messages true\n";
  conf += "plugin " + options_.plugin_path + "\n";
  conf += "plugin_opt_url " + options_.hub_url + "\n";
  conf += "plugin_opt_timeout_ms " + std::to_string(options_.hub_timeout_ms) + "\n";
  if (options_.bridge) conf += "plugin_opt_bridge_clientids " + options_.bridge->name + ".local\n";
  for (const std::string& line : options_.extra_lines) conf += line + "\n";
  const auto tls = [&](bool require_certificate) {
    conf += "cafile " + options_.cafile + "\n";
    conf += "certfile " + options_.certfile + "\n";
    conf += "keyfile " + options_.keyfile + "\n";
    conf += std::string("require_certificate ") + (require_certificate ? "true" : "false") + "\n";
  };
  conf += "\nlistener " + std::to_string(options_.device_port) + " 127.0.0.1\n";
  tls(true);
  if (options_.user_listener) {
    conf += "\nlistener " + std::to_string(options_.user_port) + " 127.0.0.1\n";
    tls(false);
  }
  if (const auto& bridge = options_.bridge) {
    conf += "\nconnection " + bridge->name + "\n";
    conf += "address 127.0.0.1:" + std::to_string(bridge->remote_port) + "\n";
    conf += "remote_clientid " + bridge->name + "\n";
    conf += "local_clientid " + bridge->name + ".local\n";
    conf += "remote_username jwt\nremote_password " + bridge->token + "\n";
    conf += "bridge_cafile " + bridge->remote_cafile + "\n";
    conf += "bridge_protocol_version mqttv311\ntry_private true\ncleansession true\n";
    conf += "notifications false\nrestart_timeout 1\n";
    conf += "topic " + bridge->topic + " both 1\n";
  }
  WriteFile(conf_path(), conf);
  process_ = std::make_unique<Subprocess>(std::vector<std::string>{Binary(), "-c", conf_path()},
                                          (options_.dir / "mosquitto.out").string(),
                                          (options_.dir / "mosquitto.log").string());
  if (!process_->started()) return false;
  const auto end = std::chrono::steady_clock::now() + timeout;
  const auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(end -
                                                                 std::chrono::steady_clock::now());
  };
  if (!WaitForTcpPort(options_.device_port, left())) return false;
  if (options_.user_listener && !WaitForTcpPort(options_.user_port, left())) return false;
  return process_->Running();
}

int MosquittoBroker::Stop() {
  if (process_ == nullptr) return -1;
  Resume();
  return process_->Stop();
}

bool MosquittoBroker::Running() { return process_ != nullptr && process_->Running(); }

void MosquittoBroker::Pause() {
  if (process_ != nullptr) process_->Signal(SIGSTOP);
}

void MosquittoBroker::Resume() {
  if (process_ != nullptr) process_->Signal(SIGCONT);
}

std::string MosquittoBroker::Log() const { return ReadFile(options_.dir / "mosquitto.log"); }

}  // namespace iothub::testing
