#include "cluster/redis_session_directory.h"

#include "auth/session_record.h"
#include "auth/session_table.h"

namespace iothub::cluster {
namespace {

constexpr std::string_view kSessionPrefix = "iothub:s:";

// KEYS: session. ARGV: principal, holder, device, now, connect window, channel,
// message. Returns 0 admitted, 1 held by another principal.
const RedisScript& AdmitScript() {
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

// KEYS: session. ARGV: hub id, max connections. Returns 1 when the session exists.
const RedisScript& ConnectedScript() {
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

// KEYS: session. ARGV: hub id, now, connect window, channel, invalidation message.
// Returns {1 when the connection that ended was counted by this hub, plus 2 when the
// session ended; the device id}. The oldest
// connection ends first, then a pending admission (SessionTable's rule); the hub that
// counted the ended connection, when another one, is told.
const RedisScript& DisconnectedScript() {
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

std::string SessionKey(std::string_view clientid) {
  std::string key(kSessionPrefix);
  key.append(clientid);
  return key;
}

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

absl::Status Unexpected(std::string_view what) {
  return absl::InternalError("redis: unexpected reply to " + std::string(what));
}

}  // namespace

RedisSessionDirectory::RedisSessionDirectory(RedisSessionParts parts)
    : parts_(std::move(parts)),
      hits_(parts_.metrics.GetCounter("iothub_session_lookups_total",
                                      "Session lookups of authorize and publish, by where the "
                                      "answer came from (shared sessions).",
                                      {{"source", "cache"}})),
      misses_(parts_.metrics.GetCounter("iothub_session_lookups_total",
                                        "Session lookups of authorize and publish, by where the "
                                        "answer came from (shared sessions).",
                                        {{"source", "redis"}})),
      invalidations_(parts_.metrics.GetCounter(
          "iothub_session_invalidations_total",
          "Sessions of other hubs that ended or changed principal (cache entries dropped).")),
      deferred_(parts_.metrics.GetGauge(
          "iothub_session_events_deferred",
          "Connects and disconnects waiting for Redis (replayed in order when it answers).")),
      subscriber_(parts_.subscriber, std::string(kChannel),
                  {.on_message = [this](std::string_view m) { OnMessage(m); },
                   .on_state = [this](bool up) { OnSubscription(up); }}) {}

absl::StatusOr<auth::SessionDirectory::AdmitOutcome> RedisSessionDirectory::Admit(
    std::string_view clientid, std::shared_ptr<const Principal> principal, UnixMillis now) {
  const std::string key = SessionKey(clientid);
  const std::string text = auth::EncodePrincipal(*principal);
  const std::string holder = Holder(*principal);
  const std::string_view device =
      principal->kind == PrincipalKind::kDevice ? std::string_view(principal->id) : "";
  const std::string now_ms = std::to_string(now);
  const std::string window = std::to_string(auth::SessionTable::kConnectWindow);
  const std::string message = Invalidation(parts_.hub_id, clientid);
  auto reply = parts_.redis.Eval(AdmitScript(), {key},
                                 {text, holder, device, now_ms, window, kChannel, message});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kInteger) return Unexpected("admit");
  if (reply->integer == 1) return AdmitOutcome::kHeldByAnother;
  Cache(clientid, {std::move(principal), /*own=*/true});
  return AdmitOutcome::kAdmitted;
}

absl::StatusOr<std::shared_ptr<const Principal>> RedisSessionDirectory::Find(
    std::string_view clientid) {
  const bool following = subscriber_.up();
  Shard& shard = ShardFor(clientid);
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.entries.find(clientid);
        it != shard.entries.end() && (following || it->second.own)) {
      hits_.Increment();
      return it->second.principal;
    }
    epoch = shard.epoch;
  }
  misses_.Increment();
  auto reply = parts_.redis.Command({"HGET", SessionKey(clientid), "p"});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) return nullptr;
  if (reply->type != RedisReply::Type::kString) return Unexpected("session lookup");
  auto principal = auth::DecodePrincipal(reply->str);
  if (!principal.ok()) return principal.status();
  // Cached only when the channel covered the whole read: an invalidation that arrived
  // meanwhile may be about this very entry.
  if (following) CacheIfStill(clientid, {*principal, /*own=*/false}, epoch);
  return *std::move(principal);
}

absl::StatusOr<std::size_t> RedisSessionDirectory::RestorePresence() {
  const std::string pattern = std::string(kSessionPrefix) + "*";
  const UnixMillis now = parts_.clock.NowUnixMillis();
  std::size_t restored = 0;
  std::string cursor = "0";
  do {
    auto page = parts_.redis.Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "500"});
    if (!page.ok()) return page.status();
    if (page->elements.size() != 2) return Unexpected("session scan");
    cursor = page->elements[0].str;
    std::vector<std::vector<std::string_view>> reads;
    for (const RedisReply& key : page->elements[1].elements) {
      reads.push_back({"HMGET", key.str, "d", "h"});
    }
    auto fields = parts_.redis.Pipeline(reads);
    if (!fields.ok()) return fields.status();
    for (const RedisReply& session : *fields) {
      if (session.elements.size() != 2 || session.elements[0].str.empty()) continue;
      const std::string_view device = session.elements[0].str;
      std::string_view hubs = session.elements[1].str;
      while (!hubs.empty()) {  // one entry per live connection
        const std::size_t comma = std::min(hubs.find(','), hubs.size());
        if (hubs.substr(0, comma) == parts_.hub_id) {
          parts_.presence.OnConnected(device, now);
          ++restored;
        }
        hubs.remove_prefix(std::min(comma + 1, hubs.size()));
      }
    }
  } while (cursor != "0");
  return restored;
}

absl::Status RedisSessionDirectory::Connected(std::string_view clientid, UnixMillis now) {
  if (Behind(clientid)) {
    return Defer(true, clientid, now) ? absl::OkStatus()
                                      : absl::ResourceExhaustedError("session events queue full");
  }
  absl::Status status = RecordConnected(clientid);
  if (!status.ok() && Defer(true, clientid, now)) return absl::OkStatus();
  return status;
}

absl::StatusOr<int> RedisSessionDirectory::Disconnected(std::string_view clientid, UnixMillis now) {
  // Deferred, the connection's presence is counted down when it is replayed.
  if (Behind(clientid)) {
    if (Defer(false, clientid, now)) return 0;
    return absl::ResourceExhaustedError("session events queue full");
  }
  auto ended = RecordDisconnected(clientid, now);
  if (!ended.ok()) {
    if (Defer(false, clientid, now)) return 0;
    return ended.status();
  }
  return ended->first ? 1 : 0;
}

absl::Status RedisSessionDirectory::ReplayUnrecorded() {
  for (;;) {
    Unrecorded next;
    {
      std::lock_guard lock(unrecorded_mutex_);
      if (unrecorded_.empty()) return absl::OkStatus();
      next = unrecorded_.front();  // stays first until popped below (one replayer)
    }
    if (next.connected) {
      if (absl::Status status = RecordConnected(next.clientid); !status.ok()) return status;
    } else {
      auto ended = RecordDisconnected(next.clientid, next.at);
      if (!ended.ok()) return ended.status();
      if (ended->first && !ended->second.empty()) {
        parts_.presence.OnDisconnected(ended->second, next.at);
      }
    }
    std::lock_guard lock(unrecorded_mutex_);
    unrecorded_.pop_front();
    deferred_.Set(static_cast<std::int64_t>(unrecorded_.size()));
    if (auto it = behind_.find(next.clientid); it != behind_.end() && --it->second == 0) {
      behind_.erase(it);
    }
  }
}

absl::Status RedisSessionDirectory::RecordConnected(std::string_view clientid) {
  const std::string max = std::to_string(rpc::Presence::kMaxConnections);
  auto reply = parts_.redis.Eval(ConnectedScript(), {SessionKey(clientid)}, {parts_.hub_id, max});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kInteger) return Unexpected("connected");
  return absl::OkStatus();
}

absl::StatusOr<std::pair<bool, std::string>> RedisSessionDirectory::RecordDisconnected(
    std::string_view clientid, UnixMillis now) {
  const std::string now_ms = std::to_string(now);
  const std::string window = std::to_string(auth::SessionTable::kConnectWindow);
  const std::string message = Invalidation(parts_.hub_id, clientid);
  auto reply = parts_.redis.Eval(DisconnectedScript(), {SessionKey(clientid)},
                                 {parts_.hub_id, now_ms, window, kChannel, message});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 2) {
    return Unexpected("disconnected");
  }
  const long long flags = reply->elements[0].integer;
  if ((flags & 2) != 0) Forget(clientid);  // this hub skips its own message
  return std::pair<bool, std::string>((flags & 1) != 0, std::move(reply->elements[1].str));
}

bool RedisSessionDirectory::Behind(std::string_view clientid) {
  std::lock_guard lock(unrecorded_mutex_);
  return !unrecorded_.empty() && behind_.contains(clientid);
}

bool RedisSessionDirectory::Defer(bool connected, std::string_view clientid, UnixMillis at) {
  std::lock_guard lock(unrecorded_mutex_);
  if (unrecorded_.size() >= kMaxUnrecorded) return false;
  unrecorded_.push_back({connected, std::string(clientid), at});
  ++behind_[std::string(clientid)];
  deferred_.Set(static_cast<std::int64_t>(unrecorded_.size()));
  return true;
}

void RedisSessionDirectory::Cache(std::string_view clientid, Cached entry) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  ++shard.epoch;  // a lookup reading meanwhile must not overwrite this newer entry
  shard.entries.insert_or_assign(std::string(clientid), std::move(entry));
}

void RedisSessionDirectory::CacheIfStill(std::string_view clientid, Cached entry,
                                         std::uint64_t epoch) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  if (shard.epoch == epoch) shard.entries.insert_or_assign(std::string(clientid), std::move(entry));
}

void RedisSessionDirectory::Forget(std::string_view clientid) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  ++shard.epoch;
  if (auto it = shard.entries.find(clientid); it != shard.entries.end()) shard.entries.erase(it);
}

void RedisSessionDirectory::OnMessage(std::string_view message) {
  const auto newline = message.find('\n');
  if (message.empty() || newline == std::string_view::npos) return;  // not from this build
  const std::string_view hub = message.substr(1, newline - 1);
  const std::string_view subject = message.substr(newline + 1);
  if (message[0] == 'i') {
    // This hub's own changes are in its cache already (Admit) or ended here.
    if (hub == parts_.hub_id) return;
    invalidations_.Increment();
    Forget(subject);
  } else if (message[0] == 'p' && hub == parts_.hub_id) {
    parts_.presence.OnDisconnected(subject, parts_.clock.NowUnixMillis());
  }
}

void RedisSessionDirectory::OnSubscription(bool up) {
  // Down: learned entries stop serving (Find checks), own ones go on. Up: whatever was
  // published while the channel was down is lost, so the cache starts afresh.
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    ++shard.epoch;
    if (up) shard.entries.clear();
  }
}

}  // namespace iothub::cluster
