// BrokerLink: the hub's one MQTT 5 client connection to the broker (EMQX or Mosquitto),
// over TLS with a client certificate or with a username and password. It keeps itself
// connected (exponential backoff between attempts), subscribes to every device's RPC
// response topic at QoS 1 on each (re)connect, publishes for CommandService, and hands
// each incoming message to one callback.
//
// Ready (connected() and the gauge iothub_mqtt_link_up) means connected AND subscribed:
// without the subscription no command could see its reply. A subscription the broker
// refuses (SUBACK reason >= 0x80, e.g. EMQX before its ExHook provider is loaded, whose
// no_match = deny then refuses everything) or does not answer within
// subscribe_timeout ends the connection, and the link reconnects and subscribes again
// after the same growing backoff as a failed connect. A new connection rather than a
// second SUBSCRIBE on the same one: EMQX caches the refusal per connection for its
// authorization.cache.ttl (a minute), so a repeated SUBSCRIBE would meet the cached
// "deny"; a new connection starts with an empty cache. The backoff is reset only once
// the subscription is granted.
//
// Network thread: one thread of ours drives libmosquitto (mosquitto_loop and
// mosquitto_connect) and does the reconnecting, rather than mosquitto_loop_start:
// libmosquitto 2.0's own thread exits for good on some TLS transport errors (errno
// EPROTO, e.g. a broker that is down while a TLS connect is attempted; upstream
// issues #2825 and #3258), so a hub started before its broker would never connect.
//
// Thread-safety: connected(), Publish() and client_id() may be called from any thread
// at any time. Start() and Stop() are called by the owner, once each, not concurrently.
// The message handler runs on the network thread: it must be quick and must not call
// Stop().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/metrics.h"
#include "mqtt/message_link.h"

struct mosquitto;

namespace iothub::mqtt {

// TLS towards the broker: the CA that signed the broker's certificate, and the client
// certificate the hub issued to itself (PEM files). The broker's name is checked
// against its certificate.
struct BrokerTls {
  std::string ca_file;
  std::string cert_file;  // both or neither of cert_file and key_file
  std::string key_file;
};

struct BrokerLinkOptions {
  std::string host = "127.0.0.1";
  int port = 8883;
  std::string client_id;                               // empty: "iot-hub-<12 random hex>"
  std::optional<BrokerTls> tls;                        // nullopt: plain TCP
  std::string username;                                // e.g. "jwt"; empty: none
  std::string password;                                // e.g. the token; never logged
  std::chrono::seconds keepalive{30};                  // 5-65535 s
  std::chrono::milliseconds reconnect_min{1000};       // first delay after a failure
  std::chrono::milliseconds reconnect_max{30000};      // the delay doubles up to this
  std::chrono::milliseconds subscribe_timeout{10000};  // no SUBACK by then: reconnect
};

// The filter BrokerLink subscribes to on every connect.
inline constexpr std::string_view kRpcResponseFilter = "users/+/devices/+/rpc/response";

// Called on the network thread for each message received.
using MessageHandler = std::function<void(std::string_view topic, std::string_view payload)>;

class BrokerLink final : public MessageLink {
 public:
  // Checks the options and prepares the client; connects only on Start().
  // InvalidArgument for bad options or unreadable TLS files.
  static absl::StatusOr<std::unique_ptr<BrokerLink>> Create(BrokerLinkOptions options,
                                                            Metrics& metrics);
  ~BrokerLink() override;  // Stop()
  BrokerLink(const BrokerLink&) = delete;
  BrokerLink& operator=(const BrokerLink&) = delete;

  // Starts the network thread, which connects at once and keeps reconnecting until
  // Stop(). `on_message` may be empty.
  void Start(MessageHandler on_message);

  // Disconnects cleanly (when connected) and joins the network thread. Waits at most
  // about one second plus the duration of a TCP connect that is in progress.
  // Idempotent.
  void Stop();

  // MessageLink
  bool connected() const override { return ready_.load(std::memory_order_acquire); }
  absl::Status Publish(std::string_view topic, std::string_view payload, int qos) override;

  const std::string& client_id() const { return client_id_; }

 private:
  struct Callbacks;  // libmosquitto's C callbacks
  BrokerLink(BrokerLinkOptions options, std::string client_id, Metrics& metrics);

  void Run();
  // Sleeps `delay` unless Stop() comes first; false when stopping.
  bool Backoff(std::chrono::milliseconds delay);
  void SetReady(bool ready);
  // True (and counted) when this connection's subscription was refused or timed out,
  // i.e. the connection must be ended. Network thread only.
  bool SubscriptionFailed();

  const BrokerLinkOptions options_;
  const std::string client_id_;
  mosquitto* mosq_ = nullptr;
  MessageHandler on_message_;
  std::thread thread_;

  std::atomic<bool> ready_{false};       // CONNACK accepted and SUBACK granted
  std::atomic<bool> session_{false};     // CONNACK accepted (until the next disconnect)
  std::atomic<bool> attempt_ok_{false};  // this connect attempt got a session
  std::atomic<int> subscribe_mid_{-1};
  // Network thread only (callbacks run inside mosquitto_loop, called by Run()):
  // when the SUBACK must have arrived (unset: none pending), and whether it refused.
  std::optional<std::chrono::steady_clock::time_point> subscribe_deadline_;
  bool subscribe_refused_ = false;
  std::atomic<bool> reset_backoff_{false};   // set on a granted SUBACK, read by Run()
  std::atomic<bool> stop_requested_{false};  // set under stop_mutex_

  std::mutex stop_mutex_;  // with stop_cv_, wakes Run() from a backoff sleep
  std::condition_variable stop_cv_;

  Gauge& link_up_;
  Counter& connects_;
  Counter& disconnects_;
  Counter& connect_failures_;
  Counter& subscribe_failures_;
};

}  // namespace iothub::mqtt
