// The access log of the HTTP server: one line per request (method, path without the
// query, status, duration, caller's audit actor, remote address) and the request
// metrics iothub_http_requests_total{method,route,status} and
// iothub_http_request_duration_seconds{route}. Never logs headers, the query string or
// bodies, so tokens and secrets cannot reach the log. Lines of 401 and 403 answers go
// through the log throttle when one is given (common/log_throttle.h).
//
// Per-request state lives in a thread_local: httplib runs one request on one worker
// thread from the pre-routing handler to the logger, so BeginRequest, NoteRoute,
// NoteCaller and LogRequest of one request all see the same state.
#pragma once

#include <httplib.h>

#include <string_view>

#include "common/clock.h"
#include "common/log_throttle.h"
#include "common/metrics.h"

namespace iothub::http {

// Marks the start of a request on this thread (the pre-routing handler).
void BeginRequest(const Clock& clock);
// Records the matched route template and the caller's actor for this request.
void NoteRoute(std::string_view route);
void NoteCaller(std::string_view actor);
// Writes the line and updates the metrics; resets this thread's state. `throttle` may be
// null (every line at info).
void LogRequest(const httplib::Request& request, const httplib::Response& response,
                const Clock& clock, Metrics& metrics, LogThrottle* throttle);

}  // namespace iothub::http
