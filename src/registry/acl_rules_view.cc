#include "registry/acl_rules_view.h"

#include <spdlog/spdlog.h>

namespace iothub::registry {

absl::Status AclRulesView::Reload() {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<LoadedAclPolicy> loaded = book_.LoadPolicy();
  if (!loaded.ok()) {
    if (!failing_) {
      spdlog::error("access rules reload failed, keeping the rules in force: {}",
                    loaded.status().ToString());
    }
    failing_ = true;
    return loaded.status();
  }
  if (failing_) spdlog::info("access rules reloaded after failures");
  failing_ = false;
  if (loaded->version > version_.load()) {
    cell_.Store(std::move(loaded->policy));
    version_.store(loaded->version);
    spdlog::info("access rules in force: version {}, {} rules ({} from the configuration)",
                 loaded->version, cell_.Load()->rules().size(), book_.config_rule_count());
  }
  return absl::OkStatus();
}

void AclRulesView::Refresh() {
  absl::StatusOr<std::int64_t> data_version = store_.DataVersion();
  {
    std::lock_guard<std::mutex> lock(mu_);
    const bool moved = data_version.ok() && data_version_ != *data_version;
    if (!moved && !failing_) return;
    // Taken before the load: a commit during the load is seen again next time.
    if (data_version.ok()) data_version_ = *data_version;
  }
  Reload().IgnoreError();  // logged by Reload
}

}  // namespace iothub::registry
