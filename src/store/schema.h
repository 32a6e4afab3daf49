// The store's schema as one ordered list of migrations, with the SQL of each dialect
// side by side (schema.cc): both backends have the same versions. Append a migration
// to change the schema; never edit one that has shipped. Constant data; thread-safe.
#pragma once

#include <span>

#include "store/migrations.h"

namespace iothub::store {

enum class Dialect { kSqlite, kPostgres };

// Every migration of `dialect`, oldest first; the same versions and descriptions for
// each dialect.
std::span<const Migration> StoreMigrations(Dialect dialect);

}  // namespace iothub::store
