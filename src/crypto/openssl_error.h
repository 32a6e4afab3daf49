// Turns OpenSSL's thread-local error queue into an absl::Status.
// Thread-safe: the error queue is per thread.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace iothub::crypto {

// Returns a status with `code` and the message "`what`: <OpenSSL reasons>", draining
// this thread's OpenSSL error queue (so a later call does not report stale errors).
absl::Status OpenSslError(absl::StatusCode code, std::string_view what);

// Empties this thread's OpenSSL error queue; call before an operation whose failure is
// reported from the queue.
void ClearOpenSslErrors();

}  // namespace iothub::crypto
