#include "auth/session_record.h"

#include <nlohmann/json.hpp>

#include "common/json_parse.h"

namespace iothub::auth {
namespace {

nlohmann::json PrincipalJson(const Principal& p) {
  return {
      {"kind", ToString(p.kind)},         {"id", p.id},
      {"owner_id", p.owner_id},           {"clientid", p.clientid},
      {"username", p.username},           {"hub_link", p.hub_link},
      {"broker_bridge", p.broker_bridge}, {"certificate_fingerprint", p.certificate_fingerprint}};
}

std::string Dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<nlohmann::json> ParseObject(std::string_view value, std::string_view what) {
  absl::StatusOr<nlohmann::json> parsed =
      ParseJson(value, {.max_bytes = 64 * 1024, .max_depth = 4});
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) {
    return absl::InvalidArgumentError(std::string(what) + " is not a JSON object");
  }
  return parsed;
}

// The principal fields of `json` (a session or a principal alone).
absl::StatusOr<std::shared_ptr<const Principal>> PrincipalFrom(const nlohmann::json& json) {
  const auto text = [&](const char* name) { return StringMember(json, name); };
  const std::string* kind_name = text("kind");
  const std::string* id = text("id");
  const std::string* owner_id = text("owner_id");
  const std::string* clientid = text("clientid");
  const std::string* username = text("username");
  const auto hub_link = json.find("hub_link");
  if (!kind_name || !id || !owner_id || !clientid || !username || hub_link == json.end() ||
      !hub_link->is_boolean()) {
    return absl::InvalidArgumentError("principal misses a field");
  }
  const std::optional<PrincipalKind> kind = ParsePrincipalKind(*kind_name);
  if (!kind) return absl::InvalidArgumentError("principal names an unknown kind");
  auto principal = std::make_shared<Principal>();
  principal->kind = *kind;
  principal->id = *id;
  principal->owner_id = *owner_id;
  principal->clientid = *clientid;
  principal->username = *username;
  principal->hub_link = hub_link->get<bool>();
  // Absent in journals of builds before broker bridges: not a bridge.
  const auto bridge = json.find("broker_bridge");
  if (bridge != json.end()) {
    if (!bridge->is_boolean()) return absl::InvalidArgumentError("principal misses a field");
    principal->broker_bridge = bridge->get<bool>();
  }
  // Absent in journals of builds before renewal: unknown (a renewal then puts the
  // device's current certificate in grace).
  if (const std::string* fingerprint = StringMember(json, "certificate_fingerprint")) {
    principal->certificate_fingerprint = *fingerprint;
  }
  return principal;
}

}  // namespace

std::string EncodePrincipal(const Principal& principal) { return Dump(PrincipalJson(principal)); }

absl::StatusOr<std::shared_ptr<const Principal>> DecodePrincipal(std::string_view value) {
  absl::StatusOr<nlohmann::json> json = ParseObject(value, "principal");
  if (!json.ok()) return json.status();
  return PrincipalFrom(*json);
}

std::string EncodeSession(const SessionState& session) {
  nlohmann::json json = PrincipalJson(*session.principal);
  json["connections"] = session.connections;
  json["pending"] = session.pending;
  json["admitted_at"] = session.admitted_at;
  return Dump(json);
}

absl::StatusOr<SessionState> DecodeSession(std::string_view value) {
  absl::StatusOr<nlohmann::json> json = ParseObject(value, "session");
  if (!json.ok()) return json.status();
  const auto count = [&](const char* name) -> std::optional<std::int64_t> {
    const std::optional<std::int64_t> n = IntegerMember(*json, name);
    return n && *n >= 0 ? n : std::nullopt;
  };
  const auto connections = count("connections");
  const auto pending = count("pending");
  const auto admitted_at = count("admitted_at");
  if (!connections || !pending || !admitted_at) {
    return absl::InvalidArgumentError("session misses a field");
  }
  absl::StatusOr<std::shared_ptr<const Principal>> principal = PrincipalFrom(*json);
  if (!principal.ok()) return principal.status();
  return SessionState{*std::move(principal), static_cast<int>(*connections),
                      static_cast<int>(*pending), *admitted_at};
}

}  // namespace iothub::auth
