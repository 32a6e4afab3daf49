// AuthenticateCaller: turns a request's credentials into a Caller (rules in caller.h).
// Never logs or echoes a token. Thread-safe; blocks only on a store read.
#pragma once

#include <httplib.h>

#include <string_view>

#include "http/api_context.h"
#include "http/api_error.h"
#include "http/caller.h"

namespace iothub::http {

// The caller of `request`, or 401 (no or bad credentials, untrusted proxy headers),
// 403 (valid token whose subject is no hub user) or 500/503 (store failure).
Result<Caller> AuthenticateCaller(const httplib::Request& request, const ApiContext& context);

// True when `a` equals `b`, in time that depends on neither content (both are hashed
// with SHA-256 first, then compared with CRYPTO_memcmp).
bool SecretEquals(std::string_view a, std::string_view b);

// `remote_addr` without an IPv4-mapped IPv6 prefix ("::ffff:1.2.3.4" -> "1.2.3.4").
std::string_view NormalizeAddress(std::string_view remote_addr);

}  // namespace iothub::http
