#include "http/api_error.h"

#include <spdlog/spdlog.h>

#include "common/printable.h"

namespace iothub::http {

std::string StatusMessage(const absl::Status& status) {
  const auto message = status.message();
  return std::string(message.data(), message.size());
}

nlohmann::json ErrorToJson(const ApiError& error) {
  nlohmann::json details = nlohmann::json::array();
  for (const FieldProblem& problem : error.details) {
    details.push_back({{"field", problem.field}, {"problem", problem.problem}});
  }
  return {{"error", {{"code", error.code}, {"message", error.message}, {"details", details}}}};
}

ApiError BadRequest(std::string message, std::vector<FieldProblem> details) {
  return {400, "invalid_argument", std::move(message), std::move(details)};
}

ApiError FieldError(std::string field, std::string problem) {
  std::string message = field + ": " + problem;
  return BadRequest(std::move(message), {{std::move(field), std::move(problem)}});
}

ApiError Unauthenticated(std::string message) {
  return {401, "unauthenticated", std::move(message), {}};
}

ApiError Forbidden(std::string message) {
  return {403, "permission_denied", std::move(message), {}};
}

ApiError NotFound(std::string message) { return {404, "not_found", std::move(message), {}}; }

ApiError Conflict(std::string message) { return {409, "conflict", std::move(message), {}}; }

ApiError Unavailable(std::string message) { return {503, "unavailable", std::move(message), {}}; }

ApiError Internal() { return {500, "internal", "internal error; see the server log", {}}; }

ApiError ErrorFromStatus(const absl::Status& status, std::string_view field) {
  std::string message = StatusMessage(status);
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: {
      std::vector<FieldProblem> details;
      if (!field.empty()) details.push_back({std::string(field), message});
      return BadRequest(std::move(message), std::move(details));
    }
    case absl::StatusCode::kUnauthenticated:
      return Unauthenticated(std::move(message));
    case absl::StatusCode::kPermissionDenied:
      return Forbidden(std::move(message));
    case absl::StatusCode::kNotFound:
      return NotFound(std::move(message));
    case absl::StatusCode::kAlreadyExists:
      return {409, "already_exists", std::move(message), {}};
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return {409, "failed_precondition", std::move(message), {}};
    case absl::StatusCode::kResourceExhausted:
      return {409, "resource_exhausted", std::move(message), {}};
    case absl::StatusCode::kDeadlineExceeded:
      return {408, "deadline_exceeded", std::move(message), {}};
    case absl::StatusCode::kUnavailable:
      return Unavailable(std::move(message));
    default:
      spdlog::error("http: internal error: {}", Printable(message, 512));
      return Internal();
  }
}

}  // namespace iothub::http
