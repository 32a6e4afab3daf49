#include "crypto/openssl_error.h"

#include <openssl/err.h>

#include <string>

namespace iothub::crypto {

absl::Status OpenSslError(absl::StatusCode code, std::string_view what) {
  std::string message(what);
  bool first = true;
  // Report at most a few reasons: the queue can be long and repetitive.
  for (int i = 0; i < 4; ++i) {
    const unsigned long error = ERR_get_error();
    if (error == 0) break;
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof(buffer));
    message += first ? ": " : "; ";
    message += buffer;
    first = false;
  }
  ERR_clear_error();
  return absl::Status(code, message);
}

void ClearOpenSslErrors() { ERR_clear_error(); }

}  // namespace iothub::crypto
