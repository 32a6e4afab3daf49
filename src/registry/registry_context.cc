#include "registry/registry_context.h"

#include "registry/input_checks.h"

namespace iothub::registry {

absl::Status CheckActor(std::string_view actor) {
  bool ok = !actor.empty() && actor.size() <= 128;
  for (char c : actor) {
    if (c < 0x20 || c >= 0x7f) ok = false;
  }
  if (!ok) return absl::InvalidArgumentError("invalid actor " + Quote(actor));
  return absl::OkStatus();
}

absl::Status CommitChange(const RegistryContext& context,
                          const std::function<absl::Status(store::Store&)>& body) {
  absl::Status status = context.store.RunInTransaction(body);
  if (status.ok() && context.on_change) context.on_change();
  return status;
}

store::AuditEntry MakeAudit(UnixMillis at, std::string_view actor, std::string_view action,
                            std::string_view target, const nlohmann::json& details) {
  store::AuditEntry entry;
  entry.at = at;
  entry.actor = std::string(actor);
  entry.action = std::string(action);
  entry.target = std::string(target);
  entry.details_json = details.dump();
  return entry;
}

}  // namespace iothub::registry
