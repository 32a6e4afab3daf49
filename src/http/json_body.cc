#include "http/json_body.h"

#include <algorithm>

#include "common/json_parse.h"
#include "common/printable.h"

namespace iothub::http {
namespace {

using nlohmann::json;

bool HasType(const json& value, FieldType type) {
  switch (type) {
    case FieldType::kString:
      return value.is_string();
    case FieldType::kInteger:
      return value.is_number_integer();
    case FieldType::kNumber:
      return value.is_number();
    case FieldType::kBoolean:
      return value.is_boolean();
    case FieldType::kObject:
      return value.is_object();
    case FieldType::kStringOrNumber:
      return value.is_string() || value.is_number();
    case FieldType::kNullableString:
      return value.is_string() || value.is_null();
  }
  return false;
}

std::string_view TypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "a string";
    case FieldType::kInteger:
      return "an integer";
    case FieldType::kNumber:
      return "a number";
    case FieldType::kBoolean:
      return "a boolean";
    case FieldType::kObject:
      return "an object";
    case FieldType::kStringOrNumber:
      return "a decimal string or a number";
    case FieldType::kNullableString:
      return "a string or null";
  }
  return "?";
}

json TypeSchema(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return {{"type", "string"}};
    case FieldType::kInteger:
      return {{"type", "integer"}};
    case FieldType::kNumber:
      return {{"type", "number"}};
    case FieldType::kBoolean:
      return {{"type", "boolean"}};
    case FieldType::kObject:
      return {{"type", "object"}, {"additionalProperties", true}};
    case FieldType::kStringOrNumber:
      return {{"oneOf", json::array({{{"type", "string"}}, {{"type", "number"}}})}};
    case FieldType::kNullableString:
      return {{"type", "string"}, {"nullable", true}};
  }
  return json::object();
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  const std::size_t semicolon = content_type.find(';');
  std::string_view media = content_type.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  while (!media.empty() && media.front() == ' ') media.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  return media.size() == kJson.size() &&
         std::equal(media.begin(), media.end(), kJson.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

Result<json> ParseJsonBody(std::string_view content_type, std::string_view body,
                           const BodySchema& schema) {
  if (!IsJsonContentType(content_type)) {
    return ApiError{415,
                    "unsupported_media_type",
                    "the body must be JSON: send 'Content-Type: application/json'",
                    {}};
  }
  // The size is already bounded by the body limit; the policy bounds the nesting.
  absl::StatusOr<json> doc = ParseJson(body, {.max_bytes = body.size()});
  if (!doc.ok()) return BadRequest("the body is not valid JSON: " + StatusMessage(doc.status()));
  json parsed = *std::move(doc);
  if (!parsed.is_object()) return BadRequest("the body must be a JSON object");

  std::vector<FieldProblem> problems;
  for (const auto& item : parsed.items()) {
    // A plain reference, not a structured binding: clang 14 (the fuzz build) cannot
    // capture those in a lambda.
    const std::string& name = item.key();
    const bool known = std::any_of(schema.fields.begin(), schema.fields.end(),
                                   [&](const FieldSpec& field) { return field.name == name; });
    if (!known) problems.push_back({Printable(name, 64), "unknown field"});
  }
  for (const FieldSpec& field : schema.fields) {
    const auto found = parsed.find(field.name);
    if (found == parsed.end()) {
      if (field.required) problems.push_back({field.name, "is required"});
      continue;
    }
    if (found->is_null() && !field.required && field.type != FieldType::kNullableString) {
      continue;  // an optional field given as null counts as absent
    }
    if (!HasType(*found, field.type)) {
      problems.push_back({field.name, "must be " + std::string(TypeName(field.type))});
    }
  }
  if (!problems.empty()) {
    std::string message = "invalid body: ";
    for (std::size_t i = 0; i < problems.size(); ++i) {
      message += (i == 0 ? "" : "; ") + problems[i].field + " " + problems[i].problem;
    }
    return BadRequest(std::move(message), std::move(problems));
  }
  return parsed;
}

json BodySchemaToJson(const BodySchema& schema) {
  json properties = json::object();
  json required = json::array();
  for (const FieldSpec& field : schema.fields) {
    json property = TypeSchema(field.type);
    if (!field.description.empty()) property["description"] = field.description;
    properties[field.name] = std::move(property);
    if (field.required) required.push_back(field.name);
  }
  json out{{"type", "object"}, {"properties", properties}, {"additionalProperties", false}};
  if (!required.empty()) out["required"] = required;
  return out;
}

std::optional<std::string> OptionalString(const json& body, const char* name) {
  const auto found = body.find(name);
  if (found == body.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

std::optional<std::int64_t> OptionalInteger(const json& body, const char* name) {
  const auto found = body.find(name);
  if (found == body.end() || !found->is_number_integer()) return std::nullopt;
  if (found->is_number_unsigned() &&
      found->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    return INT64_MAX;
  }
  return found->get<std::int64_t>();
}

std::optional<std::string> OptionalDecimal(const json& body, const char* name) {
  const auto found = body.find(name);
  if (found == body.end()) return std::nullopt;
  if (found->is_string()) return found->get<std::string>();
  if (found->is_number()) return found->dump();
  return std::nullopt;
}

}  // namespace iothub::http
