// MakeBrokerNotifier: turns the [emqx] config into the notifier the hub calls
// unconditionally. Thread-safe (no shared state).
#pragma once

#include <absl/status/statusor.h>

#include <memory>

#include "common/metrics.h"
#include "emqx/broker_admin_options.h"
#include "emqx/broker_notifier.h"

namespace iothub::emqx {

// NullBrokerNotifier when api_url is empty, else a started EmqxBrokerAdmin (which
// stops when destroyed). InvalidArgument on bad options: a start-up error.
// `metrics` may be null; otherwise it must outlive the notifier.
absl::StatusOr<std::unique_ptr<BrokerNotifier>> MakeBrokerNotifier(BrokerAdminOptions options,
                                                                   Metrics* metrics);

}  // namespace iothub::emqx
