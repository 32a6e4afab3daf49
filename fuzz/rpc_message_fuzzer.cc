// Fuzzes RPC payload parsing: requests (with the method catalog's parameter schemas),
// responses, and the strict JSON policy under the RPC limits.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rpc/method_catalog.h"
#include "rpc/rpc_message.h"
#include "rpc/strict_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  const iothub::rpc::ParsedRequest request = iothub::rpc::ParseRequest(payload, "dev-1");
  // A request accepted without an id or a method would be routed blindly.
  if (request.ok() && (request.id.empty() || !request.method.has_value())) std::abort();
  (void)iothub::rpc::ParseResponse(payload);

  // Every schema against whatever document the payload is, not only its "params".
  const auto json = iothub::rpc::ParseStrictJson(payload, {});
  if (json.ok()) {
    for (std::size_t m = 0; m < iothub::rpc::kMethodCount; ++m) {
      (void)iothub::rpc::ValidateParams(static_cast<iothub::rpc::Method>(m), *json);
    }
    if (json->is_object()) {
      if (const auto it = json->find("method"); it != json->end() && it->is_string()) {
        (void)iothub::rpc::ValidateParams(it->get_ref<const std::string&>(),
                                          json->value("params", nlohmann::json()));
      }
    }
  }
  return 0;
}
