#include "registry/user_directory.h"

#include <gtest/gtest.h>

#include "registry_fixture.h"

namespace iothub::registry {
namespace {

using UserDirectoryTest = RegistryTest;

bool LooksLikeUuidV4(const std::string& id) {
  if (id.size() != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-') {
    return false;
  }
  return id[14] == '4' && (id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
}

// A new user gets a UUIDv4 id, balance 0, the default plan, and an audit row.
TEST_F(UserDirectoryTest, CreateUserDefaults) {
  auto user = users().CreateUser({.email = "Alice@Example.com",
                                  .name = "Alice",
                                  .role = Role::kAdmin,
                                  .subject = "kc-123",
                                  .avatar = "https://example.com/a.png",
                                  .metadata_json = R"({"team": "ops"})"},
                                 kActor);
  ASSERT_OK(user);
  EXPECT_TRUE(LooksLikeUuidV4(user->id)) << user->id;
  EXPECT_EQ(user->balance_cents, 0);
  EXPECT_EQ(user->plan, "free");
  EXPECT_EQ(user->role, Role::kAdmin);
  EXPECT_EQ(user->metadata_json, R"({"team":"ops"})");
  EXPECT_EQ(users().GetUser(user->id)->email, "Alice@Example.com");
  EXPECT_EQ(users().GetUserBySubject("kc-123")->id, user->id);
  EXPECT_EQ(users().GetUserByEmail("alice@example.com")->id, user->id);
  auto audit = store_->ListAudit(1);
  ASSERT_OK(audit);
  EXPECT_EQ((*audit)[0].action, "user.create");
  EXPECT_EQ((*audit)[0].target, user->id);

  auto other = users().CreateUser({.email = "b@example.com", .name = "Bob"}, kActor);
  ASSERT_OK(other);
  EXPECT_NE(other->id, user->id);
}

// Bad emails, names, subjects, avatars, plans and metadata are refused; nothing written.
TEST_F(UserDirectoryTest, ValidationRefusesAndWritesNothing) {
  const NewUser cases[] = {
      {.email = "no-at-sign", .name = "Name"},
      {.email = "a@b@c", .name = "Name"},
      {.email = "@example.com", .name = "Name"},
      {.email = "a@", .name = "Name"},
      {.email = "a b@example.com", .name = "Name"},
      {.email = "x'@example.com", .name = "Name"},
      {.email = "a@example.com", .name = "A"},
      {.email = "a@example.com", .name = std::string(101, 'n')},
      {.email = "a@example.com", .name = "Bad\nName"},
      {.email = "a@example.com", .name = "\xff\xfe"},
      {.email = "a@example.com", .name = "Name", .subject = ""},
      {.email = "a@example.com", .name = "Name", .avatar = "javascript:alert(1)"},
      {.email = "a@example.com", .name = "Name", .plan = "platinum"},
      {.email = "a@example.com", .name = "Name", .metadata_json = "[1,2]"},
      {.email = "a@example.com", .name = "Name", .metadata_json = "{broken"},
  };
  for (const NewUser& input : cases) {
    SCOPED_TRACE(input.email + " / " + input.name);
    EXPECT_EQ(users().CreateUser(input, kActor).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(UserCount(), 0);
  EXPECT_EQ(AuditCount(), 0);
  EXPECT_EQ(changes_, 0);
  // Names count characters, not bytes: two accented letters are a valid name.
  EXPECT_OK(users().CreateUser({.email = "a@example.com", .name = "\xc3\xa9\xc3\xa9"}, kActor));
}

// Taken emails (case-insensitively) and subjects are AlreadyExists.
TEST_F(UserDirectoryTest, DuplicatesRefused) {
  ASSERT_OK(users().CreateUser({.email = "a@example.com", .name = "Ann", .subject = "s1"}, kActor));
  auto same_email = users().CreateUser({.email = "A@EXAMPLE.COM", .name = "Ann"}, kActor);
  EXPECT_EQ(same_email.status().code(), absl::StatusCode::kAlreadyExists);
  auto same_subject =
      users().CreateUser({.email = "b@example.com", .name = "Bo", .subject = "s1"}, kActor);
  EXPECT_EQ(same_subject.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(UserCount(), 1);
}

// The balance is set from a strict decimal string into exact cents.
TEST_F(UserDirectoryTest, SetBalance) {
  const User user = MakeUser("a@example.com");
  auto set = users().SetBalance(user.id, "12.5", kActor);
  ASSERT_OK(set);
  EXPECT_EQ(set->balance_cents, 1250);
  EXPECT_EQ(users().GetUser(user.id)->balance_cents, 1250);
  const std::int64_t audit_before = AuditCount();
  EXPECT_EQ(users().SetBalance(user.id, "-1", kActor).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(users().SetBalance(user.id, "1.234", kActor).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(users().GetUser(user.id)->balance_cents, 1250);
  EXPECT_EQ(AuditCount(), audit_before);
  EXPECT_EQ(users().SetBalance("missing", "1", kActor).status().code(),
            absl::StatusCode::kNotFound);
}

// Plans must be configured; an expiry must be in the future; expiry can be cleared.
TEST_F(UserDirectoryTest, SetPlan) {
  const User user = MakeUser("a@example.com");
  const UnixMillis later = clock_.NowUnixMillis() + 86'400'000;
  auto pro = users().SetPlan(user.id, "pro", later, kActor);
  ASSERT_OK(pro);
  EXPECT_EQ(pro->plan, "pro");
  EXPECT_EQ(pro->plan_expires_at, later);
  auto unknown = users().SetPlan(user.id, "gold", std::nullopt, kActor);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("configured plans: free, pro"),
            absl::string_view::npos);
  EXPECT_EQ(users().SetPlan(user.id, "pro", clock_.NowUnixMillis() - 1, kActor).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto forever = users().SetPlan(user.id, "pro", std::nullopt, kActor);
  ASSERT_OK(forever);
  EXPECT_FALSE(forever->plan_expires_at.has_value());
}

// A patch changes only the given fields, bumps updated_at, and validates them.
TEST_F(UserDirectoryTest, UpdateUserPatch) {
  const User user = MakeUser("a@example.com");
  clock_.Advance(std::chrono::seconds(5));
  auto updated = users().UpdateUser(
      user.id, {.name = "New Name", .role = Role::kAdmin, .metadata_json = R"({"k":1})"}, kActor);
  ASSERT_OK(updated);
  EXPECT_EQ(updated->name, "New Name");
  EXPECT_EQ(updated->role, Role::kAdmin);
  EXPECT_EQ(updated->email, "a@example.com");
  EXPECT_EQ(updated->metadata_json, R"({"k":1})");
  EXPECT_EQ(updated->updated_at, user.created_at + 5000);
  EXPECT_EQ(updated->created_at, user.created_at);

  ASSERT_OK(users().UpdateUser(user.id, {.avatar = "https://x.example/a.png"}, kActor));
  auto cleared = users().UpdateUser(user.id, {.avatar = ""}, kActor);
  ASSERT_OK(cleared);
  EXPECT_FALSE(cleared->avatar.has_value());

  EXPECT_EQ(users().UpdateUser(user.id, {.name = "x"}, kActor).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(users().GetUser(user.id)->name, "New Name");
}

// A user who owns devices cannot be deleted; after unbinding it can.
TEST_F(UserDirectoryTest, DeleteRefusedWhileOwningDevices) {
  const User user = MakeUser("a@example.com");
  ASSERT_OK(devices().CreateDevice({.id = "d1"}, kActor));
  ASSERT_OK(devices().BindDevice("d1", user.id, kActor));
  absl::Status refused = users().DeleteUser(user.id, kActor);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("still owns 1 device(s)"), absl::string_view::npos) << refused;
  ASSERT_OK(devices().UnbindDevice("d1", kActor));
  EXPECT_OK(users().DeleteUser(user.id, kActor));
  EXPECT_EQ(users().GetUser(user.id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(users().DeleteUser(user.id, kActor).code(), absl::StatusCode::kNotFound);
}

// Hostile user ids are refused before any lookup.
TEST_F(UserDirectoryTest, HostileUserIds) {
  for (const std::string id : {"x'; DROP TABLE users;--", "a/b", "+", "#", "\"", ""}) {
    EXPECT_EQ(users().GetUser(id).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(users().SetBalance(id, "1", kActor).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(users().DeleteUser(id, kActor).code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(AuditCount(), 0);
}

// Listing pages through users in creation order with the total.
TEST_F(UserDirectoryTest, ListUsers) {
  for (int i = 0; i < 3; ++i) {
    MakeUser("u" + std::to_string(i) + "@example.com");
    clock_.Advance(std::chrono::milliseconds(1));
  }
  auto page = users().ListUsers({.page = 2, .limit = 2});
  ASSERT_OK(page);
  EXPECT_EQ(page->total, 3);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].email, "u2@example.com");
}

}  // namespace
}  // namespace iothub::registry
