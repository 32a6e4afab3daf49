// Logging set-up: spdlog to stderr as text or as JSON lines, at the configured level.
// Call once at start, before any thread logs. Nothing secret is ever passed to a log call
// (tokens, keys, passwords, certificate bodies): callers log ids and reasons only.
#pragma once

#include <string>

namespace iothub::app {

void SetUpLogging(const std::string& level, const std::string& format);

}  // namespace iothub::app
