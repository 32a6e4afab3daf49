// The hub's version, from the CMake project version.
#pragma once

namespace iothub::app {

inline constexpr const char* kVersion = IOTHUB_VERSION;

}  // namespace iothub::app
