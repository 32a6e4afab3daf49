#include "mqtt/reply_waiters.h"

#include <utility>

namespace iothub::mqtt {

absl::StatusOr<std::future<Reply>> ReplyWaiters::Register(std::string id, std::string user_id,
                                                          std::string device_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, inserted] =
      waiters_.try_emplace(std::move(id), Waiter{std::move(user_id), std::move(device_id), {}});
  if (!inserted) return absl::AlreadyExistsError("request id already waiting");
  return it->second.promise.get_future();
}

std::optional<std::promise<Reply>> ReplyWaiters::Take(std::string_view id, std::string_view user_id,
                                                      std::string_view device_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return std::nullopt;
  if (it->second.user_id != user_id || it->second.device_id != device_id) return std::nullopt;
  std::promise<Reply> promise = std::move(it->second.promise);
  waiters_.erase(it);
  return promise;
}

bool ReplyWaiters::Cancel(std::string_view id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = waiters_.find(id);
  if (it == waiters_.end()) return false;
  waiters_.erase(it);
  return true;
}

std::size_t ReplyWaiters::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiters_.size();
}

}  // namespace iothub::mqtt
