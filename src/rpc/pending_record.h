// The state journal's text form of a pending RPC request (rpc/pending_table.h), so that
// a restarted hub still matches the device's reply or sends the requester its timeout.
// Times are stored as wall-clock milliseconds: a steady clock's epoch means nothing to
// the next process. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "rpc/pending_table.h"

namespace iothub::rpc {

// "device/request": the journal key of a request ('/' never occurs in an id).
std::string PendingKey(std::string_view device_id, std::string_view request_id);

// JSON of everything but the key. `now`/`now_ms` are the same instant on both clocks.
std::string EncodePendingRequest(const PendingRequest& request, SteadyTime now, UnixMillis now_ms);

// The request under journal `key`, its times mapped onto this process's steady clock.
// InvalidArgument for a key or value this build did not write.
absl::StatusOr<PendingRequest> DecodePendingRequest(std::string_view key, std::string_view value,
                                                    SteadyTime now, UnixMillis now_ms);

}  // namespace iothub::rpc
