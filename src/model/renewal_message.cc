#include "model/renewal_message.h"

#include <nlohmann/json.hpp>

#include "common/ids.h"

namespace iothub {
namespace {

using nlohmann::json;

}  // namespace

std::string_view ToString(RenewError error) {
  switch (error) {
    case RenewError::kBadRequest:
      return "bad_request";
    case RenewError::kCsrInvalid:
      return "csr_invalid";
    case RenewError::kKeyReused:
      return "key_reused";
    case RenewError::kRateLimited:
      return "rate_limited";
    case RenewError::kNotRenewable:
      return "not_renewable";
    case RenewError::kInternal:
      return "internal";
  }
  return "internal";
}

absl::StatusOr<RenewRequest> ParseRenewRequest(std::string_view payload) {
  if (payload.size() > kMaxRenewRequestBytes) {
    return absl::InvalidArgumentError("request larger than 20 KB");
  }
  const json parsed = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return absl::InvalidArgumentError("request is not a JSON object");
  RenewRequest request;
  for (const auto& [key, value] : parsed.items()) {
    if (key == "id" && value.is_string() && IsValidId(value.get_ref<const std::string&>())) {
      request.id = value.get<std::string>();
    } else if (key == "csr" && value.is_string()) {
      request.csr = value.get<std::string>();
    } else if (key == "id") {
      return absl::InvalidArgumentError("id: must be 1-64 characters of [A-Za-z0-9_-]");
    } else if (key == "csr") {
      return absl::InvalidArgumentError("csr: must be a string (a PEM CSR)");
    } else {
      return absl::InvalidArgumentError("unknown field " + key);
    }
  }
  if (request.id.empty()) return absl::InvalidArgumentError("id: missing");
  if (request.csr.empty()) return absl::InvalidArgumentError("csr: missing");
  return request;
}

std::string FormatRenewRequest(const RenewRequest& request) {
  return json{{"id", request.id}, {"csr", request.csr}}.dump();
}

std::string FormatRenewResult(std::string_view id, const RenewResult& result) {
  return json{{"id", id},
              {"result",
               {{"certificate", result.certificate_pem},
                {"caCertificate", result.ca_certificate_pem},
                {"fingerprint", result.fingerprint},
                {"serialNumber", result.serial_number},
                {"validFrom", result.valid_from},
                {"validTo", result.valid_to},
                {"graceUntil", result.grace_until}}}}
      .dump();
}

std::string FormatRenewError(std::optional<std::string_view> id, RenewError error,
                             std::string_view message) {
  json reply{{"id", nullptr}, {"error", {{"code", ToString(error)}, {"message", message}}}};
  if (id) reply["id"] = *id;
  // The message may quote what the client sent: never fail on invalid UTF-8.
  return reply.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<RenewReply> ParseRenewReply(std::string_view payload) {
  const json parsed = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return absl::InvalidArgumentError("reply is not a JSON object");
  RenewReply reply;
  if (auto id = parsed.find("id"); id != parsed.end() && id->is_string()) {
    reply.id = id->get<std::string>();
  }
  try {
    if (auto result = parsed.find("result"); result != parsed.end()) {
      reply.result =
          RenewResult{.certificate_pem = result->at("certificate").get<std::string>(),
                      .ca_certificate_pem = result->at("caCertificate").get<std::string>(),
                      .fingerprint = result->at("fingerprint").get<std::string>(),
                      .serial_number = result->at("serialNumber").get<std::string>(),
                      .valid_from = result->at("validFrom").get<UnixMillis>(),
                      .valid_to = result->at("validTo").get<UnixMillis>(),
                      .grace_until = result->at("graceUntil").get<UnixMillis>()};
    } else {
      const json& error = parsed.at("error");
      reply.error_code = error.at("code").get<std::string>();
      reply.error_message = error.at("message").get<std::string>();
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(std::string("malformed reply: ") + e.what());
  }
  return reply;
}

}  // namespace iothub
