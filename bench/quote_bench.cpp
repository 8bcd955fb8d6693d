// Checkout quote in core (issue 5 target: >= 200,000 quotes/s on one core
// for a 10-line cart, a member with 20 lots and 3 coupons). The quote here
// is the whole pure part: coupons, both wallets' caps and lot choice, the
// projected earn and the tier progress after the order.
// Run: build/bench/quote_bench
#include <benchmark/benchmark.h>
#include <date/tz.h>

#include "checkout/quote.h"
#include "ten_line_order.h"

namespace {

using namespace patron;

Instant at(int64_t s) {
  return Instant{std::chrono::seconds{s}};
}
const Instant kNow = at(1'772'956'800);  // 2026-03-08 08:00 Taipei

// The Taiwan fashion program: 每滿 1000 送 50 (tier rates), points 1%, a
// member day; credit usable from NT$500, at most NT$100 or 10%; points at
// NT$1 each, at most 10%; tiers on 12-month spend.
rules::Rules taiwan_rules() {
  rules::Rules r;
  rules::EarnRule rebate;
  rebate.id = "rebate";
  rebate.wallet = "credit";
  rebate.rate = {rules::Rate::Kind::kSteps, 0, 1000, 50};
  rebate.tier_rates = {{"silver", {rules::Rate::Kind::kPercent, 300, 0, 0}},
                       {"gold", {rules::Rate::Kind::kPercent, 500, 0, 0}}};
  rebate.base.exclude_categories = {"gift_card"};
  rules::EarnRule points;
  points.id = "points";
  points.wallet = "points";
  points.rate = {rules::Rate::Kind::kPercent, 100, 0, 0};
  r.earn = {rebate, points};
  r.member_days = {{"day8", 8, -1, 20000, {}}};
  rules::RedeemRule credit;
  credit.wallet = "credit";
  credit.min_order = 500;
  credit.max_amount = 100;
  credit.max_percent_bp = 1000;
  credit.exclude_categories = {"gift_card"};
  rules::RedeemRule pts;
  pts.wallet = "points";
  pts.max_percent_bp = 1000;
  r.redeem = {credit, pts};
  r.tiers.levels = {{"regular", "一般", 0, 0, "", 12},
                    {"silver", "銀卡", 3000, 2000, "", 12},
                    {"gold", "金卡", 10000, 8000, "", 12}};
  return r;
}

// The benchmark order (placed at kNow) with shipping, for the free-shipping coupon.
rules::Order ten_lines() {
  rules::Order o = bench::ten_line_order();
  o.shipping = 80;
  return o;
}

// 20 lots (credit 12, points 8) with different expiries; `scoped` of the
// credit lots may pay only shoes (which makes the lot choice a small flow).
ledger::WalletState wallet(const std::string& name, int lots, int scoped) {
  ledger::WalletState s;
  s.wallet = name;
  for (int i = 0; i < lots; ++i) {
    ledger::Lot l;
    l.id = i + 1;
    l.wallet = name;
    l.source = "purchase";
    l.amount = 40 + 7 * i;
    l.remaining = l.amount;
    l.granted_at = at(1'760'000'000 + 86400 * i);
    if (i % 3 != 0) l.expires_at = kNow + std::chrono::hours(24 * (5 + 11 * i));
    if (i < scoped) l.scope.categories = {"shoes"};
    s.lots.push_back(l);
  }
  return s;
}

void BM_Quote(benchmark::State& state) {
  const date::time_zone* zone = date::locate_zone("Asia/Taipei");
  rules::Rules rules = taiwan_rules();
  rules::Order cart = ten_lines();
  ledger::WalletPolicy credit = ledger::default_credit_policy(zone);
  ledger::WalletPolicy points = ledger::default_points_policy(zone);
  ledger::WalletState credit_state = wallet("credit", 12, static_cast<int>(state.range(0)));
  ledger::WalletState points_state = wallet("points", 8, 0);
  std::vector<checkout::WalletInput> wallets = {
      {&credit, rules.redeem_rule("credit"), &credit_state, std::nullopt},
      {&points, rules.redeem_rule("points"), &points_state, std::nullopt}};
  checkout::CouponTerms fixed;
  fixed.batch_id = "welcome";
  fixed.amount = 100;
  fixed.min_spend = 1000;
  checkout::CouponTerms percent;
  percent.batch_id = "vip";
  percent.kind = checkout::CouponTerms::Kind::kPercent;
  percent.percent_bp = 500;
  percent.max_discount = 300;
  percent.categories = {"shoes", "bags"};
  checkout::CouponTerms ship;
  ship.batch_id = "ship";
  ship.kind = checkout::CouponTerms::Kind::kFreeShipping;
  std::vector<checkout::CouponInput> coupons = {{"WELCOME100", &fixed, "", false, 0, 10, 0},
                                                {"VIP5", &percent, "M-42", true, 0, 3, 1},
                                                {"FREESHIP", &ship, "", false, 0, 0, 0}};
  rules::TierState tier_state;
  tier_state.tier = "silver";
  std::vector<rules::CountedOrder> history;
  for (int i = 0; i < 6; ++i)
    history.push_back({"H" + std::to_string(i), kNow - std::chrono::hours(24 * 40 * (i + 1)), 900});
  checkout::QuoteInput in;
  in.rules = &rules;
  in.cart = &cart;
  in.tier = "silver";
  in.zone = zone;
  in.now = kNow;
  in.wallets = wallets;
  in.coupons = &coupons;
  in.tier_state = &tier_state;
  in.counted_orders = &history;
  for (auto _ : state) {
    auto q = checkout::quote(in);
    benchmark::DoNotOptimize(q->total);
  }
  state.SetItemsProcessed(state.iterations());
}
// Arg: credit lots scoped to one category (0: every lot pays every line).
BENCHMARK(BM_Quote)->Arg(0)->Arg(4);

}  // namespace

BENCHMARK_MAIN();
