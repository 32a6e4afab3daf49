// JwtKeyProvider: where a JwtVerifier gets its current public keys, and whom it tells
// about a kid it could not find. StaticKeyProvider: a fixed set. JwksSource (jwks_source.h)
// is the refreshing implementation. Implementations must be thread-safe.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "auth/jwks_key_set.h"

namespace iothub::auth {

class JwtKeyProvider {
 public:
  virtual ~JwtKeyProvider() = default;
  // The current keys; never null. Must not lock or block (called per verification).
  virtual std::shared_ptr<const KeySet> Current() const = 0;
  // Called when a token names a kid absent from Current(). Must return at once (hot
  // path): an implementation may schedule a refresh, never perform it here.
  virtual void OnUnknownKid(std::string_view kid) const {}
};

// A key set that never changes.
class StaticKeyProvider final : public JwtKeyProvider {
 public:
  explicit StaticKeyProvider(KeySet keys)
      : keys_(std::make_shared<const KeySet>(std::move(keys))) {}
  // JwtKeyProvider
  std::shared_ptr<const KeySet> Current() const override { return keys_; }

 private:
  std::shared_ptr<const KeySet> keys_;
};

}  // namespace iothub::auth
