#include "acl/explainer.h"

namespace iothub::acl {

absl::StatusOr<Principal> AclExplainer::Resolve(const ExplainQuery& query,
                                                const FleetSnapshot& fleet) const {
  switch (query.subject) {
    case ExplainSubject::kClientId: {
      if (!sessions_) {
        return absl::FailedPreconditionError(
            "sessions are known to the running hub only: ask its HTTP API, or name a device "
            "or user");
      }
      std::shared_ptr<const Principal> session = sessions_(query.id);
      if (session == nullptr) {
        return absl::NotFoundError("no session for clientid " + query.id + " on this hub");
      }
      return *session;
    }
    case ExplainSubject::kDevice: {
      const DeviceRecord* device = fleet.FindDevice(query.id);
      if (device == nullptr) return absl::NotFoundError("no device " + query.id);
      Principal principal;
      principal.kind = PrincipalKind::kDevice;
      principal.id = device->id;
      principal.owner_id = device->owner_id;
      principal.clientid = device->id;
      return principal;
    }
    case ExplainSubject::kUser: {
      const UserRecord* user = fleet.FindUser(query.id);
      if (user == nullptr) return absl::NotFoundError("no user " + query.id);
      Principal principal;
      principal.kind = user->role == Role::kAdmin ? PrincipalKind::kAdmin : PrincipalKind::kUser;
      principal.id = user->id;
      principal.username = "jwt";
      return principal;
    }
  }
  return absl::InvalidArgumentError("unknown subject");
}

absl::StatusOr<ExplainAnswer> AclExplainer::Explain(const ExplainQuery& query) const {
  const std::shared_ptr<const FleetSnapshot> fleet = fleet_();
  absl::StatusOr<Principal> principal = Resolve(query, *fleet);
  if (!principal.ok()) return principal.status();
  ExplainAnswer answer{*std::move(principal), {}};
  const std::shared_ptr<const AclPolicy> policy = policy_();
  answer.explanation = acl::Explain(*policy, answer.principal, query.action, query.topic, *fleet);
  return answer;
}

}  // namespace iothub::acl
