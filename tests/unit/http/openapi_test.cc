// The OpenAPI document matches the server: every documented operation answers (never
// "no_route" 404 or 405), and every registered route is documented.
#include "http/openapi.h"

#include "unit/http/api_fixture.h"

namespace iothub::http::testing {
namespace {

using OpenApiTest = ApiTest;

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// Every path and method in the served document is answered by a route.
TEST_F(OpenApiTest, EveryDocumentedRouteAnswers) {
  Answer doc = Get("/api/openapi.json", {});
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.body["openapi"], "3.0.3");
  std::size_t operations = 0;
  for (const auto& [path_template, methods] : doc.body["paths"].items()) {
    std::string path = path_template;
    for (const std::string& name : PathParams(path_template)) {
      path.replace(path.find("{" + name + "}"), name.size() + 2, "does-not-exist");
    }
    for (const auto& [method, operation] : methods.items()) {
      ++operations;
      EXPECT_TRUE(operation.contains("summary"));
      EXPECT_TRUE(operation["responses"].is_object());
      Answer answer = Send(Upper(method), path, AdminToken(), "{}");
      if (Upper(method) == "GET") answer = Get(path, AdminToken());
      EXPECT_NE(answer.status, 405) << method << " " << path;
      EXPECT_NE(Code(answer), "no_route") << method << " " << path;
      EXPECT_NE(answer.status, 0) << method << " " << path;
    }
  }
  EXPECT_EQ(operations, ApiRoutes().size());
}

// Every route of the table is in the document, with its body schema when it has one.
TEST_F(OpenApiTest, EveryRegisteredRouteIsDocumented) {
  const json doc = BuildOpenApi(ApiRoutes(), "x");
  for (const Route& route : ApiRoutes()) {
    std::string method(ToString(route.method));
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(doc["paths"].contains(route.path)) << route.path;
    ASSERT_TRUE(doc["paths"][route.path].contains(method)) << method << " " << route.path;
    const json& op = doc["paths"][route.path][method];
    EXPECT_EQ(op.contains("requestBody"), route.body.has_value()) << route.path;
    if (route.body) {
      const json& schema = op["requestBody"]["content"]["application/json"]["schema"];
      EXPECT_EQ(schema["additionalProperties"], false);
      EXPECT_EQ(schema["properties"].size(), route.body->fields.size());
    }
    if (route.access != Access::kPublic) {
      EXPECT_TRUE(op["responses"].contains("401"));
    }
  }
}

// Every $ref points at a defined schema.
TEST_F(OpenApiTest, RefsResolve) {
  const json doc = BuildOpenApi(ApiRoutes(), "x");
  const std::string text = doc.dump();
  std::size_t at = 0;
  const std::string prefix = "#/components/schemas/";
  while ((at = text.find(prefix, at)) != std::string::npos) {
    at += prefix.size();
    const std::string name = text.substr(at, text.find('"', at) - at);
    EXPECT_TRUE(doc["components"]["schemas"].contains(name)) << name;
  }
}

}  // namespace
}  // namespace iothub::http::testing
