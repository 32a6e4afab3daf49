// RuleTrie: configured ACL rules compiled into a trie over their pattern levels, so that
// finding the first rule that applies costs O(levels of the topic), however many rules
// there are. Immutable after construction: any number of threads may call FindFirst
// concurrently.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "acl/acl_rule.h"
#include "acl/placeholder.h"
#include "model/principal.h"

namespace iothub::acl {

class RuleTrie {
 public:
  // `rules` should come from ParseAclRule (valid patterns of at most kMaxAclPatternLevels
  // levels, which bounds the recursion of FindFirst; placeholders as whole levels);
  // a level that is not a known placeholder is taken literally. Rule i keeps index i.
  explicit RuleTrie(std::vector<AclRule> rules = {});
  ~RuleTrie();
  RuleTrie(RuleTrie&&) noexcept;
  RuleTrie& operator=(RuleTrie&&) noexcept;

  // The index of the lowest-numbered rule that applies to a principal of `kind` doing
  // `action` on `topic` (PUBLISH: its pattern matches the topic name) or on a filter
  // (SUBSCRIBE: its pattern covers every topic the filter can match), or nullopt.
  // Placeholder levels match only the literal level equal to their value in `values`;
  // an empty (unset or unsafe) value matches nothing, and no placeholder matches a
  // first level that starts with '$'. Precondition: `topic` passed CheckTopicName
  // (publish) or CheckTopicFilter (subscribe). Never allocates.
  std::optional<std::size_t> FindFirst(PrincipalKind kind, Action action, std::string_view topic,
                                       const PlaceholderValues& values) const;

  const std::vector<AclRule>& rules() const { return rules_; }
  bool empty() const { return rules_.empty(); }

  // One slot per (principal kind, action) pair; each trie node keeps, per slot, the
  // lowest rule index that ends there, so the who/action filter costs nothing at lookup.
  static constexpr std::size_t kSlotCount = 4 * 2;
  using Slots = std::array<std::uint32_t, kSlotCount>;
  struct Node;

 private:
  std::vector<AclRule> rules_;
  std::unique_ptr<Node> root_;
  std::array<bool, kSlotCount> slot_used_{};  // skip the walk when no rule could apply
};

}  // namespace iothub::acl
