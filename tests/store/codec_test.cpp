// The rules codec (store/codec.h) for engagement rewards, member caps,
// budgets, referrals, campaigns, paid membership levels and the reward
// catalog: every field round-trips, rules stored before they existed decode
// to the defaults, and a wrong value is corruption. Order bodies and line
// shares round-trip their worst case.
#include "store/codec.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>
#include <string>
#include <vector>

namespace patron {
namespace {

namespace json = boost::json;

rules::Rules rules_with_everything() {
  rules::Rules r;
  rules::EarnRule e;
  e.id = "rebate";
  e.wallet = "credit";
  e.rate = rules::Rate{rules::Rate::Kind::kPercent, 300, 0, 0};
  e.member_caps = rules::MemberCaps{500, 2000, 10000};
  e.budget = rules::Budget{100000, 1000};
  r.earn.push_back(e);

  rules::Reward signup;
  signup.id = "signup_gift";
  signup.on = rules::RewardOn::kSignup;
  signup.wallet = "credit";
  signup.source = "welcome";
  signup.amount = 100;
  signup.tier_amounts = {{"gold", 300}, {"vip", 500}};
  signup.tiers = {"gold", "vip"};
  signup.expires = ledger::ExpiryRule::days(60);
  signup.limits = rules::RewardLimits{1, 5, 12, 1};
  signup.budget = rules::Budget{100000, 1000};
  rules::Reward birthday;
  birthday.id = "bday";
  birthday.on = rules::RewardOn::kBirthday;
  birthday.wallet = "points";
  birthday.amount = 50;
  birthday.birthday_on = rules::BirthdayOn::kDay;
  birthday.feb29 = rules::Feb29::kMar1;
  birthday.grace_days = 0;
  birthday.expires = ledger::ExpiryRule::end_of(CalendarUnit::kMonth);
  rules::Reward custom;
  custom.id = "quiz";
  custom.on = rules::RewardOn::kCustom;
  custom.event = "quiz_done";
  custom.wallet = "credit";
  custom.amount = 10;
  r.rewards = {signup, birthday, custom};
  r.referrals.wallet = "credit";
  r.referrals.referrer_amount = 100;
  r.referrals.referee_amount = 50;
  r.referrals.source = "friend";
  r.referrals.expires = ledger::ExpiryRule::days(60);
  r.referrals.min_order = 500;
  r.referrals.review_over_per_month = 5;
  r.referrals.review_over_per_year = 20;
  r.referrals.review_same_contact = false;

  rules::Campaign double11;
  double11.id = "double11";
  double11.name = "雙11 加碼";
  double11.starts = from_unix_seconds(1'794'326'400);  // 2026-11-10T16:00:00Z
  double11.ends = from_unix_seconds(1'794'412'800);
  double11.days_of_month = {1, 11};
  double11.weekdays = {0, 6};
  double11.start_minute = 20 * 60;
  double11.end_minute = 23 * 60;
  double11.tiers = {"gold", "vip"};
  double11.tags = {"批發", "vip_event"};
  double11.min_purchases = 1;
  double11.max_purchases = 5;
  double11.min_order_value = 1000;
  double11.holdout_bp = 1000;
  double11.multiplier_bp = 20000;
  double11.rules = {"rebate"};
  double11.exclusive = true;
  double11.wallet = "credit";
  double11.bonus = 100;
  double11.source = "double11";
  double11.expires = ledger::ExpiryRule::end_of(CalendarUnit::kMonth);
  double11.budget = rules::Budget{200000, 5000};
  double11.even_pacing = true;
  rules::Campaign open;  // every default but its id and a multiplier
  open.id = "open";
  open.multiplier_bp = 15000;
  rules::Campaign early;  // before the epoch, and max_purchases 0
  early.id = "early";
  early.starts = from_unix_seconds(-86'400);
  early.max_purchases = 0;
  early.wallet = "points";
  early.bonus = 5;
  r.campaigns = {double11, open, early};
  return r;
}

TEST(StoreCodec, RewardsCapsAndBudgetsRoundTrip) {
  rules::Rules r = rules_with_everything();
  std::string text = store::encode_rules(r);
  auto back = store::decode_rules(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r) << text;
  EXPECT_EQ(store::encode_rules(*back), text);
  // Every trigger by its name.
  for (auto on :
       {rules::RewardOn::kSignup, rules::RewardOn::kBirthday, rules::RewardOn::kFirstPurchase,
        rules::RewardOn::kAppInstall, rules::RewardOn::kLineBind, rules::RewardOn::kReview,
        rules::RewardOn::kShare, rules::RewardOn::kSurvey, rules::RewardOn::kCustom}) {
    rules::Rules one;
    one.rewards.push_back(rules::Reward{});
    one.rewards[0].on = on;
    auto decoded = store::decode_rules(store::encode_rules(one));
    ASSERT_TRUE(decoded) << rules::to_string(on);
    EXPECT_EQ(decoded->rewards.at(0).on, on);
  }
}

TEST(StoreCodec, RulesWithoutRewardsCapsOrBudgetsDecodeToTheDefaults) {
  // As stored before rewards existed: no "rewards", no caps or budget on a rule.
  auto old = store::decode_rules(
      R"({"earn_on":"paid","return_window_days":7,"earn":[{"id":"r","wallet":"credit",)"
      R"("rate":{"kind":"percent","bp":300,"every":0,"get":0},"min_base":0,)"
      R"("per_order_max":0,"member_days":true}],"member_days":[]})");
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_TRUE(old->rewards.empty());
  ASSERT_EQ(old->earn.size(), 1u);
  EXPECT_EQ(old->earn[0].member_caps, rules::MemberCaps{});
  EXPECT_EQ(old->earn[0].budget, rules::Budget{});
  // A reward with only some keys keeps the struct defaults for the others.
  auto partial = store::decode_rules(R"({"rewards":[{"id":"b","on":"birthday","amount":5}]})");
  ASSERT_TRUE(partial) << partial.error().message;
  ASSERT_EQ(partial->rewards.size(), 1u);
  rules::Reward expected;
  expected.id = "b";
  expected.on = rules::RewardOn::kBirthday;
  expected.amount = 5;
  EXPECT_EQ(partial->rewards[0], expected);
  EXPECT_EQ(partial->rewards[0].grace_days, 7);
  EXPECT_FALSE(partial->rewards[0].expires);
}

TEST(StoreCodec, ReferralsRoundTripAndRulesWithoutThemAreDisabled) {
  rules::Rules r = rules_with_everything();
  auto back = store::decode_rules(store::encode_rules(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->referrals, r.referrals);
  EXPECT_TRUE(back->referrals.enabled());
  // Without an expiry rule (the wallet's for the source), and disabled.
  r.referrals.expires.reset();
  back = store::decode_rules(store::encode_rules(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->referrals, r.referrals);
  EXPECT_FALSE(back->referrals.expires);
  back = store::decode_rules(store::encode_rules(rules::Rules{}));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->referrals, rules::ReferralRules{});
  // As stored before referrals existed: no "referrals", the defaults.
  auto old = store::decode_rules(
      R"({"earn_on":"paid","return_window_days":7,"earn":[],"member_days":[],"rewards":[]})");
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_FALSE(old->referrals.enabled());
  EXPECT_EQ(old->referrals, rules::ReferralRules{});
  // Some keys only: the struct defaults for the others.
  auto partial = store::decode_rules(R"({"referrals":{"wallet":"credit","referee_amount":30}})");
  ASSERT_TRUE(partial) << partial.error().message;
  rules::ReferralRules expected;
  expected.wallet = "credit";
  expected.referee_amount = 30;
  EXPECT_EQ(partial->referrals, expected);
  EXPECT_EQ(partial->referrals.source, "referral");
  EXPECT_TRUE(partial->referrals.review_same_contact);
}

TEST(StoreCodec, CampaignsRoundTripAndRulesWithoutThemHaveNone) {
  rules::Rules r = rules_with_everything();
  std::string text = store::encode_rules(r);
  auto back = store::decode_rules(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->campaigns, r.campaigns) << text;
  EXPECT_EQ(store::encode_rules(*back), text);
  // Times as unix seconds; an open end and no expiry rule are left out.
  EXPECT_NE(text.find("\"starts\":1794326400"), std::string::npos) << text;
  EXPECT_NE(text.find("\"starts\":-86400"), std::string::npos) << text;
  ASSERT_EQ(back->campaigns.size(), 3u);
  EXPECT_FALSE(back->campaigns[1].starts);
  EXPECT_FALSE(back->campaigns[1].ends);
  EXPECT_FALSE(back->campaigns[1].expires);
  EXPECT_EQ(back->campaigns[1].max_purchases, -1);
  EXPECT_EQ(back->campaigns[2].max_purchases, 0);
  // As stored before campaigns existed: no "campaigns", none.
  auto old = store::decode_rules(
      R"({"earn_on":"paid","return_window_days":7,"earn":[],"member_days":[],"rewards":[],)"
      R"("referrals":{"wallet":""}})");
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_TRUE(old->campaigns.empty());
  EXPECT_TRUE(store::decode_rules("{}")->campaigns.empty());
  // Some keys only: the struct defaults for the others.
  auto partial =
      store::decode_rules(R"({"campaigns":[{"id":"c","multiplier_bp":20000,"ends":0}]})");
  ASSERT_TRUE(partial) << partial.error().message;
  rules::Campaign expected;
  expected.id = "c";
  expected.multiplier_bp = 20000;
  expected.ends = from_unix_seconds(0);
  ASSERT_EQ(partial->campaigns.size(), 1u);
  EXPECT_EQ(partial->campaigns[0], expected);
  EXPECT_EQ(partial->campaigns[0].end_minute, 24 * 60);
  EXPECT_EQ(partial->campaigns[0].source, "campaign");
  EXPECT_FALSE(partial->campaigns[0].even_pacing) << "stored before pacing: none";
  EXPECT_NE(text.find("\"pacing\":\"even\""), std::string::npos) << text;
  EXPECT_FALSE(store::decode_rules(R"({"campaigns":[{"id":"c","pacing":"fast"}]})"));
}

TEST(StoreCodec, PaidMembershipLevelsRoundTripAndOldLevelsHaveNone) {
  rules::Rules r = rules_with_everything();
  r.tiers.levels = {
      rules::TierLevel{"regular", "一般", 0, 0, "", 12},
      rules::TierLevel{"vip", "VIP", rules::kPaidOnlyEntry, rules::kPaidOnlyEntry, "VIP-1Y", 12},
      rules::TierLevel{"gold", "金卡", 10000, 8000, "GOLD-6M", 6},
      rules::TierLevel{"plus", "Plus", rules::kPaidOnlyEntry, 50000, "PLUS", 120}};
  std::string text = store::encode_rules(r);
  auto back = store::decode_rules(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->tiers, r.tiers) << text;
  EXPECT_EQ(store::encode_rules(*back), text);
  // INT64_MAX is a plain JSON integer, which Boost.JSON reads back as int64.
  EXPECT_NE(text.find("\"entry\":9223372036854775807,\"retain\":9223372036854775807"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\"membership_sku\":\"VIP-1Y\",\"membership_months\":12"), std::string::npos)
      << text;
  ASSERT_EQ(back->tiers.levels.size(), 4u);
  EXPECT_EQ(back->tiers.levels[1].entry, INT64_MAX);
  EXPECT_EQ(back->tiers.levels[3].retain, 50000);
  // As stored before paid memberships: no SKU, 12 months.
  auto old = store::decode_rules(
      R"({"tiers":{"levels":[{"id":"regular","name":"一般","entry":0,"retain":0},)"
      R"({"id":"gold","name":"金卡","entry":10000,"retain":8000}]}})");
  ASSERT_TRUE(old) << old.error().message;
  ASSERT_EQ(old->tiers.levels.size(), 2u);
  EXPECT_EQ(old->tiers.levels[1], (rules::TierLevel{"gold", "金卡", 10000, 8000, "", 12}));
  EXPECT_TRUE(old->tiers.levels[1].membership_sku.empty());
  EXPECT_EQ(old->tiers.levels[1].membership_months, 12);
}

TEST(StoreCodec, WrongRewardCapOrBudgetValuesAreCorruption) {
  for (const char* bad : {
           R"({"rewards":{}})",
           R"({"rewards":[1]})",
           R"({"rewards":[{"on":"purchase"}]})",
           R"({"rewards":[{"on":1}]})",
           R"({"rewards":[{"amount":"5"}]})",
           R"({"rewards":[{"expires":"someday"}]})",
           R"({"rewards":[{"expires":60}]})",
           R"({"rewards":[{"birthday_on":"week"}]})",
           R"({"rewards":[{"feb29":"feb29"}]})",
           R"({"rewards":[{"grace_days":1.5}]})",
           R"({"rewards":[{"limits":[]}]})",
           R"({"rewards":[{"limits":{"per_day":"1"}}]})",
           R"({"rewards":[{"budget":{"count":true}}]})",
           R"({"rewards":[{"tier_amounts":[{"tier":"gold","amount":"3"}]}]})",
           R"({"rewards":[{"tiers":"gold"}]})",
           R"({"earn":[{"member_caps":[]}]})",
           R"({"earn":[{"member_caps":{"per_day":1.5}}]})",
           R"({"earn":[{"budget":{"value":null}}]})",
           R"({"referrals":[]})",
           R"({"referrals":"credit"})",
           R"({"referrals":{"wallet":1}})",
           R"({"referrals":{"referrer_amount":"100"}})",
           R"({"referrals":{"min_order":1.5}})",
           R"({"referrals":{"review_over_per_month":null}})",
           R"({"referrals":{"review_same_contact":1}})",
           R"({"referrals":{"source":false}})",
           R"({"referrals":{"expires":"someday"}})",
           R"({"referrals":{"expires":60}})",
           R"({"campaigns":{}})",
           R"({"campaigns":[1]})",
           R"({"campaigns":[{"id":5}]})",
           R"({"campaigns":[{"starts":"2026-11-11T00:00:00Z"}]})",
           R"({"campaigns":[{"ends":1.5}]})",
           R"({"campaigns":[{"days_of_month":[1,"2"]}]})",
           R"({"campaigns":[{"weekdays":6}]})",
           R"({"campaigns":[{"weekdays":[4294967296]}]})",
           R"({"campaigns":[{"start_minute":"20:00"}]})",
           R"({"campaigns":[{"tiers":"gold"}]})",
           R"({"campaigns":[{"max_purchases":null}]})",
           R"({"campaigns":[{"multiplier_bp":2.0}]})",
           R"({"campaigns":[{"rules":[1]}]})",
           R"({"campaigns":[{"exclusive":"false"}]})",
           R"({"campaigns":[{"bonus":"100"}]})",
           R"({"campaigns":[{"expires":"someday"}]})",
           R"({"campaigns":[{"budget":{"value":"1"}}]})",
           R"({"campaigns":[{"budget":[]}]})",
           R"({"tiers":{"levels":[{"membership_sku":1}]}})",
           R"({"tiers":{"levels":[{"membership_months":"12"}]}})",
           R"({"tiers":{"levels":[{"membership_months":12.0}]}})",
           R"({"tiers":{"levels":[{"entry":9223372036854775808}]}})",  // past int64
       }) {
    auto r = store::decode_rules(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kCorruption) << bad;
  }
}

}  // namespace
}  // namespace patron

namespace patron {
namespace {

TEST(StoreCodec, RedemptionRulesRoundTripAndOldRulesHaveNone) {
  rules::Rules r;
  rules::RedeemRule points;
  points.wallet = "points";
  points.value_num = 1;
  points.value_den = 10;
  points.min_order = 500;
  points.max_amount = 100;
  points.max_percent_bp = 1000;
  points.step = 10;
  points.tiers = {"gold"};
  points.exclude_categories = {"gift_cards"};
  points.exclude_brands = {"luxe"};
  points.exclude_skus = {"X"};
  points.pays_shipping = true;
  points.with_coupons = false;
  r.redeem = {points};
  auto back = store::decode_rules(store::encode_rules(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->redeem, r.redeem);
  auto old = store::decode_rules(R"({"earn_on":"paid","return_window_days":7,"earn":[]})");
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_TRUE(old->redeem.empty());
  // A zero denominator or step could not have been written: corruption.
  auto bad = store::decode_rules(R"({"redeem":[{"wallet":"points","value_den":0}]})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kCorruption);
}

TEST(StoreCodec, CouponTermsRoundTrip) {
  checkout::CouponTerms t;
  t.kind = checkout::CouponTerms::Kind::kPercent;
  t.percent_bp = 1500;
  t.max_discount = 200;
  t.min_spend = 1000;
  t.categories = {"tops"};
  t.starts_at = from_unix_seconds(1'790'000'000);
  t.limit_per_member = 1;
  t.stackable = false;
  auto back = store::decode_coupon_terms(store::encode_coupon_terms(t));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, t);
  EXPECT_FALSE(store::decode_coupon_terms(R"({"kind":"bogus"})"));
  EXPECT_FALSE(store::decode_coupon_terms(R"({"kind":"fixed","amount":"1"})"));
}

}  // namespace
}  // namespace patron

namespace patron {
namespace {

// Every field of a catalog item of each kind set (coupon offers keep no
// batch id: the app sets it when it issues the code).
rules::CatalogItem catalog_coupon() {
  rules::CatalogItem c;
  c.id = "coupon_100";
  c.name = "NT$100 折價券";
  c.wallet = "points";
  c.price = 300;
  c.kind = rules::CatalogItem::Kind::kCoupon;
  c.coupon.terms.kind = rules::CouponTerms::Kind::kPercent;
  c.coupon.terms.amount = 7;
  c.coupon.terms.percent_bp = 1500;
  c.coupon.terms.max_discount = 300;
  c.coupon.terms.min_spend = 1000;
  c.coupon.terms.categories = {"tops", "shoes"};
  c.coupon.terms.brands = {"luxe"};
  c.coupon.terms.skus = {"SKU-1"};
  c.coupon.terms.starts_at = from_unix_seconds(1'790'000'000);
  c.coupon.terms.ends_at = from_unix_seconds(1'790'086'400);
  c.coupon.terms.limit_total = 10;
  c.coupon.terms.limit_per_member = 1;
  c.coupon.terms.stackable = false;
  c.coupon.terms.enabled = false;
  c.coupon.valid_days = 14;
  c.stock = 50;
  c.limits = rules::RewardLimits{1, 2, 5, 10};
  c.tiers = {"gold", "vip"};
  c.starts_at = from_unix_seconds(1'794'326'400);
  c.ends_at = from_unix_seconds(1'796'054'400);
  c.enabled = false;
  return c;
}

rules::CatalogItem catalog_gift() {
  rules::CatalogItem c;
  c.id = "tote_bag";
  c.name = "帆布托特包";
  c.wallet = "points";
  c.price = 800;
  c.kind = rules::CatalogItem::Kind::kGift;
  c.sku = "GIFT-TOTE";
  c.stock = 200;
  c.limits.lifetime = 1;
  c.starts_at = from_unix_seconds(-86'400);  // before the epoch
  return c;
}

rules::CatalogItem catalog_credit() {
  rules::CatalogItem c;
  c.id = "credit_500";
  c.name = "500 點換 NT$500 購物金";
  c.wallet = "points";
  c.price = 500;
  c.kind = rules::CatalogItem::Kind::kCredit;
  c.credit_wallet = "credit";
  c.credit_amount = 500;
  c.credit_expires = ledger::ExpiryRule::end_of(CalendarUnit::kYear, 1);
  c.tiers = {"vip"};
  c.ends_at = from_unix_seconds(1'796'054'400);
  return c;
}

TEST(StoreCodec, CatalogItemsRoundTrip) {
  rules::Rules r = rules_with_everything();
  rules::CatalogItem days = catalog_credit();
  days.id = "credit_90d";
  days.credit_expires = ledger::ExpiryRule::days(90);
  days.ends_at.reset();
  r.catalog = {catalog_coupon(), catalog_gift(), catalog_credit(), days};
  std::string text = store::encode_rules(r);
  auto back = store::decode_rules(text);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->catalog.size(), 4u) << text;
  EXPECT_EQ(back->catalog[0], r.catalog[0]) << text;
  EXPECT_EQ(back->catalog[1], r.catalog[1]) << text;
  EXPECT_EQ(back->catalog[2], r.catalog[2]) << text;
  EXPECT_EQ(back->catalog[3], r.catalog[3]) << text;
  EXPECT_EQ(*back, r);
  EXPECT_EQ(store::encode_rules(*back), text);
  // Each kind by its name, and open times and expiry left out.
  EXPECT_NE(text.find("\"kind\":\"gift\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"credit_expires\":\"90d\""), std::string::npos) << text;
  EXPECT_EQ(back->catalog[1].ends_at, std::nullopt);
  EXPECT_EQ(back->catalog[1].credit_expires, std::nullopt);
  EXPECT_EQ(back->catalog[2].starts_at, std::nullopt);
  EXPECT_EQ(back->catalog[3].credit_expires, ledger::ExpiryRule::days(90));
  // Every coupon type.
  for (auto kind : {rules::CouponTerms::Kind::kFixed, rules::CouponTerms::Kind::kPercent,
                    rules::CouponTerms::Kind::kFreeShipping}) {
    rules::Rules one;
    one.catalog.push_back(catalog_coupon());
    one.catalog[0].coupon.terms.kind = kind;
    auto decoded = store::decode_rules(store::encode_rules(one));
    ASSERT_TRUE(decoded) << decoded.error().message;
    ASSERT_EQ(decoded->catalog.size(), 1u);
    EXPECT_EQ(decoded->catalog[0].coupon.terms.kind, kind);
  }
}

TEST(StoreCodec, RulesWithoutACatalogHaveNone) {
  auto old = store::decode_rules(
      R"({"earn_on":"paid","return_window_days":7,"earn":[],"member_days":[],"rewards":[],)"
      R"("campaigns":[],"redeem":[]})");
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_TRUE(old->catalog.empty());
  auto empty = store::decode_rules("{}");
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_TRUE(empty->catalog.empty());
  // An empty catalog round-trips as one.
  auto none = store::decode_rules(store::encode_rules(rules::Rules{}));
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->catalog.empty());
  // An item with only some keys keeps the struct defaults for the others.
  auto partial =
      store::decode_rules(R"({"catalog":[{"id":"g","kind":"gift","price":5,"sku":"S"}]})");
  ASSERT_TRUE(partial) << partial.error().message;
  rules::CatalogItem expected;
  expected.id = "g";
  expected.kind = rules::CatalogItem::Kind::kGift;
  expected.price = 5;
  expected.sku = "S";
  ASSERT_EQ(partial->catalog.size(), 1u);
  EXPECT_EQ(partial->catalog[0], expected);
  EXPECT_EQ(partial->catalog[0].coupon.valid_days, 30);
  EXPECT_TRUE(partial->catalog[0].enabled);
}

// [replenishment]: every field round-trips; a program without it (and rules
// stored before it existed) has none; wrong types are corruption.
TEST(StoreCodec, ReplenishmentRoundTripsAndRulesWithoutItHaveNone) {
  rules::Rules r;
  r.replenishment = rules::Replenishment{0, 365, 14, {"skincare", "pet-food"}, {"SKU-1"}};
  std::string text = store::encode_rules(r);
  auto back = store::decode_rules(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->replenishment, r.replenishment) << text;
  r.replenishment = rules::Replenishment{};
  back = store::decode_rules(store::encode_rules(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->replenishment, rules::Replenishment{});
  const std::string none = store::encode_rules(rules::Rules{});
  EXPECT_EQ(none.find("replenishment"), std::string::npos) << none;
  auto old = store::decode_rules(none);
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_FALSE(old->replenishment);
  auto partial = store::decode_rules(R"({"replenishment":{"lead_days":5}})");
  ASSERT_TRUE(partial) << partial.error().message;
  ASSERT_TRUE(partial->replenishment);
  EXPECT_EQ(partial->replenishment->lead_days, 5);
  EXPECT_EQ(partial->replenishment->late_days, 7);
  for (const char* bad :
       {R"({"replenishment":[]})", R"({"replenishment":{"lead_days":"3"}})",
        R"({"replenishment":{"skus":"SKU-1"}})", R"({"replenishment":{"categories":[1]}})"}) {
    auto r2 = store::decode_rules(bad);
    ASSERT_FALSE(r2) << bad;
    EXPECT_EQ(r2.error().code, ErrorCode::kCorruption) << bad;
  }
}

TEST(StoreCodec, WrongCatalogValuesAreCorruption) {
  for (const char* bad : {
           R"({"catalog":{}})",
           R"({"catalog":"coupon_100"})",
           R"({"catalog":[1]})",
           R"({"catalog":[{"id":5,"kind":"gift"}]})",
           R"({"catalog":[{"kind":"voucher"}]})",
           R"({"catalog":[{"kind":1}]})",
           R"({"catalog":[{"kind":"gift","price":"300"}]})",
           R"({"catalog":[{"kind":"gift","price":1.5}]})",
           R"({"catalog":[{"kind":"gift","price":9223372036854775808}]})",
           R"({"catalog":[{"kind":"gift","name":null}]})",
           R"({"catalog":[{"kind":"gift","wallet":["points"]}]})",
           R"({"catalog":[{"kind":"gift","sku":1}]})",
           R"({"catalog":[{"kind":"gift","stock":"200"}]})",
           R"({"catalog":[{"kind":"gift","tiers":"gold"}]})",
           R"({"catalog":[{"kind":"gift","tiers":[1]}]})",
           R"({"catalog":[{"kind":"gift","enabled":"true"}]})",
           R"({"catalog":[{"kind":"gift","starts_at":"2026-11-11"}]})",
           R"({"catalog":[{"kind":"gift","ends_at":1.5}]})",
           R"({"catalog":[{"kind":"gift","limits":[]}]})",
           R"({"catalog":[{"kind":"gift","limits":{"per_day":"1"}}]})",
           R"({"catalog":[{"kind":"coupon","valid_days":"30"}]})",
           R"({"catalog":[{"kind":"coupon","coupon":[]}]})",
           R"({"catalog":[{"kind":"coupon","coupon":{"kind":"cash"}}]})",
           R"({"catalog":[{"kind":"coupon","coupon":{"kind":"fixed","amount":"100"}}]})",
           R"({"catalog":[{"kind":"coupon","coupon":{"kind":"fixed","skus":"A"}}]})",
           R"({"catalog":[{"kind":"coupon","coupon":{"kind":"fixed","stackable":0}}]})",
           R"({"catalog":[{"kind":"credit","credit_wallet":false}]})",
           R"({"catalog":[{"kind":"credit","credit_amount":"500"}]})",
           R"({"catalog":[{"kind":"credit","credit_expires":90}]})",
           R"({"catalog":[{"kind":"credit","credit_expires":"someday"}]})",
       }) {
    auto r = store::decode_rules(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kCorruption) << bad;
  }
}

TEST(StoreCodec, ACouponRewardRoundTripsAndAValueRewardHasNoCoupon) {
  rules::Rules r;
  rules::Reward value;
  value.id = "signup";
  value.wallet = "credit";
  value.amount = 100;
  rules::Reward coupon;
  coupon.id = "bday";
  coupon.on = rules::RewardOn::kBirthday;
  rules::CouponOffer offer;
  offer.terms.kind = rules::CouponTerms::Kind::kPercent;
  offer.terms.percent_bp = 1500;
  offer.terms.max_discount = 300;
  offer.terms.categories = {"tops"};
  offer.valid_days = 14;
  coupon.coupon = offer;
  r.rewards = {value, coupon};
  std::string text = store::encode_rules(r);
  auto back = store::decode_rules(text);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r) << text;
  EXPECT_FALSE(back->rewards[0].coupon.has_value());
  // A coupon without its validity is corrupt, not a 30-day default.
  std::string broken = text;
  auto at = broken.find("\"coupon_valid_days\":14");
  ASSERT_NE(at, std::string::npos) << text;
  broken.replace(at, std::string("\"coupon_valid_days\":14").size(),
                 "\"coupon_valid_days\":\"14\"");
  EXPECT_EQ(store::decode_rules(broken).error().code, ErrorCode::kCorruption);
}

}  // namespace
}  // namespace patron

namespace patron {
namespace {

// Order bodies and line shares are written into a buffer sized up front for
// the worst case. Texts of control characters only (six bytes each written)
// and INT64_MIN everywhere fill it exactly (the writer asserts that nothing
// went past it); other escapes and UTF-8 round-trip too.
app::OrderRecord order_of(const std::string& text, int64_t n) {
  app::OrderRecord o;
  o.order.channel = text;
  o.order.shipping = n;
  for (int i = 0; i < 3; ++i) {
    rules::OrderLine l;
    l.line_id = text + std::string(static_cast<std::size_t>(i), '\x01');
    l.sku = text;
    l.category = i == 0 ? "" : text;
    l.brand = text;
    l.quantity = n;
    l.unit_price = n;
    l.discount = n;
    l.paid_with_value = n;
    l.reward = i == 1;
    l.refunded_quantity = n;
    o.order.lines.push_back(l);
  }
  o.refund_ids = {text, ""};
  o.refunded_amount = n;
  o.earned = {{text, n}, {"", n}};
  o.earned_units = {{text, n}, {"", n}};
  return o;
}

TEST(StoreCodec, OrderBodiesAndLineSharesRoundTripTheirWorstCase) {
  const int64_t low = std::numeric_limits<int64_t>::min();
  const std::string controls("\x01\x02\x1f\x00", 4);
  for (const auto& [text, n] :
       {std::pair{controls, low},
        std::pair{std::string("\"\\/\x7f\xe8\xb3\xbc"), std::numeric_limits<int64_t>::max()}}) {
    SCOPED_TRACE(text);
    const app::OrderRecord o = order_of(text, n);
    auto back = store::decode_order_body(store::encode_order_body(o));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->order.channel, text);
    EXPECT_EQ(back->order.shipping, n);
    EXPECT_EQ(back->order.lines, o.order.lines);
    EXPECT_EQ(back->refund_ids, o.refund_ids);
    EXPECT_EQ(back->refunded_amount, n);
    EXPECT_EQ(back->earned, o.earned);
    EXPECT_EQ(back->earned_units, o.earned_units);

    std::vector<ledger::LineShare> shares;
    for (int i = 0; i < 4; ++i) shares.push_back({i % 2 == 0 ? "" : text, n, n});
    auto decoded = store::decode_line_shares(store::encode_line_shares(shares));
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded, shares);
  }
}

// The decoder reads bodies as encode_order_body writes them on a fast path,
// and anything else (spacing, key order, escapes, bodies from before
// earned_units) through boost::json: both give the same record, and both
// refuse what is not a body.
TEST(StoreCodec, OrderBodiesReadTheSameOnBothPaths) {
  app::OrderRecord o = order_of("plain text \xe8\xb3\xbc", 1234);
  o.order.lines[1].quantity = -5;
  o.earned = {{"rebate", 120}};
  const std::string body = store::encode_order_body(o);
  auto same = [&](const std::string& text) {
    SCOPED_TRACE(text);
    auto back = store::decode_order_body(text);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->order.channel, o.order.channel);
    EXPECT_EQ(back->order.shipping, o.order.shipping);
    EXPECT_EQ(back->order.lines, o.order.lines);
    EXPECT_EQ(back->refund_ids, o.refund_ids);
    EXPECT_EQ(back->refunded_amount, o.refunded_amount);
    EXPECT_EQ(back->earned, o.earned);
  };
  same(body);
  same(" " + body);                          // spacing
  same(json::serialize(json::parse(body)));  // boost's own writing
  std::string escaped = body;                // an escape the encoder never writes
  escaped.replace(escaped.find("plain text"), 5, "pl\\u0061in");
  same(escaped);
  // Written before earned_units existed: none.
  std::string old = body.substr(0, body.find(",\"earned_units\""));
  old += "}";
  auto back = store::decode_order_body(old);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(back->earned_units.empty());
  EXPECT_EQ(back->order.lines, o.order.lines);

  for (const std::string& bad :
       {body.substr(0, body.size() - 1), body + "x", body + "}",
        std::string(R"({"channel":"","shipping":01,"lines":[],"refund_ids":[],)"
                    R"("refunded_amount":0,"earned":[],"earned_units":[]})"),
        std::string(R"({"channel":"","shipping":99999999999999999999,"lines":[],)"
                    R"("refund_ids":[],"refunded_amount":0,"earned":[],"earned_units":[]})"),
        std::string(R"({"channel":"\xff","shipping":0,"lines":[],"refund_ids":[],)"
                    R"("refunded_amount":0,"earned":[],"earned_units":[]})"),
        std::string(R"({"channel":"","shipping":1.5,"lines":[],"refund_ids":[],)"
                    R"("refunded_amount":0,"earned":[],"earned_units":[]})")}) {
    auto r = store::decode_order_body(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, ErrorCode::kCorruption) << bad;
    }
  }
}

}  // namespace
}  // namespace patron
