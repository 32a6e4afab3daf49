// MQTT topic names and topic filters (MQTT 3.1.1 / 5.0, section 4.7): validation,
// matching a topic against a filter, and deciding whether one filter covers another.
// Pure functions over string_view: thread-safe, and the Check*/match functions never
// allocate (only the Validate* wrappers build an absl::Status message on failure).
#pragma once

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"

namespace iothub::acl {

// The MQTT limit: a topic is a UTF-8 string with a two-byte length prefix.
inline constexpr std::size_t kMaxMqttTopicBytes = 65535;

// Why a topic name or filter is rejected. A closed enum so that the hot path can branch
// on the reason without building a Status.
enum class TopicError {
  kOk,
  kEmpty,           // zero bytes
  kTooLong,         // more than kMaxMqttTopicBytes
  kNulCharacter,    // U+0000 is forbidden in MQTT strings
  kInvalidUtf8,     // ill-formed UTF-8, overlong forms or UTF-16 surrogates
  kWildcardInName,  // '+' or '#' in a topic name (publish)
  kMisplacedHash,   // '#' that is not the whole last level of a filter
  kMisplacedPlus,   // '+' that is not a whole level of a filter
};

// A short English reason, e.g. "'#' must be the whole last level".
std::string_view ToString(TopicError error);

// Topic names are what PUBLISH carries: non-empty, at most 65535 bytes, valid UTF-8
// without NUL, and no wildcard characters. Empty levels ("a//b", "/a", "a/") are valid.
TopicError CheckTopicName(std::string_view topic);

// Topic filters are what SUBSCRIBE carries: like a name, except that '+' may be a whole
// level anywhere and '#' may be the whole last level. "$share/g/f" is an ordinary valid
// filter here (see StripSharedSubscription).
TopicError CheckTopicFilter(std::string_view filter);

// Status versions of the two checks: OK, or InvalidArgument with the reason.
absl::Status ValidateTopicName(std::string_view topic);
absl::Status ValidateTopicFilter(std::string_view filter);

// True when the subscription `filter` matches the topic name `topic` with full MQTT
// semantics: '+' is exactly one level (possibly empty), '#' zero or more trailing levels
// ("foo/#" matches "foo"), and a topic whose first level starts with '$' is never
// matched by a leading '+' or '#'. Returns false, never a wrong match, when the filter
// misplaces a wildcard or the topic holds one. UTF-8, NUL and length are not checked:
// validate untrusted input with CheckTopicName/CheckTopicFilter first.
bool TopicMatches(std::string_view filter, std::string_view topic);

// True when every topic that the subscription `filter` can match is also matched by
// `pattern` (both are topic filters), i.e. subscribing `filter` can deliver nothing that
// `pattern` does not allow. Examples: "users/u/#" covers "users/u/devices/+/telemetry"
// and "users/u"; it does not cover "users/+/devices/d" or "#". Exact for valid filters;
// false when either misplaces a wildcard.
bool FilterCoveredBy(std::string_view pattern, std::string_view filter);

// The filter that a shared subscription "$share/{group}/{filter}" (or "$queue/{filter}")
// actually subscribes; any other text is returned unchanged. EMQX 5.4+ strips the prefix
// before client.authorize, 5.3 does not. A malformed prefix (empty group, wildcard in
// the group, nothing after it) is returned unchanged and so is judged as a plain filter.
std::string_view StripSharedSubscription(std::string_view filter);

// True for "$SYS" and anything under "$SYS/" (the broker's own topics).
constexpr bool IsSysTopic(std::string_view topic) {
  return topic.starts_with("$SYS") && (topic.size() == 4 || topic[4] == '/');
}

}  // namespace iothub::acl
