#include "mqtt_test_client.h"

#include <cerrno>
#include <cstring>
#include <mutex>

namespace iothub::e2e {
namespace {

void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string ErrorText(int rc) {
  std::string text = mosquitto_strerror(rc);
  if (rc == MOSQ_ERR_ERRNO) text += std::string(" (") + std::strerror(errno) + ")";
  return text + " [rc " + std::to_string(rc) + "]";
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const ConnectOutcome& outcome) {
  switch (outcome.stage) {
    case ConnectStage::kConnected:
      return out << "connected (CONNACK 0)";
    case ConnectStage::kRefused:
      return out << "refused with CONNACK " << outcome.connack_code;
    case ConnectStage::kFailedEarly:
      return out << "failed before CONNACK: " << outcome.detail;
    case ConnectStage::kTimedOut:
      return out << "no CONNACK in time";
  }
  return out;
}

MqttTestClient::MqttTestClient(MqttClientOptions options) : options_(std::move(options)) {
  InitLibraryOnce();
  mosq_ = mosquitto_new(options_.client_id.empty() ? nullptr : options_.client_id.c_str(),
                        /*clean_session=*/true, this);
  if (mosq_ == nullptr) return;
  mosquitto_threaded_set(mosq_, true);
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);  // latencies measured are ours
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION,
                       options_.mqtt5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  mosquitto_connect_v5_callback_set(mosq_, &MqttTestClient::OnConnect);
  mosquitto_disconnect_v5_callback_set(mosq_, &MqttTestClient::OnDisconnect);
  mosquitto_subscribe_v5_callback_set(mosq_, &MqttTestClient::OnSubscribe);
  mosquitto_publish_v5_callback_set(mosq_, &MqttTestClient::OnPublish);
  mosquitto_message_v5_callback_set(mosq_, &MqttTestClient::OnMessage);
  if (!options_.cafile.empty()) {
    mosquitto_tls_set(mosq_, options_.cafile.c_str(), nullptr,
                      options_.certfile.empty() ? nullptr : options_.certfile.c_str(),
                      options_.keyfile.empty() ? nullptr : options_.keyfile.c_str(), nullptr);
  }
  if (!options_.username.empty()) {
    mosquitto_username_pw_set(mosq_, options_.username.c_str(),
                              options_.password.empty() ? nullptr : options_.password.c_str());
  }
}

MqttTestClient::~MqttTestClient() {
  Disconnect();
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
}

ConnectOutcome MqttTestClient::Connect(std::chrono::milliseconds timeout) {
  ConnectOutcome outcome;
  if (mosq_ == nullptr) {
    outcome.stage = ConnectStage::kFailedEarly;
    outcome.detail = "mosquitto_new failed";
    return outcome;
  }
  if (thread_.joinable()) {
    outcome.stage = ConnectStage::kFailedEarly;
    outcome.detail = "Connect() called twice";
    return outcome;
  }
  const int rc =
      mosquitto_connect(mosq_, options_.host.c_str(), options_.port, options_.keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS) {
    outcome.stage = ConnectStage::kFailedEarly;
    outcome.detail = ErrorText(rc);
    return outcome;
  }
  thread_ = std::thread(&MqttTestClient::Loop, this);
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return connack_.has_value() || lost_; });
  if (connack_.has_value()) {
    outcome.connack_code = *connack_;
    outcome.stage = *connack_ == 0 ? ConnectStage::kConnected : ConnectStage::kRefused;
  } else if (lost_) {
    outcome.stage = ConnectStage::kFailedEarly;
    outcome.detail = lost_detail_;
  }
  return outcome;
}

void MqttTestClient::Loop() {
  while (!stop_.load()) {
    const int rc = mosquitto_loop(mosq_, 20, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
      std::lock_guard lock(mu_);
      connected_ = false;
      if (!lost_) {
        lost_ = true;
        lost_detail_ = ErrorText(rc);
      }
      cv_.notify_all();
      return;
    }
  }
}

std::optional<int> MqttTestClient::Subscribe(const std::string& filter, int qos,
                                             std::chrono::milliseconds timeout) {
  if (!connected()) return std::nullopt;
  // Never call libmosquitto with mu_ held (its callbacks take mu_); a SUBACK that comes
  // before we wait is kept in subacks_ by its mid.
  int mid = 0;
  if (mosquitto_subscribe(mosq_, &mid, filter.c_str(), qos) != MOSQ_ERR_SUCCESS) {
    return std::nullopt;
  }
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return subacks_.count(mid) != 0 || lost_; }) ||
      subacks_.count(mid) == 0) {
    return std::nullopt;
  }
  const int code = subacks_[mid];
  subacks_.erase(mid);
  return code;
}

std::optional<int> MqttTestClient::Publish(const std::string& topic, const std::string& payload,
                                           int qos, bool retain,
                                           std::chrono::milliseconds timeout) {
  if (!connected()) return std::nullopt;
  int mid = 0;
  const int rc = mosquitto_publish_v5(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                      payload.data(), qos, retain, nullptr);
  if (rc != MOSQ_ERR_SUCCESS) return std::nullopt;
  if (qos == 0) return 0;
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return pubacks_.count(mid) != 0 || lost_; }) ||
      pubacks_.count(mid) == 0) {
    return std::nullopt;
  }
  const int reason = pubacks_[mid];
  pubacks_.erase(mid);
  // 0x10 "no matching subscribers" is a success too (MQTT 5): the tests ask "accepted?".
  return reason == 0x10 ? 0 : reason;
}

std::optional<MqttMessage> MqttTestClient::WaitMessage(
    std::chrono::milliseconds timeout, const std::function<bool(const MqttMessage&)>& match) {
  std::unique_lock lock(mu_);
  std::optional<MqttMessage> found;
  cv_.wait_for(lock, timeout, [&] {
    for (auto it = messages_.begin(); it != messages_.end(); ++it) {
      if (!match || match(*it)) {
        found = std::move(*it);
        messages_.erase(it);
        return true;
      }
    }
    return false;
  });
  return found;
}

std::optional<MqttMessage> MqttTestClient::WaitMessageOn(const std::string& topic,
                                                         std::chrono::milliseconds timeout) {
  return WaitMessage(timeout, [&](const MqttMessage& m) { return m.topic == topic; });
}

std::deque<MqttMessage> MqttTestClient::TakeAll() {
  std::lock_guard lock(mu_);
  std::deque<MqttMessage> all;
  all.swap(messages_);
  return all;
}

bool MqttTestClient::connected() const {
  std::lock_guard lock(mu_);
  return connected_;
}

bool MqttTestClient::WaitConnectionLost(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return lost_ || !connected_; });
}

void MqttTestClient::Disconnect() {
  if (mosq_ == nullptr) return;
  if (connected()) {
    mosquitto_disconnect(mosq_);
    WaitConnectionLost(std::chrono::seconds(2));
  }
  StopLoop();
}

void MqttTestClient::StopLoop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void MqttTestClient::OnConnect(mosquitto*, void* self, int rc, int, const mosquitto_property*) {
  auto* client = static_cast<MqttTestClient*>(self);
  std::lock_guard lock(client->mu_);
  client->connack_ = rc;
  client->connected_ = rc == 0;
  client->cv_.notify_all();
}

void MqttTestClient::OnDisconnect(mosquitto*, void* self, int rc, const mosquitto_property*) {
  auto* client = static_cast<MqttTestClient*>(self);
  std::lock_guard lock(client->mu_);
  client->connected_ = false;
  if (!client->lost_) {
    client->lost_ = true;
    client->lost_detail_ = "disconnected: " + ErrorText(rc);
  }
  client->cv_.notify_all();
}

void MqttTestClient::OnSubscribe(mosquitto*, void* self, int mid, int count, const int* granted,
                                 const mosquitto_property*) {
  auto* client = static_cast<MqttTestClient*>(self);
  std::lock_guard lock(client->mu_);
  client->subacks_[mid] = count > 0 ? granted[0] : -1;
  client->cv_.notify_all();
}

void MqttTestClient::OnPublish(mosquitto*, void* self, int mid, int reason,
                               const mosquitto_property*) {
  auto* client = static_cast<MqttTestClient*>(self);
  std::lock_guard lock(client->mu_);
  client->pubacks_[mid] = reason;
  client->cv_.notify_all();
}

void MqttTestClient::OnMessage(mosquitto*, void* self, const mosquitto_message* message,
                               const mosquitto_property*) {
  auto* client = static_cast<MqttTestClient*>(self);
  MqttMessage copy;
  copy.topic = message->topic != nullptr ? message->topic : "";
  if (message->payloadlen > 0) {
    copy.payload.assign(static_cast<const char*>(message->payload),
                        static_cast<size_t>(message->payloadlen));
  }
  copy.qos = message->qos;
  copy.retain = message->retain;
  std::lock_guard lock(client->mu_);
  client->messages_.push_back(std::move(copy));
  client->cv_.notify_all();
}

}  // namespace iothub::e2e
