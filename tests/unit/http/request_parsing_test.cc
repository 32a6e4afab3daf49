// Pure parts: body schema validation, content types, paging, path ids, path templates.
#include <gtest/gtest.h>

#include "http/json_body.h"
#include "http/request_params.h"
#include "http/route_table.h"

namespace iothub::http {
namespace {

using nlohmann::json;

const BodySchema kSchema{{{"name", FieldType::kString, true, ""},
                          {"count", FieldType::kInteger, false, ""},
                          {"note", FieldType::kNullableString, false, ""}}};

// A valid body passes; optional fields may be absent or null.
TEST(JsonBodyTest, AcceptsValidBodies) {
  EXPECT_TRUE(ParseJsonBody("application/json", R"({"name":"x"})", kSchema).ok());
  EXPECT_TRUE(
      ParseJsonBody("application/json", R"({"name":"x","count":null,"note":null})", kSchema).ok());
}

// Each kind of bad body is refused with the right status and field.
TEST(JsonBodyTest, RefusesBadBodies) {
  EXPECT_EQ(ParseJsonBody("text/plain", R"({"name":"x"})", kSchema).error().status, 415);
  EXPECT_EQ(ParseJsonBody("", R"({"name":"x"})", kSchema).error().status, 415);
  EXPECT_EQ(ParseJsonBody("application/json", "{", kSchema).error().status, 400);
  auto missing = ParseJsonBody("application/json", "{}", kSchema);
  EXPECT_EQ(missing.error().details.at(0).field, "name");
  auto wrong = ParseJsonBody("application/json", R"({"name":"x","count":1.5})", kSchema);
  EXPECT_EQ(wrong.error().details.at(0).field, "count");
  auto unknown = ParseJsonBody("application/json", R"({"name":"x","bad\u0000key":1})", kSchema);
  EXPECT_EQ(unknown.error().details.at(0).field, "bad\\x00key");
}

// Content types: JSON with parameters and any case.
TEST(JsonBodyTest, ContentTypes) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON; charset=utf-8"));
  EXPECT_FALSE(IsJsonContentType("application/json-patch+json"));
  EXPECT_FALSE(IsJsonContentType("text/json"));
}

// Paging defaults and bounds.
TEST(RequestParamsTest, Paging) {
  auto defaults = ParsePaging({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->page, 1);
  EXPECT_EQ(defaults->limit, 10);
  EXPECT_EQ(ParsePaging({{"limit", "100"}})->limit, 100);
  EXPECT_FALSE(ParsePaging({{"limit", "101"}}).ok());
  EXPECT_FALSE(ParsePaging({{"page", "0"}}).ok());
  EXPECT_FALSE(ParsePaging({{"page", "+1"}}).ok());
  EXPECT_FALSE(ParsePaging({{"page", "99999999999999999999"}}).ok());
  EXPECT_FALSE(ParsePaging({{"page", "1"}, {"page", "2"}}).ok());
}

// Path ids and fingerprints.
TEST(RequestParamsTest, PathIds) {
  EXPECT_FALSE(CheckPathId("id", "dev-1_A").has_value());
  for (std::string_view bad : std::initializer_list<std::string_view>{
           "", "..", "a/b", std::string_view("a\0b", 3), "a b", "é"}) {
    EXPECT_TRUE(CheckPathId("id", bad).has_value()) << bad;
  }
  EXPECT_FALSE(CheckPathFingerprint("AB:cd:01").has_value());
  EXPECT_TRUE(CheckPathFingerprint("AB:cd:0g").has_value());
  EXPECT_TRUE(CheckPathFingerprint("../x").has_value());
}

// Path templates become one-segment regexes.
TEST(RouteTableTest, PathTemplates) {
  EXPECT_EQ(PathRegex("/api/users/{id}/plan"), "/api/users/([^/]+)/plan");
  EXPECT_EQ(PathRegex("/api/openapi.json"), "/api/openapi\\.json");
  EXPECT_EQ(PathParams("/a/{x}/b/{y}"), (std::vector<std::string>{"x", "y"}));
}

// Every route has a handler, a summary and at least one response; no duplicates.
TEST(RouteTableTest, TableIsComplete) {
  std::set<std::string> seen;
  for (const Route& route : ApiRoutes()) {
    EXPECT_TRUE(route.handler) << route.path;
    EXPECT_FALSE(route.summary.empty()) << route.path;
    EXPECT_FALSE(route.responses.empty()) << route.path;
    EXPECT_TRUE(route.path.starts_with("/api/")) << route.path;
    EXPECT_TRUE(seen.insert(std::string(ToString(route.method)) + route.path).second) << route.path;
  }
  EXPECT_EQ(seen.size(), 44u);
}

}  // namespace
}  // namespace iothub::http
