// Patron-Signature: a known-answer vector computed outside patron, and
// verify() accepting only an unaltered, fresh body signed with the secret.
#include "webhooks/signature.h"

#include <gtest/gtest.h>

#include <cctype>

namespace patron::webhooks {
namespace {

constexpr int64_t kT = 1700000000;
constexpr std::string_view kBody = R"({"a":1})";
// printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
constexpr std::string_view kExpectedMac =
    "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686";

void expect_rejected(const Result<void>& result, std::string_view message_part) {
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().field, "Patron-Signature");
  EXPECT_NE(result.error().message.find(message_part), std::string::npos) << result.error().message;
}

TEST(Signature, MatchesTheKnownAnswer) {
  EXPECT_EQ(sign("secret", kT, kBody), "t=1700000000,v1=" + std::string(kExpectedMac));
}

TEST(Signature, VerifyAcceptsTheKnownAnswer) {
  std::string header = "t=1700000000,v1=" + std::string(kExpectedMac);
  EXPECT_TRUE(verify(header, "secret", kBody, kT).has_value());
  EXPECT_TRUE(verify(header, "secret", kBody, kT + 300).has_value());
  EXPECT_TRUE(verify(header, "secret", kBody, kT - 300).has_value());
}

TEST(Signature, VerifyAcceptsWhatSignProduces) {
  EXPECT_TRUE(verify(sign("k", 42, ""), "k", "", 42).has_value());
  EXPECT_TRUE(verify(sign("", kT, "x"), "", "x", kT).has_value());
  std::string body(100000, 'z');
  EXPECT_TRUE(verify(sign("k", kT, body), "k", body, kT).has_value());
}

TEST(Signature, RejectsAChangedBody) {
  expect_rejected(verify(sign("secret", kT, kBody), "secret", R"({"a":2})", kT),
                  "no matching signature");
}

TEST(Signature, RejectsAWrongSecret) {
  expect_rejected(verify(sign("secret", kT, kBody), "Secret", kBody, kT), "no matching signature");
}

TEST(Signature, RejectsATimestampOutsideTheTolerance) {
  std::string header = sign("secret", kT, kBody);
  expect_rejected(verify(header, "secret", kBody, kT + 301), "timestamp outside tolerance");
  expect_rejected(verify(header, "secret", kBody, kT - 301), "timestamp outside tolerance");
  expect_rejected(verify(header, "secret", kBody, kT + 61, 60), "timestamp outside tolerance");
  EXPECT_TRUE(verify(header, "secret", kBody, kT + 60, 60).has_value());
}

TEST(Signature, RejectsATimestampFarInTheFutureWithoutOverflow) {
  std::string header = "t=9223372036854775807,v1=" + std::string(kExpectedMac);
  expect_rejected(verify(header, "secret", kBody, -9223372036854775807 - 1),
                  "timestamp outside tolerance");
}

TEST(Signature, RejectsAResignedTimestamp) {
  // The MAC covers t: moving t to now without re-signing must fail.
  std::string header = "t=1700000999,v1=" + std::string(kExpectedMac);
  expect_rejected(verify(header, "secret", kBody, 1700000999), "no matching signature");
}

TEST(Signature, RejectsMalformedHeaders) {
  std::string mac(kExpectedMac);
  expect_rejected(verify("", "secret", kBody, kT), "malformed header: no t");
  expect_rejected(verify("v1=" + mac, "secret", kBody, kT), "malformed header: no t");
  expect_rejected(verify("t=1700000000", "secret", kBody, kT), "malformed header: no v1");
  expect_rejected(verify("t=1700000000,v0=" + mac, "secret", kBody, kT), "malformed header: no v1");
  expect_rejected(verify("t=abc,v1=" + mac, "secret", kBody, kT), "malformed header: t is not");
  expect_rejected(verify("t=,v1=" + mac, "secret", kBody, kT), "malformed header: t is not");
  expect_rejected(verify("t=17e8,v1=" + mac, "secret", kBody, kT), "malformed header: t is not");
  expect_rejected(verify("t=-5,v1=" + mac, "secret", kBody, kT), "malformed header: t is not");
  expect_rejected(verify("t=1700000000,t=1700000000,v1=" + mac, "secret", kBody, kT),
                  "malformed header: more than one t");
  expect_rejected(verify("t=1700000000;v1=" + mac, "secret", kBody, kT),
                  "malformed header: t is not");
  expect_rejected(verify("t=1700000000,v1", "secret", kBody, kT), "malformed header: entry");
  expect_rejected(verify(std::string(5000, 'a'), "secret", kBody, kT), "malformed header");
}

TEST(Signature, AcceptsAnyMatchingV1AmongSeveral) {
  std::string mac(kExpectedMac);
  std::string other(64, '0');
  EXPECT_TRUE(verify("t=1700000000,v1=" + other + ",v1=" + mac, "secret", kBody, kT).has_value());
  EXPECT_TRUE(
      verify("v1=" + mac + ",v1=" + other + ",t=1700000000", "secret", kBody, kT).has_value());
  EXPECT_TRUE(verify(" t=1700000000 , v2=zz, v1=" + mac, "secret", kBody, kT).has_value());
  expect_rejected(verify("t=1700000000,v1=" + other + ",v1=" + mac.substr(1), "secret", kBody, kT),
                  "no matching signature");
  // Only lowercase hex is produced, and only that is accepted.
  std::string upper = mac;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  expect_rejected(verify("t=1700000000,v1=" + upper, "secret", kBody, kT), "no matching signature");
}

TEST(Signature, RejectsANegativeTolerance) {
  auto result = verify(sign("secret", kT, kBody), "secret", kBody, kT, -1);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().field, "tolerance_seconds");
}

}  // namespace
}  // namespace patron::webhooks
