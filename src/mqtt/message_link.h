// MessageLink: what CommandService needs from the broker connection: whether it is up,
// and a way to publish. BrokerLink is the real one; tests and other callers may supply
// their own. Implementations must be thread-safe: both methods are called from many
// threads at once.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace iothub::mqtt {

class MessageLink {
 public:
  virtual ~MessageLink() = default;

  // True while the link is connected to the broker and its subscriptions are in place.
  virtual bool connected() const = 0;

  // Publishes one message (not retained). OK means the client accepted it for sending
  // on the current connection; it does not wait for the broker's PUBACK. Unavailable
  // while disconnected; InvalidArgument for a topic or payload the protocol refuses.
  // Never blocks on the network.
  virtual absl::Status Publish(std::string_view topic, std::string_view payload, int qos) = 0;
};

}  // namespace iothub::mqtt
