// The referral program ([referrals]) in program files: what parses, the
// defaults, what is refused (file:line:column and key), printing, and the
// settings diff.
#include <gtest/gtest.h>

#include "app/programs.h"
#include "config/parse_support.h"
#include "config/program_file.h"

namespace patron {
namespace {

// Lines 1-5; what a test appends starts on line 6.
constexpr const char* kHead =
    "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n[wallets.points]\n";

// Every referral key (lines 6-14 after kHead).
constexpr const char* kReferrals = R"([referrals]
wallet = "credit"
referrer_amount = 100
referee_amount = 50
source = "friend"
expires = "60d"
min_order = 500
review_over = { per_month = 5, per_year = 20 }
review_same_contact = false
)";

// [referrals] into credit with NT$100 for the referrer (lines 6-8), plus
// `more` from line 9.
std::string referrals_with(const std::string& more) {
  return std::string(kHead) + "[referrals]\nwallet = \"credit\"\nreferrer_amount = 100\n" + more;
}

Error referrals_error(const std::string& more) {
  return parse_error(referrals_with(more));
}

TEST(ProgramFileReferrals, ParsesEveryReferralKey) {
  app::Program p = parse_ok(std::string(kHead) + kReferrals);
  const rules::ReferralRules& r = p.rules.referrals;
  EXPECT_TRUE(r.enabled());
  EXPECT_EQ(r.wallet, "credit");
  EXPECT_EQ(r.referrer_amount, 100);
  EXPECT_EQ(r.referee_amount, 50);
  EXPECT_EQ(r.source, "friend");
  EXPECT_EQ(r.expires, ledger::ExpiryRule::days(60));
  EXPECT_EQ(r.min_order, 500);
  EXPECT_EQ(r.review_over_per_month, 5);
  EXPECT_EQ(r.review_over_per_year, 20);
  EXPECT_FALSE(r.review_same_contact);
}

TEST(ProgramFileReferrals, DefaultsAndNoReferrals) {
  // Without [referrals]: the defaults, disabled.
  app::Program none = parse_ok(kHead);
  EXPECT_FALSE(none.rules.referrals.enabled());
  EXPECT_EQ(none.rules.referrals, rules::ReferralRules{});
  // Only the wallet and one amount: the rest are defaults.
  const rules::ReferralRules r = parse_ok(referrals_with("")).rules.referrals;
  EXPECT_TRUE(r.enabled());
  EXPECT_EQ(r.referrer_amount, 100);
  EXPECT_EQ(r.referee_amount, 0);
  EXPECT_EQ(r.source, "referral");
  EXPECT_FALSE(r.expires);
  EXPECT_EQ(r.min_order, 0);
  EXPECT_EQ(r.review_over_per_month, 0);
  EXPECT_EQ(r.review_over_per_year, 0);
  EXPECT_TRUE(r.review_same_contact);
  // Only the referee rewarded; one review count; an empty review_over.
  const rules::ReferralRules referee =
      parse_ok(std::string(kHead) +
               "[referrals]\nwallet = \"points\"\nreferrer_amount = 0\nreferee_amount = 30\n"
               "review_over = { per_year = 12 }\n")
          .rules.referrals;
  EXPECT_EQ(referee.wallet, "points");
  EXPECT_EQ(referee.referrer_amount, 0);
  EXPECT_EQ(referee.referee_amount, 30);
  EXPECT_EQ(referee.review_over_per_month, 0);
  EXPECT_EQ(referee.review_over_per_year, 12);
  EXPECT_EQ(parse_ok(referrals_with("review_over = {}\n")).rules.referrals,
            parse_ok(referrals_with("")).rules.referrals);
}

TEST(ProgramFileReferrals, AmountsAreMajorUnitsOfTheWalletAndMinOrderOfTheCurrency) {
  const std::string gbp =
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n"
      "[wallets.points]\n";
  const rules::ReferralRules r =
      parse_ok(gbp +
               "[referrals]\nwallet = \"credit\"\nreferrer_amount = \"2.50\"\n"
               "referee_amount = 5\nmin_order = \"19.99\"\n")
          .rules.referrals;
  EXPECT_EQ(r.referrer_amount, 250);
  EXPECT_EQ(r.referee_amount, 500);
  EXPECT_EQ(r.min_order, 1999);
  // Points have no decimals: half a point is refused, naming the wallet.
  Error e = parse_error(gbp + "[referrals]\nwallet = \"points\"\nreferrer_amount = \"0.5\"\n");
  EXPECT_EQ(e.field, "shop.toml:8:19: referrals.referrer_amount");
  EXPECT_NE(e.message.find("wallet points has 0 decimal places"), std::string::npos) << e.message;
  // min_order is in the currency, whatever the wallet.
  e = parse_error(gbp +
                  "[referrals]\nwallet = \"points\"\nreferrer_amount = 1\n"
                  "min_order = \"0.001\"\n");
  EXPECT_EQ(e.field, "shop.toml:9:13: referrals.min_order");
  EXPECT_NE(e.message.find("GBP has 2 decimal places"), std::string::npos) << e.message;
}

TEST(ProgramFileReferrals, UnknownKeysAreErrors) {
  Error e = referrals_error("referrer_bonus = 5\n");
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.field, "shop.toml:9:1: referrals.referrer_bonus");
  EXPECT_EQ(e.message,
            "is not a known key (known: wallet, referrer_amount, referee_amount, source, "
            "expires, min_order, review_over, review_same_contact)");
  e = referrals_error("review_over = { per_week = 1 }\n");
  EXPECT_EQ(e.field, "shop.toml:9:17: referrals.review_over.per_week");
  EXPECT_EQ(e.message, "is not a known key (known: per_month, per_year)");
  e = referrals_error("[referrals.limits]\nper_day = 1\n");
  EXPECT_EQ(e.field, "shop.toml:9:12: referrals.limits");
}

TEST(ProgramFileReferrals, TheWalletIsRequiredAndAWalletOfTheFile) {
  Error e = parse_error(std::string(kHead) + "[referrals]\nreferrer_amount = 100\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: referrals.wallet");
  EXPECT_EQ(e.message, "is required: the wallet both referral rewards are granted into");
  e = parse_error(std::string(kHead) + "[referrals]\nwallet = \"cash\"\nreferrer_amount = 100\n");
  EXPECT_EQ(e.field, "shop.toml:7:10: referrals.wallet");
  EXPECT_EQ(e.message, "is not a wallet of this file (wallets: credit, points)");
  e = parse_error(std::string(kHead) + "[referrals]\nwallet = 1\nreferrer_amount = 100\n");
  EXPECT_EQ(e.field, "shop.toml:7:10: referrals.wallet");
  EXPECT_EQ(e.message, "must be a string");
}

TEST(ProgramFileReferrals, AmountsAreNotNegativeAndOneIsMoreThanZero) {
  const std::string head = std::string(kHead) + "[referrals]\nwallet = \"credit\"\n";  // 6-7
  const std::string both_zero =
      "referrer_amount or referee_amount must be more than 0 (a referral program that grants "
      "nothing)";
  Error e = parse_error(head + "referrer_amount = 0\nreferee_amount = 0\n");
  EXPECT_EQ(e.field, "shop.toml:8:19: referrals.referrer_amount");
  EXPECT_EQ(e.message, both_zero);
  e = parse_error(head + "referee_amount = 0\n");
  EXPECT_EQ(e.field, "shop.toml:8:18: referrals.referee_amount");
  EXPECT_EQ(e.message, both_zero);
  e = parse_error(head);  // neither given: the table
  EXPECT_EQ(e.field, "shop.toml:6:1: referrals.referrer_amount");
  EXPECT_EQ(e.message, both_zero);
  e = parse_error(head + "referrer_amount = -100\nreferee_amount = 100\n");
  EXPECT_EQ(e.field, "shop.toml:8:19: referrals.referrer_amount");
  EXPECT_EQ(e.message, "must not be negative");
  e = parse_error(head + "referrer_amount = 100\nreferee_amount = \"-1\"\n");
  EXPECT_EQ(e.field, "shop.toml:9:18: referrals.referee_amount");
  EXPECT_EQ(e.message, "must not be negative");
  e = parse_error(head + "referrer_amount = 100.0\n");
  EXPECT_EQ(e.field, "shop.toml:8:19: referrals.referrer_amount");
  EXPECT_NE(e.message.find("must be an amount"), std::string::npos) << e.message;
  e = referrals_error("min_order = -500\n");
  EXPECT_EQ(e.field, "shop.toml:9:13: referrals.min_order");
  EXPECT_EQ(e.message, "must not be negative");
}

TEST(ProgramFileReferrals, ReviewOverIsATableOfCountsOfAtLeastOne) {
  for (const char* bad :
       {"review_over = { per_month = 0 }\n", "review_over = { per_month = -1 }\n"}) {
    Error e = referrals_error(bad);
    EXPECT_EQ(e.field, "shop.toml:9:29: referrals.review_over.per_month") << bad;
    EXPECT_EQ(e.message, "must be between 1 and 1000000000") << bad;
  }
  Error e = referrals_error("review_over = { per_year = \"20\" }\n");
  EXPECT_EQ(e.field, "shop.toml:9:28: referrals.review_over.per_year");
  EXPECT_EQ(e.message, "must be a whole number");
  e = referrals_error("review_over = 5\n");
  EXPECT_EQ(e.field, "shop.toml:9:15: referrals.review_over");
  EXPECT_EQ(e.message, "must be a table ({ per_month = 5, per_year = 20 })");
}

TEST(ProgramFileReferrals, SourceExpiresAndReviewSameContactAreChecked) {
  Error e = referrals_error("source = \"Friend\"\n");
  EXPECT_EQ(e.field, "shop.toml:9:10: referrals.source");
  EXPECT_EQ(e.message, "a source is 1 to 32 of a-z, 0-9 and _");
  e = referrals_error("source = \"\"\n");
  EXPECT_EQ(e.field, "shop.toml:9:10: referrals.source");
  e = referrals_error("expires = \"someday\"\n");
  EXPECT_EQ(e.field, "shop.toml:9:11: referrals.expires");
  e = referrals_error("review_same_contact = \"yes\"\n");
  EXPECT_EQ(e.field, "shop.toml:9:23: referrals.review_same_contact");
  EXPECT_EQ(e.message, "must be true or false");
}

TEST(ProgramFileReferrals, ReferralsIsOneTableNotAnArray) {
  Error e = parse_error(std::string(kHead) +
                        "[[referrals]]\nwallet = \"credit\"\nreferrer_amount = 100\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: referrals");
  EXPECT_EQ(e.message, "must be a table ([referrals], not [[referrals]])");
  e = parse_error("referrals = 1\n" + std::string(kHead));
  EXPECT_EQ(e.field, "shop.toml:1:13: referrals");
}

TEST(ProgramFileReferrals, PrintedReferralsParseBackToTheSameProgram) {
  std::vector<std::string> files = {
      std::string(kHead) + kReferrals, referrals_with(""),
      referrals_with("referee_amount = 100\nreview_over = { per_month = 10 }\n"),
      std::string(kHead) +
          "[referrals]\nwallet = \"points\"\nreferee_amount = 20\nexpires = \"end_of_month\"\n"
          "review_over = { per_year = 3 }\nreview_same_contact = true\n",
      // Amounts that are not whole major units, with rewards and tiers besides.
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n"
      "[referrals]\nwallet = \"credit\"\nreferrer_amount = \"2.50\"\nreferee_amount = \"0.05\"\n"
      "min_order = \"19.99\"\n"
      "[[rewards]]\nid = \"c\"\non = \"share\"\nwallet = \"credit\"\namount = \"0.05\"\n"
      "[tiers]\n[[tiers.levels]]\nid = \"regular\"\nname = \"R\"\nentry = 0\n"
      "[[tiers.levels]]\nid = \"gold\"\nname = \"G\"\nentry = 1000\n"};
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    app::Program p = parse_ok(file);
    ASSERT_TRUE(p.rules.referrals.enabled());
    std::string text = config::to_toml(p);
    auto again = config::parse_program(text, "printed.toml", "shop");
    ASSERT_TRUE(again) << again.error().field << ": " << again.error().message << "\n" << text;
    EXPECT_EQ(*again, p) << text;
    EXPECT_TRUE(app::setting_changes(p, *again).empty());
    EXPECT_EQ(config::to_toml(*again), text);
    // After the rewards.
    EXPECT_NE(text.find("\n[referrals]\n"), std::string::npos) << text;
    EXPECT_GT(text.find("[referrals]"), text.rfind("[[rewards]]") + 1) << text;
  }
  // Every key is written, expires and review_over only when set.
  std::string text = config::to_toml(parse_ok(referrals_with("")));
  for (const char* key : {"wallet = 'credit'", "referrer_amount = 100", "referee_amount = 0",
                          "source = 'referral'", "min_order = 0", "review_same_contact = true"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << "\n" << text;
  }
  EXPECT_EQ(text.find("expires"), std::string::npos) << text;
  EXPECT_EQ(text.find("review_over"), std::string::npos) << text;
  EXPECT_NE(config::to_toml(parse_ok(std::string(kHead) + kReferrals))
                .find("review_over = { per_month = 5, per_year = 20 }"),
            std::string::npos);
  // Disabled referrals print nothing.
  EXPECT_EQ(config::to_toml(parse_ok(kHead)).find("referrals"), std::string::npos);
}

TEST(ProgramSettings, ReferralSettingsOnlyWhenEnabled) {
  app::Program a = parse_ok(std::string(kHead) + kReferrals);
  auto settings = app::program_settings(a);
  EXPECT_EQ(settings.at("referrals.wallet"), "credit");
  EXPECT_EQ(settings.at("referrals.referrer_amount"), "100");
  EXPECT_EQ(settings.at("referrals.referee_amount"), "50");
  EXPECT_EQ(settings.at("referrals.source"), "friend");
  EXPECT_EQ(settings.at("referrals.expires"), "60d");
  EXPECT_EQ(settings.at("referrals.min_order"), "500");
  EXPECT_EQ(settings.at("referrals.review_over.per_month"), "5");
  EXPECT_EQ(settings.at("referrals.review_over.per_year"), "20");
  EXPECT_EQ(settings.at("referrals.review_same_contact"), "false");
  // Unset optional keys have no setting; disabled referrals none at all.
  auto defaults = app::program_settings(parse_ok(referrals_with("")));
  for (const char* key :
       {"referrals.expires", "referrals.review_over.per_month", "referrals.review_over.per_year"}) {
    EXPECT_EQ(defaults.count(key), 0u) << key;
  }
  EXPECT_EQ(defaults.at("referrals.referee_amount"), "0");
  EXPECT_EQ(defaults.at("referrals.min_order"), "0");
  EXPECT_EQ(defaults.at("referrals.review_same_contact"), "true");
  for (const auto& [key, value] : app::program_settings(parse_ok(kHead))) {
    EXPECT_FALSE(key.starts_with("referrals")) << key;
  }

  app::Program b = a;
  b.rules.referrals.referrer_amount = 200;
  b.rules.referrals.expires.reset();
  b.rules.referrals.review_over_per_year = 0;
  b.rules.referrals.review_same_contact = true;
  auto changes = app::setting_changes(a, b);
  std::vector<std::string> keys;
  for (const auto& c : changes) keys.push_back(c.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"referrals.expires", "referrals.referrer_amount",
                                            "referrals.review_over.per_year",
                                            "referrals.review_same_contact"}));
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_FALSE(changes[0].after);
  EXPECT_EQ(*changes[1].before, "100");
  EXPECT_EQ(*changes[1].after, "200");
  EXPECT_FALSE(changes[2].after);
  EXPECT_EQ(*changes[3].after, "true");
  // Removing [referrals] removes every key; GBP amounts print as decimals.
  app::Program off = a;
  off.rules.referrals = rules::ReferralRules{};
  EXPECT_EQ(app::setting_changes(a, off).size(), 9u);
  auto gbp = app::program_settings(
      parse_ok("[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n"
               "[referrals]\nwallet = \"credit\"\nreferrer_amount = \"2.50\"\n"
               "min_order = \"19.99\"\n"));
  EXPECT_EQ(gbp.at("referrals.referrer_amount"), "2.50");
  EXPECT_EQ(gbp.at("referrals.referee_amount"), "0.00");
  EXPECT_EQ(gbp.at("referrals.min_order"), "19.99");
}

}  // namespace
}  // namespace patron
