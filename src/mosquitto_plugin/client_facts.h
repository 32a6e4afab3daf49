// ClientFacts: what the hub is told about one Mosquitto client, fixed at authentication
// and reused for authorize, message.publish and disconnected, as EMQX keeps its
// clientinfo. Pure; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "exhook.pb.h"
#include "mosquitto_plugin/cert_identity.h"

namespace iothub::mosquitto_plugin {

struct ClientFacts {
  std::string node;  // "mosquitto@<host>"
  std::string clientid;
  std::string username;  // pem username with a certificate, else the CONNECT username
  std::string peerhost;
  std::uint32_t sockport = 0;
  std::string cn;
  std::string dn;
};

// What Mosquitto knows at BASIC_AUTH time.
struct ConnectInput {
  std::string node;
  std::string clientid;
  std::optional<std::string> username;  // CONNECT username, absent when not sent
  std::string peerhost;
  std::uint32_t sockport = 0;
  std::optional<CertIdentity> cert;  // present when the client sent a certificate
};

// Builds the facts as an EMQX `peer_cert_as_username = pem` listener would. Errors when
// a string is not valid UTF-8 (EMQX cannot encode such a request and refuses).
absl::StatusOr<ClientFacts> FactsAtConnect(const ConnectInput& input);

// The ClientInfo of `facts`: protocol "mqtt", is_superuser false, anonymous true.
// `password` is set only for OnClientAuthenticate.
emqx::exhook::v2::ClientInfo ToClientInfo(const ClientFacts& facts, std::string_view password = {});

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace iothub::mosquitto_plugin
