// ReplyWaiters: the commands waiting for their device's reply, by request id. A
// command registers its id before publishing (so a fast reply cannot be missed), the
// network thread takes the waiter when the reply arrives and fulfils it, and a command
// that gives up cancels its entry; exactly one of Take and Cancel wins.
//
// Thread-safe: one mutex around a hash map; critical sections are a lookup.
#pragma once

#include <chrono>
#include <cstddef>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/string_hash.h"

namespace iothub::mqtt {

// A device's reply, as handed to the waiting command.
struct Reply {
  nlohmann::json result;  // the `result` object, or null
  nlohmann::json error;   // the `error` object, or null
  UnixMillis received_at = 0;
  std::chrono::steady_clock::time_point received;
};

class ReplyWaiters {
 public:
  // Registers `id` for a reply on the response topic of (user_id, device_id). The
  // future becomes ready once a reply is delivered through Take(). AlreadyExists when
  // the id is registered already.
  absl::StatusOr<std::future<Reply>> Register(std::string id, std::string user_id,
                                              std::string device_id);

  // Removes and returns the waiter for `id` when it is registered for this user and
  // device; nullopt otherwise (an unknown, late, repeated or misrouted reply). The
  // caller fulfils the promise.
  std::optional<std::promise<Reply>> Take(std::string_view id, std::string_view user_id,
                                          std::string_view device_id);

  // Removes `id`; false when Take() got it first (its future is then about to be
  // ready) or it was never registered.
  bool Cancel(std::string_view id);

  std::size_t size() const;

 private:
  struct Waiter {
    std::string user_id;
    std::string device_id;
    std::promise<Reply> promise;
  };
  mutable std::mutex mutex_;
  StringMap<Waiter> waiters_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace iothub::mqtt
