// AclExplainer: "may this principal publish to / subscribe this topic, and why?" for
// broker admins (POST /api/acl/explain, `iot-hub acl explain`). Resolves the principal
// as the hub knows it, then decides with acl::Explain -- AclPolicy::Check, the hook's
// own code. A principal named by
//  - clientid: the live session of that clientid on this hub (who authenticate
//    admitted), so the answer is exactly what the next authorize would get;
//  - device id: the device as it would connect (clientid = its id, its current owner);
//  - user id: the user (an admin if their role is admin) without a clientid, so rules
//    with ${clientid} do not apply; ask by clientid for a connected app.
//
// Thread-safe when its sources are (the fleet getter and the session lookup).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "acl/acl_policy.h"
#include "acl/explanation.h"
#include "model/fleet_snapshot.h"
#include "model/principal.h"

namespace iothub::acl {

enum class ExplainSubject { kClientId, kDevice, kUser };

struct ExplainQuery {
  ExplainSubject subject = ExplainSubject::kDevice;
  std::string id;  // the clientid, device id or user id
  Action action = Action::kPublish;
  std::string topic;
};

struct ExplainAnswer {
  Principal principal;  // as resolved
  Explanation explanation;
};

class AclExplainer {
 public:
  using FleetGetter = std::function<std::shared_ptr<const FleetSnapshot>()>;
  // The policy in force (rules change at runtime); never null.
  using PolicyGetter = std::function<std::shared_ptr<const AclPolicy>()>;
  // The live session of a clientid, or nullptr.
  using SessionLookup = std::function<std::shared_ptr<const Principal>(std::string_view)>;

  // `sessions` may be empty (the CLI has none): then a query by clientid is
  // FailedPrecondition.
  AclExplainer(PolicyGetter policy, FleetGetter fleet, SessionLookup sessions = {})
      : policy_(std::move(policy)), fleet_(std::move(fleet)), sessions_(std::move(sessions)) {}
  // A fixed policy, which must outlive the explainer.
  AclExplainer(const AclPolicy& policy, FleetGetter fleet, SessionLookup sessions = {})
      : AclExplainer(
            [&policy] {
              return std::shared_ptr<const AclPolicy>(std::shared_ptr<void>(), &policy);
            },
            std::move(fleet), std::move(sessions)) {}

  // NotFound for an unknown device or user, or a clientid without a session.
  absl::StatusOr<ExplainAnswer> Explain(const ExplainQuery& query) const;

 private:
  absl::StatusOr<Principal> Resolve(const ExplainQuery& query, const FleetSnapshot& fleet) const;

  PolicyGetter policy_;
  FleetGetter fleet_;
  SessionLookup sessions_;
};

}  // namespace iothub::acl
