// Access rules in every Store backend (schema v4): dense positions through insert,
// move and delete, verbatim text, versions, and the one-claimant cache clear.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/status_macros.h"
#include "store_fixture.h"

namespace iothub::store {
namespace {

StoredAclRule MakeRule(std::string id, std::int64_t position, std::string topic = "a/b") {
  return StoredAclRule{.id = std::move(id),
                       .position = position,
                       .effect = "deny",
                       .who = "device",
                       .action = "publish",
                       .topic = std::move(topic),
                       .description = "",
                       .created_at = 100,
                       .updated_at = 100,
                       .updated_by = "admin"};
}

// The ids in position order, after checking that positions are 0..n-1.
std::vector<std::string> Order(Store& store) {
  absl::StatusOr<StoredAclRules> listed = store.ListAclRules();
  EXPECT_TRUE(listed.ok()) << listed.status();
  std::vector<std::string> ids;
  if (!listed.ok()) return ids;
  for (std::size_t i = 0; i < listed->rules.size(); ++i) {
    EXPECT_EQ(listed->rules[i].position, static_cast<std::int64_t>(i));
    ids.push_back(listed->rules[i].id);
  }
  return ids;
}

using AclRuleStoreTest = StoreContractTest;

// Inserting at the end, the front and the middle keeps positions dense and ordered.
TEST_P(AclRuleStoreTest, InsertAtPositions) {
  EXPECT_TRUE(Order(*store_).empty());
  ASSERT_OK(store_->InsertAclRule(MakeRule("r1", 0)));
  ASSERT_OK(store_->InsertAclRule(MakeRule("r2", 1)));
  ASSERT_OK(store_->InsertAclRule(MakeRule("r0", 0)));
  ASSERT_OK(store_->InsertAclRule(MakeRule("mid", 2)));
  EXPECT_EQ(Order(*store_), (std::vector<std::string>{"r0", "r1", "mid", "r2"}));
  EXPECT_CODE(store_->InsertAclRule(MakeRule("far", 5)), kInvalidArgument);
  EXPECT_CODE(store_->InsertAclRule(MakeRule("neg", -1)), kInvalidArgument);
  EXPECT_CODE(store_->InsertAclRule(MakeRule("r1", 0)), kAlreadyExists);
  EXPECT_EQ(Order(*store_), (std::vector<std::string>{"r0", "r1", "mid", "r2"}));
}

// Moves up and down shift the rules between; deleting closes the gap.
TEST_P(AclRuleStoreTest, MoveAndDelete) {
  for (int i = 0; i < 4; ++i)
    ASSERT_OK(store_->InsertAclRule(MakeRule("r" + std::to_string(i), i)));
  ASSERT_OK(store_->MoveAclRule("r0", 3, 500, "alice"));
  EXPECT_EQ(Order(*store_), (std::vector<std::string>{"r1", "r2", "r3", "r0"}));
  ASSERT_OK(store_->MoveAclRule("r3", 0, 600, "bob"));
  EXPECT_EQ(Order(*store_), (std::vector<std::string>{"r3", "r1", "r2", "r0"}));
  ASSERT_OK_AND_ASSIGN(StoredAclRule moved, store_->GetAclRule("r3"));
  EXPECT_EQ(moved.updated_at, 600);
  EXPECT_EQ(moved.updated_by, "bob");
  EXPECT_EQ(moved.created_at, 100);
  EXPECT_CODE(store_->MoveAclRule("r3", 4, 700, "bob"), kInvalidArgument);
  EXPECT_CODE(store_->MoveAclRule("ghost", 0, 700, "bob"), kNotFound);
  ASSERT_OK(store_->DeleteAclRule("r1"));
  EXPECT_EQ(Order(*store_), (std::vector<std::string>{"r3", "r2", "r0"}));
  EXPECT_CODE(store_->DeleteAclRule("r1"), kNotFound);
  EXPECT_CODE(store_->GetAclRule("r1"), kNotFound);
}

// Text that looks like SQL, placeholders and non-ASCII are stored and read verbatim.
TEST_P(AclRuleStoreTest, TextIsStoredVerbatim) {
  StoredAclRule rule = MakeRule("x'; DROP TABLE acl_rules; --", 0,
                                "users/${user_id}/devices/${device_id}/'); DELETE FROM users;--");
  rule.description = "Robert'); DROP TABLE devices;-- \"quoted\" $1 ?1 %s ünïcode";
  ASSERT_OK(store_->InsertAclRule(rule));
  ASSERT_OK_AND_ASSIGN(StoredAclRule got, store_->GetAclRule(rule.id));
  EXPECT_EQ(got.topic, rule.topic);
  EXPECT_EQ(got.description, rule.description);
  EXPECT_EQ(got.effect, "deny");
  EXPECT_EQ(got.who, "device");
  EXPECT_EQ(got.action, "publish");
  EXPECT_EQ(Order(*store_), (std::vector<std::string>{rule.id}));
}

// Update replaces the text fields but keeps id, position and created_at.
TEST_P(AclRuleStoreTest, UpdateKeepsIdentity) {
  ASSERT_OK(store_->InsertAclRule(MakeRule("r0", 0)));
  ASSERT_OK(store_->InsertAclRule(MakeRule("r1", 1)));
  StoredAclRule changed = MakeRule("r1", 0, "c/#");
  changed.effect = "allow";
  changed.who = "any";
  changed.action = "all";
  changed.description = "now allowed";
  changed.created_at = 999;
  changed.updated_at = 300;
  changed.updated_by = "carol";
  ASSERT_OK(store_->UpdateAclRule(changed));
  ASSERT_OK_AND_ASSIGN(StoredAclRule got, store_->GetAclRule("r1"));
  EXPECT_EQ(got.position, 1);
  EXPECT_EQ(got.created_at, 100);
  EXPECT_EQ(got.updated_at, 300);
  EXPECT_EQ(got.updated_by, "carol");
  EXPECT_EQ(got.topic, "c/#");
  EXPECT_EQ(got.effect, "allow");
  EXPECT_EQ(got.description, "now allowed");
  changed.id = "ghost";
  EXPECT_CODE(store_->UpdateAclRule(changed), kNotFound);
}

// Values the schema refuses leave nothing behind.
TEST_P(AclRuleStoreTest, SchemaRefusesUnknownKeywords) {
  StoredAclRule rule = MakeRule("r0", 0);
  rule.effect = "permit";
  EXPECT_FALSE(store_->InsertAclRule(rule).ok());
  EXPECT_TRUE(Order(*store_).empty());
}

// Every change bumps the version; a failed one does not.
TEST_P(AclRuleStoreTest, VersionCountsChanges) {
  ASSERT_OK_AND_ASSIGN(StoredAclRules empty, store_->ListAclRules());
  const std::int64_t v0 = empty.version;
  ASSERT_OK(store_->InsertAclRule(MakeRule("r0", 0)));
  ASSERT_OK(store_->InsertAclRule(MakeRule("r1", 1)));
  ASSERT_OK(store_->MoveAclRule("r1", 0, 1, "a"));
  ASSERT_OK(store_->UpdateAclRule(MakeRule("r0", 0)));
  ASSERT_OK(store_->DeleteAclRule("r0"));
  EXPECT_CODE(store_->DeleteAclRule("r0"), kNotFound);
  ASSERT_OK_AND_ASSIGN(StoredAclRules after, store_->ListAclRules());
  EXPECT_EQ(after.version, v0 + 5);
}

// A change and its audit row commit together or not at all.
TEST_P(AclRuleStoreTest, ChangeAndAuditAreOneTransaction) {
  const absl::Status failed = store_->RunInTransaction([](Store& tx) {
    RETURN_IF_ERROR(tx.InsertAclRule(MakeRule("r0", 0)));
    return absl::AbortedError("the audit row could not be written");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_TRUE(Order(*store_).empty());
  ASSERT_OK(store_->RunInTransaction([](Store& tx) {
    RETURN_IF_ERROR(tx.InsertAclRule(MakeRule("r0", 0)));
    return tx.AppendAudit({.at = 1, .actor = "a", .action = "acl.rule.create", .target = "r0"});
  }));
  EXPECT_EQ(Order(*store_), (std::vector<std::string>{"r0"}));
}

// Of two stores on one database (two hubs), one claims a version's cache clear.
TEST_P(AclRuleStoreTest, OneClaimPerVersion) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> other, OpenAnother());
  ASSERT_OK(store_->InsertAclRule(MakeRule("r0", 0)));
  ASSERT_OK_AND_ASSIGN(StoredAclRules listed, other->ListAclRules());
  ASSERT_OK_AND_ASSIGN(bool first, store_->ClaimAclCacheClear(listed.version));
  ASSERT_OK_AND_ASSIGN(bool second, other->ClaimAclCacheClear(listed.version));
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  // A version that does not exist yet cannot be claimed.
  ASSERT_OK_AND_ASSIGN(bool future, other->ClaimAclCacheClear(listed.version + 1));
  EXPECT_FALSE(future);
  ASSERT_OK(store_->DeleteAclRule("r0"));
  ASSERT_OK_AND_ASSIGN(bool next, other->ClaimAclCacheClear(listed.version + 1));
  EXPECT_TRUE(next);
}

// Another process's rule change is seen through DataVersion.
TEST_P(AclRuleStoreTest, OtherWritersChangeDataVersion) {
  ASSERT_OK_AND_ASSIGN(std::int64_t before, store_->DataVersion());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> other, OpenAnother());
  ASSERT_OK(other->InsertAclRule(MakeRule("r0", 0)));
  bool changed = false;
  for (int i = 0; i < 100 && !changed; ++i) {  // PostgreSQL: the notification's round trip
    ASSERT_OK_AND_ASSIGN(std::int64_t now, store_->DataVersion());
    changed = now != before;
    if (!changed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(changed);
}

INSTANTIATE_STORE_CONTRACT(AclRuleStoreTest);

}  // namespace
}  // namespace iothub::store
