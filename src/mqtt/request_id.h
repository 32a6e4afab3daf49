// Random identifiers for the hub's MQTT client: RFC 4122 version 4 UUIDs for RPC
// request ids, and the random suffix of the default client id. Bytes come from the
// kernel's CSPRNG (getrandom), so ids cannot be guessed by a device that would like to
// answer someone else's request. Thread-safe.
#pragma once

#include <string>

namespace iothub::mqtt {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lowercase hex (36 characters, so it also
// passes IsValidId). Never fails: aborts if the kernel refuses randomness.
std::string NewRequestId();

// `n` random lowercase hex characters.
std::string RandomHex(std::size_t n);

}  // namespace iothub::mqtt
