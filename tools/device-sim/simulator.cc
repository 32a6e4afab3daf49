#include "simulator.h"

#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <thread>

#include "model/renewal_message.h"
#include "model/renewal_topic.h"
#include "renewal.h"
#include "rpc_handler.h"
#include "topics.h"

namespace iothub::device_sim {
namespace {

void Log(const char* format, ...) {
  char when[32];
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(when, sizeof(when), "%H:%M:%S", &local);
  std::fprintf(stderr, "%s device-sim: ", when);
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fputc('\n', stderr);
}

}  // namespace

Simulator::Simulator(SimOptions options)
    : options_(std::move(options)), state_(options_.device_id), owner_(options_.user_id) {
  mosquitto_lib_init();
}

Simulator::~Simulator() {
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
  mosquitto_lib_cleanup();
}

void Simulator::OnConnect(mosquitto*, void* self, int rc) {
  auto* sim = static_cast<Simulator*>(self);
  if (rc != 0) {
    Log("connection refused: %s", mosquitto_connack_string(rc));
    sim->refused_rc_ = rc;
    return;
  }
  sim->connected_ = true;
  const std::string user = sim->owner_.empty() ? "+" : sim->owner_;
  const std::string topic = DeviceTopic(user, sim->options_.device_id, "rpc/request");
  mosquitto_subscribe(sim->mosq_, nullptr, topic.c_str(), 1);
  Log("connected to %s:%d as %s; subscribed %s", sim->options_.host.c_str(), sim->options_.port,
      sim->options_.device_id.c_str(), topic.c_str());
  if (!sim->owner_.empty()) sim->PublishStatus("online");
  sim->MaybeRenew();
}

void Simulator::MaybeRenew() {
  if (options_.renew_within_days <= 0 || options_.cert.empty() || !renew_key_pem_.empty()) return;
  const std::optional<long long> not_after = CertificateNotAfterMillis(options_.cert);
  if (!not_after) {
    Log("cannot read the certificate %s: no renewal", options_.cert.c_str());
    return;
  }
  const long long now_ms = static_cast<long long>(std::time(nullptr)) * 1000;
  if (*not_after - now_ms > static_cast<long long>(options_.renew_within_days) * 86'400'000) {
    return;
  }
  std::optional<KeyAndCsr> fresh = NewKeyAndCsr(options_.device_id);
  if (!fresh) {
    Log("cannot make a key and CSR: no renewal");
    return;
  }
  renew_key_pem_ = std::move(fresh->key_pem);
  const std::string reply = RenewReplyTopic(options_.device_id);
  mosquitto_subscribe(mosq_, nullptr, reply.c_str(), 1);
  Publish(RenewRequestTopic(options_.device_id),
          FormatRenewRequest({.id = "renew-" + std::to_string(now_ms), .csr = fresh->csr_pem}),
          false);
  Log("certificate ends within %d days: renewal requested", options_.renew_within_days);
}

void Simulator::HandleRenewReply(const std::string& payload) {
  absl::StatusOr<RenewReply> reply = ParseRenewReply(payload);
  if (!reply.ok() || renew_key_pem_.empty()) {
    Log("ignored a renewal reply (%s)", reply.ok() ? "none requested" : "malformed");
    return;
  }
  if (!reply->result) {
    Log("renewal refused: %s (%s)", reply->error_code.c_str(), reply->error_message.c_str());
    renew_key_pem_.clear();
    return;
  }
  if (!ReplaceFile(options_.key, renew_key_pem_) ||
      !ReplaceFile(options_.cert, reply->result->certificate_pem)) {
    Log("cannot write the renewed key and certificate");
    renew_key_pem_.clear();
    return;
  }
  Log("renewed: certificate %s; reconnecting with it", reply->result->fingerprint.c_str());
  renew_key_pem_.clear();
  reconnect_ = true;
}

void Simulator::OnMessage(mosquitto*, void* self, const mosquitto_message* message) {
  auto* sim = static_cast<Simulator*>(self);
  if (ParseRenewalTopic(message->topic).kind == RenewalTopicKind::kReply) {
    sim->HandleRenewReply(std::string(static_cast<const char*>(message->payload),
                                      static_cast<size_t>(message->payloadlen)));
    return;
  }
  auto parsed = ParseRequestTopic(message->topic);
  if (!parsed || parsed->second != sim->options_.device_id) return;
  sim->HandleRequest(parsed->first, std::string(static_cast<const char*>(message->payload),
                                                static_cast<size_t>(message->payloadlen)));
}

void Simulator::HandleRequest(const std::string& user, const std::string& payload) {
  if (owner_.empty()) {
    owner_ = user;
    Log("learned owner %s", owner_.c_str());
  }
  auto response = HandleRpc(payload, options_.device_id, state_);
  if (!response) {
    Log("ignored a request without a valid id");
    return;
  }
  ++answered_;
  const std::string id = (*response)["id"].get<std::string>();
  Log("request %s -> %s", id.c_str(), response->contains("error") ? "error" : "result");
  if (options_.no_reply) return;
  if (options_.wrong_id) (*response)["id"] = id + "-wrong";
  const auto due =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.reply_delay_ms);
  const std::string topic = DeviceTopic(user, options_.device_id, "rpc/response");
  const int copies = options_.reply_twice ? 2 : 1;
  for (int i = 0; i < copies; ++i) pending_.push_back({due, topic, response->dump()});
  FlushDueReplies();
}

void Simulator::FlushDueReplies() {
  const auto now = std::chrono::steady_clock::now();
  while (!pending_.empty() && pending_.front().due <= now) {
    Publish(pending_.front().topic, pending_.front().payload, false);
    pending_.pop_front();
  }
}

void Simulator::MaybeSendTelemetry() {
  if (options_.telemetry_interval_ms <= 0 || owner_.empty() || !connected_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_telemetry_) return;
  next_telemetry_ = now + std::chrono::milliseconds(options_.telemetry_interval_ms);
  Publish(DeviceTopic(owner_, options_.device_id, "telemetry"), state_.ReadSensors().dump(), false);
}

void Simulator::PublishStatus(const char* status) {
  Publish(DeviceTopic(owner_, options_.device_id, "status"), status, true);
}

void Simulator::Publish(const std::string& topic, const std::string& payload, bool retain) {
  int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                             payload.data(), 1, retain);
  if (rc != MOSQ_ERR_SUCCESS)
    Log("publish to %s failed: %s", topic.c_str(), mosquitto_strerror(rc));
}

int Simulator::Connect() {
  mosq_ = mosquitto_new(options_.device_id.c_str(), /*clean_session=*/true, this);
  if (mosq_ == nullptr) return MOSQ_ERR_NOMEM;
  mosquitto_connect_callback_set(mosq_, &Simulator::OnConnect);
  mosquitto_message_callback_set(mosq_, &Simulator::OnMessage);
  // A reply follows the request's PUBACK at once: without this, Nagle holds it until the
  // broker's delayed ACK (about 40 ms on Linux) on every round trip.
  mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
  if (!options_.cafile.empty()) {
    int rc = mosquitto_tls_set(mosq_, options_.cafile.c_str(), nullptr,
                               options_.cert.empty() ? nullptr : options_.cert.c_str(),
                               options_.key.empty() ? nullptr : options_.key.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      Log("TLS setup failed: %s", mosquitto_strerror(rc));
      return rc;
    }
  }
  if (!options_.username.empty()) {
    mosquitto_username_pw_set(mosq_, options_.username.c_str(),
                              options_.password.empty() ? nullptr : options_.password.c_str());
  }
  if (!owner_.empty()) {
    const std::string will = DeviceTopic(owner_, options_.device_id, "status");
    mosquitto_will_set(mosq_, will.c_str(), 7, "offline", 1, true);
  }
  return mosquitto_connect(mosq_, options_.host.c_str(), options_.port, options_.keepalive_s);
}

void Simulator::Disconnect() {
  if (connected_) {
    // Let the last publishes leave before DISCONNECT.
    for (int i = 0; i < 5; ++i) mosquitto_loop(mosq_, 20, 1);
    mosquitto_disconnect(mosq_);
    mosquitto_loop(mosq_, 20, 1);
  }
  connected_ = false;
  mosquitto_destroy(mosq_);
  mosq_ = nullptr;
}

int Simulator::Run(const std::atomic<bool>& stop) {
  int rc = Connect();
  if (mosq_ == nullptr || rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_INVAL) return 2;
  while (!stop) {
    if (reconnect_) {
      // A new client: libmosquitto keeps the first TLS context of a client.
      reconnect_ = false;
      Disconnect();
      rc = Connect();
      if (mosq_ == nullptr) return 2;
      continue;
    }
    if (rc != MOSQ_ERR_SUCCESS) {
      connected_ = false;
      Log("broker connection lost (%s); reconnecting", mosquitto_strerror(rc));
      std::this_thread::sleep_for(std::chrono::seconds(1));
      rc = mosquitto_reconnect(mosq_);
      continue;
    }
    rc = mosquitto_loop(mosq_, 50, 1);
    if (refused_rc_ != 0) return 3;
    FlushDueReplies();
    MaybeSendTelemetry();
    if (options_.exit_after > 0 && answered_ >= options_.exit_after && pending_.empty()) break;
  }
  if (connected_ && !options_.user_id.empty()) PublishStatus("offline");  // where "online" went
  Disconnect();
  Log("stopped after %d requests", answered_);
  return 0;
}

}  // namespace iothub::device_sim
