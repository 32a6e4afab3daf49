// Fuzzes MQTT topic name and filter checks, matching, filter coverage and the ACL rule
// trie. Input: "<filter>\n<topic>". Besides crashes it checks properties that must hold
// for any valid input, so a wrong match aborts too.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "acl/acl_rule.h"
#include "acl/rule_trie.h"
#include "acl/topic.h"

namespace {

using iothub::acl::TopicError;

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\n');
  const std::string_view filter = input.substr(0, split);
  const std::string_view topic = split == input.npos ? input : input.substr(split + 1);

  const bool filter_ok = iothub::acl::CheckTopicFilter(filter) == TopicError::kOk;
  const bool topic_ok = iothub::acl::CheckTopicName(topic) == TopicError::kOk;
  const bool topic_as_filter_ok = iothub::acl::CheckTopicFilter(topic) == TopicError::kOk;
  (void)iothub::acl::ValidateTopicFilter(filter);
  (void)iothub::acl::StripSharedSubscription(filter);
  // Unchecked input must not crash matching either (the functions return false).
  const bool matches = iothub::acl::TopicMatches(filter, topic);
  const bool covered = iothub::acl::FilterCoveredBy(filter, topic);

  if (topic_ok) Require(topic_as_filter_ok);  // every name is also a filter
  if (filter_ok && topic_ok) {
    Require(iothub::acl::TopicMatches(topic, topic));  // a name matches itself
    // A filter covering the name as a one-topic filter matches it, and vice versa
    // (for names that do not start with '$', which wildcards leave alone).
    Require(covered == matches);
  }
  if (filter_ok && topic_as_filter_ok) {
    Require(iothub::acl::FilterCoveredBy(filter, filter));
    if (covered) {
      // Coverage is what the ACL relies on for SUBSCRIBE: `filter` covering `topic`
      // (as a filter) means every name `topic` matches, `filter` matches too.
      if (topic_ok) Require(matches);
    }
  }

  // The trie must agree with TopicMatches / FilterCoveredBy for a rule without
  // placeholders (ParseAclRule refuses invalid patterns and misplaced "${").
  const auto rule = iothub::acl::ParseAclRule(
      {.effect = "allow", .who = "user", .action = "all", .pattern = filter});
  if (rule.ok()) {
    const iothub::acl::RuleTrie trie({*rule});
    const iothub::acl::PlaceholderValues values;
    const bool has_placeholder = filter.find("${") != filter.npos;
    if (topic_ok) {
      const bool found =
          trie.FindFirst(iothub::PrincipalKind::kUser, iothub::acl::Action::kPublish, topic, values)
              .has_value();
      if (!has_placeholder) Require(found == matches);
    }
    if (topic_as_filter_ok) {
      const bool found = trie.FindFirst(iothub::PrincipalKind::kUser,
                                        iothub::acl::Action::kSubscribe, topic, values)
                             .has_value();
      if (!has_placeholder) Require(found == covered);
    }
  }
  return 0;
}
