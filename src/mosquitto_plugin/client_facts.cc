#include "mosquitto_plugin/client_facts.h"

#include "absl/status/status.h"

namespace iothub::mosquitto_plugin {

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000)) return false;  // overlong
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

absl::StatusOr<ClientFacts> FactsAtConnect(const ConnectInput& input) {
  ClientFacts facts;
  facts.node = input.node;
  facts.clientid = input.clientid;
  facts.peerhost = input.peerhost;
  facts.sockport = input.sockport;
  if (input.cert.has_value()) {
    facts.username = input.cert->pem_username;
    facts.cn = input.cert->cn;
    facts.dn = input.cert->dn;
  } else if (input.username.has_value()) {
    facts.username = *input.username;
  }
  for (const std::string* text : {&facts.clientid, &facts.username, &facts.cn, &facts.dn}) {
    if (!IsValidUtf8(*text)) return absl::InvalidArgumentError("client string is not UTF-8");
  }
  return facts;
}

emqx::exhook::v2::ClientInfo ToClientInfo(const ClientFacts& facts, std::string_view password) {
  emqx::exhook::v2::ClientInfo info;
  info.set_node(facts.node);
  info.set_clientid(facts.clientid);
  info.set_username(facts.username);
  info.set_password(std::string(password));
  info.set_peerhost(facts.peerhost);
  info.set_sockport(facts.sockport);
  info.set_protocol("mqtt");
  info.set_is_superuser(false);
  info.set_anonymous(true);
  info.set_cn(facts.cn);
  info.set_dn(facts.dn);
  return info;
}

}  // namespace iothub::mosquitto_plugin
