// Renewal topics and payloads (docs/certificates.md): what parses, what is refused, and
// that the hub's replies read back as device-sim reads them.
#include "model/renewal_message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/renewal_topic.h"

namespace iothub {
namespace {

TEST(RenewalTopicTest, ParsesOnlyTheTwoTopics) {
  const RenewalTopic request = ParseRenewalTopic("devices/d1/cert/renew");
  EXPECT_EQ(request.kind, RenewalTopicKind::kRequest);
  EXPECT_EQ(request.device, "d1");
  const RenewalTopic reply = ParseRenewalTopic("devices/d-2/cert/renew/reply");
  EXPECT_EQ(reply.kind, RenewalTopicKind::kReply);
  EXPECT_EQ(reply.device, "d-2");
  EXPECT_EQ(ParseRenewalTopic("devices/+/cert/renew").device, "+");
  for (const char* other : {"devices//cert/renew", "devices/d1/cert/renew/", "devices/d1/cert",
                            "devices/d1/cert/renew/reply/x", "Devices/d1/cert/renew",
                            "users/u/devices/d1/cert/renew", "devices/d1", "", "devices/"}) {
    EXPECT_EQ(ParseRenewalTopic(other).kind, RenewalTopicKind::kNone) << other;
  }
  EXPECT_EQ(RenewRequestTopic("d1"), "devices/d1/cert/renew");
  EXPECT_EQ(RenewReplyTopic("d1"), "devices/d1/cert/renew/reply");
}

TEST(RenewalMessageTest, ParsesARequest) {
  const auto request = ParseRenewRequest(FormatRenewRequest({.id = "r-1", .csr = "PEM"}));
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->id, "r-1");
  EXPECT_EQ(request->csr, "PEM");
}

TEST(RenewalMessageTest, RefusesBadRequests) {
  for (const char* bad : {"", "null", "[]", "\"x\"", "{", R"({"csr":"PEM"})", R"({"id":"r1"})",
                          R"({"id":"r1","csr":""})", R"({"id":"","csr":"PEM"})",
                          R"({"id":"a/b","csr":"PEM"})", R"({"id":7,"csr":"PEM"})",
                          R"({"id":"r1","csr":{"pem":1}})", R"({"id":"r1","csr":"PEM","x":1})"}) {
    EXPECT_FALSE(ParseRenewRequest(bad).ok()) << bad;
  }
  const std::string huge = FormatRenewRequest({.id = "r1", .csr = std::string(21 * 1024, 'A')});
  EXPECT_FALSE(ParseRenewRequest(huge).ok());
}

TEST(RenewalMessageTest, RepliesReadBack) {
  const RenewResult result{.certificate_pem = "CERT",
                           .ca_certificate_pem = "CA",
                           .fingerprint = "AB:CD",
                           .serial_number = "01",
                           .valid_from = 1,
                           .valid_to = 2,
                           .grace_until = 3};
  const auto ok = ParseRenewReply(FormatRenewResult("r1", result));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->id, "r1");
  ASSERT_TRUE(ok->result);
  EXPECT_EQ(ok->result->certificate_pem, "CERT");
  EXPECT_EQ(ok->result->grace_until, 3);

  const auto refused = ParseRenewReply(FormatRenewError(std::nullopt, RenewError::kKeyReused,
                                                        "reused \xff"));  // invalid UTF-8
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->id, std::nullopt);
  EXPECT_FALSE(refused->result);
  EXPECT_EQ(refused->error_code, "key_reused");
  EXPECT_FALSE(ParseRenewReply("{}").ok());
  EXPECT_FALSE(ParseRenewReply(R"({"result":{"certificate":1}})").ok());
}

TEST(RenewalMessageTest, ErrorCodesAreStable) {
  EXPECT_EQ(ToString(RenewError::kBadRequest), "bad_request");
  EXPECT_EQ(ToString(RenewError::kCsrInvalid), "csr_invalid");
  EXPECT_EQ(ToString(RenewError::kKeyReused), "key_reused");
  EXPECT_EQ(ToString(RenewError::kRateLimited), "rate_limited");
  EXPECT_EQ(ToString(RenewError::kNotRenewable), "not_renewable");
  EXPECT_EQ(ToString(RenewError::kInternal), "internal");
}

}  // namespace
}  // namespace iothub
