#include "mqtt/request_id.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace iothub::mqtt {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Fills `out` from the kernel CSPRNG; getrandom blocks only before the pool is seeded
// at boot. A failure here means the machine is broken: abort rather than weaken ids.
void FillRandom(std::uint8_t* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = getrandom(out + done, n - done, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::abort();
    }
    done += static_cast<std::size_t>(got);
  }
}

}  // namespace

std::string NewRequestId() {
  std::array<std::uint8_t, 16> bytes;
  FillRandom(bytes.data(), bytes.size());
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string id;
  id.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[bytes[i] >> 4]);
    id.push_back(kHex[bytes[i] & 0x0f]);
  }
  return id;
}

std::string RandomHex(std::size_t n) {
  std::vector<std::uint8_t> bytes((n + 1) / 2);
  FillRandom(bytes.data(), bytes.size());
  std::string out;
  out.reserve(n);
  for (std::uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    if (out.size() < n) out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

}  // namespace iothub::mqtt
