// The store's SQLite schema as an ordered list of migrations. Append a migration to
// change the schema; never edit one that has shipped. Constant data; thread-safe.
#pragma once

#include <span>

#include "store/migrations.h"

namespace iothub::store {

// Every migration SqliteStore knows, oldest first.
std::span<const Migration> StoreMigrations();

}  // namespace iothub::store
