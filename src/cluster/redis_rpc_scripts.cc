#include "cluster/redis_rpc_scripts.h"

#include <string>
#include <string_view>

namespace iothub::cluster {
namespace {

// Decrements a count without going below zero (a count that expired early).
constexpr std::string_view kDecrement = R"(
local function dec(k)
  if tonumber(redis.call('GET', k) or '0') > 0 then redis.call('DECR', k) end
end
)";

// insert(k, a): adds a pending request within its bounds. k: pending, device count,
// user count, total count, deadlines. a: user, clientid, method, sent, deadline, max
// device, max user, max total, ttl, member. Returns 0 inserted, 1 duplicate, 2 device
// full, 3 table full, 4 user full (InsertResult's order of checks).
constexpr std::string_view kInsert = R"(
local function insert(k, a)
  if redis.call('EXISTS', k[1]) == 1 then return 1 end
  if tonumber(redis.call('GET', k[2]) or '0') >= tonumber(a[6]) then return 2 end
  if tonumber(redis.call('GET', k[4]) or '0') >= tonumber(a[8]) then return 3 end
  if tonumber(redis.call('GET', k[3]) or '0') >= tonumber(a[7]) then return 4 end
  redis.call('HSET', k[1], 's', 'p', 'u', a[1], 'c', a[2], 'm', a[3], 't', a[4], 'd', a[5])
  redis.call('PEXPIRE', k[1], a[9])
  for i = 2, 4 do
    redis.call('INCR', k[i])
    if redis.call('PTTL', k[i]) < tonumber(a[9]) then redis.call('PEXPIRE', k[i], a[9]) end
  end
  redis.call('ZADD', k[5], a[5], a[10])
  return 0
end
)";

// elsewhere(set, hub key prefix, this hub's id): 1 when another live hub has the
// device connected. Forgets hubs that stopped ticking.
constexpr std::string_view kElsewhere = R"(
local function elsewhere(set, prefix, hub)
  for _, h in ipairs(redis.call('SMEMBERS', set)) do
    if h ~= hub then
      if redis.call('EXISTS', prefix .. h) == 1 then return 1 end
      redis.call('SREM', set, h)
    end
  end
  return 0
end
)";

// count(window, ttl): the rate window's count after this request.
constexpr std::string_view kCount = R"(
local function count(key, ttl)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ttl) end
  return n
end
)";

}  // namespace

const RedisScript& InsertScript() {
  static const auto* script = new RedisScript(std::string(kInsert) + "return insert(KEYS, ARGV)");
  return *script;
}

const RedisScript& AdmitScript() {
  static const auto* script =
      new RedisScript(std::string(kInsert) + std::string(kElsewhere) + std::string(kCount) + R"(
local c = redis.call('HGET', KEYS[1], 'c')
if c then
  if c == ARGV[2] then return 1 end
  return 2
end
if ARGV[11] == '1' and elsewhere(KEYS[6], ARGV[12], ARGV[13]) == 0 then return 3 end
local per_minute = tonumber(ARGV[14])
if per_minute == 0 or count(KEYS[7], ARGV[15]) > per_minute then return 4 end
return 10 + insert(KEYS, ARGV)
)");
  return *script;
}

const RedisScript& TakeScript() {
  static const auto* script = new RedisScript(std::string(kDecrement) + R"(
local h = redis.call('HMGET', KEYS[1], 's', 'u', 'd', 'm', 't')
if not h[1] then return {0} end
if h[1] == 'a' then return {3} end
if h[1] == 'x' then return {2} end
if h[2] ~= ARGV[1] then return {4} end
if tonumber(ARGV[2]) >= tonumber(h[3]) then return {2} end
redis.call('HSET', KEYS[1], 's', 'a')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZREM', KEYS[5], ARGV[4])
dec(KEYS[2]) dec(KEYS[3]) dec(KEYS[4])
return {1, tonumber(h[4]), tonumber(h[5])}
)");
  return *script;
}

const RedisScript& ClaimScript() {
  static const auto* script = new RedisScript(std::string(kDecrement) + R"(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  local k = ARGV[4] .. m
  local h = redis.call('HMGET', k, 's', 'u', 'c', 'm', 't', 'd')
  if h[1] == 'p' then
    redis.call('HSET', k, 's', 'x')
    redis.call('PEXPIRE', k, ARGV[3])
    local slash = string.find(m, '/', 1, true)
    dec(ARGV[5] .. string.sub(m, 1, slash - 1)) dec(ARGV[6] .. h[2]) dec(KEYS[2])
    for _, v in ipairs({m, h[2], h[3], h[4], h[5], h[6]}) do out[#out + 1] = v end
  end
end
return {redis.call('ZCARD', KEYS[1]), out}
)");
  return *script;
}

const RedisScript& RateScript() {
  static const auto* script =
      new RedisScript(std::string(kCount) + "return count(KEYS[1], ARGV[1])");
  return *script;
}

const RedisScript& PresenceScript() {
  static const auto* script =
      new RedisScript(std::string(kElsewhere) + "return elsewhere(KEYS[1], ARGV[1], ARGV[2])");
  return *script;
}

}  // namespace iothub::cluster
