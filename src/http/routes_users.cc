// Routes of /api/users (contract sections 5 and 6). An admin manages every user; a
// user may read and patch only themself, and may not change their own email, role or
// userId (subject), which decide who they are and what they may do. Listing,
// creating, deleting, balance and plan are admin-only.
#include "http/json_body.h"
#include "http/request_params.h"
#include "http/route_table.h"
#include "model/plan.h"
#include "registry/input_checks.h"
#include "registry/json_views.h"
#include "registry/money.h"
#include "registry/time_format.h"
#include "registry/user_directory.h"

namespace iothub::http {
namespace {

using nlohmann::json;

// Adds the problem of `status` (when not OK) to `problems` under `field`.
void Collect(std::vector<FieldProblem>& problems, const char* field, const absl::Status& status) {
  if (!status.ok()) problems.push_back({field, StatusMessage(status)});
}

// The checks of the user fields present in `body` (the registry repeats them; doing
// them here names every bad field at once).
std::vector<FieldProblem> CheckUserFields(const json& body) {
  std::vector<FieldProblem> problems;
  if (auto email = OptionalString(body, "email")) {
    Collect(problems, "email", registry::CheckEmail(*email));
  }
  if (auto name = OptionalString(body, "name")) {
    Collect(problems, "name", registry::CheckUserName(*name));
  }
  if (auto subject = OptionalString(body, "userId")) {
    Collect(problems, "userId", registry::CheckSubject(*subject));
  }
  if (auto avatar = OptionalString(body, "avatar"); avatar && !avatar->empty()) {
    Collect(problems, "avatar", registry::CheckUrl("avatar", *avatar));
  }
  if (auto role = OptionalString(body, "role"); role && !ParseRole(*role)) {
    problems.push_back({"role", "must be 'admin' or 'user'"});
  }
  return problems;
}

Reply UserOr(const absl::StatusOr<User>& user, int status = 200) {
  if (!user.ok()) return ErrorReply(ErrorFromStatus(user.status()));
  return JsonReply(status, registry::UserToJson(*user));
}

// The path's user id after the access check: `admin_only`, or admin-or-self.
Result<std::string> TargetUser(const RequestContext& request, bool admin_only) {
  const std::string& id = request.path.at("id");
  if (auto bad = CheckPathId("id", id)) return *bad;
  const Caller& caller = *request.caller;
  if (admin_only ? !caller.admin : !caller.MayActFor(id)) {
    return Forbidden(admin_only ? "only an admin may do this"
                                : "you may only see and change your own user");
  }
  return id;
}

Reply ListUsers(ApiContext& context, const RequestContext& request) {
  Result<registry::PageRequest> paging = ParsePaging(request.query);
  if (!paging.ok()) return ErrorReply(paging.error());
  absl::StatusOr<registry::Page<User>> page = context.registry.users().ListUsers(*paging);
  if (!page.ok()) return ErrorReply(ErrorFromStatus(page.status()));
  return JsonReply(200, registry::UserPageToJson(*page));
}

Reply GetUser(ApiContext& context, const RequestContext& request) {
  Result<std::string> id = TargetUser(request, /*admin_only=*/false);
  if (!id.ok()) return ErrorReply(id.error());
  return UserOr(context.registry.users().GetUser(*id));
}

Reply CreateUser(ApiContext& context, const RequestContext& request) {
  const json& body = request.body;
  std::vector<FieldProblem> problems = CheckUserFields(body);
  if (auto plan = OptionalString(body, "plan");
      plan && FindPlan(context.registry.plans(), *plan) == nullptr) {
    problems.push_back({"plan", "no configured plan is called " + registry::Quote(*plan)});
  }
  if (!problems.empty()) return ErrorReply(BadRequest("invalid user", std::move(problems)));
  registry::NewUser user;
  user.email = *OptionalString(body, "email");
  user.name = *OptionalString(body, "name");
  if (auto role = OptionalString(body, "role")) user.role = *ParseRole(*role);
  user.subject = OptionalString(body, "userId");
  if (auto avatar = OptionalString(body, "avatar"); avatar && !avatar->empty()) {
    user.avatar = *avatar;
  }
  if (auto plan = OptionalString(body, "plan")) user.plan = *plan;
  if (body.contains("metadata") && body["metadata"].is_object()) {
    user.metadata_json = body["metadata"].dump();
  }
  return UserOr(context.registry.users().CreateUser(user, request.caller->actor), 201);
}

Reply PatchUser(ApiContext& context, const RequestContext& request) {
  Result<std::string> id = TargetUser(request, /*admin_only=*/false);
  if (!id.ok()) return ErrorReply(id.error());
  const json& body = request.body;
  if (!request.caller->admin) {
    for (const char* field : {"email", "role", "userId"}) {
      if (body.contains(field)) {
        return ErrorReply(Forbidden(std::string("only an admin may change ") + field));
      }
    }
  }
  std::vector<FieldProblem> problems = CheckUserFields(body);
  if (!problems.empty()) return ErrorReply(BadRequest("invalid user", std::move(problems)));
  registry::UserPatch patch;
  patch.email = OptionalString(body, "email");
  patch.name = OptionalString(body, "name");
  if (auto role = OptionalString(body, "role")) patch.role = ParseRole(*role);
  patch.subject = OptionalString(body, "userId");
  if (body.contains("avatar")) patch.avatar = OptionalString(body, "avatar").value_or("");
  if (body.contains("metadata") && body["metadata"].is_object()) {
    patch.metadata_json = body["metadata"].dump();
  }
  if (!patch.email && !patch.name && !patch.role && !patch.subject && !patch.avatar &&
      !patch.metadata_json) {
    return ErrorReply(BadRequest("the body names no field to change"));
  }
  return UserOr(context.registry.users().UpdateUser(*id, patch, request.caller->actor));
}

Reply DeleteUser(ApiContext& context, const RequestContext& request) {
  Result<std::string> id = TargetUser(request, /*admin_only=*/true);
  if (!id.ok()) return ErrorReply(id.error());
  absl::Status deleted = context.registry.users().DeleteUser(*id, request.caller->actor);
  if (!deleted.ok()) return ErrorReply(ErrorFromStatus(deleted));
  return NoContent();
}

Reply SetBalance(ApiContext& context, const RequestContext& request) {
  Result<std::string> id = TargetUser(request, /*admin_only=*/true);
  if (!id.ok()) return ErrorReply(id.error());
  const std::string amount = *OptionalDecimal(request.body, "amount");
  if (absl::StatusOr<std::int64_t> cents = registry::ParseAmountCents(amount); !cents.ok()) {
    return ErrorReply(ErrorFromStatus(cents.status(), "amount"));
  }
  return UserOr(context.registry.users().SetBalance(*id, amount, request.caller->actor));
}

Reply SetPlan(ApiContext& context, const RequestContext& request) {
  Result<std::string> id = TargetUser(request, /*admin_only=*/true);
  if (!id.ok()) return ErrorReply(id.error());
  const std::string plan = *OptionalString(request.body, "plan");
  if (FindPlan(context.registry.plans(), plan) == nullptr) {
    return ErrorReply(FieldError("plan", "no configured plan is called " + registry::Quote(plan)));
  }
  std::optional<UnixMillis> expires_at;
  if (auto text = OptionalString(request.body, "expiresAt")) {
    absl::StatusOr<UnixMillis> parsed = registry::ParseIso8601(*text);
    if (!parsed.ok()) return ErrorReply(ErrorFromStatus(parsed.status(), "expiresAt"));
    expires_at = *parsed;
  }
  absl::StatusOr<User> user =
      context.registry.users().SetPlan(*id, plan, expires_at, request.caller->actor);
  if (absl::IsInvalidArgument(user.status()) && expires_at) {
    return ErrorReply(ErrorFromStatus(user.status(), "expiresAt"));
  }
  return UserOr(user);
}

const std::vector<QueryParam> kPaging = {{"page", "page number, >= 1 (default 1)"},
                                         {"limit", "items per page, 1-100 (default 10)"}};

std::vector<FieldSpec> UserFields(bool create) {
  return {{"email", FieldType::kString, create, "unique email address"},
          {"name", FieldType::kString, create, "2-100 characters"},
          {"role", FieldType::kString, false, "'admin' or 'user' (default user)"},
          {"userId", FieldType::kString, false, "the identity provider's subject (sub)"},
          {"avatar", create ? FieldType::kString : FieldType::kNullableString, false,
           "http(s) URL; null or \"\" clears it"},
          {"metadata", FieldType::kObject, false, "free JSON object, at most 16 KiB"}};
}

}  // namespace

std::vector<Route> UserRoutes() {
  std::vector<FieldSpec> create_fields = UserFields(true);
  create_fields.push_back({"plan", FieldType::kString, false, "a configured plan (default free)"});
  const ResponseSpec user{200, "the user", "User"};
  return {
      {Method::kGet,
       "/api/users",
       "List users (admin)",
       "users",
       Access::kAdmin,
       std::nullopt,
       kPaging,
       {{200, "a page of users", "UserPage"}},
       ListUsers},
      {Method::kPost,
       "/api/users",
       "Create a user (admin)",
       "users",
       Access::kAdmin,
       BodySchema{create_fields},
       {},
       {{201, "the new user", "User"}},
       CreateUser},
      {Method::kGet,
       "/api/users/{id}",
       "Get a user (admin, or the user themself)",
       "users",
       Access::kCaller,
       std::nullopt,
       {},
       {user},
       GetUser},
      {Method::kPatch,
       "/api/users/{id}",
       "Update a user (admin; a user may change their own name, avatar, metadata)",
       "users",
       Access::kCaller,
       BodySchema{UserFields(false)},
       {},
       {user},
       PatchUser},
      {Method::kDelete,
       "/api/users/{id}",
       "Delete a user that owns no devices (admin)",
       "users",
       Access::kAdmin,
       std::nullopt,
       {},
       {{204, "deleted", ""}},
       DeleteUser},
      {Method::kPatch,
       "/api/users/{id}/balance",
       "Set a user's balance (admin)",
       "users",
       Access::kAdmin,
       BodySchema{{{"amount", FieldType::kStringOrNumber, true,
                    "new balance, >= 0 with at most two decimals (\"12.50\")"}}},
       {},
       {user},
       SetBalance},
      {Method::kPatch,
       "/api/users/{id}/plan",
       "Set a user's plan (admin)",
       "users",
       Access::kAdmin,
       BodySchema{{{"plan", FieldType::kString, true, "a configured plan"},
                   {"expiresAt", FieldType::kNullableString, false,
                    "ISO 8601 time in the future; null or absent: no expiry"}}},
       {},
       {user},
       SetPlan},
  };
}

}  // namespace iothub::http
