// Checking and redacting PostgreSQL connection URLs (postgresql://user:password@host/db).
// The URL carries the database password, so anything that shows it (logs, `config
// check`, error messages) shows RedactPostgresUrl's form instead. Pure functions;
// thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace iothub::store {

// OK for a postgresql:// or postgres:// URL with a host part. The message of an error
// never contains the URL (it may hold a password).
absl::Status CheckPostgresUrl(std::string_view url);

// The URL with its password (user:PASSWORD@ and any password= parameter) replaced by
// "****"; the rest unchanged.
std::string RedactPostgresUrl(std::string_view url);

}  // namespace iothub::store
