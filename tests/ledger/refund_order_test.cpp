// Regressions from the review of the first ledger: refunds must give the same
// result whatever the order of events (clawback vs hold release, clawback vs
// restore) under every debt and restore policy.
#include <gtest/gtest.h>

#include "ledger_test_support.h"

namespace patron::ledger {
namespace {

using testing::at;
using testing::WalletHarness;

class RefundOrder : public ::testing::Test {
 protected:
  int64_t grant_order(std::optional<Instant> expires) {
    return h_.grant(now_, 100, "purchase", [&](Grant& g) {
      g.order_id = "earn";
      g.line_shares = {{"l1", 100, 0}};
      g.expires_at = expires;
    });
  }
  int64_t reserve(int64_t amount, int64_t ttl_s) {
    Reserve r;
    r.amount = amount;
    r.order_id = "checkout";
    r.ttl_s = ttl_s;
    auto out = h_.run(now_, [&](WalletLedger& l) { return l.reserve(r); });
    EXPECT_TRUE(out);
    return out ? out->hold_id : 0;
  }
  void release(Instant t, int64_t hold_id) {
    ASSERT_TRUE(h_.run(t, [&](WalletLedger& l) { return l.release(hold_id); }));
  }
  void spend(int64_t amount) {
    Spend s;
    s.amount = amount;
    s.order_id = "paid";
    ASSERT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.spend(s); }));
  }
  ClawbackResult claw(Instant t) {
    Clawback c;
    c.order_id = "earn";
    auto r = h_.run(t, [&](WalletLedger& l) { return l.clawback(c); });
    EXPECT_TRUE(r);
    return r.value_or(ClawbackResult{});
  }
  RestoreResult restore(Instant t) {
    Restore r;
    r.order_id = "paid";
    auto out = h_.run(t, [&](WalletLedger& l) { return l.restore(r); });
    EXPECT_TRUE(out);
    return out.value_or(RestoreResult{});
  }

  WalletHarness h_;
  Instant now_ = at("2026-03-10T15:00");
};

// Finding 1a: the earned lot expired while held; the refund came first.
TEST_F(RefundOrder, ReleasedValueOfAnExpiredLotPaysTheRefundDebt) {
  grant_order(at("2026-03-11T00:00"));
  int64_t hold = reserve(100, 7 * 86'400);
  Instant later = at("2026-03-12T10:00");
  auto r = claw(later);
  EXPECT_EQ(r.debt_added, 100) << "held value is not available to claw back";
  release(later, hold);
  EXPECT_EQ(h_.state().debt, 0) << "the released value pays the debt instead of lapsing";
  EXPECT_EQ(h_.balances(later).available, 0);
  EXPECT_EQ(h_.moved(account::kAvailable, account::kExpired), 0);
}

TEST_F(RefundOrder, ReleaseBeforeTheRefundEndsTheSame) {
  grant_order(at("2026-03-11T00:00"));
  int64_t hold = reserve(100, 7 * 86'400);
  Instant later = at("2026-03-12T10:00");
  release(later, hold);
  auto r = claw(later);
  EXPECT_EQ(r.expired, 100);
  EXPECT_EQ(h_.state().debt, 0);
  EXPECT_EQ(h_.balances(later).available, 0);
}

// Finding 1b: under write-off, value held during the refund must not escape it.
TEST_F(RefundOrder, WriteOffIsRepaidByValueReleasedToTheLot) {
  h_.policy().debt = DebtPolicy::kWriteOff;
  int64_t lot = grant_order(std::nullopt);
  int64_t hold = reserve(100, 600);
  auto r = claw(now_);
  EXPECT_EQ(r.written_off, 100);
  EXPECT_EQ(h_.lot(lot).written_off, 100);
  release(now_, hold);
  EXPECT_EQ(h_.balances(now_).available, 0);
  EXPECT_EQ(h_.lot(lot).written_off, 0);
  EXPECT_EQ(h_.moved(account::kAvailable, account::kWrittenOff, "write_off_recovered"), 100);
}

// Finding 2: clawback then restore must equal restore then clawback.
TEST_F(RefundOrder, WriteOffThenRestoreEqualsRestoreThenClawback) {
  h_.policy().debt = DebtPolicy::kWriteOff;
  grant_order(std::nullopt);
  spend(100);
  EXPECT_EQ(claw(now_).written_off, 100);
  restore(now_);
  EXPECT_EQ(h_.balances(now_).available, 0);

  WalletHarness other;
  other.policy().debt = DebtPolicy::kWriteOff;
  std::swap(h_, other);
  grant_order(std::nullopt);
  spend(100);
  restore(now_);
  claw(now_);
  EXPECT_EQ(h_.balances(now_).available, 0);
}

TEST_F(RefundOrder, RestoreToAnExpiredOriginalLotPaysTheDebtFirst) {
  h_.policy().restore = RestorePolicy::kOriginalLot;
  grant_order(at("2026-03-11T00:00"));
  spend(100);
  Instant later = at("2026-03-12T10:00");
  EXPECT_EQ(claw(later).debt_added, 100);
  auto r = restore(later);
  EXPECT_EQ(r.restored, 100);
  EXPECT_EQ(r.expired_now, 0) << "the restored value paid the debt";
  EXPECT_EQ(h_.state().debt, 0);
  EXPECT_EQ(h_.balances(later).available, 0);
}

TEST_F(RefundOrder, WriteOffOfAnExpiredLotIsRepaidBeforeANewLot) {
  h_.policy().debt = DebtPolicy::kWriteOff;
  grant_order(at("2026-03-11T00:00"));
  spend(60);
  Instant later = at("2026-03-12T10:00");
  auto r = claw(later);
  EXPECT_EQ(r.expired, 40);
  EXPECT_EQ(r.written_off, 60);
  auto back = restore(later);
  EXPECT_EQ(back.restored, 60);
  EXPECT_EQ(back.to_new_lots, 0) << "all of it repaid the write-off";
  EXPECT_EQ(h_.balances(later).available, 0);
}

}  // namespace
}  // namespace patron::ledger

namespace patron::ledger {
namespace {

// Leaves the member owing `amount`: earned, spent, then the order refunded.
void owe(WalletHarness& h, Instant t, int64_t amount) {
  h.grant(t, amount, "purchase", [&](Grant& g) {
    g.order_id = "earn";
    g.line_shares = {{"l1", amount, 0}};
  });
  Spend s;
  s.amount = amount;
  ASSERT_TRUE(h.run(t, [&](WalletLedger& l) { return l.spend(s); }));
  Clawback c;
  c.order_id = "earn";
  ASSERT_TRUE(h.run(t, [&](WalletLedger& l) { return l.clawback(c); }));
  ASSERT_EQ(h.state().debt, amount);
}

// Regression (review finding 4): debt is paid when value becomes available,
// whether or not a job ran before the value expired.
TEST(SettleOrder, MaturedValuePaysDebtEvenIfTheJobRunsAfterItExpired) {
  auto run = [](bool job_in_between) {
    WalletHarness h;
    Instant t = at("2026-03-10T15:00");
    owe(h, t, 50);
    h.grant(t, 100, "purchase", [](Grant& g) {
      g.available_at = at("2026-03-17T00:00");
      g.expires_at = at("2026-03-20T00:00");
    });
    if (job_in_between) h.advance(at("2026-03-18T00:00"));
    h.advance(at("2026-03-21T00:00"));
    return std::pair{h.state().debt, h.moved(account::kAvailable, account::kExpired)};
  };
  EXPECT_EQ(run(true), run(false));
  EXPECT_EQ(run(false), (std::pair<int64_t, int64_t>{0, 50}));
}

TEST(SettleOrder, LotsPayDebtInTheOrderTheyBecameAvailable) {
  WalletHarness h;
  Instant t = at("2026-03-10T15:00");
  owe(h, t, 50);
  // Granted first (lower id) but available later, and it never expires.
  h.grant(t, 100, "purchase", [](Grant& g) { g.available_at = at("2026-03-12T00:00"); });
  // Available first, and gone by the time anything runs.
  h.grant(t, 100, "purchase", [](Grant& g) {
    g.available_at = at("2026-03-11T00:00");
    g.expires_at = at("2026-03-13T00:00");
  });
  Instant late = at("2026-03-14T00:00");
  h.advance(late);
  EXPECT_EQ(h.state().debt, 0);
  EXPECT_EQ(h.balances(late).available, 100) << "the lot available first paid the debt";
  EXPECT_EQ(h.moved(account::kAvailable, account::kExpired), 50);
}

}  // namespace
}  // namespace patron::ledger
