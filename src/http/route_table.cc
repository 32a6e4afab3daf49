#include "http/route_table.h"

namespace iothub::http {

std::string_view ToString(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
  }
  return "GET";
}

Reply JsonReply(int status, nlohmann::json body) {
  Reply reply;
  reply.status = status;
  reply.json = std::move(body);
  return reply;
}

Reply TextReply(int status, std::string text, std::string content_type) {
  Reply reply;
  reply.status = status;
  reply.text = std::move(text);
  reply.content_type = std::move(content_type);
  return reply;
}

Reply NoContent() {
  Reply reply;
  reply.status = 204;
  reply.content_type.clear();
  return reply;
}

Reply ErrorReply(ApiError error) {
  Reply reply;
  reply.status = error.status;
  reply.json = ErrorToJson(error);
  reply.error = std::move(error);
  return reply;
}

const std::vector<Route>& ApiRoutes() {
  static const std::vector<Route>* const routes = [] {
    auto* all = new std::vector<Route>();
    for (auto part : {AuthRoutes(), UserRoutes(), DeviceRoutes(), CertificateRoutes(),
                      CommandRoutes(), AclRoutes(), AclRuleRoutes(), FleetRoutes(), AuditRoutes(),
                      CaRoutes(), OpenApiRoutes()}) {
      for (Route& route : part) all->push_back(std::move(route));
    }
    return all;
  }();
  return *routes;
}

std::vector<std::string> PathParams(const std::string& path) {
  std::vector<std::string> names;
  std::size_t at = 0;
  while ((at = path.find('{', at)) != std::string::npos) {
    const std::size_t end = path.find('}', at);
    names.push_back(path.substr(at + 1, end - at - 1));
    at = end;
  }
  return names;
}

std::string PathRegex(const std::string& path) {
  std::string regex;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      i = path.find('}', i);
      regex += "([^/]+)";
    } else if (path[i] == '.') {
      regex += '\\';
      regex += path[i];
    } else {
      regex += path[i];
    }
  }
  return regex;
}

}  // namespace iothub::http
