// AuthResult: the outcome of authenticating one client: the principal admitted, or the
// reason for refusing (a static string, safe to log: never a secret). Plain value.
#pragma once

#include <memory>
#include <string_view>

#include "model/principal.h"

namespace iothub::auth {

struct AuthResult {
  std::shared_ptr<const Principal> principal;  // set when admitted
  std::string_view reason;                     // why; static storage

  bool admitted() const { return principal != nullptr; }
  static AuthResult Refuse(std::string_view reason) { return {nullptr, reason}; }
};

}  // namespace iothub::auth
