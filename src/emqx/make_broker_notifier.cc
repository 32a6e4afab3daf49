#include "emqx/make_broker_notifier.h"

#include <utility>

#include "emqx/emqx_broker_admin.h"

namespace iothub::emqx {

absl::StatusOr<std::unique_ptr<BrokerNotifier>> MakeBrokerNotifier(BrokerAdminOptions options,
                                                                   Metrics* metrics) {
  if (options.api_url.empty()) return std::make_unique<NullBrokerNotifier>();
  auto admin = EmqxBrokerAdmin::Create(std::move(options), metrics);
  if (!admin.ok()) return admin.status();
  return std::unique_ptr<BrokerNotifier>(*std::move(admin));
}

}  // namespace iothub::emqx
