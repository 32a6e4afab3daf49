#include "common/json_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace iothub {
namespace {

// `levels` arrays nested in each other: "[[...]]".
std::string Nested(std::size_t levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// A plain document parses into the DOM nlohmann would build.
TEST(JsonParseTest, ParsesAnOrdinaryDocument) {
  auto doc = ParseJson(R"({"a":[1,2.5,"x",true,null],"b":{"c":-3}})");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(*doc, nlohmann::json::parse(R"({"a":[1,2.5,"x",true,null],"b":{"c":-3}})"));
}

// Exactly max_depth levels pass; one more is refused with the limit named.
TEST(JsonParseTest, DepthLimitIsExact) {
  EXPECT_TRUE(ParseJson(Nested(32)).ok());
  auto refused = ParseJson(Nested(33));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(Message(refused.status()), "nesting deeper than 32");
  EXPECT_TRUE(ParseJson(Nested(4), {.max_depth = 4}).ok());
  EXPECT_FALSE(ParseJson(Nested(5), {.max_depth = 4}).ok());
}

// The bodies that crashed the hub (100 000 and 500 000 levels) are refused, not built;
// objects count as levels like arrays.
TEST(JsonParseTest, HugeNestingIsRefusedWithoutBuildingIt) {
  EXPECT_EQ(Message(ParseJson(Nested(500000)).status()), "nesting deeper than 32");
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  EXPECT_EQ(Message(ParseJson(objects).status()), "nesting deeper than 32");
}

// Text over max_bytes is refused before parsing.
TEST(JsonParseTest, SizeLimit) {
  EXPECT_TRUE(ParseJson("[1,2]", {.max_bytes = 5}).ok());
  EXPECT_EQ(Message(ParseJson("[1,2] ", {.max_bytes = 5}).status()), "larger than 5 bytes");
}

// Bad inputs: each refused with a reason that echoes no input.
TEST(JsonParseTest, RefusesBadInput) {
  EXPECT_EQ(Message(ParseJson(R"({"a":1,"a":2})").status()), "duplicate key");
  EXPECT_EQ(Message(ParseJson("[1e309]").status()), "number out of range");
  EXPECT_EQ(Message(ParseJson("[1] x").status()), "invalid JSON or UTF-8 at byte 5");
  EXPECT_FALSE(ParseJson("\"\xff\"").ok());
  EXPECT_FALSE(ParseJson("").ok());
  EXPECT_FALSE(ParseJson("{\"secret-token\":").ok());
  EXPECT_EQ(Message(ParseJson("{\"secret-token\":").status()).find("secret"), std::string::npos);
}

}  // namespace
}  // namespace iothub
