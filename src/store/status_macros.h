// Internal helpers for the store's .cc files: early returns for absl::Status /
// absl::StatusOr, and Sv(), which hands a std::string_view to absl::StrCat (Debian's
// Abseil has its own absl::string_view that std::string_view does not convert to).
// Not part of the store's API. Stateless; thread-safe.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace iothub::store {

inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace iothub::store

#define IOTHUB_STORE_CONCAT_INNER(a, b) a##b
#define IOTHUB_STORE_CONCAT(a, b) IOTHUB_STORE_CONCAT_INNER(a, b)

// Returns the status of `expr` from the enclosing function unless it is OK.
#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    if (absl::Status status_ = (expr); !status_.ok()) { \
      return status_;                                   \
    }                                                   \
  } while (0)

// `lhs = *expr` when `expr` (a StatusOr) holds a value; otherwise returns its status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(IOTHUB_STORE_CONCAT(statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(*tmp)
