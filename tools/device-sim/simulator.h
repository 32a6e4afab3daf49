// Simulator: one simulated device on an MQTT broker (libmosquitto, MQTT 3.1.1, QoS 1).
// Subscribes to its RPC request topic, answers with DeviceState, publishes a retained
// "online" status (last will "offline") and periodic telemetry once the owner is known.
// Test behaviours: late, double, wrong-id or missing replies; exit after N requests.
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

  SimOptions options_;
  DeviceState state_;
  mosquitto* mosq_ = nullptr;
  std::string owner_;  // known owner (option or learned)
  bool connected_ = false;
  int refused_rc_ = 0;
  int answered_ = 0;
  std::deque<PendingReply> pending_;
  std::chrono::steady_clock::time_point next_telemetry_{};
};

}  // namespace iothub::device_sim
