#include "store/postgres_url.h"

namespace iothub::store {
namespace {

constexpr std::string_view kSchemes[] = {"postgresql://", "postgres://"};

// The length of the scheme `url` starts with; 0 for none.
std::size_t SchemeLength(std::string_view url) {
  for (std::string_view scheme : kSchemes) {
    if (url.starts_with(scheme)) return scheme.size();
  }
  return 0;
}

}  // namespace

absl::Status CheckPostgresUrl(std::string_view url) {
  const std::size_t scheme = SchemeLength(url);
  if (scheme == 0) {
    return absl::InvalidArgumentError(
        "must be a postgresql://user:password@host:port/database URL (value not shown)");
  }
  const std::string_view rest = url.substr(scheme);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  const std::size_t at = authority.rfind('@');
  const std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (host.empty() || host.front() == ':') {
    return absl::InvalidArgumentError("the URL names no host (value not shown)");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError("the URL holds control characters (value not shown)");
    }
  }
  return absl::OkStatus();
}

std::string RedactPostgresUrl(std::string_view url) {
  std::string out(url);
  const std::size_t scheme = SchemeLength(out);
  if (scheme == 0) return "(not a postgresql:// URL)";
  // user:password@ in the authority (up to the first '/' or '?').
  const std::size_t authority_end = out.find_first_of("/?", scheme);
  const std::size_t at =
      out.rfind('@', authority_end == std::string::npos ? out.size() : authority_end);
  if (at != std::string::npos && at >= scheme) {
    const std::size_t colon = out.find(':', scheme);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "****");
  }
  // password=... among the query parameters.
  for (std::size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    const std::size_t value = pos + 9;
    const std::size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "****");
  }
  return out;
}

}  // namespace iothub::store
