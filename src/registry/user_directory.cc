#include "registry/user_directory.h"

#include "common/json_parse.h"
#include "model/plan.h"
#include "registry/input_checks.h"
#include "registry/money.h"
#include "registry/time_format.h"
#include "registry/uuid.h"

namespace iothub::registry {
namespace {

using nlohmann::json;

absl::Status UserNotFound(std::string_view id) {
  return absl::NotFoundError("user " + std::string(id) + " not found");
}

absl::Status CheckPlanName(const std::vector<Plan>& plans, std::string_view plan) {
  if (FindPlan(plans, plan) != nullptr) return absl::OkStatus();
  std::string known;
  for (const Plan& p : plans) known += (known.empty() ? "" : ", ") + p.name;
  return absl::InvalidArgumentError("unknown plan " + Quote(plan) + "; configured plans: " + known);
}

// The store's AlreadyExists as a message naming what collided.
absl::Status Taken(const absl::Status& status, const User& user) {
  if (!absl::IsAlreadyExists(status)) return status;
  std::string what = "email " + user.email;
  if (!user.subject.empty()) what += " or subject " + Quote(user.subject);
  return absl::AlreadyExistsError("a user with " + what + " already exists");
}

}  // namespace

absl::Status CheckUserName(std::string_view name) { return CheckText("name", name, 2, 100); }

absl::Status CheckSubject(std::string_view subject) {
  return CheckText("subject", subject, 1, 255);
}

absl::StatusOr<std::string> CanonicalMetadata(std::string_view json_text) {
  if (json_text.size() > UserDirectory::kMaxMetadataBytes) {
    return absl::InvalidArgumentError("metadata must be at most " +
                                      std::to_string(UserDirectory::kMaxMetadataBytes) + " bytes");
  }
  absl::StatusOr<json> parsed = ParseJson(json_text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError("metadata: " + std::string(parsed.status().message()));
  }
  if (!parsed->is_object()) return absl::InvalidArgumentError("metadata must be a JSON object");
  return parsed->dump();
}

absl::StatusOr<User> UserDirectory::CreateUser(const NewUser& input, std::string_view actor) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (absl::Status s = CheckEmail(input.email); !s.ok()) return s;
  if (absl::Status s = CheckUserName(input.name); !s.ok()) return s;
  if (input.subject) {
    if (absl::Status s = CheckSubject(*input.subject); !s.ok()) return s;
  }
  if (input.avatar) {
    if (absl::Status s = CheckUrl("avatar", *input.avatar); !s.ok()) return s;
  }
  if (absl::Status s = CheckPlanName(context_.plans, input.plan); !s.ok()) return s;
  absl::StatusOr<std::string> metadata = CanonicalMetadata(input.metadata_json);
  if (!metadata.ok()) return metadata.status();
  absl::StatusOr<std::string> id = NewUuidV4();
  if (!id.ok()) return id.status();

  User user;
  user.id = *id;
  user.subject = input.subject.value_or("");
  user.email = input.email;
  user.name = input.name;
  user.avatar = input.avatar;
  user.role = input.role;
  user.plan = input.plan;
  user.metadata_json = *metadata;
  user.created_at = user.updated_at = context_.clock.NowUnixMillis();
  absl::Status status = CommitChange(context_, [&](store::Store& tx) -> absl::Status {
    if (absl::Status s = tx.CreateUser(user); !s.ok()) return Taken(s, user);
    return tx.AppendAudit(MakeAudit(user.created_at, actor, kCreateAction, user.id,
                                    json{{"email", user.email}, {"role", ToString(user.role)}}));
  });
  if (!status.ok()) return status;
  return user;
}

absl::StatusOr<User> UserDirectory::GetUser(std::string_view id) {
  if (absl::Status s = CheckId("user id", id); !s.ok()) return s;
  absl::StatusOr<User> user = context_.store.GetUser(id);
  if (absl::IsNotFound(user.status())) return UserNotFound(id);
  return user;
}

absl::StatusOr<User> UserDirectory::GetUserByEmail(std::string_view email) {
  if (absl::Status s = CheckEmail(email); !s.ok()) return s;
  absl::StatusOr<User> user = context_.store.GetUserByEmail(email);
  if (absl::IsNotFound(user.status())) {
    return absl::NotFoundError("no user with email " + std::string(email));
  }
  return user;
}

absl::StatusOr<User> UserDirectory::GetUserBySubject(std::string_view subject) {
  if (absl::Status s = CheckSubject(subject); !s.ok()) return s;
  absl::StatusOr<User> user = context_.store.GetUserBySubject(subject);
  if (absl::IsNotFound(user.status())) {
    return absl::NotFoundError("no user with subject " + Quote(subject));
  }
  return user;
}

absl::StatusOr<Page<User>> UserDirectory::ListUsers(const PageRequest& request) {
  absl::StatusOr<std::int64_t> offset = PageOffset(request);
  if (!offset.ok()) return offset.status();
  Page<User> page{.items = {}, .total = 0, .page = request.page, .limit = request.limit};
  absl::Status status = context_.store.RunInTransaction([&](store::Store& tx) -> absl::Status {
    absl::StatusOr<std::vector<User>> items = tx.ListUsers(*offset, request.limit);
    if (!items.ok()) return items.status();
    absl::StatusOr<std::int64_t> total = tx.CountUsers();
    if (!total.ok()) return total.status();
    page.items = *std::move(items);
    page.total = *total;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<User> UserDirectory::Modify(std::string_view id, std::string_view action,
                                           const json& details, std::string_view actor,
                                           const std::function<absl::Status(User&)>& change) {
  const UnixMillis now = context_.clock.NowUnixMillis();
  User user;
  absl::Status status = CommitChange(context_, [&](store::Store& tx) -> absl::Status {
    absl::StatusOr<User> current = tx.GetUser(id);
    if (absl::IsNotFound(current.status())) return UserNotFound(id);
    if (!current.ok()) return current.status();
    user = *std::move(current);
    if (absl::Status s = change(user); !s.ok()) return s;
    user.updated_at = now;
    if (absl::Status s = tx.UpdateUser(user); !s.ok()) return Taken(s, user);
    return tx.AppendAudit(MakeAudit(now, actor, action, user.id, details));
  });
  if (!status.ok()) return status;
  return user;
}

absl::StatusOr<User> UserDirectory::UpdateUser(std::string_view id, const UserPatch& patch,
                                               std::string_view actor) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (absl::Status s = CheckId("user id", id); !s.ok()) return s;
  json changed = json::array();
  if (patch.email) {
    if (absl::Status s = CheckEmail(*patch.email); !s.ok()) return s;
    changed.push_back("email");
  }
  if (patch.name) {
    if (absl::Status s = CheckUserName(*patch.name); !s.ok()) return s;
    changed.push_back("name");
  }
  if (patch.subject) {
    if (absl::Status s = CheckSubject(*patch.subject); !s.ok()) return s;
    changed.push_back("subject");
  }
  if (patch.avatar) {
    if (!patch.avatar->empty()) {
      if (absl::Status s = CheckUrl("avatar", *patch.avatar); !s.ok()) return s;
    }
    changed.push_back("avatar");
  }
  if (patch.role) changed.push_back("role");
  std::optional<std::string> metadata;
  if (patch.metadata_json) {
    absl::StatusOr<std::string> canonical = CanonicalMetadata(*patch.metadata_json);
    if (!canonical.ok()) return canonical.status();
    metadata = *std::move(canonical);
    changed.push_back("metadata");
  }
  json details{{"changed", changed}};
  if (patch.role) details["role"] = ToString(*patch.role);
  return Modify(id, kUpdateAction, details, actor, [&](User& user) {
    if (patch.email) user.email = *patch.email;
    if (patch.name) user.name = *patch.name;
    if (patch.subject) user.subject = *patch.subject;
    if (patch.avatar) {
      user.avatar = patch.avatar->empty() ? std::nullopt : patch.avatar;
    }
    if (patch.role) user.role = *patch.role;
    if (metadata) user.metadata_json = *metadata;
    return absl::OkStatus();
  });
}

absl::Status UserDirectory::DeleteUser(std::string_view id, std::string_view actor) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (absl::Status s = CheckId("user id", id); !s.ok()) return s;
  const UnixMillis now = context_.clock.NowUnixMillis();
  return CommitChange(context_, [&](store::Store& tx) -> absl::Status {
    absl::StatusOr<User> user = tx.GetUser(id);
    if (absl::IsNotFound(user.status())) return UserNotFound(id);
    if (!user.ok()) return user.status();
    absl::Status deleted = tx.DeleteUser(id);
    if (absl::IsFailedPrecondition(deleted)) {
      absl::StatusOr<std::int64_t> owned = tx.CountDevicesOwnedBy(id);
      return absl::FailedPreconditionError(
          "user " + std::string(id) + " still owns " +
          (owned.ok() ? std::to_string(*owned) : std::string("some")) +
          " device(s); unbind them first");
    }
    if (!deleted.ok()) return deleted;
    return tx.AppendAudit(MakeAudit(now, actor, kDeleteAction, id, json{{"email", user->email}}));
  });
}

absl::StatusOr<User> UserDirectory::SetBalance(std::string_view id, std::string_view amount,
                                               std::string_view actor) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (absl::Status s = CheckId("user id", id); !s.ok()) return s;
  absl::StatusOr<std::int64_t> cents = ParseAmountCents(amount);
  if (!cents.ok()) return cents.status();
  return Modify(id, kBalanceAction, json{{"balance", FormatCents(*cents)}}, actor, [&](User& user) {
    user.balance_cents = *cents;
    return absl::OkStatus();
  });
}

absl::StatusOr<User> UserDirectory::SetPlan(std::string_view id, std::string_view plan,
                                            std::optional<UnixMillis> expires_at,
                                            std::string_view actor) {
  if (absl::Status s = CheckActor(actor); !s.ok()) return s;
  if (absl::Status s = CheckId("user id", id); !s.ok()) return s;
  if (absl::Status s = CheckPlanName(context_.plans, plan); !s.ok()) return s;
  if (expires_at && *expires_at <= context_.clock.NowUnixMillis()) {
    return absl::InvalidArgumentError("plan expiry " + FormatIso8601(*expires_at) +
                                      " is not in the future");
  }
  json details{{"plan", plan}, {"expiresAt", nullptr}};
  if (expires_at) details["expiresAt"] = FormatIso8601(*expires_at);
  return Modify(id, kPlanAction, details, actor, [&](User& user) {
    user.plan = std::string(plan);
    user.plan_expires_at = expires_at;
    return absl::OkStatus();
  });
}

}  // namespace iothub::registry
