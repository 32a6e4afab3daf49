#include "http/request_params.h"

#include <charconv>

#include "common/ids.h"
#include "common/printable.h"

namespace iothub::http {
std::optional<ApiError> CheckPathId(std::string_view field, std::string_view id) {
  if (IsValidId(id)) return std::nullopt;
  return FieldError(std::string(field),
                    "'" + Printable(id, 64) + "' is not a valid id (1-64 of A-Z a-z 0-9 _ -)");
}

std::optional<ApiError> CheckPathFingerprint(std::string_view fingerprint) {
  const bool ok =
      !fingerprint.empty() && fingerprint.size() <= 128 &&
      fingerprint.find_first_not_of("0123456789abcdefABCDEF:") == std::string_view::npos;
  if (ok) return std::nullopt;
  return FieldError("fingerprint", "'" + Printable(fingerprint, 64) +
                                       "' is not a SHA-256 fingerprint (hex, colons optional)");
}

Result<registry::PageRequest> ParsePaging(const std::multimap<std::string, std::string>& query) {
  Result<std::int64_t> page =
      QueryInteger(query, "page", registry::kDefaultPage, 1, registry::kMaxPage);
  if (!page.ok()) return page.error();
  Result<std::int64_t> limit =
      QueryInteger(query, "limit", registry::kDefaultLimit, 1, registry::kMaxLimit);
  if (!limit.ok()) return limit.error();
  return registry::PageRequest{.page = *page, .limit = *limit};
}

Result<std::optional<int>> ParseExpiringWithinDays(
    const std::multimap<std::string, std::string>& query) {
  if (!query.contains("expiringWithinDays")) return std::optional<int>();
  Result<std::int64_t> days = QueryInteger(query, "expiringWithinDays", 0, 1, 3650);
  if (!days.ok()) return days.error();
  return std::optional<int>(static_cast<int>(*days));
}

Result<std::int64_t> QueryInteger(const std::multimap<std::string, std::string>& query,
                                  const std::string& name, std::int64_t fallback, std::int64_t min,
                                  std::int64_t max) {
  const auto found = query.find(name);
  if (found == query.end()) return fallback;
  if (query.count(name) > 1) return FieldError(name, "is given more than once");
  const std::string& text = found->second;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return FieldError(
        name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

Result<std::string> QueryText(const std::multimap<std::string, std::string>& query,
                              const std::string& name, std::size_t max_bytes,
                              const std::vector<std::string_view>& choices) {
  const auto found = query.find(name);
  if (found == query.end()) return std::string();
  if (query.count(name) > 1) return FieldError(name, "is given more than once");
  const std::string& text = found->second;
  if (!choices.empty()) {
    for (std::string_view choice : choices) {
      if (text == choice) return text;
    }
    std::string list;
    for (std::string_view choice : choices)
      list += (list.empty() ? "" : ", ") + std::string(choice);
    return FieldError(name, "must be one of " + list);
  }
  if (text.size() > max_bytes) {
    return FieldError(name, "must be at most " + std::to_string(max_bytes) + " bytes");
  }
  return text;
}

}  // namespace iothub::http
