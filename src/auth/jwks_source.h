// JwksSource: a JwtKeyProvider that keeps the identity provider's public keys current
// from a JWKS file or an http(s) URL (e.g. Keycloak's .../protocol/openid-connect/certs).
//
// Refresh policy. Verification runs on the gRPC hot path and never waits for the
// network: Current() reads an atomically swapped snapshot, and OnUnknownKid() only
// wakes the source's own worker thread (rate-limited to one wake per refresh_interval,
// so tokens with made-up kids cannot make it hammer the JWKS endpoint). The token that
// named the new kid fails with kUnknownKey; once the worker has fetched, the next
// attempt succeeds. The worker also refreshes every periodic_refresh. A failed refresh
// keeps the previous keys.
//
// Thread-safe. The destructor stops the worker, waiting at most for one fetch.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "auth/jwks_key_set.h"
#include "auth/jwt_key_provider.h"
#include "common/clock.h"
#include "common/snapshot_cell.h"

namespace iothub::auth {

struct JwksSourceOptions {
  std::string file{};     // a JWKS file; or
  std::string url{};      // an http:// or https:// URL (exactly one of file and url)
  std::string ca_file{};  // https only: CA bundle to trust; empty uses the system's
  std::chrono::milliseconds fetch_timeout{2000};  // connect, and each read/write
  // Unknown-kid refreshes happen at most once per this interval.
  std::chrono::milliseconds refresh_interval{std::chrono::seconds(30)};
  // Unconditional refresh period (real time); zero disables it.
  std::chrono::milliseconds periodic_refresh{std::chrono::minutes(10)};
  std::size_t max_size = 1 << 20;  // larger documents are refused
};

class JwksSource final : public JwtKeyProvider {
 public:
  // Loads the keys once, blocking (start-up), then starts the worker. Error when the
  // options are invalid or the first load fails or gives no usable key. `clock` (its
  // steady time, for the rate limit) must outlive the source.
  static absl::StatusOr<std::shared_ptr<JwksSource>> Create(JwksSourceOptions options,
                                                            const Clock* clock);
  ~JwksSource() override;
  JwksSource(const JwksSource&) = delete;
  JwksSource& operator=(const JwksSource&) = delete;

  // JwtKeyProvider
  std::shared_ptr<const KeySet> Current() const override { return keys_.Load(); }
  void OnUnknownKid(std::string_view kid) const override;

  // Fetches and installs the keys now, blocking up to the fetch timeout. Not for the
  // hot path; for admin actions and tests.
  absl::Status RefreshNow() { return Refresh(/*initial=*/false); }

  std::uint64_t loads() const { return loads_.load(); }        // successful loads
  std::uint64_t failures() const { return failures_.load(); }  // failed loads
  absl::Status last_status() const;

 private:
  JwksSource(JwksSourceOptions options, const Clock* clock);
  // Reads the file or fetches the URL and parses it; no side effects.
  absl::StatusOr<KeySet> Load() const;
  // Loads and, on success, installs the keys; logs failures unless `initial`.
  absl::Status Refresh(bool initial);
  void Run();

  const JwksSourceOptions options_;
  const Clock* const clock_;
  SnapshotCell<KeySet> keys_;
  std::atomic<std::uint64_t> loads_{0};
  std::atomic<std::uint64_t> failures_{0};
  // Steady milliseconds before which an unknown kid does not wake the worker.
  mutable std::atomic<std::int64_t> next_kid_refresh_ms_{std::numeric_limits<std::int64_t>::min()};

  mutable std::mutex mu_;
  mutable std::condition_variable wake_;
  mutable bool refresh_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status last_status_ ABSL_GUARDED_BY(mu_);
  std::mutex refresh_mu_;  // one load at a time (worker vs RefreshNow)
  std::thread worker_;
};

}  // namespace iothub::auth
