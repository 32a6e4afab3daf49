// RegisterConsole: serves the web console (web_assets.h) on the API's server: GET / is
// the console's page, GET /console/<file> its scripts and styles. Every answer --
// 200, 304 and 404 alike -- carries a strict Content-Security-Policy (only the hub's
// own scripts, styles and API; no inline code, no framing), nosniff, no-referrer and
// X-Frame-Options DENY. Files have an ETag (If-None-Match gives 304) and
// "Cache-Control: no-cache", so a new hub version is picked up at once.
//
// A file is found by exact name in the embedded table, never on disk: "..", "%2e%2e" or
// any other path that is not a console file is a 404.
//
// The console holds no secret of its own: it signs in with the admin token (kept in
// sessionStorage and sent as Authorization: Bearer) or the OAuth2 proxy's identity.
// Call after RegisterApi, before the server starts.
#pragma once

#include <httplib.h>

#include <string_view>

namespace iothub::http {

inline constexpr std::string_view kConsoleContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

void RegisterConsole(httplib::Server& server);

// The Content-Type of a console file by its extension ("application/octet-stream" for
// an unknown one).
std::string_view ConsoleContentType(std::string_view path);

}  // namespace iothub::http
