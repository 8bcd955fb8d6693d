// Spending: soonest expiry first (no expiry last, then oldest), scopes, the
// multi-line flow allocation, insufficient funds and invalid spends.
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/limits.h"
#include "ledger_test_support.h"

namespace patron::ledger {
namespace {

using testing::at;
using testing::expect_error;
using testing::line;
using testing::WalletHarness;

// Per-lot totals of a spend's allocations.
std::map<int64_t, int64_t> by_lot(const std::vector<Allocation>& allocations) {
  std::map<int64_t, int64_t> totals;
  for (const Allocation& a : allocations) totals[a.lot_id] += a.amount;
  return totals;
}

Result<SpendResult> spend(WalletHarness& h, Instant now, int64_t amount,
                          std::vector<PayLine> lines = {}, const std::string& order = "") {
  Spend s;
  s.amount = amount;
  s.lines = std::move(lines);
  s.order_id = order;
  return h.run(now, [&](WalletLedger& l) { return l.spend(s); });
}

TEST(Spend, SoonestExpiryFirstNoExpiryLast) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  int64_t never = h.grant(now - std::chrono::days{30}, 100, "purchase");  // oldest, no expiry
  int64_t sixty = h.grant(now, 100, "signup");
  int64_t thirty = h.grant(now, 100, "birthday");
  int64_t month_end =
      h.grant(now, 100, "campaign", [](Grant& g) { g.expires_at = at("2026-04-01T00:00"); });
  auto r = spend(h, now + std::chrono::hours{1}, 250, {}, "order-9");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->allocations.size(), 3u);
  EXPECT_EQ(r->allocations[0].lot_id, month_end);
  EXPECT_EQ(r->allocations[1].lot_id, thirty);
  EXPECT_EQ(r->allocations[2].lot_id, sixty);
  EXPECT_EQ(r->allocations[2].amount, 50);
  EXPECT_EQ(h.lot(never).remaining, 100);
  EXPECT_EQ(h.lot(sixty).remaining, 50);
  EXPECT_EQ(h.moved(account::kAvailable, account::kRedeemed, "spend"), 250);
  ASSERT_EQ(h.state().redemptions.size(), 1u);
  const Redemption& redemption = h.state().redemptions[0];
  EXPECT_EQ(redemption.id, r->redemption_id);
  EXPECT_EQ(redemption.order_id, "order-9");
  EXPECT_EQ(redemption.hold_id, 0);
  EXPECT_EQ(redemption.allocations, r->allocations);
  EXPECT_EQ(h.balances(now + std::chrono::hours{1}).available, 150);
}

TEST(Spend, AmongEqualExpiriesOldestFirstThenLowestId) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  Instant end = at("2026-06-01T00:00");
  auto expiring = [&](Grant& g) { g.expires_at = end; };
  int64_t newer = h.grant(now, 10, "campaign", expiring);
  int64_t older = h.grant(now - std::chrono::days{2}, 10, "campaign", expiring);
  int64_t newest_same_time = h.grant(now, 10, "campaign", expiring);
  auto r = spend(h, now, 25);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->allocations.size(), 3u);
  EXPECT_EQ(r->allocations[0].lot_id, older);
  EXPECT_EQ(r->allocations[1].lot_id, newer);
  EXPECT_EQ(r->allocations[2].lot_id, newest_same_time);
  EXPECT_EQ(r->allocations[2].amount, 5);
}

TEST(Spend, WithoutExpiryOldestFirst) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  int64_t young = h.grant(now, 100, "purchase");
  int64_t old = h.grant(now - std::chrono::days{100}, 100, "purchase");
  auto r = spend(h, now, 120);
  ASSERT_TRUE(r);
  EXPECT_EQ(h.lot(old).remaining, 0);
  EXPECT_EQ(h.lot(young).remaining, 80);
}

TEST(Spend, InsufficientFundsChangesNothing) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  h.grant(now, 60, "birthday");
  h.grant(now, 30, "purchase");
  WalletState before = h.state();
  auto transfers_before = h.transfers().size();
  auto r = spend(h, now, 91);
  expect_error(r, ErrorCode::kInsufficientFunds, "amount");
  EXPECT_NE(r.error().message.find("90"), std::string::npos) << r.error().message;
  EXPECT_TRUE(testing::same_state(before, h.state()));
  EXPECT_EQ(h.transfers().size(), transfers_before);
  // A fresh ledger from the same state sees the same balances and can spend 90.
  testing::CountingIds ids;
  WalletLedger fresh(h.state(), h.policy(), ids, now);
  EXPECT_EQ(fresh.balances().available, 90);
  EXPECT_EQ(fresh.balances().held, 0);
  EXPECT_TRUE(spend(h, now, 90));
  EXPECT_EQ(h.balances(now).available, 0);
}

TEST(Spend, EmptyWalletIsInsufficient) {
  WalletHarness h;
  expect_error(spend(h, at("2026-03-10T15:00"), 1), ErrorCode::kInsufficientFunds, "amount");
}

struct ScopeCase {
  const char* name;
  Scope scope;
  PayLine covered;
  PayLine other;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const ScopeCase& c, std::ostream* os) {
  *os << c.name;
}

class ScopedLot : public ::testing::TestWithParam<ScopeCase> {};

TEST_P(ScopedLot, PaysOnlyCoveredLines) {
  const ScopeCase& c = GetParam();
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  int64_t scoped = h.grant(now, 100, "campaign", [&](Grant& g) { g.scope = c.scope; });
  expect_error(spend(h, now, 10, {c.other}), ErrorCode::kInsufficientFunds, "amount");
  // A spend without lines may use unrestricted lots only.
  expect_error(spend(h, now, 10), ErrorCode::kInsufficientFunds, "amount");
  auto r = spend(h, now, 40, {c.covered});
  ASSERT_TRUE(r);
  EXPECT_EQ(h.lot(scoped).remaining, 60);
  EXPECT_EQ(r->allocations[0].line_id, c.covered.line_id);
}

INSTANTIATE_TEST_SUITE_P(
    EveryDimension, ScopedLot,
    ::testing::Values(ScopeCase{"categories", Scope{{}, {"shoes"}, {}, {}}, line("l1", 50, "shoes"),
                                line("l2", 50, "bags")},
                      ScopeCase{"skus", Scope{{}, {}, {}, {"SKU-1", "SKU-2"}},
                                line("l1", 50, "", "SKU-2"), line("l2", 50, "", "SKU-3")},
                      ScopeCase{"brands", Scope{{}, {}, {"acme"}, {}},
                                line("l1", 50, "", "", "acme"), line("l2", 50, "", "", "other")},
                      ScopeCase{"channels", Scope{{"pos"}, {}, {}, {}},
                                line("l1", 50, "", "", "", "pos"),
                                line("l2", 50, "", "", "", "web")},
                      ScopeCase{"all_dimensions", Scope{{"pos"}, {"shoes"}, {"acme"}, {}},
                                line("l1", 50, "shoes", "S", "acme", "pos"),
                                line("l2", 50, "shoes", "S", "acme", "web")}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Spend, WithoutLinesUsesOnlyUnrestrictedLots) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  int64_t scoped = h.grant(now, 100, "campaign", [](Grant& g) {
    g.scope.categories = {"shoes"};
    g.expires_at = at("2026-03-20T00:00");  // sooner: would be first if it were eligible
  });
  int64_t open = h.grant(now, 50, "purchase");
  expect_error(spend(h, now, 80), ErrorCode::kInsufficientFunds, "amount");
  auto r = spend(h, now, 50);
  ASSERT_TRUE(r);
  EXPECT_EQ(h.lot(open).remaining, 0);
  EXPECT_EQ(h.lot(scoped).remaining, 100);
  EXPECT_EQ(r->allocations[0].line_id, "");
}

TEST(Spend, LineAmountCapsWhatTheLineTakes) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  h.grant(now, 100, "purchase");
  expect_error(spend(h, now, 50, {line("l1", 30)}), ErrorCode::kInsufficientFunds, "amount");
  expect_error(spend(h, now, 50, {line("l1", 20), line("l2", 20)}), ErrorCode::kInsufficientFunds,
               "amount");
  auto r = spend(h, now, 50, {line("l1", 30), line("l2", 20)});
  ASSERT_TRUE(r);
  std::map<std::string, int64_t> per_line;
  for (const Allocation& a : r->allocations) per_line[a.line_id] += a.amount;
  EXPECT_EQ(per_line["l1"], 30);
  EXPECT_EQ(per_line["l2"], 20);
}

// Greedy in rank order would give the soon-expiring unrestricted lot to the
// shoes line and strand the shoes-only lot; the flow allocation pays both lines.
TEST(Spend, MultiLineFlowPaysInFullWhereGreedyWouldStrandValue) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  int64_t open = h.grant(now, 100, "birthday");  // expires first
  int64_t shoes = h.grant(now, 100, "campaign", [](Grant& g) { g.scope.categories = {"shoes"}; });
  auto r = spend(h, now, 200, {line("l-shoes", 100, "shoes"), line("l-bag", 100, "bags")});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(h.lot(open).remaining, 0);
  EXPECT_EQ(h.lot(shoes).remaining, 0);
  for (const Allocation& a : r->allocations) {
    EXPECT_EQ(a.line_id, a.lot_id == shoes ? "l-shoes" : "l-bag");
  }
  EXPECT_EQ(by_lot(r->allocations), (std::map<int64_t, int64_t>{{open, 100}, {shoes, 100}}));
}

TEST(Spend, MultiLinePrefersSoonestExpiringLots) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  int64_t open = h.grant(now, 100, "birthday");  // expires first, covers both lines
  int64_t shoes = h.grant(now, 100, "campaign", [](Grant& g) { g.scope.categories = {"shoes"}; });
  int64_t late = h.grant(now, 100, "signup");
  auto r = spend(h, now, 150, {line("l-shoes", 100, "shoes"), line("l-bag", 100, "bags")});
  ASSERT_TRUE(r);
  // The soonest lot is used up, then the next-ranked one (signup expires before
  // the never-expiring shoes lot), and the shoes lot is left alone.
  EXPECT_EQ(by_lot(r->allocations), (std::map<int64_t, int64_t>{{open, 100}, {late, 50}}));
  EXPECT_EQ(h.lot(shoes).remaining, 100);
}

// The soonest-expiring lot is scoped to the second line; any max flow that
// ignores the ranking would happily pay the first line from the later lot.
TEST(Spend, MultiLineUsesTheSoonestLotEvenWhenItOnlyCoversALaterLine) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  int64_t shoes = h.grant(now, 100, "campaign", [&](Grant& g) {
    g.scope.categories = {"shoes"};
    g.expires_at = now + std::chrono::days{5};
  });
  int64_t open = h.grant(now, 100, "purchase");
  auto r = spend(h, now, 100, {line("l-bag", 50, "bags"), line("l-shoes", 100, "shoes")});
  ASSERT_TRUE(r);
  EXPECT_EQ(by_lot(r->allocations), (std::map<int64_t, int64_t>{{shoes, 100}}));
  EXPECT_EQ(h.lot(open).remaining, 100);
}

TEST(Spend, MultiLineShortOfFundsPaysNothing) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  h.grant(now, 100, "campaign", [](Grant& g) { g.scope.categories = {"shoes"}; });
  h.grant(now, 30, "purchase");
  auto r = spend(h, now, 150, {line("l-shoes", 100, "shoes"), line("l-bag", 100, "bags")});
  expect_error(r, ErrorCode::kInsufficientFunds, "amount");
  EXPECT_NE(r.error().message.find("130"), std::string::npos) << r.error().message;
}

// --- invalid spends ---

TEST(SpendValidation, AmountMustBePositiveAndBounded) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  h.grant(now, 100, "purchase");
  for (int64_t amount : {int64_t{0}, int64_t{-5}, limits::kAmountMax + 1}) {
    expect_error(spend(h, now, amount), ErrorCode::kInvalidArgument, "amount");
  }
}

TEST(SpendValidation, LinesAreChecked) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  h.grant(now, 100, "purchase");
  expect_error(spend(h, now, 10, {line("l1", 10), line("l2", -1)}), ErrorCode::kInvalidArgument,
               "lines[1].amount");
  expect_error(spend(h, now, 10, {line("l1", limits::kAmountMax + 1)}), ErrorCode::kInvalidArgument,
               "lines[0].amount");
  expect_error(spend(h, now, 10, {line("l1", 10), line("", 10)}), ErrorCode::kInvalidArgument,
               "lines[1].line_id");
  expect_error(spend(h, now, 10, {line(std::string(129, 'l'), 10)}), ErrorCode::kInvalidArgument,
               "lines[0].line_id");
  std::vector<PayLine> many(limits::kLinesMax + 1, line("l", 1));
  expect_error(spend(h, now, 10, many), ErrorCode::kInvalidArgument, "lines");
}

TEST(SpendValidation, OrderIdIsBounded) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  h.grant(now, 100, "purchase");
  expect_error(spend(h, now, 10, {}, std::string(129, 'o')), ErrorCode::kInvalidArgument,
               "order_id");
  EXPECT_TRUE(spend(h, now, 10, {}, std::string(128, 'o')));
}

}  // namespace
}  // namespace patron::ledger

namespace patron::ledger {
namespace {

// Regression (review finding 6): a multi-line payment over many lots could
// keep the single writer busy for seconds; it is now bounded.
TEST(Spend, TooManyLotLinePairsIsRefusedQuickly) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  for (int i = 0; i < 501; ++i) h.grant(now, 1, "purchase");
  std::vector<PayLine> lines;
  for (int l = 0; l < 10; ++l) lines.push_back(line("l" + std::to_string(l), 100));
  auto r = spend(h, now, 10, lines);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().field, "lines");
  lines.resize(9);  // 501 x 9 = 4,509 pairs: allowed
  EXPECT_TRUE(spend(h, now, 9, lines));
}

// A partial state (leave_out) spends as the whole would, once its source
// gave the rest; a source whose lots do not match what was left out is a
// corruption error, and the ledger is left as it was.
TEST(PartialState, SpendLoadsTheRestAndChecksIt) {
  WalletHarness h;
  Instant now = at("2026-03-10T12:00");
  for (int i = 0; i < 3; ++i) {
    Grant g;
    g.amount = 100;
    g.source = "purchase";
    g.order_id = "o" + std::to_string(i);
    ASSERT_TRUE(h.run(now, [&](WalletLedger& l) { return l.grant(g); }));
  }
  struct Source final : LotSource {
    explicit Source(WalletState s) : state(std::move(s)) {}
    Result<WalletState> full() override {
      calls += 1;
      return state;
    }
    WalletState state;
    int calls = 0;
  };
  WalletState partial = leave_out(h.state(), "o0", now);
  ASSERT_TRUE(partial.left_out.has_value());
  EXPECT_EQ(partial.lots.size(), 1u);
  EXPECT_EQ(partial.left_out->lots, 2);
  EXPECT_EQ(partial.left_out->available, 200);

  Source good(h.state());
  testing::CountingIds ids;
  WalletLedger ledger(partial, h.policy(), ids, now, &good);
  EXPECT_EQ(ledger.balances().available, 300);
  Spend s;
  s.amount = 250;
  auto spent = ledger.spend(s);
  ASSERT_TRUE(spent) << spent.error().message;
  EXPECT_EQ(good.calls, 1);
  EXPECT_EQ(ledger.balances().available, 50);

  WalletState short_one = h.state();
  short_one.lots.pop_back();  // the source lost a lot
  Source bad(short_one);
  WalletLedger broken(partial, h.policy(), ids, now, &bad);
  auto refused = broken.spend(s);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kCorruption);
  EXPECT_TRUE(broken.state().left_out.has_value()) << "nothing merged";
  EXPECT_EQ(broken.state().lots.size(), 1u);
  EXPECT_EQ(broken.balances().available, 300);
}

}  // namespace
}  // namespace patron::ledger
