// The checkout quote (checkout/quote.h): redemption rules one by one and in
// combination, coupons, lot scope and order, projected earn, tier progress,
// bad carts; and a seeded property test of the quote's invariants.
#include "checkout/quote.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <random>

namespace patron::checkout {
namespace {

Instant utc(int y, unsigned m, unsigned d, int h = 0) {
  using namespace std::chrono;
  return Instant{sys_days{year{y} / month{m} / day{d}}} + hours{h};
}

const Instant kNow = utc(2026, 3, 3, 4);

rules::OrderLine line(std::string id, int64_t quantity, int64_t unit_price,
                      std::string category = "tops") {
  rules::OrderLine l;
  l.line_id = std::move(id);
  l.sku = "SKU-" + l.line_id;
  l.category = std::move(category);
  l.brand = "house";
  l.quantity = quantity;
  l.unit_price = unit_price;
  return l;
}

ledger::Lot lot(int64_t id, int64_t remaining, std::optional<Instant> expires = std::nullopt) {
  ledger::Lot l;
  l.id = id;
  l.wallet = "credit";
  l.source = "signup";
  l.amount = remaining;
  l.remaining = remaining;
  l.granted_at = utc(2026, 1, 1) + std::chrono::seconds(id);
  l.expires_at = expires;
  return l;
}

// One member, a credit wallet (and optionally points), a cart; each test
// sets the rules it is about.
struct Fixture {
  rules::Rules rules;
  ledger::WalletPolicy credit = ledger::default_credit_policy(date::locate_zone("Asia/Taipei"));
  ledger::WalletPolicy points = ledger::default_points_policy(date::locate_zone("Asia/Taipei"));
  ledger::WalletState credit_state{"credit", {}, {}, {}, 0};
  ledger::WalletState points_state{"points", {}, {}, {}, 0};
  bool with_points = false;
  rules::Order cart;
  std::vector<CouponInput> coupons;
  std::optional<int64_t> credit_requested;
  std::optional<int64_t> points_requested;
  std::string tier;
  std::vector<WalletInput> inputs;

  Fixture() {
    cart.member_id = "M1";
    cart.placed_at = kNow;
  }

  Result<Quote> run() {
    inputs.clear();
    inputs.push_back({&credit, rules.redeem_rule("credit"), &credit_state, credit_requested});
    if (with_points) {
      inputs.push_back({&points, rules.redeem_rule("points"), &points_state, points_requested});
    }
    QuoteInput in;
    in.rules = &rules;
    in.cart = &cart;
    in.tier = tier;
    in.zone = date::locate_zone("Asia/Taipei");
    in.now = kNow;
    in.wallets = inputs;
    in.coupons = &coupons;
    return quote(in);
  }
};

// The redemption rule of `wallet` with `edit` applied to the defaults.
template <class Edit>
rules::RedeemRule rule(std::string wallet, Edit edit) {
  rules::RedeemRule r;
  r.wallet = std::move(wallet);
  edit(r);
  return r;
}

std::vector<Cap> caps(std::initializer_list<Cap> list) {
  return list;
}

TEST(Quote, WithoutARuleAWalletPaysOneToOneUpToItsBalance) {
  Fixture f;
  f.credit_state.lots = {lot(1, 300)};
  f.cart.lines = {line("1", 2, 500)};
  auto q = f.run();
  ASSERT_TRUE(q) << q.error().message;
  const WalletQuote& w = q->wallets[0];
  EXPECT_EQ(w.balance, 300);
  EXPECT_EQ(w.max_usable, 300);
  EXPECT_EQ(w.max_usable_value, 300);
  EXPECT_EQ(w.capped_by, caps({Cap::kBalance}));
  EXPECT_EQ(w.use, 300);
  EXPECT_EQ(q->total, 700);
  EXPECT_EQ(q->value_used, 300);
}

TEST(Quote, AWalletThatCoversTheCartIsNotCapped) {
  Fixture f;
  f.credit_state.lots = {lot(1, 5000)};
  f.cart.lines = {line("1", 1, 800)};
  f.cart.shipping = 60;
  auto q = f.run();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->wallets[0].max_usable, 800);  // shipping is not payable by default
  EXPECT_TRUE(q->wallets[0].capped_by.empty());
  EXPECT_EQ(q->total, 60);
}

TEST(Quote, MinimumOrderBlocksBelowAndAllowsExactlyAtTheThreshold) {
  Fixture f;
  f.rules.redeem = {rule("credit", [](rules::RedeemRule& r) { r.min_order = 500; })};
  f.credit_state.lots = {lot(1, 1000)};
  f.cart.lines = {line("1", 1, 499)};
  auto below = f.run();
  ASSERT_TRUE(below);
  EXPECT_EQ(below->wallets[0].max_usable, 0);
  EXPECT_EQ(below->wallets[0].capped_by, caps({Cap::kMinOrder}));
  EXPECT_TRUE(below->wallets[0].lots.empty());
  f.cart.lines = {line("1", 1, 500)};
  auto at = f.run();
  ASSERT_TRUE(at);
  EXPECT_EQ(at->wallets[0].max_usable, 500);
}

TEST(Quote, AbsoluteAndPercentCapsTakeTheSmaller) {
  // 每筆最多折抵 NT$100 或訂單 10%: a NT$800 order is capped at 80 (percent),
  // a NT$3,000 order at 100 (absolute).
  Fixture f;
  f.rules.redeem = {rule("credit", [](rules::RedeemRule& r) {
    r.max_amount = 100;
    r.max_percent_bp = 1000;
  })};
  f.credit_state.lots = {lot(1, 1000)};
  f.cart.lines = {line("1", 1, 800)};
  auto small = f.run();
  ASSERT_TRUE(small);
  EXPECT_EQ(small->wallets[0].max_usable, 80);
  EXPECT_EQ(small->wallets[0].capped_by, caps({Cap::kMaxPercent}));
  EXPECT_EQ(small->wallets[0].max_amount, 100);
  EXPECT_EQ(small->wallets[0].max_percent, 80);
  f.cart.lines = {line("1", 3, 1000)};
  auto large = f.run();
  ASSERT_TRUE(large);
  EXPECT_EQ(large->wallets[0].max_usable, 100);
  EXPECT_EQ(large->wallets[0].capped_by, caps({Cap::kMaxAmount}));
  f.cart.lines = {line("1", 1, 1000)};  // both caps are 100
  auto both = f.run();
  ASSERT_TRUE(both);
  EXPECT_EQ(both->wallets[0].capped_by, caps({Cap::kMaxAmount, Cap::kMaxPercent}));
}

TEST(Quote, ExcludedCategoriesAreNotPaidAndNamed) {
  Fixture f;
  f.rules.redeem = {
      rule("credit", [](rules::RedeemRule& r) { r.exclude_categories = {"gift_cards"}; })};
  f.credit_state.lots = {lot(1, 5000)};
  f.cart.lines = {line("1", 1, 700), line("2", 1, 1000, "gift_cards")};
  auto q = f.run();
  ASSERT_TRUE(q);
  const WalletQuote& w = q->wallets[0];
  EXPECT_EQ(w.max_usable, 700);
  EXPECT_EQ(w.capped_by, caps({Cap::kScope}));
  EXPECT_EQ(w.excluded_lines, std::vector<std::string>{"2"});
  ASSERT_EQ(w.lots.size(), 1u);
  EXPECT_EQ(w.lots[0].line_id, "1");
}

TEST(Quote, ALotScopedToACategoryPaysOnlyThoseLines) {
  Fixture f;
  ledger::Lot shoes = lot(1, 500);
  shoes.scope.categories = {"shoes"};
  f.credit_state.lots = {shoes};
  f.cart.lines = {line("1", 1, 300, "shoes"), line("2", 1, 800, "tops")};
  auto q = f.run();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->wallets[0].max_usable, 300);
  EXPECT_EQ(q->wallets[0].capped_by, caps({Cap::kScope}));
}

TEST(Quote, TierOnlyWalletsPayNothingForOtherTiers) {
  Fixture f;
  f.rules.redeem = {rule("credit", [](rules::RedeemRule& r) { r.tiers = {"gold", "vip"}; })};
  f.credit_state.lots = {lot(1, 500)};
  f.cart.lines = {line("1", 1, 1000)};
  f.tier = "silver";
  auto silver = f.run();
  ASSERT_TRUE(silver);
  EXPECT_EQ(silver->wallets[0].max_usable, 0);
  EXPECT_EQ(silver->wallets[0].capped_by, caps({Cap::kTier}));
  f.tier = "gold";
  auto gold = f.run();
  ASSERT_TRUE(gold);
  EXPECT_EQ(gold->wallets[0].max_usable, 500);
}

TEST(Quote, DisabledWalletsNeverPay) {
  Fixture f;
  f.rules.redeem = {rule("credit", [](rules::RedeemRule& r) { r.enabled = false; })};
  f.credit_state.lots = {lot(1, 500)};
  f.cart.lines = {line("1", 1, 1000)};
  auto q = f.run();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->wallets[0].capped_by, caps({Cap::kDisabled}));
  EXPECT_EQ(q->wallets[0].max_usable, 0);
}

TEST(Quote, PointsAtATenthOfADollarAreUsedInWholeDollars) {
  // 10 points = NT$1: 1,234 points pay NT$123 with 1,230 points; the cap of
  // NT$100 is 1,000 points.
  Fixture f;
  f.with_points = true;
  f.rules.redeem = {rule("points", [](rules::RedeemRule& r) {
    r.value_num = 1;
    r.value_den = 10;
  })};
  ledger::Lot p = lot(7, 1234);
  p.wallet = "points";
  f.points_state.lots = {p};
  f.cart.lines = {line("1", 1, 1000)};
  auto q = f.run();
  ASSERT_TRUE(q);
  const WalletQuote& w = q->wallets[1];
  EXPECT_EQ(w.max_usable, 1230);
  EXPECT_EQ(w.max_usable_value, 123);
  EXPECT_EQ(w.capped_by, caps({Cap::kBalance, Cap::kStep}));
  f.rules.redeem[0].max_amount = 100;
  auto capped = f.run();
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->wallets[1].max_usable, 1000);
  EXPECT_EQ(capped->wallets[1].use_value, 100);
  EXPECT_EQ(capped->total, 900);
}

TEST(Quote, CreditThenPointsShareTheCart) {
  // Credit pays first (program order); points pay what is left, each under its own caps.
  Fixture f;
  f.with_points = true;
  f.rules.redeem = {rule("points", [](rules::RedeemRule& r) { r.max_percent_bp = 1000; })};
  f.credit_state.lots = {lot(1, 950)};
  ledger::Lot p = lot(2, 500);
  p.wallet = "points";
  f.points_state.lots = {p};
  f.cart.lines = {line("1", 1, 1000)};
  auto q = f.run();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->wallets[0].use, 950);
  EXPECT_EQ(q->wallets[1].max_usable, 50);  // only 50 of the line is left
  EXPECT_EQ(q->wallets[1].max_percent, 100);
  EXPECT_EQ(q->wallets[1].capped_by, caps({Cap::kScope}));
  EXPECT_EQ(q->total, 0);
}

TEST(Quote, TheShopperMayAskForLessAndTheSoonestExpiringLotGoesFirst) {
  Fixture f;
  f.credit_state.lots = {lot(1, 200), lot(2, 200, utc(2026, 3, 31)), lot(3, 200, utc(2026, 3, 10))};
  f.cart.lines = {line("1", 1, 1000)};
  f.credit_requested = 250;
  auto q = f.run();
  ASSERT_TRUE(q);
  const WalletQuote& w = q->wallets[0];
  EXPECT_EQ(w.max_usable, 600);
  EXPECT_EQ(w.use, 250);
  ASSERT_EQ(w.lots.size(), 2u);
  EXPECT_EQ(w.lots[0].lot_id, 3);
  EXPECT_EQ(w.lots[0].amount, 200);
  EXPECT_EQ(w.lots[1].lot_id, 2);
  EXPECT_EQ(w.lots[1].amount, 50);
}

TEST(Quote, ALotExpiredAtNowIsNotSpendable) {
  Fixture f;
  f.credit_state.lots = {lot(1, 200, kNow), lot(2, 100)};
  f.cart.lines = {line("1", 1, 1000)};
  auto q = f.run();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->wallets[0].balance, 100);
  EXPECT_EQ(q->wallets[0].max_usable, 100);
}

TEST(Quote, ShippingIsPaidOnlyWhenTheRuleSaysSo) {
  Fixture f;
  f.rules.redeem = {rule("credit", [](rules::RedeemRule& r) { r.pays_shipping = true; })};
  f.credit_state.lots = {lot(1, 5000)};
  f.cart.lines = {line("1", 1, 500)};
  f.cart.shipping = 80;
  auto q = f.run();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->wallets[0].max_usable, 580);
  EXPECT_EQ(q->total, 0);
}

CouponInput coupon(std::string code, const CouponTerms* terms, std::string member_id = "",
                   bool single_use = false, int64_t used = 0, int64_t used_total = 0,
                   int64_t used_by_member = 0) {
  return CouponInput{std::move(code), terms,         std::move(member_id), single_use, used,
                     used_total,      used_by_member};
}

CouponTerms fixed(int64_t amount) {
  CouponTerms t;
  t.batch_id = "welcome";
  t.kind = CouponTerms::Kind::kFixed;
  t.amount = amount;
  return t;
}

TEST(Quote, ACouponLowersTheOrderValueTheCapsSee) {
  Fixture f;
  CouponTerms welcome = fixed(200);
  f.coupons = {coupon("WELCOME", &welcome)};
  f.rules.redeem = {rule("credit", [](rules::RedeemRule& r) { r.max_percent_bp = 1000; })};
  f.credit_state.lots = {lot(1, 1000)};
  f.cart.lines = {line("1", 1, 600), line("2", 1, 400)};
  auto q = f.run();
  ASSERT_TRUE(q);
  ASSERT_EQ(q->coupons.size(), 1u);
  EXPECT_TRUE(q->coupons[0].valid);
  EXPECT_EQ(q->coupons[0].discount, 200);
  EXPECT_EQ(q->coupons[0].line_discounts, (std::vector<int64_t>{120, 80}));
  EXPECT_EQ(q->order_value, 800);
  EXPECT_EQ(q->wallets[0].max_usable, 80);
  EXPECT_EQ(q->total, 720);
}

TEST(Quote, AWalletThatDoesNotStackWithCouponsPaysNothingWhenOneApplies) {
  Fixture f;
  CouponTerms welcome = fixed(100);
  f.coupons = {coupon("WELCOME", &welcome)};
  f.rules.redeem = {rule("credit", [](rules::RedeemRule& r) { r.with_coupons = false; })};
  f.credit_state.lots = {lot(1, 1000)};
  f.cart.lines = {line("1", 1, 1000)};
  auto q = f.run();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->wallets[0].capped_by, caps({Cap::kCoupon}));
  EXPECT_EQ(q->total, 900);
  CouponTerms late = fixed(100);
  late.ends_at = kNow;  // ended: no coupon applies, the wallet pays again
  f.coupons = {coupon("LATE", &late)};
  auto ended = f.run();
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->coupons[0].reason, "ended");
  EXPECT_EQ(ended->wallets[0].max_usable, 1000);
}

TEST(Quote, CouponReasonsInTheirOrder) {
  Fixture f;
  f.cart.lines = {line("1", 1, 1000, "tops")};
  CouponTerms plain = fixed(100);
  CouponTerms disabled = fixed(100);
  disabled.enabled = false;
  CouponTerms future = fixed(100);
  future.starts_at = kNow + std::chrono::hours(1);
  CouponTerms limited = fixed(100);
  limited.limit_total = 10;
  CouponTerms per_member = fixed(100);
  per_member.limit_per_member = 1;
  CouponTerms shoes = fixed(100);
  shoes.categories = {"shoes"};
  CouponTerms threshold = fixed(100);
  threshold.min_spend = 1001;
  f.coupons = {
      coupon("NOPE", nullptr),
      coupon("OFF", &disabled),
      coupon("SOON", &future),
      coupon("BOB", &plain, "M2"),
      coupon("ONCE", &plain, "", true, 1),
      coupon("GONE", &limited, "", false, 0, 10),
      coupon("MINE", &per_member, "", false, 0, 3, 1),
      coupon("SHOES", &shoes),
      coupon("BIG", &threshold),
  };
  auto q = f.run();
  ASSERT_TRUE(q);
  std::vector<std::string> reasons;
  for (const auto& c : q->coupons) reasons.push_back(c.reason);
  EXPECT_EQ(reasons,
            (std::vector<std::string>{"unknown", "disabled", "not_started", "not_yours", "used",
                                      "used_up", "member_limit", "no_lines", "min_spend"}));
  EXPECT_EQ(q->coupon_discount, 0);
}

TEST(Quote, PercentCouponsStopAtTheirMaximumAndNonStackableOnesStandAlone) {
  Fixture f;
  f.cart.lines = {line("1", 1, 2000)};
  f.cart.shipping = 60;
  CouponTerms percent;
  percent.kind = CouponTerms::Kind::kPercent;
  percent.percent_bp = 1500;
  percent.max_discount = 200;
  CouponTerms ship;
  ship.kind = CouponTerms::Kind::kFreeShipping;
  CouponTerms alone = fixed(50);
  alone.stackable = false;
  f.coupons = {coupon("PCT", &percent), coupon("SHIP", &ship), coupon("ALONE", &alone)};
  auto q = f.run();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->coupons[0].discount, 200);
  EXPECT_EQ(q->coupons[1].shipping_discount, 60);
  EXPECT_EQ(q->coupons[2].reason, "not_combinable");
  EXPECT_EQ(q->shipping, 0);
  EXPECT_EQ(q->total, 1800);
}

TEST(Quote, ProjectedEarnDoesNotCountValuePaidWithCredit) {
  Fixture f;
  rules::EarnRule rebate;
  rebate.id = "rebate";
  rebate.wallet = "credit";
  rebate.rate = rules::Rate{rules::Rate::Kind::kSteps, 0, 1000, 50};
  f.rules.earn = {rebate};
  f.credit_state.lots = {lot(1, 100)};
  f.cart.lines = {line("1", 1, 2050)};
  auto q = f.run();
  ASSERT_TRUE(q);
  EXPECT_EQ(q->total, 1950);
  EXPECT_EQ(q->earn.total("credit"), 50);  // 1,950 earns one step, not two
  f.credit_requested = 0;
  auto none = f.run();
  ASSERT_TRUE(none);
  EXPECT_EQ(none->earn.total("credit"), 100);
}

TEST(Quote, TierProgressCountsThisOrder) {
  Fixture f;
  f.rules.tiers.levels = {{"regular", "一般", 0, 0, "", 12},
                          {"silver", "銀卡", 3000, 2000, "", 12}};
  rules::TierState state;
  std::vector<rules::CountedOrder> history = {{"O0", utc(2026, 2, 1), 2500}};
  f.cart.lines = {line("1", 1, 600)};
  QuoteInput in;
  std::vector<WalletInput> wallets;
  in.rules = &f.rules;
  in.cart = &f.cart;
  in.zone = date::locate_zone("Asia/Taipei");
  in.now = kNow;
  in.wallets = wallets;
  in.tier_state = &state;
  in.counted_orders = &history;
  auto q = quote(in);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->tier_after_id, "silver");
  ASSERT_TRUE(q->tier_after);
  EXPECT_EQ(q->tier_after->value, 3100);
  f.cart.lines = {line("1", 1, 400)};
  auto short_of = quote(in);
  ASSERT_TRUE(short_of);
  EXPECT_EQ(short_of->tier_after_id, "regular");
  EXPECT_EQ(short_of->tier_after->to_next, 100);
}

TEST(Quote, BadCartsAreRejectedNamingTheField) {
  Fixture f;
  auto field_of = [&](std::vector<rules::OrderLine> lines, int64_t shipping = 0) {
    f.cart.lines = std::move(lines);
    f.cart.shipping = shipping;
    auto q = f.run();
    EXPECT_FALSE(q);
    return q ? std::string("(ok)") : q.error().field;
  };
  EXPECT_EQ(field_of({}), "cart.lines");
  EXPECT_EQ(field_of({line("1", -1, 100)}), "cart.lines[0].quantity");
  EXPECT_EQ(field_of({line("1", 1, -5)}), "cart.lines[0].unit_price");
  EXPECT_EQ(field_of({line("1", 1, 100), line("1", 1, 100)}), "cart.lines[1].line_id");
  EXPECT_EQ(field_of({line("1", 1, 100)}, -1), "cart.shipping");
  EXPECT_EQ(field_of({line("1", 1'000'000, 1'000'000'000'000)}), "cart.lines[0].quantity");
  EXPECT_EQ(field_of({line("1", 1, 90'000'000'000'000), line("2", 1, 90'000'000'000'000)}),
            "cart.lines");
  rules::OrderLine over = line("1", 1, 100);
  over.discount = 101;
  EXPECT_EQ(field_of({over}), "cart.lines[0].discount");
}

// Invariants over random carts, lots, rules and requests: what a wallet uses
// comes from its lots and never exceeds what it may pay; lines are never paid
// beyond their value; the total never goes below zero.
TEST(QuoteProperty, UsesStayWithinLotsCapsAndLines) {
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&](int64_t lo, int64_t hi) {
      return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
    };
    Fixture f;
    f.with_points = pick(0, 1) == 1;
    const char* categories[] = {"tops", "shoes", "gift_cards"};
    for (int64_t i = 0, n = pick(1, 6); i < n; ++i) {
      rules::OrderLine l =
          line(std::to_string(i + 1), pick(1, 3), pick(0, 900), categories[pick(0, 2)]);
      l.discount = pick(0, l.gross());
      f.cart.lines.push_back(l);
    }
    f.cart.shipping = pick(0, 100);
    for (int64_t i = 0, n = pick(0, 5); i < n; ++i) {
      ledger::Lot l = lot(i + 1, pick(1, 800));
      if (pick(0, 3) == 0) l.scope.categories = {categories[pick(0, 2)]};
      if (pick(0, 3) == 0) l.expires_at = kNow + std::chrono::hours(pick(-48, 480));
      f.credit_state.lots.push_back(l);
      ledger::Lot p = lot(100 + i, pick(1, 3000));
      p.wallet = "points";
      f.points_state.lots.push_back(p);
    }
    rules::RedeemRule credit;
    credit.wallet = "credit";
    credit.min_order = pick(0, 1) ? pick(0, 1500) : 0;
    credit.max_amount = pick(0, 1) ? pick(1, 500) : 0;
    credit.max_percent_bp = pick(0, 1) ? pick(1, 10000) : 0;
    credit.pays_shipping = pick(0, 1) == 1;
    if (pick(0, 2) == 0) credit.exclude_categories = {"gift_cards"};
    rules::RedeemRule points;
    points.wallet = "points";
    points.value_den = pick(1, 20);
    points.step = pick(1, 50);
    f.rules.redeem = {credit, points};
    if (pick(0, 1)) f.credit_requested = pick(0, 1000);
    if (pick(0, 1)) f.points_requested = pick(0, 5000);
    CouponTerms terms = fixed(pick(1, 300));
    if (pick(0, 1)) f.coupons = {coupon("C", &terms)};
    auto q = f.run();
    ASSERT_TRUE(q) << "seed " << seed << ": " << q.error().message;
    std::map<std::string, int64_t> line_value;
    for (std::size_t i = 0; i < f.cart.lines.size(); ++i) {
      line_value[f.cart.lines[i].line_id] = f.cart.lines[i].net();
    }
    int64_t used_value = 0;
    for (std::size_t k = 0; k < q->wallets.size(); ++k) {
      const WalletQuote& w = q->wallets[k];
      const ledger::WalletState& state = k == 0 ? f.credit_state : f.points_state;
      EXPECT_LE(w.use, w.max_usable) << "seed " << seed;
      EXPECT_LE(w.max_usable, w.balance) << "seed " << seed;
      if (w.max_amount) {
        EXPECT_LE(w.max_usable, *w.max_amount) << "seed " << seed;
      }
      if (w.max_percent) {
        EXPECT_LE(w.max_usable, *w.max_percent) << "seed " << seed;
      }
      int64_t from_lots = 0;
      std::map<int64_t, int64_t> per_lot;
      for (const LotUse& u : w.lots) {
        from_lots += u.amount;
        per_lot[u.lot_id] += u.amount;
        if (u.line_id != rules::kShippingLine) {
          EXPECT_TRUE(line_value.count(u.line_id)) << "seed " << seed;
        }
      }
      EXPECT_EQ(from_lots, w.use) << "seed " << seed;
      for (const auto& [id, amount] : per_lot) {
        auto it = std::find_if(state.lots.begin(), state.lots.end(),
                               [&](const ledger::Lot& l) { return l.id == id; });
        ASSERT_NE(it, state.lots.end());
        EXPECT_LE(amount, it->remaining) << "seed " << seed;
        EXPECT_TRUE(!it->expires_at || *it->expires_at > kNow) << "seed " << seed;
      }
      const rules::RedeemRule* rule = f.rules.redeem_rule(w.wallet);
      EXPECT_EQ(w.use_value, value_of(rule, w.use)) << "seed " << seed;
      used_value += w.use_value;
    }
    EXPECT_EQ(q->value_used, used_value);
    EXPECT_GE(q->total, 0) << "seed " << seed;
    EXPECT_EQ(q->total, q->order_value + q->shipping - q->value_used) << "seed " << seed;
  }
}

}  // namespace
}  // namespace patron::checkout
