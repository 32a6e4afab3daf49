// The Lua scripts of RedisRpcState (data model in redis_rpc_state.h), each built once
// on first use. Every script is atomic in Redis: a request id is checked and taken in
// one step, a reply is taken once across hubs, an expired request is claimed once.
#pragma once

#include "cluster/redis_client.h"

namespace iothub::cluster {

// KEYS and ARGV: insert's k and a (the insert function in redis_rpc_scripts.cc says
// which is which). Returns insert's code.
const RedisScript& InsertScript();

// Admit in one round trip: the id's owner, presence elsewhere (when asked), the rate
// limit, then insert. KEYS: insert's k, presence set, rate window. ARGV: insert's a,
// ask elsewhere (1 or 0), hub key prefix, this hub's id, per minute, window ttl.
// Returns 1 own id, 2 another requester's, 3 offline, 4 rate limited, or 10 + insert's.
const RedisScript& AdmitScript();

// KEYS: pending, device count, user count, total count, deadlines.
// ARGV: user, now, linger, member. Returns {status, method, sent}.
const RedisScript& TakeScript();

// KEYS: deadlines, total count. ARGV: now, batch, linger, pending prefix, device count
// prefix, user count prefix. Returns {pending left, {member, user, clientid, method,
// sent, deadline, ...}}.
const RedisScript& ClaimScript();

// KEYS: rate window. ARGV: window ttl. Returns the window's count after this request.
const RedisScript& RateScript();

// KEYS: the device's presence set. ARGV: hub key prefix, this hub's id.
const RedisScript& PresenceScript();

}  // namespace iothub::cluster
