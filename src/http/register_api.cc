#include "http/register_api.h"

#include <spdlog/spdlog.h>

#include <regex>

#include "common/printable.h"
#include "http/access_log.h"
#include "http/authenticate_caller.h"
#include "http/json_body.h"
#include "http/route_table.h"

namespace iothub::http {
namespace {

using nlohmann::json;

void Write(const Reply& reply, httplib::Response& response) {
  response.status = reply.status;
  response.set_header("Cache-Control", "no-store");
  if (reply.status == 401) response.set_header("WWW-Authenticate", "Bearer realm=\"iot-hub\"");
  for (const auto& [name, value] : reply.headers) response.set_header(name, value);
  if (reply.status == 204) return;
  if (reply.content_type == "application/json") {
    response.set_content(reply.json.dump(-1, ' ', false, json::error_handler_t::replace),
                         "application/json");
  } else {
    response.set_content(reply.text, reply.content_type);
  }
}

Reply Dispatch(ApiContext& context, const Route& route, const httplib::Request& request) {
  NoteRoute(route.path);
  std::optional<Caller> caller;
  if (route.access != Access::kPublic) {
    Result<Caller> found = AuthenticateCaller(request, context);
    if (!found.ok()) return ErrorReply(found.error());
    caller = std::move(*found);
    NoteCaller(caller->actor);
    if (route.access == Access::kAdmin && !caller->admin) {
      return ErrorReply(Forbidden("this endpoint is for admins only"));
    }
  }
  // httplib enforces the limit while reading; this is a second line of defence.
  if (request.body.size() > context.options.body_limit_bytes) {
    return ErrorReply(
        {413,
         "payload_too_large",
         "the body is larger than " + std::to_string(context.options.body_limit_bytes) + " bytes",
         {}});
  }
  RequestContext input;
  input.caller = caller ? &*caller : nullptr;
  input.query = request.params;
  const std::vector<std::string> names = PathParams(route.path);
  for (std::size_t i = 0; i < names.size() && i + 1 < request.matches.size(); ++i) {
    input.path[names[i]] = request.matches[i + 1].str();
  }
  if (route.body) {
    Result<json> body =
        ParseJsonBody(request.get_header_value("Content-Type"), request.body, *route.body);
    if (!body.ok()) return ErrorReply(body.error());
    input.body = std::move(*body);
  }
  try {
    return route.handler(context, input);
  } catch (const std::exception& e) {
    spdlog::error("http: {} {} threw: {}", ToString(route.method), route.path,
                  Printable(e.what(), 256));
    return ErrorReply(Internal());
  }
}

void Register(httplib::Server& server, ApiContext& context, const Route& route) {
  auto handler = [&context, &route](const httplib::Request& request, httplib::Response& response) {
    Write(Dispatch(context, route, request), response);
  };
  const std::string pattern = PathRegex(route.path);
  switch (route.method) {
    case Method::kGet:
      server.Get(pattern, handler);
      break;
    case Method::kPost:
      server.Post(pattern, handler);
      break;
    case Method::kPut:
      server.Put(pattern, handler);
      break;
    case Method::kPatch:
      server.Patch(pattern, handler);
      break;
    case Method::kDelete:
      server.Delete(pattern, handler);
      break;
  }
}

// The methods of the routes whose path matches `path` ("GET, POST"), empty if none.
std::string AllowedMethods(const std::string& path) {
  static const std::vector<std::pair<std::regex, Method>>* const patterns = [] {
    auto* list = new std::vector<std::pair<std::regex, Method>>();
    for (const Route& route : ApiRoutes()) {
      list->emplace_back(std::regex(PathRegex(route.path)), route.method);
    }
    return list;
  }();
  std::string allowed;
  for (const auto& [pattern, method] : *patterns) {
    if (!std::regex_match(path, pattern)) continue;
    const std::string_view name = ToString(method);
    if (allowed.find(name) != std::string::npos) continue;
    allowed += (allowed.empty() ? "" : ", ") + std::string(name);
  }
  return allowed;
}

// JSON bodies for the answers httplib makes itself (no route, body too large, bad
// request line). Answers of our handlers already have a body and are left alone.
httplib::Server::HandlerResponse OnError(const httplib::Request& request,
                                         httplib::Response& response) {
  if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  ApiError error;
  if (response.status == 404) {
    if (std::string allowed = AllowedMethods(request.path); !allowed.empty()) {
      response.status = 405;
      response.set_header("Allow", allowed);
      error = {405,
               "method_not_allowed",
               "method " + Printable(request.method, 16) + " is not allowed here; use " + allowed,
               {}};
    } else {
      error = {404, "no_route", "no such endpoint: " + Printable(request.path, 128), {}};
    }
  } else if (response.status == 413) {
    error = {413, "payload_too_large", "the body is larger than the server accepts", {}};
  } else if (response.status == 414) {
    error = {414, "uri_too_long", "the request URI is too long", {}};
  } else if (response.status == 400) {
    error = BadRequest("malformed HTTP request");
  } else {
    error = {response.status, "http_error", "the request failed", {}};
  }
  response.set_header("Cache-Control", "no-store");
  response.set_content(ErrorToJson(error).dump(), "application/json");
  return httplib::Server::HandlerResponse::Handled;
}

}  // namespace

void RegisterApi(httplib::Server& server, ApiContext& context) {
  server.set_payload_max_length(context.options.body_limit_bytes);
  server.set_pre_routing_handler(
      [&context](const httplib::Request& request, httplib::Response& response) {
        BeginRequest(context.clock);
        // httplib 0.11 bounds only Content-Length bodies; a chunked body would be read
        // into memory whole before any limit applies, so it is refused before reading.
        if (request.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos) {
          Write(ErrorReply({411,
                            "length_required",
                            "send the body with Content-Length; chunked bodies are not accepted",
                            {}}),
                response);
          response.set_header("Connection", "close");
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      });
  for (const Route& route : ApiRoutes()) Register(server, context, route);
  server.set_error_handler(httplib::Server::HandlerWithResponse(OnError));
  server.set_exception_handler(
      [](const httplib::Request& request, httplib::Response& response, std::exception_ptr) {
        spdlog::error("http: exception while serving {}", Printable(request.path, 128));
        response.status = 500;
        response.set_content(ErrorToJson(Internal()).dump(), "application/json");
      });
  server.set_logger([&context](const httplib::Request& request, const httplib::Response& response) {
    LogRequest(request, response, context.clock, context.metrics, context.log_throttle);
  });
}

}  // namespace iothub::http
