#include "acl/topic.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "acl/topic_levels.h"

namespace iothub::acl {
namespace {

using namespace std::string_view_literals;

struct MatchCase {
  std::string_view filter;
  std::string_view topic;
  bool match;
};

// Table of filter/topic pairs: Mosquitto's cases plus empty levels, '$' topics,
// leading/trailing separators and malformed wildcards (never a match).
const MatchCase kMatchCases[] = {
    // Plain levels.
    {"foo/bar", "foo/bar", true},
    {"foo/bar", "foo", false},
    {"foo", "foo/bar", false},
    {"foo", "Foo", false},
    {"foo/bar", "foo/bar/", false},
    {"foo/bar/", "foo/bar/", true},
    {"foo//bar", "foo//bar", true},
    {"foo//bar", "foo/bar", false},
    {"/", "/", true},
    {"/foo", "/foo", true},
    {"/foo", "foo", false},
    {"\xC3\xBC/\xE6\x97\xA5", "\xC3\xBC/\xE6\x97\xA5", true},
    // '+' is exactly one level, possibly empty.
    {"foo/+", "foo/bar", true},
    {"foo/+", "foo/bar/baz", false},
    {"foo/+", "foo", false},
    {"foo/+", "foo/", true},
    {"foo/+/baz", "foo/bar/baz", true},
    {"foo/+/baz", "foo/bar/bar", false},
    {"foo//+", "foo//bar", true},
    {"foo/+/+/baz", "foo///baz", true},
    {"foo/bar/+", "foo/bar/", true},
    {"+", "foo", true},
    {"+", "/", false},
    {"+/+", "/", true},
    {"/+", "/", true},
    {"+/", "/", true},
    {"+/+", "foo", false},
    {"+/+/+", "a//", true},
    {"+", "foo/$SYS", false},
    {"foo/+", "foo/$SYS", true},
    // '#' is zero or more trailing levels.
    {"#", "foo/bar/baz", true},
    {"#", "/foo/bar", true},
    {"#", "/", true},
    {"#", "a//b", true},
    {"/#", "/foo/bar", true},
    {"/#", "foo/bar", false},
    {"foo/#", "foo", true},
    {"foo/#", "foo/", true},
    {"foo/#", "foo/bar/baz", true},
    {"foo/#", "foobar", false},
    {"foo/#", "fo", false},
    {"test/6/#", "test/3", false},
    {"foo/+/#", "foo/bar/baz", true},
    {"foo/+/#", "foo/bar", true},
    {"foo/+/#", "foo", false},
    {"foo/+/#", "fo2/bar/baz", false},
    {"A/B/+/#", "A/B/B/C", true},
    {"sport/tennis/player1/#", "sport/tennis/player1", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"+/tennis/#", "sport/tennis/player1", true},
    // '$' topics are not matched by a leading wildcard, only by a literal first level.
    {"#", "$SYS/bar", false},
    {"#", "$SYS", false},
    {"+/bar", "$SYS/bar", false},
    {"+", "$SYS", false},
    {"+/#", "$SYS/bar", false},
    {"+/monitor/Clients", "$SYS/monitor/Clients", false},
    {"$SYS/bar", "$SYS/bar", true},
    {"$BOB/bar", "$SYS/bar", false},
    {"$SYS/#", "$SYS", true},
    {"$SYS/#", "$SYS/broker/uptime", true},
    {"$SYS/+", "$SYS/bar", true},
    {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
    {"#", "/$SYS", true},
    {"+/x", "$/x", false},
    // Malformed filters never match, even "themselves".
    {"+foo", "+foo", false},
    {"+foo", "afoo", false},
    {"fo+o", "fo+o", false},
    {"fo+o", "foao", false},
    {"foo+", "foo+", false},
    {"foo+", "fooa", false},
    {"foo+", "foo", false},
    {"+foo/bar", "afoo/bar", false},
    {"foo+/bar", "fooa/bar", false},
    {"foo/+bar", "foo/abar", false},
    {"foo/bar+", "foo/bara", false},
    {"#foo", "#foo", false},
    {"fo#o", "fo#o", false},
    {"foo#", "foo#", false},
    {"foo#", "foo", false},
    {"fo#o/", "foo", false},
    {"foo/#a", "foo", false},
    {"#a", "foo", false},
    {"/#a", "foo/bar", false},
    {"foo/#/bar", "foo/x/bar", false},
    {"a/#/b", "a/x/b", false},
    {"#/a", "x/a", false},
    {"##", "x", false},
    {"++", "x", false},
    // Topics holding wildcards are not topic names: never a match.
    {"foo/+", "foo/+", false},
    {"foo/#", "foo/+", false},
    {"foo/+", "foo/bar/+", false},
    {"foo/#", "foo/bar/+", false},
    {"foo/+", "foo/#", false},
    {"foo/#", "foo/#", false},
    {"foo/+", "foo/bar/#", false},
    {"foo/#", "foo/bar/#", false},
    {"#", "a/b+", false},
    // Empty input.
    {"", "", false},
    {"foo", "", false},
    {"", "foo", false},
    {"#", "", false},
};

// Every pair in the table matches (or not) as MQTT specifies.
TEST(TopicMatchesTest, Table) {
  for (const MatchCase& c : kMatchCases) {
    EXPECT_EQ(TopicMatches(c.filter, c.topic), c.match)
        << "filter \"" << c.filter << "\" topic \"" << c.topic << "\"";
  }
}

// TopicLevels yields empty levels at the start, middle and end.
TEST(TopicLevelsTest, SplitsEveryLevel) {
  auto split = [](std::string_view text) {
    std::vector<std::string> out;
    TopicLevels levels(text);
    std::string_view level;
    while (levels.Next(&level)) out.emplace_back(level);
    return out;
  };
  EXPECT_EQ(split("a/b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split("a//b"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split("/"), (std::vector<std::string>{"", ""}));
  EXPECT_EQ(split("a/"), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(split("/a"), (std::vector<std::string>{"", "a"}));
  EXPECT_EQ(split("a"), (std::vector<std::string>{"a"}));
}

struct CheckCase {
  std::string_view text;
  TopicError name;    // CheckTopicName
  TopicError filter;  // CheckTopicFilter
};

// Validation of names and filters, with the reason for each rejection.
TEST(TopicValidationTest, Table) {
  using E = TopicError;
  const CheckCase cases[] = {
      {"a", E::kOk, E::kOk},
      {"/", E::kOk, E::kOk},
      {"//", E::kOk, E::kOk},
      {"a/", E::kOk, E::kOk},
      {"/a", E::kOk, E::kOk},
      {"a//b", E::kOk, E::kOk},
      {" ", E::kOk, E::kOk},
      {"a b/c", E::kOk, E::kOk},
      {"$SYS/broker", E::kOk, E::kOk},
      {"\xC3\xBC/\xE6\x97\xA5\xE6\x9C\xAC", E::kOk, E::kOk},  // 2- and 3-byte UTF-8
      {"\xF0\x9F\x98\x80", E::kOk, E::kOk},                   // 4-byte UTF-8
      {"#", E::kWildcardInName, E::kOk},
      {"+", E::kWildcardInName, E::kOk},
      {"+/+", E::kWildcardInName, E::kOk},
      {"+/#", E::kWildcardInName, E::kOk},
      {"/#", E::kWildcardInName, E::kOk},
      {"a/+/b", E::kWildcardInName, E::kOk},
      {"a/+/", E::kWildcardInName, E::kOk},
      {"+//+", E::kWildcardInName, E::kOk},
      {"$share/g/a/#", E::kWildcardInName, E::kOk},
      {"a/#/b", E::kWildcardInName, E::kMisplacedHash},
      {"#/", E::kWildcardInName, E::kMisplacedHash},
      {"a/#/", E::kWildcardInName, E::kMisplacedHash},
      {"#a", E::kWildcardInName, E::kMisplacedHash},
      {"a#", E::kWildcardInName, E::kMisplacedHash},
      {"a/b#", E::kWildcardInName, E::kMisplacedHash},
      {"##", E::kWildcardInName, E::kMisplacedHash},
      {"a+", E::kWildcardInName, E::kMisplacedPlus},
      {"+a/b", E::kWildcardInName, E::kMisplacedPlus},
      {"a/+b", E::kWildcardInName, E::kMisplacedPlus},
      {"++", E::kWildcardInName, E::kMisplacedPlus},
      {"", E::kEmpty, E::kEmpty},
      {"a\0b"sv, E::kNulCharacter, E::kNulCharacter},
      {"\0"sv, E::kNulCharacter, E::kNulCharacter},
      {"\xC3", E::kInvalidUtf8, E::kInvalidUtf8},              // truncated
      {"\xC0\x80", E::kInvalidUtf8, E::kInvalidUtf8},          // overlong NUL
      {"\xE0\x80\xAF", E::kInvalidUtf8, E::kInvalidUtf8},      // overlong '/'
      {"\xED\xA0\x80", E::kInvalidUtf8, E::kInvalidUtf8},      // UTF-16 surrogate
      {"\xF4\x90\x80\x80", E::kInvalidUtf8, E::kInvalidUtf8},  // above U+10FFFF
      {"\xFF", E::kInvalidUtf8, E::kInvalidUtf8},
      {"a/\x80", E::kInvalidUtf8, E::kInvalidUtf8},  // lone continuation byte
  };
  for (const CheckCase& c : cases) {
    EXPECT_EQ(CheckTopicName(c.text), c.name) << "\"" << c.text << "\"";
    EXPECT_EQ(CheckTopicFilter(c.text), c.filter) << "\"" << c.text << "\"";
  }
}

// 65535 bytes is the MQTT maximum; one more is rejected.
TEST(TopicValidationTest, LengthLimit) {
  const std::string longest(kMaxMqttTopicBytes, 'a');
  EXPECT_EQ(CheckTopicName(longest), TopicError::kOk);
  EXPECT_EQ(CheckTopicFilter(longest), TopicError::kOk);
  EXPECT_EQ(CheckTopicName(longest + "a"), TopicError::kTooLong);
  EXPECT_EQ(CheckTopicFilter(longest + "a"), TopicError::kTooLong);
}

// The Status wrappers are OK for valid input and InvalidArgument with a reason otherwise;
// huge input is quoted only in part.
TEST(TopicValidationTest, StatusCarriesReason) {
  EXPECT_TRUE(ValidateTopicName("a/b").ok());
  EXPECT_TRUE(ValidateTopicFilter("a/+/#").ok());
  const absl::Status hash = ValidateTopicFilter("a/#/b");
  EXPECT_EQ(hash.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(hash.message()).find("'#' must be the whole last level"),
            std::string::npos);
  const absl::Status wildcard = ValidateTopicName("a/+");
  EXPECT_NE(std::string(wildcard.message()).find("may not contain '+' or '#'"), std::string::npos);
  const absl::Status huge = ValidateTopicName(std::string(70000, 'x'));
  EXPECT_EQ(huge.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(huge.message().size(), 300u);
}

struct CoverCase {
  std::string_view pattern;
  std::string_view filter;
  bool covered;
};

// FilterCoveredBy: a subscription is covered only if the pattern matches every topic
// the subscription could receive.
TEST(FilterCoveredByTest, Table) {
  const CoverCase cases[] = {
      {"users/u/#", "users/u/devices/+/telemetry", true},
      {"users/u/#", "users/u/devices/d/rpc/response", true},
      {"users/u/#", "users/u", true},
      {"users/u/#", "users/u/#", true},
      {"users/u/#", "users/u/+", true},
      {"users/u/#", "users/+/devices/d", false},
      {"users/u/#", "users/#", false},
      {"users/u/#", "users", false},
      {"users/u/#", "#", false},
      {"users/u/#", "+/u/#", false},
      {"#", "#", true},
      {"#", "users/#", true},
      {"#", "+/x", true},
      {"#", "/", true},
      {"#", "$SYS/#", false},
      {"#", "$SYS/x", false},
      {"+", "$SYS", false},
      {"+", "x", true},
      {"+", "+", true},
      {"+", "#", false},
      {"+/#", "#", true},  // both reach every non-'$' topic
      {"+/#", "$SYS/x", false},
      {"+/#", "a/b/c", true},
      {"a/+/#", "a/#", false},  // "a/#" matches "a", "a/+/#" does not
      {"a/+", "a/#", false},
      {"a/+", "a", false},
      {"a/+", "a/+", true},
      {"a/+", "a/b", true},
      {"a/+", "a/", true},
      {"a/+", "a/b/c", false},
      {"a/b", "a/+", false},
      {"a/b", "a/b", true},
      {"a/b", "a/b/", false},
      {"a/b", "a", false},
      {"a/#", "a/+/+/#", true},
      {"a/#", "a//", true},
      {"a/+/c", "a/+/c", true},
      {"a/+/c", "a/b/c", true},
      {"a/+/c", "a/#", false},
      {"a/+/c", "a/+/#", false},
      {"$SYS/#", "$SYS/broker/+", true},
      {"$SYS/#", "$SYS", true},
      {"$SYS/+", "$SYS/#", false},
      // Malformed input is never covered.
      {"a/#/b", "a/x/b", false},
      {"a+", "a+", false},
      {"#", "a/#/b", false},
      {"#", "a+", false},
      {"a/#", "a/b#", false},
      {"", "a", false},
      {"a", "", false},
  };
  for (const CoverCase& c : cases) {
    EXPECT_EQ(FilterCoveredBy(c.pattern, c.filter), c.covered)
        << "pattern \"" << c.pattern << "\" filter \"" << c.filter << "\"";
  }
}

// Soundness: whenever FilterCoveredBy says yes, every sample topic the filter matches is
// matched by the pattern; and for topic names coverage is the same as matching.
TEST(FilterCoveredByTest, AgreesWithTopicMatches) {
  const std::vector<std::string_view> filters = {
      "#",    "+",      "+/+",   "+/#",   "/#",    "a",    "a/#",   "a/+", "a/+/#",
      "a/b",  "a/b/#",  "a/+/c", "+/b",   "+/b/#", "a//b", "a/",    "/",   "$SYS/#",
      "$SYS", "$SYS/+", "a/b/c", "+/+/+", "/+",    "+/",   "a/+/+", "b/#", "$x/+"};
  const std::vector<std::string_view> topics = {
      "a",   "a/b", "a/b/c", "a/c",     "a//b", "a/",     "/",        "/a",   "b",
      "b/b", "x/b", "a/x/c", "a/b/c/d", "$SYS", "$SYS/x", "$SYS/x/y", "$x/y", "//"};
  for (std::string_view pattern : filters) {
    for (std::string_view filter : filters) {
      if (!FilterCoveredBy(pattern, filter)) continue;
      for (std::string_view topic : topics) {
        if (TopicMatches(filter, topic)) {
          EXPECT_TRUE(TopicMatches(pattern, topic))
              << pattern << " covers " << filter << " but misses " << topic;
        }
      }
    }
    for (std::string_view topic : topics) {
      EXPECT_EQ(FilterCoveredBy(pattern, topic), TopicMatches(pattern, topic))
          << pattern << " vs " << topic;
    }
  }
}

// Shared-subscription prefixes are removed only when well formed.
TEST(StripSharedSubscriptionTest, Table) {
  EXPECT_EQ(StripSharedSubscription("$share/g/a/b"), "a/b");
  EXPECT_EQ(StripSharedSubscription("$share/g/#"), "#");
  EXPECT_EQ(StripSharedSubscription("$share/group-1/users/+/devices/+/rpc/response"),
            "users/+/devices/+/rpc/response");
  EXPECT_EQ(StripSharedSubscription("$queue/a/b"), "a/b");
  EXPECT_EQ(StripSharedSubscription("$share//a"), "$share//a");
  EXPECT_EQ(StripSharedSubscription("$share/g"), "$share/g");
  EXPECT_EQ(StripSharedSubscription("$share/g/"), "$share/g/");
  EXPECT_EQ(StripSharedSubscription("$share/+/a"), "$share/+/a");
  EXPECT_EQ(StripSharedSubscription("$queue/"), "$queue/");
  EXPECT_EQ(StripSharedSubscription("a/b"), "a/b");
  EXPECT_EQ(StripSharedSubscription("$SYS/#"), "$SYS/#");
}

// IsSysTopic recognizes $SYS exactly, not look-alikes.
TEST(IsSysTopicTest, ExactFirstLevel) {
  EXPECT_TRUE(IsSysTopic("$SYS"));
  EXPECT_TRUE(IsSysTopic("$SYS/#"));
  EXPECT_TRUE(IsSysTopic("$SYS/broker/uptime"));
  EXPECT_FALSE(IsSysTopic("$SYSTEM/x"));
  EXPECT_FALSE(IsSysTopic("$sys/x"));
  EXPECT_FALSE(IsSysTopic("a/$SYS"));
  EXPECT_FALSE(IsSysTopic("#"));
}

}  // namespace
}  // namespace iothub::acl
