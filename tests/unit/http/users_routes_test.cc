// /api/users: every endpoint with the admin token, an admin JWT and user JWTs.
#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

using UsersRoutesTest = ApiTest;

// Admins list users with paging; the total counts every user.
TEST_F(UsersRoutesTest, AdminListsUsersWithPaging) {
  Answer answer = Get("/api/users?page=1&limit=2", AdminToken());
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(answer.body["total"], 3);
  EXPECT_EQ(answer.body["page"], 1);
  EXPECT_EQ(answer.body["limit"], 2);
  EXPECT_EQ(answer.body["users"].size(), 2u);
  EXPECT_EQ(Get("/api/users", AdminJwt()).body["limit"], 10);
}

// A user may not list users.
TEST_F(UsersRoutesTest, UserCannotListUsers) {
  Answer answer = Get("/api/users", Alice());
  EXPECT_EQ(answer.status, 403);
  EXPECT_EQ(Code(answer), "permission_denied");
}

// Paging out of range is 400 naming the parameter.
TEST_F(UsersRoutesTest, BadPagingIs400) {
  for (const char* query : {"page=0", "limit=0", "limit=101", "page=abc", "limit=5x", "page=-1"}) {
    Answer answer = Get(std::string("/api/users?") + query, AdminToken());
    EXPECT_EQ(answer.status, 400) << query;
    EXPECT_EQ(answer.body["error"]["details"].size(), 1u) << query;
  }
}

// A user reads themself but not another user.
TEST_F(UsersRoutesTest, UserReadsOnlyThemself) {
  Answer own = Get("/api/users/" + alice_.id, Alice());
  ASSERT_EQ(own.status, 200) << own.text;
  EXPECT_EQ(own.body["email"], "alice@example.com");
  EXPECT_EQ(own.body["userId"], "sub-alice");
  EXPECT_EQ(own.body["balance"], "0.00");
  EXPECT_EQ(Get("/api/users/" + bob_.id, Alice()).status, 403);
  EXPECT_EQ(Get("/api/users/" + bob_.id, AdminJwt()).status, 200);
  EXPECT_EQ(Get("/api/users/no-such-user", AdminJwt()).status, 404);
}

// An admin creates a user (201); duplicates are 409 and bad fields 400 with details.
TEST_F(UsersRoutesTest, AdminCreatesUser) {
  json body{{"email", "carol@example.com"},
            {"name", "Carol"},
            {"userId", "sub-carol"},
            {"plan", "pro"},
            {"metadata", {{"team", "a"}}}};
  Answer made = Post("/api/users", AdminToken(), body);
  ASSERT_EQ(made.status, 201) << made.text;
  EXPECT_EQ(made.body["plan"], "pro");
  EXPECT_EQ(made.body["metadata"]["team"], "a");
  EXPECT_EQ(made.body["role"], "user");
  const StoreCounts before = Counts();
  EXPECT_EQ(Post("/api/users", AdminToken(), body).status, 409);
  Answer bad = Post("/api/users", AdminToken(),
                    {{"email", "not-an-email"}, {"name", "x"}, {"role", "root"}});
  EXPECT_EQ(bad.status, 400);
  std::set<std::string> fields;
  for (const json& d : bad.body["error"]["details"]) fields.insert(d["field"]);
  EXPECT_EQ(fields, (std::set<std::string>{"email", "name", "role"}));
  EXPECT_EQ(Counts(), before);
}

// Users may not create users.
TEST_F(UsersRoutesTest, UserCannotCreateUser) {
  const StoreCounts before = Counts();
  EXPECT_EQ(Post("/api/users", Alice(), {{"email", "x@example.com"}, {"name", "Xx"}}).status, 403);
  EXPECT_EQ(Counts(), before);
}

// A user changes their own name but not their role, email or subject, nor anyone else.
TEST_F(UsersRoutesTest, UserPatchesOwnNameOnly) {
  Answer renamed = Patch("/api/users/" + alice_.id, Alice(), {{"name", "Alice A."}});
  ASSERT_EQ(renamed.status, 200) << renamed.text;
  EXPECT_EQ(renamed.body["name"], "Alice A.");
  const StoreCounts before = Counts();
  EXPECT_EQ(Patch("/api/users/" + alice_.id, Alice(), {{"role", "admin"}}).status, 403);
  EXPECT_EQ(Patch("/api/users/" + alice_.id, Alice(), {{"email", "a@b.c"}}).status, 403);
  EXPECT_EQ(Patch("/api/users/" + bob_.id, Alice(), {{"name", "Hacked"}}).status, 403);
  EXPECT_EQ(Patch("/api/users/" + alice_.id, Alice(), json::object()).status, 400);
  EXPECT_EQ(Counts(), before);
}

// An admin changes role, avatar (null clears) and metadata.
TEST_F(UsersRoutesTest, AdminPatchesUser) {
  Answer answer = Patch("/api/users/" + bob_.id, AdminJwt(),
                        {{"role", "admin"}, {"avatar", "https://example.com/b.png"}});
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_EQ(answer.body["role"], "admin");
  EXPECT_EQ(answer.body["avatar"], "https://example.com/b.png");
  answer = Patch("/api/users/" + bob_.id, AdminJwt(), {{"avatar", nullptr}});
  ASSERT_EQ(answer.status, 200) << answer.text;
  EXPECT_TRUE(answer.body["avatar"].is_null());
}

// Delete is admin-only, 204, and refused (409) while the user owns devices.
TEST_F(UsersRoutesTest, DeleteUser) {
  MakeDevice("bobs-device", bob_.id);
  EXPECT_EQ(Delete("/api/users/" + alice_.id, Alice()).status, 403);
  Answer refused = Delete("/api/users/" + bob_.id, AdminToken());
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.body["error"]["message"].get<std::string>().find("unbind"), std::string::npos);
  Answer deleted = Delete("/api/users/" + alice_.id, AdminToken());
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.text.empty());
  EXPECT_EQ(Get("/api/users/" + alice_.id, AdminToken()).status, 404);
}

// Balance takes a decimal string or number; bad amounts are 400 naming "amount".
TEST_F(UsersRoutesTest, SetBalance) {
  Answer set = Patch("/api/users/" + alice_.id + "/balance", AdminToken(), {{"amount", "12.5"}});
  ASSERT_EQ(set.status, 200) << set.text;
  EXPECT_EQ(set.body["balance"], "12.50");
  set = Patch("/api/users/" + alice_.id + "/balance", AdminToken(), {{"amount", 7.25}});
  EXPECT_EQ(set.body["balance"], "7.25");
  const StoreCounts before = Counts();
  for (json amount : {json("-1"), json("1.234"), json(-3), json(true), json("1e3")}) {
    Answer bad = Patch("/api/users/" + alice_.id + "/balance", AdminToken(), {{"amount", amount}});
    EXPECT_EQ(bad.status, 400) << amount;
    EXPECT_EQ(bad.body["error"]["details"][0]["field"], "amount") << amount;
  }
  EXPECT_EQ(Patch("/api/users/" + alice_.id + "/balance", Alice(), {{"amount", "99"}}).status, 403);
  EXPECT_EQ(Counts(), before);
}

// Plan with and without expiry; unknown plans and past expiries are 400.
TEST_F(UsersRoutesTest, SetPlan) {
  Answer set = Patch("/api/users/" + alice_.id + "/plan", AdminToken(),
                     {{"plan", "pro"}, {"expiresAt", "2999-01-01T00:00:00Z"}});
  ASSERT_EQ(set.status, 200) << set.text;
  EXPECT_EQ(set.body["plan"], "pro");
  EXPECT_EQ(set.body["planExpiresAt"], "2999-01-01T00:00:00.000Z");
  const StoreCounts before = Counts();
  EXPECT_EQ(Patch("/api/users/" + alice_.id + "/plan", AdminToken(), {{"plan", "gold"}}).status,
            400);
  Answer past = Patch("/api/users/" + alice_.id + "/plan", AdminToken(),
                      {{"plan", "pro"}, {"expiresAt", "2001-01-01T00:00:00Z"}});
  EXPECT_EQ(past.status, 400);
  EXPECT_EQ(past.body["error"]["details"][0]["field"], "expiresAt");
  EXPECT_EQ(Patch("/api/users/" + alice_.id + "/plan", AdminToken(),
                  {{"plan", "pro"}, {"expiresAt", "tomorrow"}})
                .status,
            400);
  EXPECT_EQ(Counts(), before);
}

}  // namespace
}  // namespace iothub::http::testing
