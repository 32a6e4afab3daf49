// AclRulesView: the access policy in force on this hub (configured rules, then the
// database rules), rebuilt off the hot path when the rules change and swapped
// atomically; client.authorize reads it through policy() without locking, and a
// policy stays alive while a call still uses it.
//
// When it reloads:
//  - Reload(): at once, on the caller's thread. Start-up calls it, and so does this
//    hub's AclRuleBook after each of its own commits (on_change), so an admin's change
//    through this hub applies before the HTTP answer.
//  - Refresh(): when the store's DataVersion moved (a commit by another connection:
//    the CLI, or another hub on PostgreSQL, which NOTIFYs) or the last reload failed.
//    The housekeeper calls it every tick (200 ms), so such changes apply within about
//    a second.
// A reload swaps only a newer rule version in, so concurrent reloads never go back.
//
// Failure policy: a failed reload keeps the policy in force (rules that were committed
// and valid; nothing is dropped), is logged once per streak and retried at the next
// Refresh().
//
// Thread-safety: thread-safe. The book and the store must outlive the view.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "acl/acl_policy.h"
#include "common/snapshot_cell.h"
#include "registry/acl_rule_book.h"
#include "store/store.h"

namespace iothub::registry {

class AclRulesView {
 public:
  AclRulesView(AclRuleBook& book, store::Store& store) : book_(book), store_(store) {}

  // Loads the rules now and swaps a newer policy in. Blocks for the load; on error
  // keeps the current policy and returns the error.
  absl::Status Reload();

  // Reloads when another connection committed since the last look, or the last
  // reload failed. Blocks for the load, if any.
  void Refresh();

  // The policy in force; never null (no rules at all before the first Reload).
  std::shared_ptr<const acl::AclPolicy> policy() const { return cell_.Load(); }
  // The database rules' version of policy() (-1 before the first Reload).
  std::int64_t version() const { return version_.load(); }

 private:
  AclRuleBook& book_;
  store::Store& store_;
  SnapshotCell<acl::AclPolicy> cell_;
  std::atomic<std::int64_t> version_{-1};

  std::mutex mu_;  // one reload at a time; never held by readers
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<std::int64_t> data_version_ ABSL_GUARDED_BY(mu_);  // at the last load
};

}  // namespace iothub::registry
