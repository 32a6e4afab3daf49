// Fuzzes the TOML configuration loader from text: the TOML parser, every key's type
// check, [plans.<name>] tables, [acl] rules and the final validation.
#include <cstdint>
#include <string_view>

#include "app/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)iothub::app::LoadConfigFromText(std::string_view(reinterpret_cast<const char*>(data), size),
                                        "fuzz.toml", {}, {});
  return 0;
}
