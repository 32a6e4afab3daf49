// Fuzzes HTTP JSON bodies: the shared JSON policy (common/json_parse), then the body
// checks against a schema holding every field type, and the readers handlers use after
// validation. The first byte picks the Content-Type.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/json_parse.h"
#include "http/json_body.h"

namespace {

using iothub::http::FieldType;

const iothub::http::BodySchema& Schema() {
  static const auto* const schema = new iothub::http::BodySchema{{
      {"id", FieldType::kString, true, ""},
      {"count", FieldType::kInteger, false, ""},
      {"ratio", FieldType::kNumber, false, ""},
      {"enabled", FieldType::kBoolean, false, ""},
      {"metadata", FieldType::kObject, false, ""},
      {"amount", FieldType::kStringOrNumber, false, ""},
      {"note", FieldType::kNullableString, false, ""},
  }};
  return *schema;
}

constexpr std::string_view kContentTypes[] = {"application/json", "application/json; charset=utf-8",
                                              "APPLICATION/JSON", "text/plain", ""};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view content_type = kContentTypes[data[0] % std::size(kContentTypes)];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)iothub::ParseJson(body, {.max_bytes = 64 * 1024, .max_depth = 32});
  (void)iothub::http::IsJsonContentType(body);
  auto parsed = iothub::http::ParseJsonBody(content_type, body, Schema());
  if (!parsed.ok()) return 0;
  // A validated body must hold the required field and read back without throwing.
  if (!iothub::http::OptionalString(*parsed, "id").has_value()) std::abort();
  (void)iothub::http::OptionalInteger(*parsed, "count");
  (void)iothub::http::OptionalDecimal(*parsed, "amount");
  (void)iothub::http::OptionalString(*parsed, "note");
  return 0;
}
