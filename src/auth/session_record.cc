#include "auth/session_record.h"

#include <nlohmann/json.hpp>

#include "common/json_parse.h"

namespace iothub::auth {

std::string EncodeSession(const SessionState& session) {
  const Principal& p = *session.principal;
  return nlohmann::json{{"kind", ToString(p.kind)},
                        {"id", p.id},
                        {"owner_id", p.owner_id},
                        {"clientid", p.clientid},
                        {"username", p.username},
                        {"hub_link", p.hub_link},
                        {"connections", session.connections},
                        {"pending", session.pending},
                        {"admitted_at", session.admitted_at}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<SessionState> DecodeSession(std::string_view value) {
  absl::StatusOr<nlohmann::json> parsed =
      ParseJson(value, {.max_bytes = 64 * 1024, .max_depth = 4});
  if (!parsed.ok()) return parsed.status();
  const nlohmann::json& json = *parsed;
  if (!json.is_object()) return absl::InvalidArgumentError("session is not a JSON object");
  const auto text = [&](const char* name) { return StringMember(json, name); };
  const auto count = [&](const char* name) -> std::optional<std::int64_t> {
    const std::optional<std::int64_t> n = IntegerMember(json, name);
    return n && *n >= 0 ? n : std::nullopt;
  };
  const std::string* kind_name = text("kind");
  const std::string* id = text("id");
  const std::string* owner_id = text("owner_id");
  const std::string* clientid = text("clientid");
  const std::string* username = text("username");
  const auto hub_link = json.find("hub_link");
  const auto connections = count("connections");
  const auto pending = count("pending");
  const auto admitted_at = count("admitted_at");
  if (!kind_name || !id || !owner_id || !clientid || !username || hub_link == json.end() ||
      !hub_link->is_boolean() || !connections || !pending || !admitted_at) {
    return absl::InvalidArgumentError("session misses a field");
  }
  const std::optional<PrincipalKind> kind = ParsePrincipalKind(*kind_name);
  if (!kind) return absl::InvalidArgumentError("session names an unknown principal kind");
  auto principal = std::make_shared<Principal>();
  principal->kind = *kind;
  principal->id = *id;
  principal->owner_id = *owner_id;
  principal->clientid = *clientid;
  principal->username = *username;
  principal->hub_link = hub_link->get<bool>();
  return SessionState{std::move(principal), static_cast<int>(*connections),
                      static_cast<int>(*pending), *admitted_at};
}

}  // namespace iothub::auth
