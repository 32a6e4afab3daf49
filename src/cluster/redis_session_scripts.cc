#include "cluster/redis_session_scripts.h"

#include "auth/session_record.h"
#include "auth/session_table.h"
#include "rpc/presence.h"

namespace iothub::cluster {
namespace {

// What SameHolder compares: the hub's own link, a broker bridge or neither, the kind of
// identity (users and admins are one), the id.
std::string Holder(const Principal& p) {
  std::string holder = p.hub_link ? "h" : (p.broker_bridge ? "b" : "-");
  switch (p.kind) {
    case PrincipalKind::kDevice:
      holder += "d:";
      break;
    case PrincipalKind::kUser:
    case PrincipalKind::kAdmin:
      holder += "p:";
      break;
    case PrincipalKind::kService:
      holder += "s:";
      break;
  }
  return holder + p.id;
}

// "i{hub}\n{clientid}": the session of clientid ended or changed principal.
std::string Invalidation(std::string_view hub_id, std::string_view clientid) {
  std::string message = "i";
  message.append(hub_id).append("\n").append(clientid);
  return message;
}

const std::string& ConnectWindow() {
  static const auto* window = new std::string(std::to_string(auth::SessionTable::kConnectWindow));
  return *window;
}

absl::Status Unexpected(std::string_view what) {
  return absl::InternalError("redis: unexpected reply to " + std::string(what));
}

}  // namespace

std::string SessionKey(std::string_view clientid) {
  std::string key(kSessionPrefix);
  key.append(clientid);
  return key;
}

// KEYS: session. ARGV: principal, holder, device, now, connect window, channel,
// message. Returns 0 admitted, 1 held by another principal.
const RedisScript& AdmitArgs::Script() {
  static const auto* script = new RedisScript(R"(
local h = redis.call('HMGET', KEYS[1], 'o', 'n', 'c', 'a', 'p')
local n, c = tonumber(h[2] or '0'), tonumber(h[3] or '0')
if n > 0 and tonumber(ARGV[4]) - tonumber(h[4]) > tonumber(ARGV[5]) then n = 0 end
if h[1] and (n > 0 or c > 0) and h[1] ~= ARGV[2] then return 1 end
if c == 0 then redis.call('HSET', KEYS[1], 'h', '') end
redis.call('HSET', KEYS[1], 'p', ARGV[1], 'o', ARGV[2], 'd', ARGV[3], 'n', n + 1, 'c', c, 'a', ARGV[4])
if h[5] ~= ARGV[1] then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
return 0
)");
  return *script;
}

AdmitArgs::AdmitArgs(std::string_view clientid, const Principal& principal, UnixMillis now,
                     std::string_view hub_id)
    : key_(SessionKey(clientid)),
      text_(auth::EncodePrincipal(principal)),
      holder_(Holder(principal)),
      now_ms_(std::to_string(now)),
      message_(Invalidation(hub_id, clientid)) {
  keys_ = {key_};
  const std::string_view device =
      principal.kind == PrincipalKind::kDevice ? std::string_view(principal.id) : "";
  args_ = {text_, holder_, device, now_ms_, ConnectWindow(), kSessionChannel, message_};
}

absl::StatusOr<auth::SessionDirectory::AdmitOutcome> AdmitOutcomeOf(
    const absl::StatusOr<RedisReply>& reply) {
  using Outcome = auth::SessionDirectory::AdmitOutcome;
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kInteger) return Unexpected("admit");
  return reply->integer == 1 ? Outcome::kHeldByAnother : Outcome::kAdmitted;
}

// KEYS: session. ARGV: hub id, max connections. Returns 1 when the session exists.
const RedisScript& ConnectedArgs::Script() {
  static const auto* script = new RedisScript(R"(
local h = redis.call('HMGET', KEYS[1], 'n', 'c', 'h')
if not h[1] then return 0 end
local n, c, hubs = tonumber(h[1]), tonumber(h[2]), h[3] or ''
if n > 0 then n = n - 1 end
if c >= tonumber(ARGV[2]) then
  local comma = string.find(hubs, ',', 1, true)
  hubs = comma and string.sub(hubs, comma + 1) or ''
  c = c - 1
end
if hubs == '' then hubs = ARGV[1] else hubs = hubs .. ',' .. ARGV[1] end
redis.call('HSET', KEYS[1], 'n', n, 'c', c + 1, 'h', hubs)
return 1
)");
  return *script;
}

ConnectedArgs::ConnectedArgs(std::string_view clientid, std::string_view hub_id)
    : key_(SessionKey(clientid)), max_(std::to_string(rpc::Presence::kMaxConnections)) {
  keys_ = {key_};
  args_ = {hub_id, max_};
}

absl::Status ConnectedStatusOf(const absl::StatusOr<RedisReply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kInteger) return Unexpected("connected");
  return absl::OkStatus();
}

// KEYS: session. ARGV: hub id, now, connect window, channel, invalidation message.
// Returns {1 when the connection that ended was counted by this hub, plus 2 when the
// session ended; the device id}. The oldest connection ends first, then a pending
// admission (SessionTable's rule); the hub that counted the ended connection, when
// another one, is told.
const RedisScript& DisconnectedArgs::Script() {
  static const auto* script = new RedisScript(R"(
local h = redis.call('HMGET', KEYS[1], 'n', 'c', 'a', 'h', 'd')
if not h[1] then return {0, ''} end
local n, c, hubs = tonumber(h[1]), tonumber(h[2]), h[4] or ''
if n > 0 and tonumber(ARGV[2]) - tonumber(h[3]) > tonumber(ARGV[3]) then n = 0 end
local mine = 0
if c > 0 then
  c = c - 1
  local comma = string.find(hubs, ',', 1, true)
  local hub = comma and string.sub(hubs, 1, comma - 1) or hubs
  hubs = comma and string.sub(hubs, comma + 1) or ''
  if hub == ARGV[1] then
    mine = 1
  elseif hub ~= '' and h[5] ~= '' then
    redis.call('PUBLISH', ARGV[4], 'p' .. hub .. '\n' .. h[5])
  end
elseif n > 0 then
  n = n - 1
end
if n == 0 and c == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[4], ARGV[5])
  return {mine + 2, h[5]}
end
redis.call('HSET', KEYS[1], 'n', n, 'c', c, 'h', hubs)
return {mine, h[5]}
)");
  return *script;
}

DisconnectedArgs::DisconnectedArgs(std::string_view clientid, UnixMillis now,
                                   std::string_view hub_id)
    : key_(SessionKey(clientid)),
      now_ms_(std::to_string(now)),
      message_(Invalidation(hub_id, clientid)) {
  keys_ = {key_};
  args_ = {hub_id, now_ms_, ConnectWindow(), kSessionChannel, message_};
}

absl::StatusOr<DisconnectOutcome> DisconnectOf(absl::StatusOr<RedisReply> reply) {
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 2) {
    return Unexpected("disconnected");
  }
  const long long flags = reply->elements[0].integer;
  return DisconnectOutcome{.counted_here = (flags & 1) != 0,
                           .ended = (flags & 2) != 0,
                           .device = std::move(reply->elements[1].str)};
}

std::array<std::string_view, 3> LookupCommand(const std::string& key) { return {"HGET", key, "p"}; }

absl::StatusOr<std::shared_ptr<const Principal>> PrincipalOf(
    const absl::StatusOr<RedisReply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) return nullptr;
  if (reply->type != RedisReply::Type::kString) return Unexpected("session lookup");
  return auth::DecodePrincipal(reply->str);
}

}  // namespace iothub::cluster
