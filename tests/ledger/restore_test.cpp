// Restoring spent value on a refunded order: back to the original lot and its
// expiry, or per RestorePolicy when that lot has expired; never more than spent.
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

Result<RestoreResult> restore(WalletHarness& h, Instant now, const std::string& order,
                              std::optional<int64_t> amount = std::nullopt,
                              std::vector<std::string> line_ids = {}) {
  Restore r;
  r.order_id = order;
  r.amount = amount;
  r.line_ids = std::move(line_ids);
  return h.run(now, [&](WalletLedger& l) { return l.restore(r); });
}

class Restores : public ::testing::Test {
 protected:
  Result<SpendResult> spend(int64_t amount, std::vector<PayLine> lines = {},
                            const std::string& order = "order-2") {
    Spend s;
    s.amount = amount;
    s.order_id = order;
    s.lines = std::move(lines);
    return h_.run(now_, [&](WalletLedger& l) { return l.spend(s); });
  }
  WalletHarness h_;
  Instant now_ = at("2026-03-10T15:00");
  Instant after_expiry_ = at("2026-04-15T12:00");  // birthday credit of 10 March is gone
};

TEST_F(Restores, ReturnsValueToTheOriginalLotAndExpiry) {
  int64_t lot = h_.grant(now_, 100, "birthday");
  ASSERT_TRUE(spend(60));
  auto r = restore(h_, now_ + std::chrono::days{1}, "order-2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->restored, 60);
  EXPECT_EQ(r->to_new_lots, 0);
  EXPECT_EQ(r->expired_now, 0);
  EXPECT_EQ(h_.lot(lot).remaining, 100);
  EXPECT_EQ(h_.lot(lot).expires_at, at("2026-04-10T00:00"));
  EXPECT_EQ(h_.state().lots.size(), 1u);
  EXPECT_EQ(h_.moved(account::kRedeemed, account::kAvailable, "restore"), 60);
  EXPECT_EQ(h_.state().redemptions[0].allocations[0].restored, 60);
  EXPECT_EQ(h_.balances(now_ + std::chrono::days{1}).available, 100);
}

TEST_F(Restores, PartialRestoreReturnsTheLatestExpiringValueFirst) {
  int64_t soon = h_.grant(now_, 50, "birthday");
  int64_t never = h_.grant(now_, 50, "purchase");
  ASSERT_TRUE(spend(80));  // soon 50, never 30
  auto first = restore(h_, now_, "order-2", 20);
  ASSERT_TRUE(first);
  EXPECT_EQ(h_.lot(never).remaining, 40);
  EXPECT_EQ(h_.lot(soon).remaining, 0);
  auto second = restore(h_, now_, "order-2", 20);
  ASSERT_TRUE(second);
  EXPECT_EQ(h_.lot(never).remaining, 50);
  EXPECT_EQ(h_.lot(soon).remaining, 10);
}

TEST_F(Restores, LaterRedemptionsAreUndoneFirst) {
  int64_t a = h_.grant(now_, 50, "birthday");
  ASSERT_TRUE(spend(50));
  int64_t b = h_.grant(now_, 50, "purchase");
  ASSERT_TRUE(spend(50));
  ASSERT_TRUE(restore(h_, now_, "order-2", 30));
  EXPECT_EQ(h_.lot(b).remaining, 30);
  EXPECT_EQ(h_.lot(a).remaining, 0);
}

TEST_F(Restores, ExpiredOriginalGoesToANewLotByDefault) {
  ASSERT_EQ(h_.policy().restore, RestorePolicy::kNewLotIfExpired);
  int64_t lot = h_.grant(now_, 100, "birthday", [](Grant& g) { g.scope.brands = {"acme"}; });
  ASSERT_TRUE(spend(100, {line("l1", 100, "", "", "acme")}));
  auto r = restore(h_, after_expiry_, "order-2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->restored, 100);
  EXPECT_EQ(r->to_new_lots, 100);
  EXPECT_EQ(h_.lot(lot).state, LotState::kExpired);
  EXPECT_EQ(h_.lot(lot).remaining, 0);
  ASSERT_EQ(h_.state().lots.size(), 2u);
  const Lot& fresh = h_.state().lots[1];
  EXPECT_EQ(fresh.source, "restore");
  EXPECT_EQ(fresh.state, LotState::kAvailable);
  EXPECT_EQ(fresh.amount, 100);
  EXPECT_EQ(fresh.remaining, 100);
  EXPECT_EQ(fresh.granted_at, after_expiry_);
  EXPECT_EQ(fresh.expires_at, at("2026-05-16T00:00")) << "restored_lot_expiry: 30 days";
  EXPECT_EQ(fresh.scope, h_.lot(lot).scope) << "the restored value keeps its scope";
  EXPECT_EQ(h_.balances(after_expiry_).available, 100);
  EXPECT_EQ(h_.account_balance(account::kExpired), 0);
}

TEST_F(Restores, ExpiredOriginalExpiresAtOnceUnderOriginalLotPolicy) {
  h_.policy().restore = RestorePolicy::kOriginalLot;
  int64_t lot = h_.grant(now_, 100, "birthday");
  ASSERT_TRUE(spend(100));
  auto r = restore(h_, after_expiry_, "order-2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->restored, 100);
  EXPECT_EQ(r->expired_now, 100);
  EXPECT_EQ(r->to_new_lots, 0);
  EXPECT_EQ(h_.state().lots.size(), 1u);
  EXPECT_EQ(h_.lot(lot).remaining, 0);
  EXPECT_EQ(h_.lot(lot).expired, 100);
  EXPECT_EQ(h_.account_balance(account::kExpired), 100);
  EXPECT_EQ(h_.account_balance(account::kRedeemed), 0);
  EXPECT_EQ(h_.balances(after_expiry_).available, 0);
}

TEST_F(Restores, ByLineRestoresOnlyThoseLines) {
  h_.grant(now_, 100, "purchase");
  ASSERT_TRUE(spend(50, {line("l1", 30), line("l2", 20)}));
  expect_error(restore(h_, now_, "order-2", 21, {"l2"}), ErrorCode::kFailedPrecondition, "amount");
  auto r = restore(h_, now_, "order-2", std::nullopt, {"l2"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->restored, 20);
  EXPECT_EQ(h_.balances(now_).available, 70);
  auto none = restore(h_, now_, "order-2", std::nullopt, {"l2"});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->restored, 0);
}

TEST_F(Restores, CapturedHoldsAreRestorable) {
  h_.grant(now_, 100, "purchase");
  Reserve reserve;
  reserve.amount = 80;
  reserve.order_id = "order-2";
  auto hold = h_.run(now_, [&](WalletLedger& l) { return l.reserve(reserve); });
  ASSERT_TRUE(hold);
  ASSERT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.capture(hold->hold_id, 50); }));
  expect_error(restore(h_, now_, "order-2", 51), ErrorCode::kFailedPrecondition, "amount");
  auto r = restore(h_, now_, "order-2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->restored, 50);
  EXPECT_EQ(h_.balances(now_).available, 100);
}

TEST_F(Restores, NeverMoreThanWasSpent) {
  h_.grant(now_, 100, "purchase");
  ASSERT_TRUE(spend(60));
  expect_error(restore(h_, now_, "order-2", 61), ErrorCode::kFailedPrecondition, "amount");
  ASSERT_TRUE(restore(h_, now_, "order-2", 60));
  expect_error(restore(h_, now_, "order-2", 1), ErrorCode::kFailedPrecondition, "amount");
  auto rest = restore(h_, now_, "order-2");
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->restored, 0) << "nothing left: restoring everything restores nothing";
  expect_error(restore(h_, now_, "order-unknown", 1), ErrorCode::kFailedPrecondition, "amount");
  EXPECT_EQ(h_.balances(now_).available, 100);
}

TEST_F(Restores, RestoredValuePaysDebtFirst) {
  h_.grant(now_, 100, "purchase", [](Grant& g) { g.order_id = "order-1"; });
  ASSERT_TRUE(spend(100));
  Clawback c;
  c.order_id = "order-1";
  ASSERT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.clawback(c); }));
  ASSERT_EQ(h_.state().debt, 100);
  ASSERT_TRUE(restore(h_, now_, "order-2", 40));
  EXPECT_EQ(h_.state().debt, 60);
  EXPECT_EQ(h_.balances(now_).available, -60);
}

TEST_F(Restores, Validation) {
  h_.grant(now_, 100, "purchase");
  ASSERT_TRUE(spend(60));
  expect_error(restore(h_, now_, ""), ErrorCode::kInvalidArgument, "order_id");
  expect_error(restore(h_, now_, std::string(129, 'o')), ErrorCode::kInvalidArgument, "order_id");
  expect_error(restore(h_, now_, "order-2", 0), ErrorCode::kInvalidArgument, "amount");
  expect_error(restore(h_, now_, "order-2", -5), ErrorCode::kInvalidArgument, "amount");
  EXPECT_EQ(h_.balances(now_).available, 40);
}

// Regression: restore() did not validate `line_ids`, so an overlong (or
// empty) line id or an unbounded list was accepted, matched nothing and the
// refund "succeeded" restoring 0, unlike every other command's line ids.
TEST_F(Restores, OverlongLineIdsAreRejected) {
  h_.grant(now_, 100, "purchase");
  ASSERT_TRUE(spend(60));
  expect_error(restore(h_, now_, "order-2", std::nullopt, {std::string(129, 'l')}),
               ErrorCode::kInvalidArgument, "line_ids[0]");
  expect_error(restore(h_, now_, "order-2", std::nullopt, {"l1", std::string(129, 'm')}),
               ErrorCode::kInvalidArgument, "line_ids[1]");
  expect_error(restore(h_, now_, "order-2", std::nullopt,
                       std::vector<std::string>(patron::limits::kOrderLinesMax + 2, "l1")),
               ErrorCode::kInvalidArgument, "line_ids");
  EXPECT_EQ(h_.balances(now_).available, 40);
}

// "" selects value spent without a line, and only that.
TEST_F(Restores, EmptyLineIdSelectsValueSpentWithoutALine) {
  h_.grant(now_, 100, "purchase");
  ASSERT_TRUE(spend(60));  // no lines: allocations without a line id
  EXPECT_FALSE(restore(h_, now_, "order-2", 10, {"l1"}));
  auto r = restore(h_, now_, "order-2", 25, {""});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->restored, 25);
  EXPECT_EQ(h_.balances(now_).available, 65);
}

}  // namespace
}  // namespace patron::ledger
