// MosquittoBroker: a real Mosquitto 2.0 broker for one test, with the iot-hub plugin
// (iot-hub-mosquitto.so) calling a hub over ExHook, on free 127.0.0.1 ports:
//  - the device listener: TLS with `require_certificate true` (mTLS, like EMQX's 8883),
//    where devices and the hub's own MQTT link connect with client certificates;
//  - optionally a user listener: TLS without client certificates, where users and
//    services connect with username "jwt" and a token as password.
// Both go through the plugin (per_listener_settings false); allow_anonymous false and
// never use_identity_as_username (the plugin needs MOSQ_EVT_BASIC_AUTH); set_tcp_nodelay
// true (else Nagle adds ~40 ms to each RPC round trip).
// Optionally a bridge to another such broker (Mosquitto's own `connection`): over TLS
// to the other broker's user listener, logging in there with a token (the hub there
// admits it as a broker bridge); the plugin here is told its local clientid, so what
// the bridge brings in passes without a second hub call.
// The configuration, stdout and the log (log_dest stderr) live in `dir`. Stopped with
// SIGTERM when the object dies. Thread-compatible.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/subprocess.h"

namespace iothub::testing {

// A bridge from this broker to another one, both directions for `topic`.
struct MosquittoBridge {
  std::string name;           // the connection's name; remote clientid `name`,
                              // local clientid `name`.local
  int remote_port = 0;        // the other broker's TLS user listener on 127.0.0.1
  std::string remote_cafile;  // CA of its server certificate
  std::string token;          // password with username "jwt"
  std::string topic = "users/#";
};

struct MosquittoOptions {
  std::filesystem::path dir;             // required: conf and logs
  std::string plugin_path;               // required: iot-hub-mosquitto.so
  std::string hub_url;                   // required: host:port of the hub's ExHook server
  int hub_timeout_ms = 1000;             // plugin_opt_timeout_ms
  std::string cafile;                    // required: the CA of client certificates (the hub's CA)
  std::string certfile;                  // required: the broker's server certificate...
  std::string keyfile;                   // ...and key
  int device_port = 0;                   // 0: a free port
  bool user_listener = true;             // the TLS listener without client certificates
  int user_port = 0;                     // 0: a free port
  std::vector<std::string> extra_lines;  // appended to the global section
  std::optional<MosquittoBridge> bridge;
};

class MosquittoBroker {
 public:
  explicit MosquittoBroker(MosquittoOptions options);
  ~MosquittoBroker();
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  // The mosquitto binary (PATH, /usr/sbin); empty when not installed.
  static std::string Binary();

  // Writes mosquitto.conf and starts the broker; true once every listener accepts TCP
  // connections (within `timeout`). May be called again after Stop() (same ports).
  bool Start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGTERM (SIGKILL after 5 s); returns the exit status.
  int Stop();
  bool Running();
  // SIGSTOP / SIGCONT, to freeze the broker in place.
  void Pause();
  void Resume();

  // Takes effect at the next Start().
  void SetBridge(MosquittoBridge bridge) { options_.bridge = std::move(bridge); }
  // The cafile of the next Start() (e.g. a CA bundle after a rotation).
  void set_cafile(std::string cafile) { options_.cafile = std::move(cafile); }

  int device_port() const { return options_.device_port; }
  int user_port() const { return options_.user_port; }
  std::string conf_path() const { return (options_.dir / "mosquitto.conf").string(); }
  // Everything Mosquitto logged so far.
  std::string Log() const;

 private:
  MosquittoOptions options_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace iothub::testing
