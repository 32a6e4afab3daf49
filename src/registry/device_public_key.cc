#include "registry/device_public_key.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "crypto/keys.h"
#include "crypto/openssl_handles.h"

namespace iothub::registry {

absl::StatusOr<std::string> CanonicalDevicePublicKey(std::string_view pem) {
  if (pem.empty() || pem.size() > kMaxPublicKeyPemSize) {
    return absl::InvalidArgumentError("public key must be a PEM of at most " +
                                      std::to_string(kMaxPublicKeyPemSize) + " bytes");
  }
  crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return absl::InternalError("cannot read the public key: out of memory");
  crypto::EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!key) {
    return absl::InvalidArgumentError("public key is not a PEM \"PUBLIC KEY\" block");
  }
  if (absl::Status status = crypto::CheckDeviceKey(key.get()); !status.ok()) {
    return absl::InvalidArgumentError("public key refused: " + std::string(status.message()));
  }
  return crypto::PublicKeyToPem(key.get());
}

}  // namespace iothub::registry
