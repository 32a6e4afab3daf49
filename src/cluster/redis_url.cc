#include "cluster/redis_url.h"

#include <charconv>

namespace iothub::cluster {
namespace {

bool ParseInt(std::string_view text, int& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

absl::StatusOr<RedisOptions> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  const auto invalid = [](std::string_view why) {
    return absl::InvalidArgumentError("invalid redis URL (" + std::string(why) +
                                      "); expected redis://[:password@]host[:port][/db]");
  };
  if (url.substr(0, kScheme.size()) != kScheme) return invalid("scheme");
  std::string_view rest = url.substr(kScheme.size());
  RedisOptions options;
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view user_info = rest.substr(0, at);
    const auto colon = user_info.find(':');
    if (colon == std::string_view::npos) return invalid("user without password");
    options.password = std::string(user_info.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!ParseInt(db, options.db) || options.db < 0 || options.db > 15)) {
      return invalid("database number");
    }
    rest = rest.substr(0, slash);
  }
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    if (!ParseInt(rest.substr(colon + 1), options.port) || options.port < 1 ||
        options.port > 65535) {
      return invalid("port");
    }
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return invalid("host");
  options.host = std::string(rest);
  return options;
}

std::string RedactRedisUrl(std::string_view url) {
  const auto at = url.rfind('@');
  const auto scheme_end = url.find("://");
  if (at == std::string_view::npos || scheme_end == std::string_view::npos) {
    return std::string(url);
  }
  const auto colon = url.find(':', scheme_end + 3);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "****" + std::string(url.substr(at));
}

}  // namespace iothub::cluster
