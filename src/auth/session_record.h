// The state journal's text form of one session (auth/session_table.h): who holds a
// clientid and how many of its connections are live or on their way, so that a
// restarted hub keeps serving the clients that stayed connected to the broker; and
// the text form of a principal alone, as shared sessions keep it in Redis.
// Pure functions; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "auth/session_table.h"

namespace iothub::auth {

// JSON of a principal alone (the shared session store keeps it per clientid).
std::string EncodePrincipal(const Principal& principal);
// The principal recorded by EncodePrincipal; InvalidArgument for other text.
absl::StatusOr<std::shared_ptr<const Principal>> DecodePrincipal(std::string_view value);

// JSON of the session's principal and counts.
std::string EncodeSession(const SessionState& session);

// The session recorded by EncodeSession. InvalidArgument for text this build did not
// write (bad JSON, a missing field, an unknown principal kind, negative counts).
absl::StatusOr<SessionState> DecodeSession(std::string_view value);

}  // namespace iothub::auth
