// Reading path and query parameters: ids from the path (validated before anything
// reaches the registry, so "../", NUL or "/" in an id is a 400, never a store key) and
// paging (page >= 1, limit 1-100, defaults 1 and 10). Pure functions; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/api_error.h"
#include "registry/paging.h"

namespace iothub::http {

// OK (nullopt) when `id` is a valid id (1-64 of [A-Za-z0-9_-]); else 400 naming `field`.
std::optional<ApiError> CheckPathId(std::string_view field, std::string_view id);

// OK when `fingerprint` is 1-128 characters of hex digits and colons; else 400. The
// registry checks its exact form.
std::optional<ApiError> CheckPathFingerprint(std::string_view fingerprint);

// `page` and `limit` from the query: absent -> defaults; present -> decimal integers in
// range, else 400 naming the parameter.
Result<registry::PageRequest> ParsePaging(const std::multimap<std::string, std::string>& query);

// `expiringWithinDays` from the query: absent -> nullopt; present -> 1-3650, else 400.
Result<std::optional<int>> ParseExpiringWithinDays(
    const std::multimap<std::string, std::string>& query);
// `name` from the query as a decimal integer in [min, max], `fallback` when absent; 400
// naming the parameter when malformed, out of range or given twice.
Result<std::int64_t> QueryInteger(const std::multimap<std::string, std::string>& query,
                                  const std::string& name, std::int64_t fallback, std::int64_t min,
                                  std::int64_t max);

// `name` from the query as text ("" when absent): one of `choices` when they are given,
// else at most `max_bytes`; 400 naming the parameter otherwise or when given twice.
Result<std::string> QueryText(const std::multimap<std::string, std::string>& query,
                              const std::string& name, std::size_t max_bytes,
                              const std::vector<std::string_view>& choices = {});

}  // namespace iothub::http
