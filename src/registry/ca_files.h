// The CA's files in the data directory (<data_dir>/ca/ca.key and ca.crt): creating the
// CA on first use or on `iot-hub ca init`, loading it otherwise. Thread-compatible:
// call from one thread at start-up (the files are created with O_EXCL, so two processes
// racing to create both fail safely rather than overwrite).
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "crypto/certificate_authority.h"
#include "crypto/keys.h"

namespace iothub::registry {

// "ec-p256", "ec-p384", "rsa-3072" (the config's ca.key_type); nullopt otherwise.
std::optional<crypto::KeyType> ParseKeyType(std::string_view name);
std::string_view KeyTypeName(crypto::KeyType type);

// Loads the CA from <data_dir>/ca/. When neither file exists: creates one of
// `key_type` if `create_if_missing` (logging "created a new CA in <dir>"), else
// FailedPrecondition telling the user to run `iot-hub ca init`. When only one of the
// files exists: FailedPrecondition (a half CA is never completed or replaced).
absl::StatusOr<crypto::CertificateAuthority> LoadOrCreateCa(const std::filesystem::path& data_dir,
                                                            crypto::KeyType key_type,
                                                            UnixMillis now, bool create_if_missing);

// Creates a new CA in <data_dir>/ca/; AlreadyExists ("a CA already exists in ...") when
// either file is present.
absl::StatusOr<crypto::CertificateAuthority> InitCa(const std::filesystem::path& data_dir,
                                                    crypto::KeyType key_type, UnixMillis now);

}  // namespace iothub::registry
