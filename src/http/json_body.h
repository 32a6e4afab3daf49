// Parsing a request body against a route's BodySchema: the Content-Type must be JSON
// (415), the text valid JSON under the hub's parse policy (common/json_parse.h: at most
// 32 levels deep, no duplicate keys) (400) holding an object whose fields all belong to the
// schema (400 naming an unknown field), with every required field present and every
// field of its declared type (400 with one detail per bad field).
//
// Also the field readers handlers use after validation. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "http/api_error.h"
#include "http/route_table.h"

namespace iothub::http {

// True for "application/json" (any case), optionally with parameters ("; charset=...").
bool IsJsonContentType(std::string_view content_type);

// The validated body object, or the error (415 / 400).
Result<nlohmann::json> ParseJsonBody(std::string_view content_type, std::string_view body,
                                     const BodySchema& schema);

// The JSON Schema (OpenAPI 3.0) of `schema`.
nlohmann::json BodySchemaToJson(const BodySchema& schema);

// Readers of validated fields: nullopt when absent (or null).
std::optional<std::string> OptionalString(const nlohmann::json& body, const char* name);
std::optional<std::int64_t> OptionalInteger(const nlohmann::json& body, const char* name);
// A kStringOrNumber field as decimal text (12.5 -> "12.5").
std::optional<std::string> OptionalDecimal(const nlohmann::json& body, const char* name);

}  // namespace iothub::http
