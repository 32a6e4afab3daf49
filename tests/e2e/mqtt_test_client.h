// MqttTestClient: a real MQTT client (libmosquitto) for the end-to-end tests, with
// blocking calls that return what the broker answered: CONNACK code or the stage at
// which the connection failed (TLS), SUBACK code per filter, PUBACK reason, and the
// messages received, waited for with timeouts.
//
// One network thread per client drives libmosquitto (mosquitto_loop); it never
// reconnects, so a refused or dropped connection stays visible to the test.
// Thread-safety: the public methods are called from one test thread; callbacks run on
// the network thread and only touch state under the mutex.
#pragma once

#include <mosquitto.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>

namespace iothub::e2e {

struct MqttMessage {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
};

struct MqttClientOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string client_id;
  std::string cafile;    // TLS when set (the broker's certificate is verified, with its name)
  std::string certfile;  // client certificate (PEM), with keyfile
  std::string keyfile;
  std::string username;  // none when empty
  std::string password;
  bool mqtt5 = true;  // MQTT 5 (reason codes in CONNACK, SUBACK, PUBACK); else 3.1.1
  int keepalive_s = 30;
};

enum class ConnectStage {
  kConnected,    // CONNACK 0
  kRefused,      // CONNACK with a failure code (the hub said no)
  kFailedEarly,  // the TCP/TLS connection failed or closed before any CONNACK
  kTimedOut,     // no answer in time
};

struct ConnectOutcome {
  ConnectStage stage = ConnectStage::kTimedOut;
  int connack_code = -1;  // kRefused: 5 (3.1.1) or 0x87/0x86 (MQTT 5)
  std::string detail;     // libmosquitto's error text for kFailedEarly
  bool ok() const { return stage == ConnectStage::kConnected; }
};
std::ostream& operator<<(std::ostream& out, const ConnectOutcome& outcome);

class MqttTestClient {
 public:
  explicit MqttTestClient(MqttClientOptions options);
  ~MqttTestClient();  // Disconnect() and join
  MqttTestClient(const MqttTestClient&) = delete;
  MqttTestClient& operator=(const MqttTestClient&) = delete;

  // Connects once (no retry) and waits for the CONNACK or the failure.
  ConnectOutcome Connect(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // SUBSCRIBE one filter; the SUBACK code: 0-2 granted QoS, >= 0x80 refused (0x80 on
  // 3.1.1, 0x87 "not authorized" on MQTT 5). nullopt: no SUBACK in time / not connected.
  std::optional<int> Subscribe(const std::string& filter, int qos = 1,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // PUBLISH; for QoS 1 waits for the PUBACK and returns its reason code (0 success;
  // MQTT 5 brokers answer e.g. 0x87 for a publish the ACL denies; 0x10 "no matching
  // subscribers" is reported as 0); for QoS 0 returns 0
  // once handed to libmosquitto. nullopt: no PUBACK in time / not connected.
  std::optional<int> Publish(const std::string& topic, const std::string& payload, int qos = 1,
                             bool retain = false,
                             std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Takes the first received message (oldest first) that `match` accepts (any when
  // empty), waiting up to `timeout` for one to arrive.
  std::optional<MqttMessage> WaitMessage(
      std::chrono::milliseconds timeout,
      const std::function<bool(const MqttMessage&)>& match = nullptr);
  // Takes the first message on exactly `topic`.
  std::optional<MqttMessage> WaitMessageOn(const std::string& topic,
                                           std::chrono::milliseconds timeout);
  // Every message received and not yet taken.
  std::deque<MqttMessage> TakeAll();

  bool connected() const;
  // True once the broker closed the connection or it failed (within `timeout`).
  bool WaitConnectionLost(std::chrono::milliseconds timeout);
  // Clean DISCONNECT, then stops the network thread. Idempotent.
  void Disconnect();

  const std::string& client_id() const { return options_.client_id; }

 private:
  static void OnConnect(mosquitto*, void* self, int rc, int flags, const mosquitto_property* props);
  static void OnDisconnect(mosquitto*, void* self, int rc, const mosquitto_property* props);
  static void OnSubscribe(mosquitto*, void* self, int mid, int count, const int* granted,
                          const mosquitto_property* props);
  static void OnPublish(mosquitto*, void* self, int mid, int reason,
                        const mosquitto_property* props);
  static void OnMessage(mosquitto*, void* self, const mosquitto_message* message,
                        const mosquitto_property* props);
  void Loop();
  void StopLoop();

  const MqttClientOptions options_;
  mosquitto* mosq_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<int> connack_;  // set by OnConnect
  bool connected_ = false;
  bool lost_ = false;  // the connection ended (any reason)
  std::string lost_detail_;
  std::map<int, int> subacks_;  // mid -> first code
  std::map<int, int> pubacks_;  // mid -> reason
  std::deque<MqttMessage> messages_;
};

}  // namespace iothub::e2e
