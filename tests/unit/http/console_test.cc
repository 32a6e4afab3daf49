// The web console as the hub serves it: the page and its files with their content
// types, ETag revalidation, the security headers on every answer (404 and 304 too), and
// nothing outside the embedded files -- unknown names and traversal attempts are 404.
#include "http/web_assets.h"
#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

class ConsoleTest : public ApiTest {
 protected:
  static std::string Header(const Answer& answer, const std::string& name) {
    auto it = answer.headers.find(name);
    return it == answer.headers.end() ? "" : it->second;
  }
  static void ExpectSecurityHeaders(const Answer& answer, const std::string& what);
};

void ConsoleTest::ExpectSecurityHeaders(const Answer& answer, const std::string& what) {
  EXPECT_EQ(Header(answer, "Content-Security-Policy"),
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
      << what;
  EXPECT_EQ(Header(answer, "X-Content-Type-Options"), "nosniff") << what;
  EXPECT_EQ(Header(answer, "Referrer-Policy"), "no-referrer") << what;
  EXPECT_EQ(Header(answer, "X-Frame-Options"), "DENY") << what;
}

TEST_F(ConsoleTest, ThePageLoadsItsOwnScriptsAndStylesOnly) {
  Answer page = Get("/", {});
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(Header(page, "Content-Type"), "text/html; charset=utf-8");
  ExpectSecurityHeaders(page, "/");
  EXPECT_NE(page.text.find("<script type=\"module\" src=\"/console/app.js\"></script>"),
            std::string::npos);
  // No inline script or style, nothing from another origin.
  EXPECT_EQ(page.text.find("<script>"), std::string::npos);
  EXPECT_EQ(page.text.find("<style"), std::string::npos);
  EXPECT_EQ(page.text.find("style="), std::string::npos);
  EXPECT_EQ(page.text.find("http://"), std::string::npos);
  EXPECT_EQ(page.text.find("https://"), std::string::npos);
}

TEST_F(ConsoleTest, EveryFileIsServedWithItsContentType) {
  ASSERT_FALSE(WebAssets().empty());
  for (const WebAsset& asset : WebAssets()) {
    const std::string path = asset.path == "index.html" ? "/" : "/" + std::string(asset.path);
    Answer answer = Get(path, {});
    ASSERT_EQ(answer.status, 200) << path;
    EXPECT_EQ(answer.text, asset.bytes) << path;
    EXPECT_EQ(Header(answer, "Content-Type"), ConsoleContentType(asset.path)) << path;
    EXPECT_EQ(Header(answer, "ETag"), asset.etag) << path;
    EXPECT_EQ(Header(answer, "Cache-Control"), "no-cache") << path;
    ExpectSecurityHeaders(answer, path);
    // No file of the console refers to anything outside the hub.
    EXPECT_EQ(answer.text.find("http://"), std::string::npos) << path;
    EXPECT_EQ(answer.text.find("https://"), std::string::npos) << path;
  }
  EXPECT_EQ(ConsoleContentType("console/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ConsoleContentType("console/app.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ConsoleContentType("x.bin"), "application/octet-stream");
}

TEST_F(ConsoleTest, AnUnchangedFileIsRevalidatedWith304) {
  Answer first = Get("/console/app.js", {});
  ASSERT_EQ(first.status, 200);
  const std::string etag = Header(first, "ETag");
  ASSERT_FALSE(etag.empty());
  Answer again = Get("/console/app.js", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.text.empty());
  ExpectSecurityHeaders(again, "304");
  Answer stale = Get("/console/app.js", {{"If-None-Match", "\"something-else\""}});
  EXPECT_EQ(stale.status, 200);
}

TEST_F(ConsoleTest, UnknownNamesAndTraversalAre404) {
  for (const std::string path :
       {"/console/nope.js", "/console/", "/console/../index.html", "/console/%2e%2e/index.html",
        "/console/..%2findex.html", "/console/console/app.js", "/console/app.js%00",
        "/console//app.js", "/console/../../../etc/passwd", "/index.html"}) {
    Answer answer = Get(path, {});
    EXPECT_EQ(answer.status, 404) << path;
    EXPECT_EQ(answer.text.find("iot-hub console"), std::string::npos) << path;
    if (path.starts_with("/console/")) ExpectSecurityHeaders(answer, path);
  }
}

TEST_F(ConsoleTest, TheConsoleNeedsNoCredentialButTheApiStillDoes) {
  EXPECT_EQ(Get("/", {}).status, 200);
  EXPECT_EQ(Get("/api/fleet/overview", {}).status, 401);
  // Only GET (and HEAD) serve the console.
  Answer post = Send("POST", "/", {}, "{}");
  EXPECT_EQ(post.status, 404);
}

}  // namespace
}  // namespace iothub::http::testing
