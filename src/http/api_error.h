// ApiError: an HTTP API failure as a value -- status, a stable snake_case code, a
// message a user understands, and field-level details for validation errors -- and
// its JSON form {"error": {"code", "message", "details"}}. Result<T>: a value or an
// ApiError. ErrorFromStatus maps the domain's absl::Status codes onto HTTP.
//
// Status choice: every invalid input is 400 (malformed JSON, wrong types, unknown or
// missing fields, and values the domain refuses); 422 is never used.
//
// Plain values and pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"

namespace iothub::http {

// One problem with one field of a request: {"field": "email", "problem": "..."}.
struct FieldProblem {
  std::string field;
  std::string problem;
};

struct ApiError {
  int status = 500;
  std::string code;  // "invalid_argument", "not_found", ...
  std::string message;
  std::vector<FieldProblem> details;
};

// {"error": {"code", "message", "details": [{"field", "problem"}...]}}
nlohmann::json ErrorToJson(const ApiError& error);

// Constructors of the common errors.
ApiError BadRequest(std::string message, std::vector<FieldProblem> details = {});
ApiError FieldError(std::string field, std::string problem);  // 400 with one detail
ApiError Unauthenticated(std::string message);                // 401
ApiError Forbidden(std::string message);                      // 403
ApiError NotFound(std::string message);                       // 404
ApiError Conflict(std::string message);                       // 409
ApiError Unavailable(std::string message);                    // 503
ApiError Internal();                                          // 500, nothing leaked

// The HTTP form of a domain status (must not be OK): InvalidArgument 400,
// Unauthenticated 401, PermissionDenied 403, NotFound 404, AlreadyExists /
// FailedPrecondition / ResourceExhausted / Aborted 409, DeadlineExceeded 408,
// Unavailable 503, anything else 500 with a generic message (the real one is logged).
// `field`, when given, becomes the detail of an InvalidArgument.
ApiError ErrorFromStatus(const absl::Status& status, std::string_view field = {});

// absl::string_view (Debian's absl) to std::string.
std::string StatusMessage(const absl::Status& status);

// A value or an ApiError (C++20 has no std::expected).
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(ApiError error) : value_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(value_); }
  // Valid only when ok().
  T& value() { return std::get<T>(value_); }
  const T& value() const { return std::get<T>(value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  // Valid only when !ok().
  const ApiError& error() const { return std::get<ApiError>(value_); }

 private:
  std::variant<T, ApiError> value_;
};

}  // namespace iothub::http
