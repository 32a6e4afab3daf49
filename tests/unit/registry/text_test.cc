// Input checks, time formatting, paging and ids: the small pure helpers.
#include <gtest/gtest.h>

#include <set>

#include "registry/input_checks.h"
#include "registry/paging.h"
#include "registry/time_format.h"
#include "registry/uuid.h"

namespace iothub::registry {
namespace {

// Quoting keeps messages on one printable line and bounded in length.
TEST(InputChecksTest, QuoteEscapesAndTruncates) {
  EXPECT_EQ(Quote("abc"), "'abc'");
  EXPECT_EQ(Quote("a\nb"), "'a\\x0Ab'");
  EXPECT_EQ(Quote("it's"), "'it\\x27s'");
  EXPECT_EQ(Quote(std::string(100, 'x')), "'" + std::string(64, 'x') + "...'");
}

// UTF-8 is counted in code points; invalid and control characters are refused.
TEST(InputChecksTest, CountsPrintableUtf8) {
  EXPECT_EQ(CountPrintableUtf8("abc"), 3);
  EXPECT_EQ(CountPrintableUtf8("\xc3\xa9t\xc3\xa9"), 3);
  EXPECT_EQ(CountPrintableUtf8("\xf0\x9f\x98\x80"), 1);
  EXPECT_EQ(CountPrintableUtf8("a\tb"), -1);
  EXPECT_EQ(CountPrintableUtf8("\x7f"), -1);
  EXPECT_EQ(CountPrintableUtf8("\xc2\x85"), -1);      // C1 NEL
  EXPECT_EQ(CountPrintableUtf8("\xc0\xaf"), -1);      // overlong '/'
  EXPECT_EQ(CountPrintableUtf8("\xed\xa0\x80"), -1);  // surrogate
  EXPECT_EQ(CountPrintableUtf8("\xe2\x82"), -1);      // truncated
}

// Device ids: the id alphabet, at most 57 characters.
TEST(InputChecksTest, DeviceIds) {
  EXPECT_TRUE(CheckDeviceId("abc-DEF_123").ok());
  EXPECT_TRUE(CheckDeviceId(std::string(57, 'a')).ok());
  EXPECT_FALSE(CheckDeviceId(std::string(58, 'a')).ok());
  for (const char* bad : {"", "a/b", "a+", "#", "a b", "a.b", "a'b", "a;b", "ä"}) {
    EXPECT_FALSE(CheckDeviceId(bad).ok()) << bad;
  }
}

// ISO 8601 formatting with milliseconds, and parsing with Z or an offset.
TEST(TimeFormatTest, FormatsAndParses) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(*ParseIso8601("2023-11-14T22:13:20.123Z"), 1'700'000'000'123);
  EXPECT_EQ(*ParseIso8601("2023-11-14T22:13:20Z"), 1'700'000'000'000);
  EXPECT_EQ(*ParseIso8601("2023-11-15T00:13:20+02:00"), 1'700'000'000'000);
  EXPECT_EQ(*ParseIso8601("2023-11-14T22:13:20.1Z"), 1'700'000'000'100);
  for (const char* bad :
       {"", "2023-11-14", "2023-11-14T22:13:20", "2023-02-30T00:00:00Z", "2023-11-14T24:00:00Z",
        "2023-11-14T22:13:20Zjunk", "1969-12-31T23:59:59Z", "2023-11-14T22:13:20.Z"}) {
    EXPECT_FALSE(ParseIso8601(bad).ok()) << bad;
  }
}

// Paging bounds: page >= 1, limit 1-100.
TEST(PagingTest, Bounds) {
  EXPECT_EQ(*PageOffset({.page = 1, .limit = 10}), 0);
  EXPECT_EQ(*PageOffset({.page = 3, .limit = 100}), 200);
  EXPECT_FALSE(PageOffset({.page = 0, .limit = 10}).ok());
  EXPECT_FALSE(PageOffset({.page = -5, .limit = 10}).ok());
  EXPECT_FALSE(PageOffset({.page = 1, .limit = 0}).ok());
  EXPECT_FALSE(PageOffset({.page = 1, .limit = 101}).ok());
  EXPECT_FALSE(PageOffset({.page = kMaxPage + 1, .limit = 100}).ok());
}

// UUIDs are version 4, RFC 4122 variant, and distinct.
TEST(UuidTest, RandomVersion4) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = NewUuidV4();
    ASSERT_TRUE(id.ok());
    ASSERT_EQ(id->size(), 36u);
    EXPECT_EQ((*id)[14], '4');
    EXPECT_NE(std::string("89ab").find((*id)[19]), std::string::npos);
    seen.insert(*id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace iothub::registry
