// The advisory locks the PostgreSQL backend takes (pg_advisory_xact_lock(namespace,
// key)): a namespace of our own, so other applications on the same database do not
// collide with us. Constants; thread-safe.
#pragma once

namespace iothub::store {

inline constexpr int kPgLockNamespace = 0x494f5448;  // "IOTH"
// Held by every write transaction: writers of all hubs take turns, as SQLite's one
// write lock makes them, so a load-change-store transition never races another hub's.
inline constexpr int kPgWriteLock = 1;
// Held while migrating.
inline constexpr int kPgMigrationLock = 2;

}  // namespace iothub::store
