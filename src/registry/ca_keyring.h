// CaKeyring: the hub's CAs as files in <data_dir>/ca/ (shared by every hub of a
// PostgreSQL deployment, docs/deploy.md), loaded into an immutable crypto::CaSet that
// readers take without locking.
//
// Layout (docs/certificates.md "CA rotation"):
//   ca/ca.key, ca/ca.crt        the first CA (generation 0; the layout before rotation
//                               existed, so an existing CA needs no manual step)
//   ca/gen-<n>/ca.key, ca.crt   the CA made by the n-th `iot-hub ca rotate`
//   ca/retired/<id>             marker of a retired CA (its retirement time, ms)
// A rotation writes the new CA in a hidden temporary directory and renames it into
// place, so another process never sees half a CA; two rotations racing get different
// generations.
//
// Other processes (the CLI, other hubs) change the files; Refresh() notices (from the
// names and modification times of the directory entries, a few stat calls) and reloads.
// The housekeeper calls it every few seconds.
//
// Thread-safety: thread-safe. set() and SigningCa() are lock-free reads; Refresh,
// Rotate and the retirement markers serialise on a mutex and block on file I/O.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/snapshot_cell.h"
#include "crypto/ca_set.h"
#include "crypto/keys.h"

namespace iothub::registry {

class CaKeyring {
 public:
  // Loads the CAs of <data_dir>/ca/. When there is none: creates the first one of
  // `key_type` if `create_if_missing` (logging it), else FailedPrecondition telling the
  // user to run `iot-hub ca init`. FailedPrecondition for a half CA (one of its two
  // files), which is never completed or replaced; InvalidArgument for unreadable files.
  static absl::StatusOr<std::unique_ptr<CaKeyring>> Open(const std::filesystem::path& data_dir,
                                                         crypto::KeyType key_type, UnixMillis now,
                                                         bool create_if_missing);

  CaKeyring(const CaKeyring&) = delete;
  CaKeyring& operator=(const CaKeyring&) = delete;

  // The current set (never null).
  std::shared_ptr<const crypto::CaSet> set() const { return cell_.Load(); }
  // The cell holding the set, for readers that keep a reference (the authenticator).
  const SnapshotCell<crypto::CaSet>& cell() const { return cell_; }

  // THE CA that signs new certificates and renewals: the newest trusted CA of the
  // current set, kept alive by the returned pointer. FailedPrecondition when every CA is
  // retired.
  absl::StatusOr<std::shared_ptr<const crypto::CertificateAuthority>> SigningCa() const;

  // Reloads the set when the files changed since the last load; true when it did.
  // On error the previous set stays in force.
  absl::StatusOr<bool> Refresh();

  // Makes a new CA of `key_type` (generation: one more than the newest) and reloads;
  // returns its id. The new CA signs from now on; the others stay trusted.
  absl::StatusOr<std::string> Rotate(crypto::KeyType key_type, UnixMillis now);

  // Writes the retirement marker of `id` and reloads. AlreadyExists when it is retired.
  absl::Status MarkRetired(std::string_view id, UnixMillis now);
  // Removes the marker (undoes MarkRetired when what followed it failed) and reloads.
  absl::Status UnmarkRetired(std::string_view id);

  const std::filesystem::path& directory() const { return dir_; }

 private:
  explicit CaKeyring(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Loads the set and swaps it in. Caller holds mutex_.
  absl::Status ReloadLocked();

  const std::filesystem::path dir_;
  SnapshotCell<crypto::CaSet> cell_;
  std::mutex mutex_;
  std::string stamp_;  // guarded by mutex_: the directory state the set was loaded from
};

}  // namespace iothub::registry
