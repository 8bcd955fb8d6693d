// Refund clawback: exactly what the refunded lines earned, proportional when
// only a fraction is given, pending lots first, never more than earned, and
// the debt policy when the earned value was already spent.
#include <string>
#include <vector>

#include "ledger_test_support.h"

namespace patron::ledger {
namespace {

using testing::at;
using testing::expect_error;
using testing::WalletHarness;

Result<ClawbackResult> claw_lines(WalletHarness& h, Instant now, const std::string& order,
                                  std::vector<RefundLine> lines) {
  Clawback c;
  c.order_id = order;
  c.lines = std::move(lines);
  return h.run(now, [&](WalletLedger& l) { return l.clawback(c); });
}

Result<ClawbackResult> claw_fraction(WalletHarness& h, Instant now, const std::string& order,
                                     int64_t numerator, int64_t denominator) {
  Clawback c;
  c.order_id = order;
  c.numerator = numerator;
  c.denominator = denominator;
  return h.run(now, [&](WalletLedger& l) { return l.clawback(c); });
}

Result<SpendResult> spend(WalletHarness& h, Instant now, int64_t amount, const std::string& order) {
  Spend s;
  s.amount = amount;
  s.order_id = order;
  return h.run(now, [&](WalletLedger& l) { return l.spend(s); });
}

class Clawbacks : public ::testing::Test {
 protected:
  // Order-1 earned 100: line l1 60, line l2 40.
  int64_t grant_order(const std::string& source = "purchase", bool pending = false) {
    return h_.grant(now_, 100, source, [&](Grant& g) {
      g.order_id = "order-1";
      g.line_shares = {{"l1", 60, 0}, {"l2", 40, 0}};
      g.pending_until_release = pending;
    });
  }
  WalletHarness h_;
  Instant now_ = at("2026-03-10T15:00");
};

TEST_F(Clawbacks, ByLineTakesExactlyThatLinesShare) {
  int64_t lot = grant_order();
  auto r = claw_lines(h_, now_, "order-1", {{"l2", 1, 1}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 40);
  EXPECT_EQ(r->from_available, 40);
  EXPECT_EQ(r->from_pending, 0);
  EXPECT_EQ(r->debt_added, 0);
  EXPECT_EQ(h_.lot(lot).remaining, 60);
  EXPECT_EQ(h_.lot(lot).line_shares[1], (LineShare{"l2", 40, 40}));
  EXPECT_EQ(h_.lot(lot).line_shares[0], (LineShare{"l1", 60, 0}));
  EXPECT_EQ(h_.moved(account::kAvailable, account::kClawedBack, "clawback"), 40);
  EXPECT_EQ(h_.balances(now_).available, 60);

  auto again = claw_lines(h_, now_, "order-1", {{"l2", 1, 1}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->due, 0) << "a line is clawed back once";
  EXPECT_TRUE(h_.last_transfers().empty());
  auto unknown_line = claw_lines(h_, now_, "order-1", {{"l9", 1, 1}});
  ASSERT_TRUE(unknown_line);
  EXPECT_EQ(unknown_line->due, 0);
}

TEST_F(Clawbacks, ByLineFractionIsOfTheLineRoundedDown) {
  int64_t lot = grant_order();
  auto r = claw_lines(h_, now_, "order-1", {{"l1", 1, 3}, {"l2", 1, 3}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 20 + 13);  // floor(60/3) + floor(40/3)
  EXPECT_EQ(h_.lot(lot).remaining, 67);
}

TEST_F(Clawbacks, ByFractionOfTheWholeOrder) {
  int64_t lot = grant_order();
  auto r = claw_fraction(h_, now_, "order-1", 1, 4);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 25);  // 15 from l1, 10 from l2
  EXPECT_EQ(h_.lot(lot).line_shares[0].clawed, 15);
  EXPECT_EQ(h_.lot(lot).line_shares[1].clawed, 10);
  EXPECT_EQ(h_.balances(now_).available, 75);
}

// Regression (review finding 3): a refund by line used to claw back nothing,
// silently, from a lot that has no line attribution. It is now refused.
TEST_F(Clawbacks, LotWithoutAttributionRefusesLineRefundsAndCountsAsOneLine) {
  int64_t lot = h_.grant(now_, 90, "purchase", [](Grant& g) { g.order_id = "order-1"; });
  auto by_line = claw_lines(h_, now_, "order-1", {{"l1", 1, 1}});
  ASSERT_FALSE(by_line);
  EXPECT_EQ(by_line.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(by_line.error().field, "lines");
  EXPECT_EQ(h_.lot(lot).remaining, 90);
  auto r = claw_fraction(h_, now_, "order-1", 1, 3);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 30);
  EXPECT_EQ(h_.lot(lot).remaining, 60);
}

TEST_F(Clawbacks, UnknownOrderClawsNothing) {
  grant_order();
  auto r = claw_fraction(h_, now_, "order-404", 1, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 0);
  EXPECT_TRUE(h_.last_transfers().empty());
  EXPECT_EQ(h_.balances(now_).available, 100);
}

TEST_F(Clawbacks, PendingLotsFirstAndOnlyFromTheOrdersLots) {
  int64_t pending = grant_order("purchase", /*pending=*/true);
  int64_t other = h_.grant(now_, 50, "signup");
  auto r = claw_lines(h_, now_, "order-1", {{"l1", 1, 1}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 60);
  EXPECT_EQ(r->from_pending, 60);
  EXPECT_EQ(r->from_available, 0);
  EXPECT_EQ(h_.lot(pending).remaining, 40);
  EXPECT_EQ(h_.lot(other).remaining, 50);
  EXPECT_EQ(h_.moved(account::kPending, account::kClawedBack, "clawback"), 60);
  Balances b = h_.balances(now_);
  EXPECT_EQ(b.pending, 40);
  EXPECT_EQ(b.available, 50);
  // Completing the order later releases only what is left.
  auto released = h_.run(now_, [](WalletLedger& l) { return l.release_order("order-1"); });
  ASSERT_TRUE(released);
  EXPECT_EQ(released->amount, 40);
}

TEST_F(Clawbacks, RepeatedPartialRefundsNeverClawMoreThanEarned) {
  int64_t lot = grant_order();
  int64_t total = 0;
  for (int i = 0; i < 5; ++i) {
    auto r = claw_fraction(h_, now_, "order-1", 1, 3);
    ASSERT_TRUE(r);
    total += r->due;
  }
  EXPECT_EQ(total, 100);  // 33, 33, 33, 1, 0
  EXPECT_EQ(h_.lot(lot).remaining, 0);
  auto full = claw_fraction(h_, now_, "order-1", 1, 1);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->due, 0);
  EXPECT_EQ(h_.account_balance(account::kClawedBack), 100);
}

TEST_F(Clawbacks, FullRefundAfterPartialTakesTheRest) {
  grant_order();
  auto half = claw_lines(h_, now_, "order-1", {{"l1", 1, 2}});
  ASSERT_TRUE(half);
  EXPECT_EQ(half->due, 30);
  auto rest = claw_fraction(h_, now_, "order-1", 1, 1);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->due, 70);
  EXPECT_EQ(h_.balances(now_).available, 0);
}

TEST_F(Clawbacks, SpentValueIsTakenFromOtherAvailableValueFirst) {
  grant_order("birthday");                       // expires first, so it is spent first
  int64_t other = h_.grant(now_, 50, "signup");  // 60 days
  ASSERT_TRUE(spend(h_, now_, 100, "order-2"));
  auto r = claw_fraction(h_, now_, "order-1", 1, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 100);
  EXPECT_EQ(r->from_available, 50);
  EXPECT_EQ(r->debt_added, 50);
  EXPECT_EQ(h_.lot(other).remaining, 0);
  EXPECT_EQ(h_.balances(now_).available, -50);
}

TEST_F(Clawbacks, SpentValueBecomesDebtSettledByTheNextGrant) {
  ASSERT_EQ(h_.policy().debt, DebtPolicy::kNegativeBalance);
  grant_order();
  ASSERT_TRUE(spend(h_, now_, 100, "order-2"));
  auto r = claw_fraction(h_, now_, "order-1", 1, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 100);
  EXPECT_EQ(r->from_available, 0);
  EXPECT_EQ(r->debt_added, 100);
  EXPECT_EQ(r->written_off, 0);
  EXPECT_EQ(h_.state().debt, 100);
  Balances b = h_.balances(now_);
  EXPECT_EQ(b.available, -100);
  EXPECT_EQ(b.debt, 100);
  EXPECT_EQ(h_.moved(account::kDebt, account::kClawedBack, "clawback"), 100);
  EXPECT_EQ(h_.account_balance(account::kDebt), -100);

  // Spending is impossible while in debt.
  expect_error(spend(h_, now_, 1, "order-3"), ErrorCode::kInsufficientFunds, "amount");

  Grant g;
  g.amount = 30;
  g.source = "purchase";
  auto first = h_.run(now_, [&](WalletLedger& l) { return l.grant(g); });
  ASSERT_TRUE(first);
  EXPECT_EQ(first->debt_settled, 30);
  EXPECT_EQ(h_.state().debt, 70);
  EXPECT_EQ(h_.balances(now_).available, -70);
  g.amount = 100;
  auto second = h_.run(now_, [&](WalletLedger& l) { return l.grant(g); });
  ASSERT_TRUE(second);
  EXPECT_EQ(second->debt_settled, 70);
  EXPECT_EQ(h_.state().debt, 0);
  EXPECT_EQ(h_.lot(second->lot_id).remaining, 30);
  EXPECT_EQ(h_.balances(now_).available, 30);
  EXPECT_EQ(h_.moved(account::kAvailable, account::kDebt, "settle_debt"), 100);
  EXPECT_EQ(h_.account_balance(account::kDebt), 0);
}

TEST_F(Clawbacks, ScopedValuePaysDebtToo) {
  grant_order();
  ASSERT_TRUE(spend(h_, now_, 100, "order-2"));
  ASSERT_TRUE(claw_fraction(h_, now_, "order-1", 1, 1));
  int64_t scoped = h_.grant(now_, 30, "campaign", [](Grant& g) { g.scope.brands = {"acme"}; });
  EXPECT_EQ(h_.state().debt, 70);
  EXPECT_EQ(h_.lot(scoped).remaining, 0);
}

TEST_F(Clawbacks, DebtIsSettledWhenPendingValueMatures) {
  grant_order();
  ASSERT_TRUE(spend(h_, now_, 100, "order-2"));
  ASSERT_TRUE(claw_fraction(h_, now_, "order-1", 1, 1));
  int64_t pending = h_.grant(now_, 80, "purchase",
                             [&](Grant& g) { g.available_at = now_ + std::chrono::days{7}; });
  EXPECT_EQ(h_.state().debt, 100) << "pending value does not pay debt";
  h_.advance(now_ + std::chrono::days{7});
  EXPECT_EQ(h_.state().debt, 20);
  EXPECT_EQ(h_.lot(pending).remaining, 0);
  EXPECT_EQ(h_.balances(now_ + std::chrono::days{7}).available, -20);
}

TEST_F(Clawbacks, WriteOffPolicyAbsorbsTheShortfall) {
  h_.policy().debt = DebtPolicy::kWriteOff;
  grant_order();
  ASSERT_TRUE(spend(h_, now_, 100, "order-2"));
  auto r = claw_fraction(h_, now_, "order-1", 1, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 100);
  EXPECT_EQ(r->written_off, 100);
  EXPECT_EQ(r->debt_added, 0);
  EXPECT_EQ(h_.state().debt, 0);
  Balances b = h_.balances(now_);
  EXPECT_EQ(b.available, 0);
  EXPECT_EQ(b.debt, 0);
  EXPECT_EQ(h_.account_balance(account::kWrittenOff), -100);
  EXPECT_EQ(h_.account_balance(account::kClawedBack), 100);
  EXPECT_EQ(h_.account_balance(account::kDebt), 0);
  // The next grant is the member's in full.
  int64_t next = h_.grant(now_, 30, "purchase");
  EXPECT_EQ(h_.lot(next).remaining, 30);
  EXPECT_EQ(h_.balances(now_).available, 30);
}

TEST_F(Clawbacks, PartlySpentLotGivesWhatIsLeftAndDebtsTheRest) {
  int64_t lot = grant_order();
  ASSERT_TRUE(spend(h_, now_, 70, "order-2"));
  auto r = claw_lines(h_, now_, "order-1", {{"l1", 1, 1}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 60);
  EXPECT_EQ(r->from_available, 30);
  EXPECT_EQ(r->debt_added, 30);
  EXPECT_EQ(h_.lot(lot).remaining, 0);
}

TEST_F(Clawbacks, HeldValueCountsAsSpentUntilTheHoldIsReleased) {
  grant_order();
  Reserve reserve;
  reserve.amount = 100;
  reserve.order_id = "order-2";
  auto hold = h_.run(now_, [&](WalletLedger& l) { return l.reserve(reserve); });
  ASSERT_TRUE(hold);
  auto r = claw_fraction(h_, now_, "order-1", 1, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->debt_added, 100);
  EXPECT_EQ(h_.balances(now_).available, -100);
  EXPECT_EQ(h_.balances(now_).held, 100);
  ASSERT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.release(hold->hold_id); }));
  EXPECT_EQ(h_.state().debt, 0) << "released value pays the debt";
  EXPECT_EQ(h_.balances(now_).available, 0);
}

TEST_F(Clawbacks, ExpiredUnspentValueHasNothingToTake) {
  int64_t lot = grant_order("birthday");
  Instant later = at("2026-05-01T00:00");
  h_.advance(later);
  EXPECT_EQ(h_.lot(lot).expired, 100);
  auto half = claw_lines(h_, later, "order-1", {{"l1", 1, 1}});
  ASSERT_TRUE(half);
  EXPECT_EQ(half->expired, 60);
  EXPECT_EQ(h_.lot(lot).expired, 40);
  auto r = claw_fraction(h_, later, "order-1", 1, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 40);
  EXPECT_EQ(r->expired, 40);
  EXPECT_EQ(r->debt_added, 0);
  EXPECT_EQ(h_.state().debt, 0);
  EXPECT_EQ(h_.lot(lot).expired, 0);
  // Breakage a refund claims is reclassified as clawed back.
  EXPECT_EQ(h_.moved(account::kExpired, account::kClawedBack, "clawback"), 100);
  EXPECT_EQ(h_.account_balance(account::kExpired), 0);
  EXPECT_EQ(h_.balances(later).available, 0);
}

// Regression: clawback() used to book everything due from an expired lot as
// `expired` ("nothing to take"), even value the member had spent before the
// lot expired, silently dropping it against design.md §4.2 ("If the earned
// value was already spent, apply the program's debt policy ... Never silently
// drop it"). Lot::expired now records what lapsed unspent; only that is
// breakage (reclassified to clawed_back) and the rest follows the debt policy.
TEST_F(Clawbacks, SpentValueOnAnExpiredLotIsNotDroppedSilently) {
  int64_t lot = grant_order("birthday");  // expires 2026-04-10 00:00 Taipei
  ASSERT_TRUE(spend(h_, now_, 30, "order-2"));
  Instant later = at("2026-05-01T00:00");
  h_.advance(later);
  EXPECT_EQ(h_.account_balance(account::kExpired), 70);
  auto r = claw_fraction(h_, later, "order-1", 1, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->due, 100);
  EXPECT_EQ(r->expired, 70) << "only the 70 that expired unspent is breakage";
  EXPECT_EQ(r->debt_added, 30) << "the 30 spent before expiry must follow the debt policy";
  EXPECT_EQ(h_.state().debt, 30);
  EXPECT_EQ(h_.lot(lot).expired, 0);
  EXPECT_EQ(h_.account_balance(account::kExpired), 0);
  EXPECT_EQ(h_.account_balance(account::kClawedBack), 100);
  EXPECT_EQ(h_.balances(later).available, -30);
}

TEST_F(Clawbacks, SpentValueOnAnExpiredLotIsWrittenOffUnderWriteOff) {
  h_.policy().debt = DebtPolicy::kWriteOff;
  grant_order("birthday");
  ASSERT_TRUE(spend(h_, now_, 100, "order-2"));
  Instant later = at("2026-05-01T00:00");
  h_.advance(later);
  auto r = claw_fraction(h_, later, "order-1", 1, 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->expired, 0);
  EXPECT_EQ(r->written_off, 100);
  EXPECT_EQ(h_.state().debt, 0);
  EXPECT_EQ(h_.account_balance(account::kWrittenOff), -100);
}

// --- invalid clawbacks ---

TEST_F(Clawbacks, OrderIdIsRequiredAndBounded) {
  grant_order();
  expect_error(claw_fraction(h_, now_, "", 1, 1), ErrorCode::kInvalidArgument, "order_id");
  expect_error(claw_fraction(h_, now_, std::string(129, 'o'), 1, 1), ErrorCode::kInvalidArgument,
               "order_id");
}

TEST_F(Clawbacks, FractionMustBeWithinZeroAndOne) {
  grant_order();
  for (auto [n, d] : std::vector<std::pair<int64_t, int64_t>>{
           {0, 1}, {2, 1}, {1, 0}, {-1, 2}, {1, -2}, {1, 2'000'000'000'000'000}}) {
    expect_error(claw_fraction(h_, now_, "order-1", n, d), ErrorCode::kInvalidArgument, "fraction");
  }
  expect_error(claw_lines(h_, now_, "order-1", {{"l1", 1, 1}, {"l2", 3, 2}}),
               ErrorCode::kInvalidArgument, "lines[1]");
  expect_error(claw_lines(h_, now_, "order-1", {{"l1", 0, 1}}), ErrorCode::kInvalidArgument,
               "lines[0]");
  expect_error(claw_lines(h_, now_, "order-1", {{"", 1, 1}}), ErrorCode::kInvalidArgument,
               "lines[0].line_id");
  expect_error(claw_lines(h_, now_, "order-1", {{std::string(129, 'l'), 1, 1}}),
               ErrorCode::kInvalidArgument, "lines[0].line_id");
  EXPECT_EQ(h_.balances(now_).available, 100);
}

}  // namespace
}  // namespace patron::ledger
