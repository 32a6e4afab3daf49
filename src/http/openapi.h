// The OpenAPI 3.0 document of the HTTP API, built from the route table (route_table.h)
// that RegisterApi registers, so it lists exactly the routes the server answers.
// Pure function; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "http/route_table.h"

namespace iothub::http {

// The document for `routes`: paths, parameters, request bodies (from BodySchema),
// responses (the route's own plus the error answers its access rule and body imply),
// security schemes (bearer JWT or admin token; OAuth2 Proxy headers) and schemas.
nlohmann::json BuildOpenApi(const std::vector<Route>& routes, const std::string& version);

}  // namespace iothub::http
