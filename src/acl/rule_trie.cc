#include "acl/rule_trie.h"

#include <algorithm>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>

#include "acl/topic_levels.h"
#include "common/string_hash.h"

namespace iothub::acl {
namespace {

constexpr std::uint32_t kNoRule = UINT32_MAX;

constexpr std::size_t SlotOf(PrincipalKind kind, Action action) {
  return static_cast<std::size_t>(kind) * 2 + (action == Action::kSubscribe ? 1 : 0);
}

// Calls f(slot) for every (kind, action) slot that `rule` applies to.
template <typename F>
void ForEachSlot(const AclRule& rule, F f) {
  for (PrincipalKind kind : {PrincipalKind::kDevice, PrincipalKind::kUser, PrincipalKind::kAdmin,
                             PrincipalKind::kService}) {
    const bool who_ok = rule.who == Who::kAny ||
                        (rule.who == Who::kDevice && kind == PrincipalKind::kDevice) ||
                        (rule.who == Who::kUser && kind == PrincipalKind::kUser) ||
                        (rule.who == Who::kAdmin && kind == PrincipalKind::kAdmin) ||
                        (rule.who == Who::kService && kind == PrincipalKind::kService);
    if (!who_ok) continue;
    if (rule.action != RuleAction::kSubscribe) f(SlotOf(kind, Action::kPublish));
    if (rule.action != RuleAction::kPublish) f(SlotOf(kind, Action::kSubscribe));
  }
}

}  // namespace

struct RuleTrie::Node {
  Node() {
    end.fill(kNoRule);
    hash.fill(kNoRule);
  }

  StringMap<std::unique_ptr<Node>> literal;
  std::unique_ptr<Node> plus;
  std::array<std::unique_ptr<Node>, kPlaceholderCount> placeholder;
  Slots end;   // lowest rule whose pattern ends at this node, per slot
  Slots hash;  // lowest rule whose pattern ends with '#' right below this node, per slot
};

namespace {

// One lookup: a depth-first walk that follows every trie branch able to cover the
// current level and keeps the lowest rule index found. Branches per node are bounded
// (one literal, '+', four placeholders), and depth by the deepest pattern.
class Walker {
 public:
  Walker(std::size_t slot, const PlaceholderValues& values) : slot_(slot), values_(values) {}

  void Visit(const RuleTrie::Node& node, TopicLevels levels, bool at_root) {
    std::string_view level;
    const bool has_level = levels.Next(&level);
    // At the first level, '$' topics are out of reach of wildcards and placeholders.
    const bool dollar = at_root && level.starts_with('$');
    // "x/#" covers whatever follows x, including nothing ("a/#" covers "a").
    if (!dollar) Offer(node.hash[slot_]);
    if (!has_level) {
      Offer(node.end[slot_]);
      return;
    }
    if (level == "#") {
      // Only '#' covers '#', and at the first level so does "+/#" (see FilterCoveredBy).
      if (at_root && node.plus) Offer(node.plus->hash[slot_]);
      return;
    }
    if (node.plus && !dollar) Visit(*node.plus, levels, false);
    if (level == "+") return;  // a literal or a placeholder cannot cover '+'
    if (auto it = node.literal.find(level); it != node.literal.end()) {
      Visit(*it->second, levels, false);
    }
    for (std::size_t i = 0; i < kPlaceholderCount; ++i) {
      if (!node.placeholder[i] || dollar) continue;
      const std::string_view value = values_.Get(static_cast<Placeholder>(i));
      if (!value.empty() && value == level) Visit(*node.placeholder[i], levels, false);
    }
  }

  std::uint32_t best() const { return best_; }

 private:
  void Offer(std::uint32_t rule) { best_ = std::min(best_, rule); }

  const std::size_t slot_;
  const PlaceholderValues& values_;
  std::uint32_t best_ = kNoRule;
};

}  // namespace

RuleTrie::RuleTrie(std::vector<AclRule> rules)
    : rules_(std::move(rules)), root_(std::make_unique<Node>()) {
  for (std::uint32_t i = 0; i < rules_.size(); ++i) {
    const AclRule& rule = rules_[i];
    Node* node = root_.get();
    Slots* target = &node->end;
    TopicLevels levels(rule.pattern);
    std::string_view level;
    while (levels.Next(&level)) {
      if (level == "#") {
        target = &node->hash;
        break;
      }
      std::unique_ptr<Node>* child;
      if (level == "+") {
        child = &node->plus;
      } else if (const std::optional<Placeholder> p = ParsePlaceholder(level)) {
        child = &node->placeholder[static_cast<std::size_t>(*p)];
      } else {
        auto it = node->literal.find(level);
        if (it == node->literal.end()) it = node->literal.emplace(level, nullptr).first;
        child = &it->second;
      }
      if (!*child) *child = std::make_unique<Node>();
      node = child->get();
      target = &node->end;
    }
    // Rules are added in index order, so the first one stored in a slot is the lowest.
    ForEachSlot(rule, [&](std::size_t slot) {
      if ((*target)[slot] == kNoRule) (*target)[slot] = i;
      slot_used_[slot] = true;
    });
  }
}

RuleTrie::~RuleTrie() = default;
RuleTrie::RuleTrie(RuleTrie&&) noexcept = default;
RuleTrie& RuleTrie::operator=(RuleTrie&&) noexcept = default;

std::optional<std::size_t> RuleTrie::FindFirst(PrincipalKind kind, Action action,
                                               std::string_view topic,
                                               const PlaceholderValues& values) const {
  const std::size_t slot = SlotOf(kind, action);
  if (!root_ || slot >= kSlotCount || !slot_used_[slot]) return std::nullopt;
  Walker walker(slot, values);
  walker.Visit(*root_, TopicLevels(topic), /*at_root=*/true);
  if (walker.best() == kNoRule) return std::nullopt;
  return walker.best();
}

}  // namespace iothub::acl
