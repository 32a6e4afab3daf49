// StateJournal: where the hub writes its ephemeral state behind (sessions, pending RPC
// requests), so that a restarted hub resumes where the last one stopped. A small
// key/value table per kind ("sessions", "pending_rpc"); values are opaque text (JSON)
// that the owning module encodes and decodes.
//
// The journal is never on the hook path: the owning tables mark what changed, and a
// background flusher (app/state_persister) drains those marks and calls Apply in one
// batch. Losing the last batch in a crash costs at most one flush interval of changes.
//
// Thread-safety: implementations are safe to call from several threads.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace iothub::store {

// One change to a key: a new value, or erase (nullopt).
struct JournalChange {
  std::string key;
  std::optional<std::string> value;
};

class StateJournal {
 public:
  virtual ~StateJournal() = default;

  // Applies `changes` to `kind` atomically (all or none). Erasing a missing key is fine.
  virtual absl::Status Apply(std::string_view kind, std::span<const JournalChange> changes) = 0;
  // Every (key, value) of `kind`, in key order.
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Load(
      std::string_view kind) = 0;
};

}  // namespace iothub::store
