#include "cluster/redis_session_directory.h"

#include <algorithm>

namespace iothub::cluster {

RedisSessionDirectory::RedisSessionDirectory(RedisSessionParts parts)
    : parts_(std::move(parts)),
      hits_(parts_.metrics.GetCounter("iothub_session_lookups_total",
                                      "Session lookups of authorize and publish, by where the "
                                      "answer came from (shared sessions).",
                                      {{"source", "cache"}})),
      misses_(parts_.metrics.GetCounter("iothub_session_lookups_total",
                                        "Session lookups of authorize and publish, by where the "
                                        "answer came from (shared sessions).",
                                        {{"source", "redis"}})),
      invalidations_(parts_.metrics.GetCounter(
          "iothub_session_invalidations_total",
          "Sessions of other hubs that ended or changed principal (cache entries dropped).")),
      deferred_(parts_.metrics.GetGauge(
          "iothub_session_events_deferred",
          "Connects and disconnects waiting for Redis (replayed in order when it answers).")),
      subscriber_(parts_.subscriber, std::string(kChannel),
                  {.on_message = [this](std::string_view m) { OnMessage(m); },
                   .on_state = [this](bool up) { OnSubscription(up); }}) {}

RedisSessionDirectory::~RedisSessionDirectory() {
  {
    std::unique_lock lock(answering_mutex_);
    answered_.wait(lock, [this] { return answering_ == 0; });
  }
  Stop();
}

RedisSessionDirectory::Answering::Answering(RedisSessionDirectory& directory)
    : directory_(&directory) {
  std::lock_guard lock(directory.answering_mutex_);
  ++directory.answering_;
}

RedisSessionDirectory::Answering::~Answering() {
  if (directory_ == nullptr) return;  // moved from
  // Notified under the lock: the destructor may run as soon as it can take it again.
  std::lock_guard lock(directory_->answering_mutex_);
  if (--directory_->answering_ == 0) directory_->answered_.notify_all();
}

absl::StatusOr<auth::SessionDirectory::AdmitOutcome> RedisSessionDirectory::Admit(
    std::string_view clientid, std::shared_ptr<const Principal> principal, UnixMillis now) {
  const AdmitArgs admit(clientid, *principal, now, parts_.hub_id);
  return Admitted(clientid, std::move(principal),
                  parts_.redis.Eval(AdmitArgs::Script(), admit.keys(), admit.args()));
}

void RedisSessionDirectory::AdmitAsync(std::string_view clientid,
                                       std::shared_ptr<const Principal> principal, UnixMillis now,
                                       AdmitDone done) {
  const AdmitArgs admit(clientid, *principal, now, parts_.hub_id);
  parts_.redis.EvalAsync(
      AdmitArgs::Script(), admit.keys(), admit.args(),
      [self = Answering(*this), id = std::string(clientid), principal = std::move(principal),
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable noexcept {
        done(self->Admitted(id, std::move(principal), reply));
      });
}

absl::StatusOr<auth::SessionDirectory::AdmitOutcome> RedisSessionDirectory::Admitted(
    std::string_view clientid, std::shared_ptr<const Principal> principal,
    const absl::StatusOr<RedisReply>& reply) {
  auto outcome = AdmitOutcomeOf(reply);
  // Cached once the script answered, not before: only then is it known that this
  // principal holds the clientid (held by another, or no answer: nothing cached, the
  // login is refused). A lookup that read Redis meanwhile sees the epoch moved and
  // keeps this entry; this hub's own "i" message is skipped (OnMessage). Cached before
  // `done` runs, so that the caller's next lookup finds it.
  if (outcome.ok() && *outcome == AdmitOutcome::kAdmitted) {
    Cache(clientid, {std::move(principal), /*own=*/true});
  }
  return outcome;
}

absl::StatusOr<std::shared_ptr<const Principal>> RedisSessionDirectory::Find(
    std::string_view clientid) {
  const bool following = subscriber_.up();
  Probe probe = Look(clientid, following);
  if (probe.hit) return std::move(probe.principal);
  const std::string key = SessionKey(clientid);
  const auto lookup = LookupCommand(key);
  return Learned(clientid, following, probe.epoch,
                 parts_.redis.Command({lookup.begin(), lookup.end()}));
}

void RedisSessionDirectory::FindAsync(std::string_view clientid, FindDone done) {
  const bool following = subscriber_.up();
  Probe probe = Look(clientid, following);
  if (probe.hit) return done(std::move(probe.principal));
  const std::string key = SessionKey(clientid);
  parts_.redis.CommandAsync(
      LookupCommand(key),
      [self = Answering(*this), id = std::string(clientid), following, epoch = probe.epoch,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable noexcept {
        done(self->Learned(id, following, epoch, reply));
      });
}

RedisSessionDirectory::Probe RedisSessionDirectory::Look(std::string_view clientid,
                                                         bool following) {
  Shard& shard = ShardFor(clientid);
  Probe probe;
  {
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.entries.find(clientid);
        it != shard.entries.end() && (following || it->second.own)) {
      probe.hit = true;
      probe.principal = it->second.principal;
    }
    probe.epoch = shard.epoch;
  }
  (probe.hit ? hits_ : misses_).Increment();
  return probe;
}

absl::StatusOr<std::shared_ptr<const Principal>> RedisSessionDirectory::Learned(
    std::string_view clientid, bool following, std::uint64_t epoch,
    const absl::StatusOr<RedisReply>& reply) {
  auto principal = PrincipalOf(reply);
  // Cached only when the channel covered the whole read: an invalidation that arrived
  // meanwhile may be about this very entry.
  if (principal.ok() && *principal != nullptr && following) {
    CacheIfStill(clientid, {*principal, /*own=*/false}, epoch);
  }
  return principal;
}

absl::StatusOr<std::size_t> RedisSessionDirectory::RestorePresence() {
  const std::string pattern = std::string(kSessionPrefix) + "*";
  const UnixMillis now = parts_.clock.NowUnixMillis();
  std::size_t restored = 0;
  std::string cursor = "0";
  do {
    auto page = parts_.redis.Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "500"});
    if (!page.ok()) return page.status();
    if (page->elements.size() != 2) {
      return absl::InternalError("redis: unexpected reply to session scan");
    }
    cursor = page->elements[0].str;
    std::vector<std::vector<std::string_view>> reads;
    for (const RedisReply& key : page->elements[1].elements) {
      reads.push_back({"HMGET", key.str, "d", "h"});
    }
    auto fields = parts_.redis.Pipeline(reads);
    if (!fields.ok()) return fields.status();
    for (const RedisReply& session : *fields) {
      if (session.elements.size() != 2 || session.elements[0].str.empty()) continue;
      const std::string_view device = session.elements[0].str;
      std::string_view hubs = session.elements[1].str;
      while (!hubs.empty()) {  // one entry per live connection
        const std::size_t comma = std::min(hubs.find(','), hubs.size());
        if (hubs.substr(0, comma) == parts_.hub_id) {
          parts_.presence.OnConnected(device, now);
          ++restored;
        }
        hubs.remove_prefix(std::min(comma + 1, hubs.size()));
      }
    }
  } while (cursor != "0");
  return restored;
}

absl::Status RedisSessionDirectory::Connected(std::string_view clientid, UnixMillis now) {
  if (auto queued = QueuedBehind(true, clientid, now)) return *std::move(queued);
  const ConnectedArgs connected(clientid, parts_.hub_id);
  return ConnectedAnswer(
      clientid, now,
      parts_.redis.Eval(ConnectedArgs::Script(), connected.keys(), connected.args()));
}

void RedisSessionDirectory::ConnectedAsync(std::string_view clientid, UnixMillis now,
                                           ConnectedDone done) {
  if (auto queued = QueuedBehind(true, clientid, now)) return done(*std::move(queued));
  const ConnectedArgs connected(clientid, parts_.hub_id);
  parts_.redis.EvalAsync(
      ConnectedArgs::Script(), connected.keys(), connected.args(),
      [self = Answering(*this), id = std::string(clientid), now,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable noexcept {
        done(self->ConnectedAnswer(id, now, reply));
      });
}

absl::Status RedisSessionDirectory::ConnectedAnswer(std::string_view clientid, UnixMillis now,
                                                    const absl::StatusOr<RedisReply>& reply) {
  absl::Status status = ConnectedStatusOf(reply);
  if (!status.ok() && Defer(true, clientid, now)) return absl::OkStatus();
  return status;
}

absl::StatusOr<int> RedisSessionDirectory::Disconnected(std::string_view clientid, UnixMillis now) {
  // Queued, the connection's presence is counted down when it is replayed.
  if (auto queued = QueuedBehind(false, clientid, now)) {
    if (!queued->ok()) return *std::move(queued);
    return 0;
  }
  const DisconnectedArgs disconnected(clientid, now, parts_.hub_id);
  return DisconnectedAnswer(
      clientid, now,
      parts_.redis.Eval(DisconnectedArgs::Script(), disconnected.keys(), disconnected.args()));
}

void RedisSessionDirectory::DisconnectedAsync(std::string_view clientid, UnixMillis now,
                                              DisconnectedDone done) {
  if (auto queued = QueuedBehind(false, clientid, now)) {
    if (!queued->ok()) return done(*std::move(queued));
    return done(0);
  }
  const DisconnectedArgs disconnected(clientid, now, parts_.hub_id);
  parts_.redis.EvalAsync(
      DisconnectedArgs::Script(), disconnected.keys(), disconnected.args(),
      [self = Answering(*this), id = std::string(clientid), now,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable noexcept {
        done(self->DisconnectedAnswer(id, now, std::move(reply)));
      });
}

absl::StatusOr<int> RedisSessionDirectory::DisconnectedAnswer(std::string_view clientid,
                                                              UnixMillis now,
                                                              absl::StatusOr<RedisReply> reply) {
  auto ended = Ended(clientid, std::move(reply));
  if (!ended.ok()) {
    if (Defer(false, clientid, now)) return 0;
    return ended.status();
  }
  return ended->counted_here ? 1 : 0;
}

absl::Status RedisSessionDirectory::ReplayUnrecorded() {
  for (;;) {
    Unrecorded next;
    {
      std::lock_guard lock(unrecorded_mutex_);
      if (unrecorded_.empty()) return absl::OkStatus();
      next = unrecorded_.front();  // stays first until popped below (one replayer)
    }
    if (next.connected) {
      if (absl::Status status = RecordConnected(next.clientid); !status.ok()) return status;
    } else {
      auto ended = RecordDisconnected(next.clientid, next.at);
      if (!ended.ok()) return ended.status();
      if (ended->counted_here && !ended->device.empty()) {
        parts_.presence.OnDisconnected(ended->device, next.at);
      }
    }
    std::lock_guard lock(unrecorded_mutex_);
    unrecorded_.pop_front();
    deferred_.Set(static_cast<std::int64_t>(unrecorded_.size()));
    if (auto it = behind_.find(next.clientid); it != behind_.end() && --it->second == 0) {
      behind_.erase(it);
    }
  }
}

absl::Status RedisSessionDirectory::RecordConnected(std::string_view clientid) {
  const ConnectedArgs connected(clientid, parts_.hub_id);
  return ConnectedStatusOf(
      parts_.redis.Eval(ConnectedArgs::Script(), connected.keys(), connected.args()));
}

absl::StatusOr<DisconnectOutcome> RedisSessionDirectory::RecordDisconnected(
    std::string_view clientid, UnixMillis now) {
  const DisconnectedArgs disconnected(clientid, now, parts_.hub_id);
  return Ended(clientid, parts_.redis.Eval(DisconnectedArgs::Script(), disconnected.keys(),
                                           disconnected.args()));
}

absl::StatusOr<DisconnectOutcome> RedisSessionDirectory::Ended(std::string_view clientid,
                                                               absl::StatusOr<RedisReply> reply) {
  auto disconnect = DisconnectOf(std::move(reply));
  if (disconnect.ok() && disconnect->ended) Forget(clientid);  // this hub skips its own message
  return disconnect;
}

std::optional<absl::Status> RedisSessionDirectory::QueuedBehind(bool connected,
                                                                std::string_view clientid,
                                                                UnixMillis at) {
  {
    std::lock_guard lock(unrecorded_mutex_);
    if (unrecorded_.empty() || !behind_.contains(clientid)) return std::nullopt;
  }
  if (Defer(connected, clientid, at)) return absl::OkStatus();
  return absl::ResourceExhaustedError("session events queue full");
}

bool RedisSessionDirectory::Defer(bool connected, std::string_view clientid, UnixMillis at) {
  std::lock_guard lock(unrecorded_mutex_);
  if (unrecorded_.size() >= kMaxUnrecorded) return false;
  unrecorded_.push_back({connected, std::string(clientid), at});
  ++behind_[std::string(clientid)];
  deferred_.Set(static_cast<std::int64_t>(unrecorded_.size()));
  return true;
}

void RedisSessionDirectory::Cache(std::string_view clientid, Cached entry) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  ++shard.epoch;  // a lookup reading meanwhile must not overwrite this newer entry
  shard.entries.insert_or_assign(std::string(clientid), std::move(entry));
}

void RedisSessionDirectory::CacheIfStill(std::string_view clientid, Cached entry,
                                         std::uint64_t epoch) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  if (shard.epoch == epoch) shard.entries.insert_or_assign(std::string(clientid), std::move(entry));
}

void RedisSessionDirectory::Forget(std::string_view clientid) {
  Shard& shard = ShardFor(clientid);
  std::lock_guard lock(shard.mutex);
  ++shard.epoch;
  if (auto it = shard.entries.find(clientid); it != shard.entries.end()) shard.entries.erase(it);
}

void RedisSessionDirectory::OnMessage(std::string_view message) {
  const auto newline = message.find('\n');
  if (message.empty() || newline == std::string_view::npos) return;  // not from this build
  const std::string_view hub = message.substr(1, newline - 1);
  const std::string_view subject = message.substr(newline + 1);
  if (message[0] == 'i') {
    // This hub's own changes are in its cache already (Admit) or ended here.
    if (hub == parts_.hub_id) return;
    invalidations_.Increment();
    Forget(subject);
  } else if (message[0] == 'p' && hub == parts_.hub_id) {
    parts_.presence.OnDisconnected(subject, parts_.clock.NowUnixMillis());
  }
}

void RedisSessionDirectory::OnSubscription(bool up) {
  // Down: learned entries stop serving (Find checks), own ones go on. Up: whatever was
  // published while the channel was down is lost, so the cache starts afresh.
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    ++shard.epoch;
    if (up) shard.entries.clear();
  }
}

}  // namespace iothub::cluster
