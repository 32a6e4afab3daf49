// PercentEncodePathSegment: makes an untrusted string (an MQTT clientid) safe as one URL
// path segment. Stateless, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace iothub::emqx {

// Percent-encodes every byte outside RFC 3986 "unreserved" (A-Z a-z 0-9 - . _ ~) as %XX
// (uppercase hex), byte by byte, so '/', '#', '?', '+', '%', spaces and UTF-8 cannot
// change the path. A segment that would be "." or ".." (a dot-segment a proxy may resolve)
// has its dots encoded too. The result never contains '/' and decodes back to `text`.
std::string PercentEncodePathSegment(std::string_view text);

}  // namespace iothub::emqx
