// RegisterApi: installs the HTTP API (the route table of route_table.h, under /api) on an
// httplib::Server, together with what every request goes through: authentication
// (caller.h), the body limit (413), JSON body validation (415/400), JSON errors
// {"error": {code, message, details}} also for httplib's own 404/405/413/400 answers,
// and the access log with request metrics (access_log.h).
//
//   http::ApiContext api{.registry = registry, .jwt_verifier = verifier.get(),
//                        .command_sender = &commands, .clock = clock, .metrics = metrics,
//                        .ca_key_type = crypto::KeyType::kEcP256,
//                        .options = {.admin_token = ..., .trusted_proxies = ...}};
//   http::RegisterApi(http_server.routes(), api);
//
// RegisterApi takes over the server's pre-routing handler, error handler, exception
// handler and logger, and sets its payload limit to options.body_limit_bytes; routes
// registered on the same server before it (e.g. /metrics) keep working. `context`
// must outlive the server. Call before the server starts; handlers then run
// concurrently on the server's threads.
#pragma once

#include <httplib.h>

#include "http/api_context.h"

namespace iothub::http {

void RegisterApi(httplib::Server& server, ApiContext& context);

}  // namespace iothub::http
