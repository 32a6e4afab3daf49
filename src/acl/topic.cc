#include "acl/topic.h"

#include <cstdint>
#include <string>

#include "acl/topic_levels.h"

namespace iothub::acl {
namespace {

constexpr bool HasWildcard(std::string_view text) {
  return text.find_first_of("+#") != std::string_view::npos;
}

// A level of a filter whose wildcards are well placed (ignoring where '#' sits).
constexpr bool IsWellFormedLevel(std::string_view level) {
  return level == "+" || level == "#" || !HasWildcard(level);
}

// kOk, kNulCharacter or kInvalidUtf8. Follows RFC 3629: rejects overlong forms (which
// also catches the two-byte "modified UTF-8" NUL), surrogates and code points above
// U+10FFFF. ASCII takes the short path.
TopicError CheckUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p < end) {
    const unsigned char lead = *p;
    if (lead < 0x80) {
      if (lead == 0) return TopicError::kNulCharacter;
      ++p;
      continue;
    }
    int continuation;
    std::uint32_t code_point;
    std::uint32_t smallest;
    if ((lead & 0xE0) == 0xC0) {
      continuation = 1, code_point = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      continuation = 2, code_point = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      continuation = 3, code_point = lead & 0x07, smallest = 0x10000;
    } else {
      return TopicError::kInvalidUtf8;
    }
    if (end - p <= continuation) return TopicError::kInvalidUtf8;
    for (int i = 1; i <= continuation; ++i) {
      if ((p[i] & 0xC0) != 0x80) return TopicError::kInvalidUtf8;
      code_point = (code_point << 6) | (p[i] & 0x3F);
    }
    if (code_point < smallest || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return TopicError::kInvalidUtf8;
    }
    p += continuation + 1;
  }
  return TopicError::kOk;
}

TopicError CheckCommon(std::string_view text) {
  if (text.empty()) return TopicError::kEmpty;
  if (text.size() > kMaxMqttTopicBytes) return TopicError::kTooLong;
  return CheckUtf8(text);
}

absl::Status ToStatus(TopicError error, std::string_view what, std::string_view text) {
  if (error == TopicError::kOk) return absl::OkStatus();
  // Quote at most a prefix: the text may be 64 KiB of attacker-chosen bytes.
  constexpr std::size_t kQuoted = 80;
  std::string message(what);
  message += " \"";
  message += text.substr(0, kQuoted);
  if (text.size() > kQuoted) message += "...";
  message += "\" is invalid: ";
  message += ToString(error);
  return absl::InvalidArgumentError(message);
}

}  // namespace

std::string_view ToString(TopicError error) {
  switch (error) {
    case TopicError::kOk:
      return "ok";
    case TopicError::kEmpty:
      return "it is empty";
    case TopicError::kTooLong:
      return "it is longer than 65535 bytes";
    case TopicError::kNulCharacter:
      return "it contains a NUL character";
    case TopicError::kInvalidUtf8:
      return "it is not valid UTF-8";
    case TopicError::kWildcardInName:
      return "a topic name may not contain '+' or '#'";
    case TopicError::kMisplacedHash:
      return "'#' must be the whole last level";
    case TopicError::kMisplacedPlus:
      return "'+' must be a whole level";
  }
  return "unknown topic error";
}

TopicError CheckTopicName(std::string_view topic) {
  if (const TopicError error = CheckCommon(topic); error != TopicError::kOk) return error;
  if (HasWildcard(topic)) return TopicError::kWildcardInName;
  return TopicError::kOk;
}

TopicError CheckTopicFilter(std::string_view filter) {
  if (const TopicError error = CheckCommon(filter); error != TopicError::kOk) return error;
  TopicLevels levels(filter);
  std::string_view level;
  while (levels.Next(&level)) {
    if (level.find('#') != std::string_view::npos) {
      if (level != "#" || !levels.done()) return TopicError::kMisplacedHash;
    } else if (level.find('+') != std::string_view::npos && level != "+") {
      return TopicError::kMisplacedPlus;
    }
  }
  return TopicError::kOk;
}

absl::Status ValidateTopicName(std::string_view topic) {
  return ToStatus(CheckTopicName(topic), "topic name", topic);
}

absl::Status ValidateTopicFilter(std::string_view filter) {
  return ToStatus(CheckTopicFilter(filter), "topic filter", filter);
}

bool TopicMatches(std::string_view filter, std::string_view topic) {
  if (filter.empty() || topic.empty()) return false;
  // MQTT 4.7.2: a leading wildcard never matches a topic that starts with '$'.
  if (topic.front() == '$' && (filter.front() == '+' || filter.front() == '#')) return false;
  TopicLevels filter_levels(filter);
  TopicLevels topic_levels(topic);
  std::string_view f;
  std::string_view t;
  while (filter_levels.Next(&f)) {
    if (f == "#") {
      // Zero or more trailing levels: whatever is left of the topic, if it is a name.
      return filter_levels.done() && !HasWildcard(topic_levels.rest());
    }
    if (!topic_levels.Next(&t)) return false;  // the filter wants more levels
    if (f == "+") {
      if (HasWildcard(t)) return false;
    } else if (f != t || HasWildcard(f)) {
      return false;
    }
  }
  return !topic_levels.Next(&t);  // the topic must have no levels left over
}

bool FilterCoveredBy(std::string_view pattern, std::string_view filter) {
  if (pattern.empty() || filter.empty()) return false;
  TopicLevels pattern_levels(pattern);
  TopicLevels filter_levels(filter);
  std::string_view p;
  std::string_view f;
  for (bool first = true;; first = false) {
    const bool has_p = pattern_levels.Next(&p);
    const bool has_f = filter_levels.Next(&f);
    if (!has_p) return !has_f;
    if (p == "#") {
      if (!pattern_levels.done()) return false;
      if (!has_f) return true;  // "a/#" covers "a"
      if (first && f.starts_with('$')) return false;
      // The rest of the filter, whatever it is, if its wildcards are well placed.
      for (;;) {
        if (!IsWellFormedLevel(f) || (f == "#" && !filter_levels.done())) return false;
        if (!filter_levels.Next(&f)) return true;
      }
    }
    if (!has_f) return false;  // the pattern needs a level the filter may not have
    if (p == "+") {
      if (f == "#") {
        // "#" reaches every topic with one level or more except '$' ones, and so does
        // "+/#" - but only at the first level: "a/#" matches "a", "a/+/#" does not.
        return first && filter_levels.done() && pattern_levels.Next(&p) && p == "#" &&
               pattern_levels.done();
      }
      if (!IsWellFormedLevel(f) || (first && f.starts_with('$'))) return false;
    } else if (p != f || HasWildcard(p)) {
      return false;  // a literal covers only the same literal
    }
  }
}

std::string_view StripSharedSubscription(std::string_view filter) {
  constexpr std::string_view kQueue = "$queue/";
  constexpr std::string_view kShare = "$share/";
  if (filter.starts_with(kQueue)) {
    const std::string_view rest = filter.substr(kQueue.size());
    return rest.empty() ? filter : rest;
  }
  if (!filter.starts_with(kShare)) return filter;
  const std::string_view after = filter.substr(kShare.size());
  const std::size_t slash = after.find('/');
  if (slash == 0 || slash == std::string_view::npos) return filter;
  if (HasWildcard(after.substr(0, slash))) return filter;
  const std::string_view rest = after.substr(slash + 1);
  return rest.empty() ? filter : rest;
}

}  // namespace iothub::acl
