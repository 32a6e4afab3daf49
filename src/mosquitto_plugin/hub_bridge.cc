#include "mosquitto_plugin/hub_bridge.h"

#include <mosquitto.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "mosquitto_plugin/client_facts.h"
#include "mosquitto_plugin/hook_verdicts.h"
#include "mosquitto_plugin/publish_translation.h"

namespace iothub::mosquitto_plugin {
namespace {

namespace pb = emqx::exhook::v2;

// Mosquitto before 2.0.15 does not free the old topic when a plugin replaces it.
constexpr bool kBrokerLeaksReplacedTopic = LIBMOSQUITTO_VERSION_NUMBER < 2000015;

std::uint64_t NowMillis() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::string IsoNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

const char* OrEmpty(const char* text) { return text != nullptr ? text : ""; }

// The certificate identity of `client`, if it presented a certificate.
absl::StatusOr<std::optional<CertIdentity>> CertOf(mosquitto* client) {
  auto* cert = static_cast<X509*>(mosquitto_client_certificate(client));
  if (cert == nullptr) return std::optional<CertIdentity>();
  auto identity = IdentityFromCertificate(cert);
  X509_free(cert);
  if (!identity.ok()) return identity.status();
  return std::optional<CertIdentity>(*std::move(identity));
}

}  // namespace

std::string BrokerVersion() {
  return "mosquitto-" + std::to_string(LIBMOSQUITTO_MAJOR) + "." +
         std::to_string(LIBMOSQUITTO_MINOR) + "." + std::to_string(LIBMOSQUITTO_REVISION);
}

std::string NodeName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) std::strcpy(host, "localhost");
  return std::string("mosquitto@") + host;
}

HubBridge::HubBridge(PluginOptions options, std::unique_ptr<HookClient> hub, std::string node,
                     std::string broker_version)
    : options_(std::move(options)),
      hub_(std::move(hub)),
      node_(std::move(node)),
      broker_version_(std::move(broker_version)),
      started_(std::chrono::steady_clock::now()),
      acl_cache_(std::make_unique<AclCache>(options_.acl_cache)) {}

bool HubBridge::EnsureLoaded(bool at_start) {
  if (hooks_.has_value()) return true;
  const auto now = std::chrono::steady_clock::now();
  if (!at_start && (now < next_load_attempt_ || !hub_->Ready())) return false;
  next_load_attempt_ = now + std::chrono::seconds(1);

  pb::ProviderLoadedRequest request;
  auto* broker = request.mutable_broker();
  broker->set_version(broker_version_);
  broker->set_sysdescr("Mosquitto");
  broker->set_uptime(std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count());
  broker->set_datetime(IsoNow());
  auto loaded = hub_->ProviderLoaded(std::move(request));
  if (!loaded.ok()) {
    mosquitto_log_printf(MOSQ_LOG_WARNING,
                         "iot-hub: OnProviderLoaded to %s failed (%s); refusing clients until "
                         "the hub answers",
                         options_.url.c_str(), std::string(loaded.status().message()).c_str());
    return false;
  }
  hooks_ = HookSetFromLoaded(*loaded);
  mosquitto_log_printf(MOSQ_LOG_NOTICE,
                       "iot-hub: hub %s loaded: authenticate=%d authorize=%d publish=%d "
                       "(%zu topic filters) connected=%d disconnected=%d",
                       options_.url.c_str(), hooks_->authenticate, hooks_->authorize,
                       hooks_->publish, hooks_->publish_topics.size(), hooks_->connected,
                       hooks_->disconnected);
  for (const std::string& name : hooks_->unsupported) {
    mosquitto_log_printf(MOSQ_LOG_WARNING, "iot-hub: hook %s is not bridged from Mosquitto",
                         name.c_str());
  }
  return true;
}

std::optional<ClientFacts> HubBridge::FactsOf(mosquitto* client) {
  if (const auto* entry = sessions_.Find(client)) return entry->facts;
  ConnectInput input;
  input.node = node_;
  input.clientid = OrEmpty(mosquitto_client_id(client));
  if (const char* username = mosquitto_client_username(client)) input.username = username;
  input.peerhost = OrEmpty(mosquitto_client_address(client));
  input.sockport = options_.sockport;
  auto cert = CertOf(client);
  if (!cert.ok()) return std::nullopt;
  input.cert = *cert;
  auto facts = FactsAtConnect(input);
  if (!facts.ok()) return std::nullopt;
  return *std::move(facts);
}

bool HubBridge::IsOwnBridge(mosquitto* client) {
  // A client that logged in went through OnBasicAuth (and has an entry); the broker's
  // own bridge connection never does.
  if (options_.bridge_clientids.empty() || sessions_.Find(client) != nullptr) return false;
  const std::string_view clientid = OrEmpty(mosquitto_client_id(client));
  return std::find(options_.bridge_clientids.begin(), options_.bridge_clientids.end(), clientid) !=
         options_.bridge_clientids.end();
}

int HubBridge::OnBasicAuth(mosquitto_evt_basic_auth* event) {
  mosquitto* client = event->client;
  const char* clientid = OrEmpty(mosquitto_client_id(client));
  sessions_.Erase(client);
  if (!EnsureLoaded()) return MOSQ_ERR_AUTH;
  // A hub that does not decide logins admits nobody (fail closed; EMQX would leave it to
  // its authentication chain, whose guard refuses).
  if (!hooks_->authenticate) return MOSQ_ERR_AUTH;

  ConnectInput input;
  input.node = node_;
  input.clientid = clientid;
  if (event->username != nullptr) input.username = event->username;
  input.peerhost = OrEmpty(mosquitto_client_address(client));
  input.sockport = options_.sockport;
  auto cert = CertOf(client);
  if (!cert.ok()) {
    mosquitto_log_printf(MOSQ_LOG_WARNING, "iot-hub: client %s refused: %s", clientid,
                         std::string(cert.status().message()).c_str());
    return MOSQ_ERR_AUTH;
  }
  input.cert = *cert;
  auto facts = FactsAtConnect(input);
  const std::string password = OrEmpty(event->password);
  if (!facts.ok() || !IsValidUtf8(password)) {
    // EMQX cannot encode such a request either and falls to failed_action = deny.
    mosquitto_log_printf(MOSQ_LOG_NOTICE,
                         "iot-hub: client %s refused: username or password is not UTF-8", clientid);
    return MOSQ_ERR_AUTH;
  }

  pb::ClientAuthenticateRequest request;
  *request.mutable_clientinfo() = ToClientInfo(*facts, password);
  request.set_result(false);
  auto answer = hub_->ClientAuthenticate(std::move(request));
  const bool admitted = AnswerAdmits(answer);
  mosquitto_log_printf(admitted ? MOSQ_LOG_INFO : MOSQ_LOG_NOTICE,
                       "iot-hub: client %s (cn \"%s\", %s) %s by the hub%s%s", clientid,
                       facts->cn.c_str(), input.cert.has_value() ? "certificate" : "password",
                       admitted ? "admitted" : "refused", answer.ok() ? "" : ": ",
                       answer.ok() ? "" : std::string(answer.status().message()).c_str());
  if (!admitted) return MOSQ_ERR_AUTH;

  sessions_.Put(client, *facts, /*connected=*/true);
  // client.connected: EMQX sends it after authentication, before CONNACK; so do we.
  if (hooks_->connected) {
    pb::ClientConnectedRequest connected;
    *connected.mutable_clientinfo() = ToClientInfo(*facts);
    auto status = hub_->ClientConnected(std::move(connected));
    if (!status.ok()) {
      mosquitto_log_printf(MOSQ_LOG_WARNING, "iot-hub: OnClientConnected for %s failed: %s",
                           clientid, std::string(status.message()).c_str());
    }
  }
  return MOSQ_ERR_SUCCESS;
}

int HubBridge::OnAclCheck(mosquitto_evt_acl_check* event) {
  const AclRoute route = RouteAclAccess(event->access);
  if (route == AclRoute::kAllowWithoutCall) return MOSQ_ERR_SUCCESS;
  if (route == AclRoute::kDeny) return MOSQ_ERR_ACL_DENIED;
  if (!EnsureLoaded()) return MOSQ_ERR_ACL_DENIED;
  if (!hooks_->authorize) return MOSQ_ERR_ACL_DENIED;  // as EMQX's no_match = deny
  const char* clientid = OrEmpty(mosquitto_client_id(event->client));
  auto facts = FactsOf(event->client);
  if (!facts.has_value()) return MOSQ_ERR_ACL_DENIED;

  const bool subscribe = route == AclRoute::kAskSubscribe;
  const std::string_view topic = OrEmpty(event->topic);
  const auto now = AclCache::Clock::now();
  if (const auto cached = acl_cache_->Find(event->client, subscribe, topic, now)) {
    return *cached ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
  }

  pb::ClientAuthorizeRequest request;
  *request.mutable_clientinfo() = ToClientInfo(*facts);
  request.set_type(AuthorizeTypeOf(route));
  request.set_topic(OrEmpty(event->topic));
  request.set_result(false);
  auto answer = hub_->ClientAuthorize(std::move(request));
  const bool allowed = AnswerAdmits(answer);
  if (answer.ok()) acl_cache_->Put(event->client, subscribe, topic, allowed, now);
  mosquitto_log_printf(
      allowed ? MOSQ_LOG_DEBUG : MOSQ_LOG_NOTICE, "iot-hub: %s %s \"%s\" %s by the hub%s%s",
      clientid, route == AclRoute::kAskSubscribe ? "subscribe" : "publish", OrEmpty(event->topic),
      allowed ? "allowed" : "denied", answer.ok() ? "" : ": ",
      answer.ok() ? "" : std::string(answer.status().message()).c_str());
  return allowed ? MOSQ_ERR_SUCCESS : MOSQ_ERR_ACL_DENIED;
}

int HubBridge::OnMessage(mosquitto_evt_message* event) {
  // Not loaded: nothing was authorized either (OnAclCheck denies), so nothing reaches here
  // but what an authorize cache let through; those topics were checked by the hub.
  if (!EnsureLoaded() || !hooks_->publish) return MOSQ_ERR_SUCCESS;
  if (event->topic == nullptr || !WantsPublish(hooks_->publish_topics, event->topic)) {
    return MOSQ_ERR_SUCCESS;
  }
  if (IsOwnBridge(event->client)) return MOSQ_ERR_SUCCESS;
  auto facts = FactsOf(event->client);
  if (!facts.has_value()) return MOSQ_ERR_SUCCESS;

  pb::MessagePublishRequest request;
  *request.mutable_message() =
      MakePublishMessage(*facts, ids_.Next(), event->topic,
                         std::string_view(static_cast<const char*>(event->payload),
                                          event->payload != nullptr ? event->payloadlen : 0),
                         event->qos, NowMillis());
  const pb::Message sent = request.message();
  auto answer = hub_->MessagePublish(std::move(request));
  if (!answer.ok()) {
    mosquitto_log_printf(MOSQ_LOG_WARNING,
                         "iot-hub: OnMessagePublish for \"%s\" failed (%s); message dropped",
                         event->topic, std::string(answer.status().message()).c_str());
  }
  const PublishAction action = ApplyPublishAnswer(sent, answer);
  switch (action.kind) {
    case PublishAction::Kind::kPass:
      return MOSQ_ERR_SUCCESS;
    case PublishAction::Kind::kDrop:
      mosquitto_log_printf(MOSQ_LOG_INFO, "iot-hub: message on \"%s\" dropped: %s", event->topic,
                           action.note.c_str());
      return MOSQ_ERR_ACL_DENIED;
    case PublishAction::Kind::kRewrite:
      break;
  }
  if (action.topic != event->topic) {
    char* topic = mosquitto_strdup(action.topic.c_str());
    if (topic == nullptr) return MOSQ_ERR_NOMEM;
    if (kBrokerLeaksReplacedTopic) mosquitto_free(event->topic);
    event->topic = topic;
  }
  const std::string_view old_payload(static_cast<const char*>(event->payload),
                                     event->payload != nullptr ? event->payloadlen : 0);
  if (action.payload != old_payload) {
    // Mosquitto frees the old payload and keeps payloads NUL-terminated.
    void* payload = nullptr;
    if (!action.payload.empty()) {
      payload = mosquitto_malloc(action.payload.size() + 1);
      if (payload == nullptr) return MOSQ_ERR_NOMEM;
      std::memcpy(payload, action.payload.data(), action.payload.size());
      static_cast<char*>(payload)[action.payload.size()] = '\0';
    }
    event->payload = payload;
    event->payloadlen = static_cast<uint32_t>(action.payload.size());
  }
  if (action.qos != event->qos) {
    // Mosquitto 2.0 does not read qos back from a plugin; the message keeps its QoS.
    mosquitto_log_printf(MOSQ_LOG_DEBUG, "iot-hub: qos %u from the hub ignored by Mosquitto",
                         action.qos);
    event->qos = static_cast<uint8_t>(action.qos);
  }
  return MOSQ_ERR_SUCCESS;
}

void HubBridge::OnDisconnect(mosquitto_evt_disconnect* event) {
  sessions_.Sweep();
  acl_cache_->Forget(event->client);
  const auto* entry = sessions_.MarkDisconnected(event->client);
  if (entry == nullptr || !entry->connected || !hooks_.has_value() || !hooks_->disconnected) {
    return;
  }
  pb::ClientDisconnectedRequest request;
  *request.mutable_clientinfo() = ToClientInfo(entry->facts);
  request.set_reason(DisconnectReason(event->reason));
  auto status = hub_->ClientDisconnected(std::move(request));
  if (!status.ok()) {
    mosquitto_log_printf(MOSQ_LOG_WARNING, "iot-hub: OnClientDisconnected for %s failed: %s",
                         entry->facts.clientid.c_str(), std::string(status.message()).c_str());
  }
}

void HubBridge::Unload() {
  if (!hooks_.has_value()) return;
  auto status = hub_->ProviderUnloaded(pb::ProviderUnloadedRequest());
  if (!status.ok()) {
    mosquitto_log_printf(MOSQ_LOG_INFO, "iot-hub: OnProviderUnloaded failed: %s",
                         std::string(status.message()).c_str());
  }
}

}  // namespace iothub::mosquitto_plugin
