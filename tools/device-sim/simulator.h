// Simulator: one simulated device on an MQTT broker (libmosquitto, MQTT 3.1.1, QoS 1).
// Subscribes to its RPC request topic, answers with DeviceState, publishes a retained
// "online" status (last will "offline") and periodic telemetry once the owner is known.
// Test behaviours: late, double, wrong-id or missing replies; exit after N requests.
// Renews its own certificate over MQTT when it is about to end (renew_within_days).
// Not thread-safe: Run() drives everything from the calling thread.
#pragma once

#include <mosquitto.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <string>

#include "device_state.h"

namespace iothub::device_sim {

struct SimOptions {
  std::string host = "127.0.0.1";
  int port = 8883;
  std::string cafile, cert, key;   // TLS when cafile is set; mTLS with cert + key
  std::string username, password;  // optional (devices normally use the certificate)
  std::string device_id;
  std::string user_id;  // owner; empty: learned from the first request
  int keepalive_s = 30;
  int telemetry_interval_ms = 0;  // 0 = no telemetry
  int reply_delay_ms = 0;
  bool reply_twice = false;
  bool wrong_id = false;
  bool no_reply = false;
  int exit_after = 0;  // exit after answering N requests; 0 = never
  // Renew the certificate over MQTT (docs/certificates.md) when it ends within this many
  // days: a new key, the renewed certificate written over `key` and `cert`, then a
  // reconnect with them. 0 = never.
  int renew_within_days = 0;
};

class Simulator {
 public:
  explicit Simulator(SimOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Connects and serves until `stop` is set, the request budget is spent, or the broker
  // refuses the connection. Returns the process exit code (0 ok, 2 setup, 3 refused).
  int Run(const std::atomic<bool>& stop);

 private:
  struct PendingReply {
    std::chrono::steady_clock::time_point due;
    std::string topic;
    std::string payload;
  };

  static void OnConnect(mosquitto*, void* self, int rc);
  static void OnMessage(mosquitto*, void* self, const mosquitto_message* message);
  void HandleRequest(const std::string& user, const std::string& payload);
  void PublishStatus(const char* status);
  void FlushDueReplies();
  void MaybeSendTelemetry();
  void Publish(const std::string& topic, const std::string& payload, bool retain);
  // Creates the client and connects with the current certificate files.
  int Connect();
  void Disconnect();
  void MaybeRenew();
  void HandleRenewReply(const std::string& payload);

  SimOptions options_;
  DeviceState state_;
  mosquitto* mosq_ = nullptr;
  std::string owner_;  // known owner (option or learned)
  bool connected_ = false;
  int refused_rc_ = 0;
  int answered_ = 0;
  std::deque<PendingReply> pending_;
  std::chrono::steady_clock::time_point next_telemetry_{};
  std::string renew_key_pem_;  // the new key while a renewal is in flight
  bool reconnect_ = false;     // renewed: reconnect with the new certificate
};

}  // namespace iothub::device_sim
