#include "mqtt/broker_link.h"

#include <mosquitto.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "common/printable.h"
#include "mqtt/request_id.h"
#include "spdlog/spdlog.h"

namespace iothub::mqtt {
namespace {

constexpr int kLoopTimeoutMs = 100;  // bounds how long Stop() waits for the loop
constexpr auto kDisconnectFlush = std::chrono::seconds(1);

void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });  // never cleaned up: process-wide
}

// A reason for the logs: libmosquitto's error codes are small, MQTT 5 reason codes
// (sent by the broker in CONNACK or DISCONNECT) are 128 and up.
std::string Reason(int rc) {
  if (rc >= 128) return mosquitto_reason_string(rc);
  return mosquitto_strerror(rc);
}

absl::Status CheckOptions(const BrokerLinkOptions& o) {
  if (o.host.empty()) return absl::InvalidArgumentError("mqtt.host: required");
  if (o.port < 1 || o.port > 65535) return absl::InvalidArgumentError("mqtt.port: must be 1-65535");
  if (o.keepalive.count() < 5 || o.keepalive.count() > 65535) {
    return absl::InvalidArgumentError("mqtt.keepalive: must be 5-65535 seconds");
  }
  if (o.reconnect_min.count() <= 0 || o.reconnect_max < o.reconnect_min) {
    return absl::InvalidArgumentError("mqtt.reconnect: need 0 < min <= max");
  }
  if (o.subscribe_timeout.count() <= 0) {
    return absl::InvalidArgumentError("mqtt.subscribe_timeout: must be positive");
  }
  if (o.client_id.size() > 256) {
    return absl::InvalidArgumentError("mqtt.client_id: at most 256 characters");
  }
  if (!o.password.empty() && o.username.empty()) {
    return absl::InvalidArgumentError("mqtt.password: needs a username");
  }
  if (o.tls.has_value()) {
    if (o.tls->ca_file.empty()) return absl::InvalidArgumentError("mqtt.tls.ca_file: required");
    if (o.tls->cert_file.empty() != o.tls->key_file.empty()) {
      return absl::InvalidArgumentError("mqtt.tls: cert_file and key_file go together");
    }
  }
  return absl::OkStatus();
}

}  // namespace

// libmosquitto's callbacks, all on the network thread; `obj` is the BrokerLink.
struct BrokerLink::Callbacks {
  static BrokerLink& Self(void* obj) { return *static_cast<BrokerLink*>(obj); }

  static void OnConnect(mosquitto* mosq, void* obj, int rc, int /*flags*/,
                        const mosquitto_property* /*props*/) {
    BrokerLink& self = Self(obj);
    if (rc != 0) {
      spdlog::warn("mqtt: broker {}:{} refused the connection: {}", self.options_.host,
                   self.options_.port, Reason(rc));
      return;  // the loop fails next and Run() backs off
    }
    self.session_.store(true);
    self.attempt_ok_.store(true);
    self.connects_.Increment();
    spdlog::info("mqtt: connected to {}:{} as '{}'", self.options_.host, self.options_.port,
                 Printable(self.client_id_));
    int mid = -1;
    const std::string filter(kRpcResponseFilter);
    const int sub = mosquitto_subscribe_v5(mosq, &mid, filter.c_str(), 1, 0, nullptr);
    if (sub != MOSQ_ERR_SUCCESS) {
      spdlog::error("mqtt: cannot subscribe to {}: {}", filter, Reason(sub));
      self.subscribe_refused_ = true;  // Run() ends this connection and retries
      return;
    }
    self.subscribe_mid_.store(mid);
    self.subscribe_deadline_ = std::chrono::steady_clock::now() + self.options_.subscribe_timeout;
  }

  static void OnSubscribe(mosquitto* /*mosq*/, void* obj, int mid, int count, const int* granted,
                          const mosquitto_property* /*props*/) {
    BrokerLink& self = Self(obj);
    if (mid != self.subscribe_mid_.load()) return;
    self.subscribe_deadline_.reset();
    if (count < 1 || granted[0] > 2) {
      // Stays not ready (commands would never see their replies); Run() reconnects.
      spdlog::error("mqtt: broker refused the subscription to {}: {}", kRpcResponseFilter,
                    count < 1 ? "no reason code" : Reason(granted[0]));
      self.subscribe_refused_ = true;
      return;
    }
    spdlog::info("mqtt: subscribed to {} (QoS {})", kRpcResponseFilter, granted[0]);
    self.reset_backoff_.store(true);
    self.SetReady(true);
  }

  static void OnDisconnect(mosquitto* /*mosq*/, void* obj, int rc,
                           const mosquitto_property* /*props*/) {
    BrokerLink& self = Self(obj);
    self.SetReady(false);
    if (!self.session_.exchange(false)) return;  // never got a session: Run() logs it
    self.disconnects_.Increment();
    if (rc == 0) {
      spdlog::info("mqtt: disconnected from {}:{}", self.options_.host, self.options_.port);
    } else {
      spdlog::warn("mqtt: connection to {}:{} lost: {}", self.options_.host, self.options_.port,
                   Reason(rc));
    }
  }

  static void OnMessage(mosquitto* /*mosq*/, void* obj, const mosquitto_message* message,
                        const mosquitto_property* /*props*/) {
    BrokerLink& self = Self(obj);
    if (!self.on_message_ || message == nullptr || message->topic == nullptr) return;
    const std::string_view payload(static_cast<const char*>(message->payload),
                                   message->payloadlen > 0 ? message->payloadlen : 0);
    self.on_message_(message->topic, payload);
  }

  static void OnLog(mosquitto* /*mosq*/, void* /*obj*/, int level, const char* text) {
    // libmosquitto logs TLS failures (e.g. certificate verify failed) only here.
    if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING)) spdlog::warn("mqtt: libmosquitto: {}", text);
  }
};

absl::StatusOr<std::unique_ptr<BrokerLink>> BrokerLink::Create(BrokerLinkOptions options,
                                                               Metrics& metrics) {
  if (absl::Status status = CheckOptions(options); !status.ok()) return status;
  InitLibraryOnce();
  std::string client_id =
      options.client_id.empty() ? "iot-hub-" + RandomHex(12) : options.client_id;
  std::unique_ptr<BrokerLink> link(
      new BrokerLink(std::move(options), std::move(client_id), metrics));
  const BrokerLinkOptions& o = link->options_;

  link->mosq_ = mosquitto_new(link->client_id_.c_str(), /*clean_session=*/true, link.get());
  if (link->mosq_ == nullptr) return absl::InternalError("mqtt: mosquitto_new failed");
  mosquitto* mosq = link->mosq_;
  mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_threaded_set(mosq, true);  // we run the loop; publishes come from other threads
  mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);  // small RPC messages: no Nagle delay
  if (o.tls.has_value()) {
    const BrokerTls& tls = *o.tls;
    const int rc = mosquitto_tls_set(
        mosq, tls.ca_file.c_str(), nullptr, tls.cert_file.empty() ? nullptr : tls.cert_file.c_str(),
        tls.key_file.empty() ? nullptr : tls.key_file.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      return absl::InvalidArgumentError("mqtt.tls: cannot use the CA, certificate or key file (" +
                                        std::string(mosquitto_strerror(rc)) + ")");
    }
  }
  if (!o.username.empty()) {
    const int rc = mosquitto_username_pw_set(mosq, o.username.c_str(),
                                             o.password.empty() ? nullptr : o.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS) {
      return absl::InvalidArgumentError("mqtt.username: refused by libmosquitto");
    }
  }
  mosquitto_connect_v5_callback_set(mosq, &Callbacks::OnConnect);
  mosquitto_subscribe_v5_callback_set(mosq, &Callbacks::OnSubscribe);
  mosquitto_disconnect_v5_callback_set(mosq, &Callbacks::OnDisconnect);
  mosquitto_message_v5_callback_set(mosq, &Callbacks::OnMessage);
  mosquitto_log_callback_set(mosq, &Callbacks::OnLog);
  return link;
}

BrokerLink::BrokerLink(BrokerLinkOptions options, std::string client_id, Metrics& metrics)
    : options_(std::move(options)),
      client_id_(std::move(client_id)),
      link_up_(metrics.GetGauge("iothub_mqtt_link_up",
                                "1 while the hub's MQTT client is connected and subscribed.")),
      connects_(metrics.GetCounter("iothub_mqtt_link_connects_total",
                                   "Connections of the hub's MQTT client the broker accepted.")),
      disconnects_(metrics.GetCounter("iothub_mqtt_link_disconnects_total",
                                      "Accepted connections of the hub's MQTT client that ended.")),
      connect_failures_(metrics.GetCounter(
          "iothub_mqtt_link_connect_failures_total",
          "Connection attempts of the hub's MQTT client that failed before a session.")),
      subscribe_failures_(metrics.GetCounter(
          "iothub_mqtt_link_subscribe_failures_total",
          "Subscriptions of the hub's MQTT client the broker refused or did not answer in "
          "time; each ends the connection and is retried after a backoff.")) {}

BrokerLink::~BrokerLink() {
  Stop();
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
}

void BrokerLink::Start(MessageHandler on_message) {
  if (thread_.joinable()) return;
  on_message_ = std::move(on_message);
  thread_ = std::thread([this] { Run(); });
}

void BrokerLink::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mutex_);  // no lost wake-up in Backoff()
    stop_requested_.store(true);
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool BrokerLink::Backoff(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(stop_mutex_);
  return !stop_cv_.wait_for(lock, delay, [this] { return stop_requested_.load(); });
}

void BrokerLink::SetReady(bool ready) {
  ready_.store(ready, std::memory_order_release);
  link_up_.Set(ready ? 1 : 0);
}

bool BrokerLink::SubscriptionFailed() {
  const bool timed_out =
      subscribe_deadline_.has_value() && std::chrono::steady_clock::now() >= *subscribe_deadline_;
  if (!subscribe_refused_ && !timed_out) return false;
  if (timed_out) {
    spdlog::error("mqtt: no answer to the subscription to {} within {} ms", kRpcResponseFilter,
                  options_.subscribe_timeout.count());
  }
  subscribe_refused_ = false;
  subscribe_deadline_.reset();
  subscribe_failures_.Increment();
  return true;
}

void BrokerLink::Run() {
  const BrokerLinkOptions& o = options_;
  std::chrono::milliseconds delay = o.reconnect_min;
  const auto next_delay = [&] { delay = std::min(delay * 2, o.reconnect_max); };
  while (!stop_requested_.load()) {
    // Blocking TCP connect (and DNS); the TLS handshake and CONNECT go on in the loop.
    attempt_ok_.store(false);
    subscribe_refused_ = false;
    subscribe_deadline_.reset();
    int rc = mosquitto_connect_bind_v5(mosq_, o.host.c_str(), o.port,
                                       static_cast<int>(o.keepalive.count()), nullptr, nullptr);
    if (rc == MOSQ_ERR_SUCCESS) {
      while (!stop_requested_.load()) {
        rc = mosquitto_loop(mosq_, kLoopTimeoutMs, 1);
        if (rc != MOSQ_ERR_SUCCESS) break;
        if (reset_backoff_.exchange(false)) delay = o.reconnect_min;
        if (SubscriptionFailed()) {
          spdlog::warn("mqtt: reconnecting to {}:{} in {} ms to subscribe again", o.host, o.port,
                       delay.count());
          mosquitto_disconnect_v5(mosq_, 0, nullptr);  // the next loop ends the connection
        }
      }
      if (stop_requested_.load()) break;
    }
    // Here the connection failed or ended; OnDisconnect logged an ended session.
    SetReady(false);
    session_.store(false);
    if (!attempt_ok_.load()) {
      connect_failures_.Increment();
      spdlog::warn("mqtt: cannot connect to {}:{}: {}; retrying in {} ms", o.host, o.port,
                   Reason(rc), delay.count());
    }
    if (!Backoff(delay)) break;
    next_delay();
  }
  if (session_.load()) {
    mosquitto_disconnect_v5(mosq_, 0, nullptr);
    const auto end = std::chrono::steady_clock::now() + kDisconnectFlush;
    while (std::chrono::steady_clock::now() < end &&
           mosquitto_loop(mosq_, kLoopTimeoutMs, 1) == MOSQ_ERR_SUCCESS) {
    }
  }
  SetReady(false);
}

absl::Status BrokerLink::Publish(std::string_view topic, std::string_view payload, int qos) {
  if (qos < 0 || qos > 2) return absl::InvalidArgumentError("qos: must be 0, 1 or 2");
  if (!connected()) return absl::UnavailableError("MQTT broker link is down");
  const std::string topic_z(topic);  // libmosquitto wants a C string
  const int rc = mosquitto_publish_v5(mosq_, nullptr, topic_z.c_str(),
                                      static_cast<int>(payload.size()), payload.data(), qos,
                                      /*retain=*/false, nullptr);
  switch (rc) {
    case MOSQ_ERR_SUCCESS:
      return absl::OkStatus();
    case MOSQ_ERR_NO_CONN:
    case MOSQ_ERR_CONN_LOST:
    case MOSQ_ERR_ERRNO:
      return absl::UnavailableError("MQTT broker link is down");
    case MOSQ_ERR_NOMEM:
      return absl::ResourceExhaustedError("mqtt: out of memory");
    default:  // INVAL, PAYLOAD_SIZE, MALFORMED_UTF8, OVERSIZE_PACKET, QOS_NOT_SUPPORTED...
      return absl::InvalidArgumentError(std::string("mqtt: publish refused: ") +
                                        mosquitto_strerror(rc));
  }
}

}  // namespace iothub::mqtt
