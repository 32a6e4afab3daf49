// The web console's files (web/ in the source tree), built into the binary by
// cmake/embed_web.cmake, so the hub serves them without reading its install directory
// and nothing is fetched from elsewhere. Immutable; thread-safe.
#pragma once

#include <string_view>
#include <vector>

namespace iothub::http {

struct WebAsset {
  std::string_view path;   // relative to web/: "index.html", "console/app.js"
  std::string_view etag;   // quoted, from the content's SHA-256: "\"3f2a...\""
  std::string_view bytes;  // the file's content
};

// Every file, sorted by path. Defined in the generated web_assets.cc.
const std::vector<WebAsset>& WebAssets();

}  // namespace iothub::http
