#include "cluster/redis_rpc_state.h"

#include <array>
#include <charconv>
#include <optional>

#include "cluster/redis_rpc_scripts.h"

namespace iothub::cluster {
namespace {

using rpc::IdUse;
using rpc::InsertResult;
using rpc::PendingRequest;
using rpc::TakeResult;
using rpc::TakeStatus;

constexpr std::string_view kPrefix = "iothub:";
constexpr std::chrono::milliseconds kHubAlive{10'000};
constexpr std::size_t kClaimBatch = 1000;
constexpr std::size_t kPresenceBatch = 1000;

std::string Key(std::string_view kind, std::string_view id) {
  std::string key(kPrefix);
  key.append(kind).append(id);
  return key;
}

std::string Member(std::string_view device_id, std::string_view request_id) {
  std::string member(device_id);
  member.append("/").append(request_id);
  return member;
}

absl::Status Unexpected(std::string_view what) {
  return absl::InternalError("redis: unexpected reply to " + std::string(what));
}

bool ToInt(std::string_view text, long long& value) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

// A Unix time of the shared store on this process's steady clock.
rpc::SteadyTime ToSteady(long long unix_ms, rpc::StateNow now) {
  return now.steady + std::chrono::milliseconds(unix_ms - now.unix_ms);
}

bool ValidIds(std::string_view device_id, std::string_view request_id) {
  return !device_id.empty() && device_id.size() <= 64 && request_id.size() <= 64 &&
         device_id.find('/') == std::string_view::npos;
}

bool ValidInsert(const PendingRequest& request) {
  return ValidIds(request.device_id, request.request_id) && request.user_id.size() <= 255;
}

// insert's result code (kInsert) as an InsertResult.
std::optional<InsertResult> InsertResultOf(long long code) {
  switch (code) {
    case 0:
      return InsertResult::kOk;
    case 1:
      return InsertResult::kDuplicate;
    case 2:
      return InsertResult::kDeviceFull;
    case 3:
      return InsertResult::kTableFull;
    case 4:
      return InsertResult::kUserFull;
    default:
      return std::nullopt;
  }
}

// Keys that name no id, built once.
const std::string& TotalKey() {
  static const auto* key = new std::string(Key("rpc:n:total", ""));
  return *key;
}
const std::string& DeadlinesKey() {
  static const auto* key = new std::string(Key("rpc:deadlines", ""));
  return *key;
}
const std::string& HubPrefix() {
  static const auto* key = new std::string(Key("hub:", ""));
  return *key;
}

// The rate limit is a count per user and wall-clock minute, kept a second past it.
constexpr long long kWindowMs = 60'000;

std::string RateKey(std::string_view user_id, rpc::StateNow now) {
  return Key("rate:", std::string(user_id) + ":" + std::to_string(now.unix_ms / kWindowMs));
}

std::string_view RateWindowTtl() {
  static const auto* ttl = new std::string(std::to_string(kWindowMs + 1000));
  return *ttl;
}

// insert's k and a (kInsert) for a valid request.
class InsertArgs {
 public:
  InsertArgs(const PendingRequest& request, rpc::StateNow now, const rpc::PendingLimits& limits)
      : request_(request), member_(Member(request.device_id, request.request_id)) {
    const auto unix_of = [&](rpc::SteadyTime t) {
      return now.unix_ms +
             std::chrono::duration_cast<std::chrono::milliseconds>(t - now.steady).count();
    };
    const long long deadline_ms = unix_of(request.deadline);
    const long long ttl_ms =
        std::max<long long>(1, deadline_ms - now.unix_ms + limits.tombstone_linger.count());
    keys_ = {Key("rpc:p:", member_), Key("rpc:n:d:", request.device_id),
             Key("rpc:n:u:", request.user_id)};
    args_ = {std::to_string(static_cast<int>(request.method)),
             std::to_string(unix_of(request.sent_at)),
             std::to_string(deadline_ms),
             std::to_string(limits.max_per_device),
             std::to_string(limits.max_per_user),
             std::to_string(limits.max_total),
             std::to_string(ttl_ms)};
  }

  // With room for `more` after them.
  std::vector<std::string_view> keys(std::size_t more = 0) const {
    std::vector<std::string_view> keys;
    keys.reserve(5 + more);
    keys.insert(keys.end(), {keys_[0], keys_[1], keys_[2], TotalKey(), DeadlinesKey()});
    return keys;
  }
  std::vector<std::string_view> args(std::size_t more = 0) const {
    std::vector<std::string_view> args;
    args.reserve(10 + more);
    args.insert(args.end(), {request_.user_id, request_.requester_clientid, args_[0], args_[1],
                             args_[2], args_[3], args_[4], args_[5], args_[6], member_});
    return args;
  }

 private:
  const PendingRequest& request_;
  const std::string member_;
  std::array<std::string, 3> keys_;  // pending, device count, user count
  std::array<std::string, 7> args_;
};

// Admit's KEYS and ARGV (AdmitScript) for a request the store can hold.
class AdmitArgs {
 public:
  AdmitArgs(const PendingRequest& request, bool online_here, std::uint32_t per_minute,
            rpc::StateNow now, const rpc::PendingLimits& limits, std::string_view hub_id)
      : insert_(request, now, limits),
        presence_(Key("presence:", request.device_id)),
        window_(RateKey(request.user_id, now)),
        limit_(std::to_string(per_minute)),
        keys_(insert_.keys(2)),
        args_(insert_.args(5)) {
    keys_.insert(keys_.end(), {presence_, window_});
    args_.insert(args_.end(),
                 {online_here ? "0" : "1", HubPrefix(), hub_id, limit_, RateWindowTtl()});
  }
  AdmitArgs(const AdmitArgs&) = delete;
  AdmitArgs& operator=(const AdmitArgs&) = delete;
  const std::vector<std::string_view>& keys() const { return keys_; }
  const std::vector<std::string_view>& args() const { return args_; }

 private:
  const InsertArgs insert_;
  const std::string presence_, window_, limit_;
  std::vector<std::string_view> keys_, args_;  // views into the members above
};

absl::StatusOr<rpc::AdmitResult> AdmitResultOfReply(const absl::StatusOr<RedisReply>& reply) {
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kInteger) return Unexpected("admit");
  switch (reply->integer) {
    case 1:
      return rpc::AdmitResult::kDuplicate;
    case 2:
      return rpc::AdmitResult::kIdInUse;
    case 3:
      return rpc::AdmitResult::kOffline;
    case 4:
      return rpc::AdmitResult::kRateLimited;
    default:
      break;
  }
  if (auto inserted = InsertResultOf(reply->integer - 10)) return rpc::AdmitResultOf(*inserted);
  return Unexpected("admit");
}

// Take's KEYS and ARGV (TakeScript) for valid ids.
class TakeArgs {
 public:
  TakeArgs(std::string_view device_id, std::string_view request_id, std::string_view user_id,
           rpc::StateNow now, const rpc::PendingLimits& limits)
      : member_(Member(device_id, request_id)),
        pending_(Key("rpc:p:", member_)),
        device_count_(Key("rpc:n:d:", device_id)),
        user_count_(Key("rpc:n:u:", user_id)),
        now_ms_(std::to_string(now.unix_ms)),
        linger_(std::to_string(limits.tombstone_linger.count())),
        keys_{pending_, device_count_, user_count_, TotalKey(), DeadlinesKey()},
        args_{user_id, now_ms_, linger_, member_} {}
  TakeArgs(const TakeArgs&) = delete;
  TakeArgs& operator=(const TakeArgs&) = delete;
  const std::vector<std::string_view>& keys() const { return keys_; }
  const std::vector<std::string_view>& args() const { return args_; }

 private:
  const std::string member_, pending_, device_count_, user_count_, now_ms_, linger_;
  const std::vector<std::string_view> keys_, args_;  // views into the members above
};

absl::StatusOr<TakeResult> TakeResultOfReply(const absl::StatusOr<RedisReply>& reply,
                                             rpc::StateNow now) {
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kArray || reply->elements.empty()) {
    return Unexpected("take");
  }
  TakeResult result;
  switch (reply->elements[0].integer) {
    case 0:
      result.status = TakeStatus::kUnknown;
      return result;
    case 2:
      result.status = TakeStatus::kExpired;
      return result;
    case 3:
      result.status = TakeStatus::kAlreadyAnswered;
      return result;
    case 4:
      result.status = TakeStatus::kUserMismatch;
      return result;
    case 1:
      break;
    default:
      return Unexpected("take");
  }
  if (reply->elements.size() != 3) return Unexpected("take");
  const long long method = reply->elements[1].integer;
  if (method < 0 || method >= static_cast<long long>(rpc::kMethodCount)) return Unexpected("take");
  result.status = TakeStatus::kTaken;
  result.method = static_cast<rpc::Method>(method);
  result.sent_at = ToSteady(reply->elements[2].integer, now);
  return result;
}

}  // namespace

RedisRpcState::RedisRpcState(RedisClient& redis, std::string hub_id, rpc::PendingLimits limits)
    : redis_(redis), hub_id_(std::move(hub_id)), limits_(limits) {}

absl::StatusOr<IdUse> RedisRpcState::Lookup(std::string_view device_id, std::string_view request_id,
                                            std::string_view requester_clientid) {
  if (!ValidIds(device_id, request_id)) return IdUse::kFree;
  auto reply = redis_.Command({"HGET", Key("rpc:p:", Member(device_id, request_id)), "c"});
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisReply::Type::kNil) return IdUse::kFree;
  return reply->str == requester_clientid ? IdUse::kSameRequester : IdUse::kOtherRequester;
}

absl::StatusOr<InsertResult> RedisRpcState::Insert(const PendingRequest& request,
                                                   rpc::StateNow now) {
  if (!ValidInsert(request)) return InsertResult::kInvalid;
  const InsertArgs insert(request, now, limits_);
  auto reply = redis_.Eval(InsertScript(), insert.keys(), insert.args());
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kInteger) return Unexpected("insert");
  if (auto result = InsertResultOf(reply->integer)) return *result;
  return Unexpected("insert");
}

absl::StatusOr<rpc::AdmitResult> RedisRpcState::Admit(const PendingRequest& request,
                                                      bool online_here, std::uint32_t per_minute,
                                                      rpc::StateNow now) {
  // A request the store cannot hold (ids too long; the pipeline checks them before):
  // the separate calls decide it, in the same order, and Insert refuses it.
  if (!ValidInsert(request)) return rpc::AdmitByParts(*this, request, online_here, per_minute, now);
  const AdmitArgs admit(request, online_here, per_minute, now, limits_, hub_id_);
  return AdmitResultOfReply(redis_.Eval(AdmitScript(), admit.keys(), admit.args()));
}

void RedisRpcState::AdmitAsync(const PendingRequest& request, bool online_here,
                               std::uint32_t per_minute, rpc::StateNow now, AdmitDone done) {
  if (!ValidInsert(request)) return done(Admit(request, online_here, per_minute, now));
  const AdmitArgs admit(request, online_here, per_minute, now, limits_, hub_id_);
  redis_.EvalAsync(AdmitScript(), admit.keys(), admit.args(),
                   [done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable noexcept {
                     done(AdmitResultOfReply(reply));
                   });
}

absl::StatusOr<TakeResult> RedisRpcState::Take(std::string_view device_id,
                                               std::string_view request_id,
                                               std::string_view user_id, rpc::StateNow now) {
  if (!ValidIds(device_id, request_id)) return TakeResult{};
  const TakeArgs take(device_id, request_id, user_id, now, limits_);
  return TakeResultOfReply(redis_.Eval(TakeScript(), take.keys(), take.args()), now);
}

void RedisRpcState::TakeAsync(std::string_view device_id, std::string_view request_id,
                              std::string_view user_id, rpc::StateNow now, TakeDone done) {
  if (!ValidIds(device_id, request_id)) return done(TakeResult{});
  const TakeArgs take(device_id, request_id, user_id, now, limits_);
  redis_.EvalAsync(
      TakeScript(), take.keys(), take.args(),
      [now, done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable noexcept {
        done(TakeResultOfReply(reply, now));
      });
}

absl::StatusOr<std::vector<PendingRequest>> RedisRpcState::ClaimExpired(rpc::StateNow now) {
  const std::string_view keys[] = {DeadlinesKey(), TotalKey()};
  const std::string args[] = {std::to_string(now.unix_ms),
                              std::to_string(kClaimBatch),
                              std::to_string(limits_.tombstone_linger.count()),
                              Key("rpc:p:", ""),
                              Key("rpc:n:d:", ""),
                              Key("rpc:n:u:", "")};
  auto reply = redis_.Eval(ClaimScript(), {keys[0], keys[1]},
                           {args[0], args[1], args[2], args[3], args[4], args[5]});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 2 ||
      reply->elements[1].elements.size() % 6 != 0) {
    return Unexpected("claim");
  }
  pending_.store(static_cast<std::size_t>(std::max<long long>(0, reply->elements[0].integer)),
                 std::memory_order_relaxed);
  std::vector<PendingRequest> claimed;
  const std::vector<RedisReply>& fields = reply->elements[1].elements;
  for (std::size_t i = 0; i < fields.size(); i += 6) {
    const std::string& member = fields[i].str;
    const auto slash = member.find('/');
    long long method = 0, sent = 0, deadline = 0;
    if (slash == std::string::npos || !ToInt(fields[i + 3].str, method) ||
        !ToInt(fields[i + 4].str, sent) || !ToInt(fields[i + 5].str, deadline) || method < 0 ||
        method >= static_cast<long long>(rpc::kMethodCount)) {
      continue;  // not written by this build: claimed, nobody to answer
    }
    claimed.push_back({member.substr(0, slash), member.substr(slash + 1), fields[i + 1].str,
                       fields[i + 2].str, static_cast<rpc::Method>(method), ToSteady(sent, now),
                       ToSteady(deadline, now)});
  }
  return claimed;
}

absl::StatusOr<bool> RedisRpcState::TryAcquire(std::string_view user_id, std::uint32_t per_minute,
                                               rpc::StateNow now) {
  if (per_minute == 0) return false;
  auto reply = redis_.Eval(RateScript(), {RateKey(user_id, now)}, {RateWindowTtl()});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kInteger) return Unexpected("rate limit");
  return reply->integer <= static_cast<long long>(per_minute);
}

absl::StatusOr<bool> RedisRpcState::IsOnlineElsewhere(std::string_view device_id) {
  auto reply = redis_.Eval(PresenceScript(), {Key("presence:", device_id)}, {HubPrefix(), hub_id_});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kInteger) return Unexpected("presence");
  return reply->integer == 1;
}

absl::Status RedisRpcState::Maintain(rpc::Presence& presence) {
  std::lock_guard lock(maintain_mutex_);
  for (auto& [device, online] : presence.DrainOnlineChanges()) unpublished_[device] = online;
  // Alive for another kHubAlive; no previous value means Redis forgot this hub (first
  // tick, expiry, or a restart without persistence): publish everything again.
  auto alive = redis_.Command(
      {"SET", Key("hub:", hub_id_), "1", "PX", std::to_string(kHubAlive.count()), "GET"});
  if (!alive.ok()) {
    resync_ = true;
    return alive.status();
  }
  if (alive->type == RedisReply::Type::kNil) resync_ = true;
  if (resync_) {
    for (std::string& device : presence.OnlineDevices()) unpublished_[std::move(device)] = true;
  }
  if (absl::Status status = PublishPresence(unpublished_); !status.ok()) {
    resync_ = true;
    return status;
  }
  unpublished_.clear();
  resync_ = false;
  return absl::OkStatus();
}

absl::Status RedisRpcState::PublishPresence(const std::map<std::string, bool>& changes) {
  std::vector<std::string> keys;
  std::vector<std::vector<std::string_view>> batch;
  keys.reserve(kPresenceBatch);  // never reallocated: `batch` points into it
  for (auto it = changes.begin(); it != changes.end();) {
    keys.clear();
    batch.clear();
    for (; it != changes.end() && batch.size() < kPresenceBatch; ++it) {
      keys.push_back(Key("presence:", it->first));
      batch.push_back({it->second ? "SADD" : "SREM", keys.back(), hub_id_});
    }
    if (auto replies = redis_.Pipeline(batch); !replies.ok()) return replies.status();
  }
  return absl::OkStatus();
}

}  // namespace iothub::cluster
