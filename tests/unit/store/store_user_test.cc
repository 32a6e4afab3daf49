// Users in every Store backend: CRUD, unique email/subject, paging, the delete rule.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace iothub::store {
namespace {

using UserTest = StoreContractTest;

// A created user reads back field for field, by id, email and subject.
TEST_P(UserTest, CreateAndGetRoundTrip) {
  User u = MakeUser("u1", "alice@example.com", "idp|alice", 1111);
  u.name = "Alice";
  u.avatar = "https://example.com/a.png";
  u.role = Role::kAdmin;
  u.balance_cents = 12345;
  u.plan = "pro";
  u.plan_expires_at = 9999;
  u.metadata_json = R"({"team":"x"})";
  u.updated_at = 2222;
  ASSERT_OK(store_->CreateUser(u));
  for (auto got : {store_->GetUser("u1"), store_->GetUserByEmail("alice@example.com"),
                   store_->GetUserBySubject("idp|alice")}) {
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->id, "u1");
    EXPECT_EQ(got->subject, "idp|alice");
    EXPECT_EQ(got->email, "alice@example.com");
    EXPECT_EQ(got->name, "Alice");
    EXPECT_EQ(got->avatar, u.avatar);
    EXPECT_EQ(got->role, Role::kAdmin);
    EXPECT_EQ(got->balance_cents, 12345);
    EXPECT_EQ(got->plan, "pro");
    EXPECT_EQ(got->plan_expires_at, std::optional<UnixMillis>(9999));
    EXPECT_EQ(got->metadata_json, u.metadata_json);
    EXPECT_EQ(got->created_at, 1111);
    EXPECT_EQ(got->updated_at, 2222);
  }
  EXPECT_CODE(store_->GetUser("u2"), kNotFound);
  EXPECT_CODE(store_->GetUserByEmail("bob@example.com"), kNotFound);
  EXPECT_CODE(store_->GetUserBySubject(""), kNotFound);
}

// Email lookups and uniqueness ignore ASCII case.
TEST_P(UserTest, EmailIsCaseInsensitive) {
  ASSERT_OK(store_->CreateUser(MakeUser("u1", "Alice@Example.com")));
  ASSERT_OK_AND_ASSIGN(User got, store_->GetUserByEmail("alice@example.COM"));
  EXPECT_EQ(got.id, "u1");
  EXPECT_EQ(got.email, "Alice@Example.com");  // stored as given
  EXPECT_CODE(store_->CreateUser(MakeUser("u2", "ALICE@example.com")), kAlreadyExists);
  // Only ASCII letters fold: É and é are different characters here.
  ASSERT_OK(store_->CreateUser(MakeUser("u3", "Émile@example.com")));
  EXPECT_OK(store_->CreateUser(MakeUser("u4", "émile@example.com")));
  ASSERT_OK_AND_ASSIGN(User emile, store_->GetUserByEmail("émile@example.com"));
  EXPECT_EQ(emile.id, "u4");
}

// Taken id, email or subject is AlreadyExists and writes nothing; empty subjects never
// collide.
TEST_P(UserTest, UniqueViolations) {
  ASSERT_OK(store_->CreateUser(MakeUser("u1", "a@x.com", "sub-a")));
  EXPECT_CODE(store_->CreateUser(MakeUser("u1", "other@x.com")), kAlreadyExists);
  EXPECT_CODE(store_->CreateUser(MakeUser("u2", "a@x.com")), kAlreadyExists);
  EXPECT_CODE(store_->CreateUser(MakeUser("u3", "c@x.com", "sub-a")), kAlreadyExists);
  EXPECT_EQ(store_->CountUsers().value(), 1);
  ASSERT_OK(store_->CreateUser(MakeUser("u4", "d@x.com", "")));
  ASSERT_OK(store_->CreateUser(MakeUser("u5", "e@x.com", "")));
  EXPECT_EQ(store_->CountUsers().value(), 3);
  EXPECT_EQ(store_->GetUser("u4")->subject, "");
  // An update that would take another user's email is refused too.
  User u4 = store_->GetUser("u4").value();
  u4.email = "a@x.com";
  EXPECT_CODE(store_->UpdateUser(u4), kAlreadyExists);
  EXPECT_EQ(store_->GetUser("u4")->email, "d@x.com");
}

// The schema rejects a negative balance and an unknown role never reaches it.
TEST_P(UserTest, NegativeBalanceIsInvalid) {
  User u = MakeUser("u1", "a@x.com");
  u.balance_cents = -1;
  EXPECT_CODE(store_->CreateUser(u), kInvalidArgument);
}

// UpdateUser replaces everything but id and created_at.
TEST_P(UserTest, UpdateReplacesRow) {
  ASSERT_OK(store_->CreateUser(MakeUser("u1", "a@x.com", "sub", 10)));
  User u = MakeUser("u1", "new@x.com", "", 77);
  u.role = Role::kAdmin;
  u.plan = "pro";
  u.balance_cents = 500;
  u.updated_at = 88;
  ASSERT_OK(store_->UpdateUser(u));
  ASSERT_OK_AND_ASSIGN(User got, store_->GetUser("u1"));
  EXPECT_EQ(got.email, "new@x.com");
  EXPECT_EQ(got.subject, "");
  EXPECT_EQ(got.role, Role::kAdmin);
  EXPECT_EQ(got.plan, "pro");
  EXPECT_EQ(got.balance_cents, 500);
  EXPECT_EQ(got.created_at, 10);
  EXPECT_EQ(got.updated_at, 88);
  EXPECT_CODE(store_->GetUserBySubject("sub"), kNotFound);
  EXPECT_CODE(store_->UpdateUser(MakeUser("ghost", "g@x.com")), kNotFound);
}

// Paging walks (created_at, id) order; CountUsers counts all.
TEST_P(UserTest, ListPagesAndCounts) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_OK(store_->CreateUser(
        MakeUser("u" + std::to_string(i), "u" + std::to_string(i) + "@x.com", "", 100 - i)));
  }
  ASSERT_OK_AND_ASSIGN(auto page, store_->ListUsers(2, 3));
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(page[0].id, "u4");
  EXPECT_EQ(page[1].id, "u3");
  EXPECT_EQ(page[2].id, "u2");
  EXPECT_EQ(store_->ListUsers(6, 10)->size(), 1u);
  EXPECT_EQ(store_->ListUsers(7, 10)->size(), 0u);
  EXPECT_EQ(store_->CountUsers().value(), 7);
}

// Delete rule: refused while the user owns devices; allowed once they are unbound.
TEST_P(UserTest, DeleteRefusedWhileOwningDevices) {
  ASSERT_OK(store_->CreateUser(MakeUser("u1", "a@x.com")));
  ASSERT_OK(store_->CreateDevice(MakeDevice("dev-1", 1, "u1")));
  EXPECT_CODE(store_->DeleteUser("u1"), kFailedPrecondition);
  EXPECT_OK(store_->GetUser("u1"));

  ASSERT_OK(store_->UpdateDevice(MakeDevice("dev-1", 1)));  // unbind
  ASSERT_OK(store_->DeleteUser("u1"));
  EXPECT_CODE(store_->GetUser("u1"), kNotFound);
  EXPECT_CODE(store_->DeleteUser("u1"), kNotFound);
}

// Hostile strings survive in every text column of users.
TEST_P(UserTest, HostileStringsRoundTrip) {
  const std::string v = "'); DELETE FROM users; --\"é🚀 {a,\"b\"} $1";
  User u = MakeUser("u1", v, v);
  u.name = v;
  u.avatar = v;
  u.plan = v;
  u.metadata_json = v;
  ASSERT_OK(store_->CreateUser(u));
  ASSERT_OK_AND_ASSIGN(User got, store_->GetUserBySubject(v));
  EXPECT_EQ(got.email, v);
  EXPECT_EQ(got.name, v);
  EXPECT_EQ(got.avatar, std::optional<std::string>(v));
  EXPECT_EQ(got.plan, v);
  EXPECT_EQ(got.metadata_json, v);
  ASSERT_OK_AND_ASSIGN(User by_email, store_->GetUserByEmail(v));
  EXPECT_EQ(by_email.id, "u1");
}

INSTANTIATE_STORE_CONTRACT(UserTest);

}  // namespace
}  // namespace iothub::store
