#include "http/console_routes.h"

#include <algorithm>
#include <string>

#include "http/web_assets.h"

namespace iothub::http {
namespace {

const WebAsset* FindAsset(std::string_view path) {
  const std::vector<WebAsset>& assets = WebAssets();
  auto it = std::lower_bound(assets.begin(), assets.end(), path,
                             [](const WebAsset& a, std::string_view p) { return a.path < p; });
  return it != assets.end() && it->path == path ? &*it : nullptr;
}

void SetSecurityHeaders(httplib::Response& response) {
  response.set_header("Content-Security-Policy", std::string(kConsoleContentSecurityPolicy));
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("X-Frame-Options", "DENY");
}

// Answers `path` (relative to web/) from the embedded files.
void Serve(std::string_view path, const httplib::Request& request, httplib::Response& response) {
  SetSecurityHeaders(response);
  const WebAsset* asset = FindAsset(path);
  // Only the console's own files are public: web/ holds nothing else, but a stray
  // name is refused rather than served.
  if (asset == nullptr || path.find("..") != std::string_view::npos) {
    response.status = 404;
    response.set_header("Cache-Control", "no-store");
    response.set_content("not found\n", "text/plain; charset=utf-8");
    return;
  }
  response.set_header("Cache-Control", "no-cache");
  response.set_header("ETag", std::string(asset->etag));
  if (request.get_header_value("If-None-Match") == asset->etag) {
    response.status = 304;
    return;
  }
  response.status = 200;
  response.set_content(asset->bytes.data(), asset->bytes.size(),
                       std::string(ConsoleContentType(path)));
}

}  // namespace

std::string_view ConsoleContentType(std::string_view path) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr Type kTypes[] = {{".html", "text/html; charset=utf-8"},
                                    {".js", "text/javascript; charset=utf-8"},
                                    {".css", "text/css; charset=utf-8"},
                                    {".svg", "image/svg+xml"},
                                    {".png", "image/png"},
                                    {".ico", "image/x-icon"}};
  for (const Type& type : kTypes) {
    if (path.ends_with(type.extension)) return type.content_type;
  }
  return "application/octet-stream";
}

void RegisterConsole(httplib::Server& server) {
  server.Get("/", [](const httplib::Request& request, httplib::Response& response) {
    Serve("index.html", request, response);
  });
  server.Get("/console/(.*)", [](const httplib::Request& request, httplib::Response& response) {
    Serve("console/" + request.matches[1].str(), request, response);
  });
}

}  // namespace iothub::http
