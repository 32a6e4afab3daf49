// Transport-free views of what EMQX sends on each hook and of the hub's answers.
// The views borrow from the request that carries them: they are valid for the duration
// of one hook call only. Plain values; no behaviour.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace iothub::hooks {

// The client as the broker describes it (ExHook ClientInfo).
struct ClientView {
  std::string_view node;
  std::string_view clientid;
  std::string_view username;  // with peer_cert_as_username = pem: base64 of the cert DER
  std::string_view password;  // authenticate only
  std::string_view peerhost;
  std::uint32_t sockport = 0;
  std::string_view protocol;
  std::string_view cn;
  std::string_view dn;
};

enum class AuthorizeAction { kPublish, kSubscribe };

// A message on message.publish.
struct MessageView {
  std::string_view id;  // hex GUID; EMQX may deliver the same id twice
  std::string_view node;
  std::string_view from;  // the publisher's clientid
  std::string_view topic;
  std::string_view payload;
  std::uint32_t qos = 0;
  std::uint64_t timestamp = 0;
};

struct BrokerView {
  std::string_view version;
  std::string_view sysdescr;
  std::string_view node;
};

// One hook the hub asks the broker to call, with topic filters for message hooks.
struct HookSpec {
  std::string name;
  std::vector<std::string> topics;
};

// An allow/deny answer. `reason` names why, for logs and metrics; it must point to
// static storage (a literal), so answers never allocate.
struct Decision {
  bool allow = false;
  std::string_view reason;
};

// The answer to message.publish: let it pass, drop it, or send it elsewhere instead.
struct PublishOutcome {
  enum class Kind { kPass, kDrop, kRewrite };
  Kind kind = Kind::kPass;
  std::string_view reason;  // static storage
  std::string topic;        // kRewrite only
  std::string payload;      // kRewrite only

  static PublishOutcome Pass(std::string_view reason) { return {Kind::kPass, reason, {}, {}}; }
  static PublishOutcome Drop(std::string_view reason) { return {Kind::kDrop, reason, {}, {}}; }
};

}  // namespace iothub::hooks
