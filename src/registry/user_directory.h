// UserDirectory: the hub's users (contract section 5): create, read, list, update,
// delete, balance and plan.
//
// Every mutation validates all of its input first, then runs in ONE store transaction
// together with its audit row; nothing is written on error. InvalidArgument for
// malformed input, NotFound for an unknown user, AlreadyExists for a taken email or
// subject, FailedPrecondition for a delete refused because the user still owns devices.
//
// Thread-safety: thread-safe (see RegistryContext).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "model/user.h"
#include "registry/paging.h"
#include "registry/registry_context.h"

namespace iothub::registry {

// Input of CreateUser.
struct NewUser {
  std::string email{};
  std::string name{};  // 2-100 characters
  Role role = Role::kUser;
  std::optional<std::string> subject{};  // the identity provider's `sub`, 1-255 characters
  std::optional<std::string> avatar{};   // an http(s) URL
  std::string plan = "free";             // a configured plan
  std::string metadata_json = "{}";      // a JSON object, at most 16 KiB
};

// Input of UpdateUser: fields left empty stay as they are. An empty `avatar` string
// clears the avatar.
struct UserPatch {
  std::optional<std::string> email{};
  std::optional<std::string> name{};
  std::optional<Role> role{};
  std::optional<std::string> subject{};
  std::optional<std::string> avatar{};
  std::optional<std::string> metadata_json{};
};

class UserDirectory {
 public:
  static constexpr std::string_view kCreateAction = "user.create";
  static constexpr std::string_view kUpdateAction = "user.update";
  static constexpr std::string_view kDeleteAction = "user.delete";
  static constexpr std::string_view kBalanceAction = "user.set_balance";
  static constexpr std::string_view kPlanAction = "user.set_plan";
  static constexpr std::size_t kMaxMetadataBytes = 16 * 1024;

  explicit UserDirectory(const RegistryContext& context) : context_(context) {}

  // A new user with a random UUIDv4 id, balance 0.
  absl::StatusOr<User> CreateUser(const NewUser& user, std::string_view actor);

  absl::StatusOr<User> GetUser(std::string_view id);
  absl::StatusOr<User> GetUserByEmail(std::string_view email);
  absl::StatusOr<User> GetUserBySubject(std::string_view subject);
  absl::StatusOr<Page<User>> ListUsers(const PageRequest& request);

  absl::StatusOr<User> UpdateUser(std::string_view id, const UserPatch& patch,
                                  std::string_view actor);

  // Refused (FailedPrecondition) while the user owns devices.
  absl::Status DeleteUser(std::string_view id, std::string_view actor);

  // Sets the balance to `amount`, a decimal string (see ParseAmountCents).
  absl::StatusOr<User> SetBalance(std::string_view id, std::string_view amount,
                                  std::string_view actor);

  // Moves the user to the configured plan `plan`, until `expires_at` (which must be in
  // the future) or for good.
  absl::StatusOr<User> SetPlan(std::string_view id, std::string_view plan,
                               std::optional<UnixMillis> expires_at, std::string_view actor);

 private:
  // Applies `change` to the stored user in one transaction, bumps updated_at and
  // appends the audit row {action, details}.
  absl::StatusOr<User> Modify(std::string_view id, std::string_view action,
                              const nlohmann::json& details, std::string_view actor,
                              const std::function<absl::Status(User&)>& change);

  RegistryContext context_;
};

// Validation shared with the HTTP API's request parsing.
absl::Status CheckUserName(std::string_view name);
absl::Status CheckSubject(std::string_view subject);
// The compact form of `json_text` when it is a JSON object of at most 16 KiB.
absl::StatusOr<std::string> CanonicalMetadata(std::string_view json_text);

}  // namespace iothub::registry
