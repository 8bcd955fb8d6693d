// Admin adjustments: a reason is required; positive amounts grant an
// `adjustment` lot, negative amounts remove available value (soonest expiry
// first) to the `adjusted` account and never more than is available.
#include <string>

#include "core/limits.h"
#include "ledger_test_support.h"

namespace patron::ledger {
namespace {

using testing::at;
using testing::expect_error;
using testing::WalletHarness;

Result<GrantResult> adjust(WalletHarness& h, Instant now, int64_t amount,
                           const std::string& reason = "support ticket 42",
                           std::optional<Instant> expires = std::nullopt) {
  Adjust a;
  a.amount = amount;
  a.reason = reason;
  a.expires_at = expires;
  return h.run(now, [&](WalletLedger& l) { return l.adjust(a); });
}

class Adjustments : public ::testing::Test {
 protected:
  WalletHarness h_;
  Instant now_ = at("2026-03-10T15:00");
};

TEST_F(Adjustments, PositiveAdjustmentGrantsAnAdjustmentLot) {
  auto r = adjust(h_, now_, 75, "goodwill", at("2026-12-31T00:00"));
  ASSERT_TRUE(r);
  ASSERT_NE(r->lot_id, 0);
  const Lot& lot = h_.lot(r->lot_id);
  EXPECT_EQ(lot.source, "adjustment");
  EXPECT_EQ(lot.reason, "goodwill");
  EXPECT_EQ(lot.amount, 75);
  EXPECT_EQ(lot.expires_at, at("2026-12-31T00:00"));
  EXPECT_EQ(h_.moved("issued:adjustment", account::kAvailable, "grant"), 75);
  EXPECT_EQ(h_.balances(now_).available, 75);
}

TEST_F(Adjustments, NegativeAdjustmentRemovesSoonestExpiringValue) {
  int64_t never = h_.grant(now_, 100, "purchase");
  int64_t soon = h_.grant(now_, 50, "birthday");
  auto r = adjust(h_, now_, -70, "duplicate grant");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lot_id, 0);
  EXPECT_EQ(h_.lot(soon).remaining, 0);
  EXPECT_EQ(h_.lot(never).remaining, 80);
  EXPECT_EQ(h_.moved(account::kAvailable, account::kAdjusted, "adjust"), 70);
  EXPECT_EQ(h_.balances(now_).available, 80);
}

TEST_F(Adjustments, OverRemovalIsInsufficientFundsAndChangesNothing) {
  h_.grant(now_, 100, "purchase");
  auto r = adjust(h_, now_, -101);
  expect_error(r, ErrorCode::kInsufficientFunds, "amount");
  EXPECT_EQ(h_.balances(now_).available, 100);
  EXPECT_TRUE(adjust(h_, now_, -100));
  EXPECT_EQ(h_.balances(now_).available, 0);
}

TEST_F(Adjustments, HeldAndPendingValueCannotBeRemoved) {
  h_.grant(now_, 100, "purchase");
  h_.grant(now_, 100, "purchase", [&](Grant& g) { g.available_at = now_ + std::chrono::days{7}; });
  Reserve reserve;
  reserve.amount = 60;
  reserve.order_id = "order-1";
  ASSERT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.reserve(reserve); }));
  expect_error(adjust(h_, now_, -41), ErrorCode::kInsufficientFunds, "amount");
  EXPECT_TRUE(adjust(h_, now_, -40));
  Balances b = h_.balances(now_);
  EXPECT_EQ(b.available, 0);
  EXPECT_EQ(b.held, 60);
  EXPECT_EQ(b.pending, 100);
}

TEST_F(Adjustments, PositiveAdjustmentSettlesDebt) {
  h_.grant(now_, 100, "purchase", [](Grant& g) { g.order_id = "order-1"; });
  Spend s;
  s.amount = 100;
  ASSERT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.spend(s); }));
  Clawback c;
  c.order_id = "order-1";
  ASSERT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.clawback(c); }));
  auto r = adjust(h_, now_, 30, "goodwill");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->debt_settled, 30);
  EXPECT_EQ(h_.state().debt, 70);
  expect_error(adjust(h_, now_, -1), ErrorCode::kInsufficientFunds, "amount");
}

TEST_F(Adjustments, ReasonIsRequiredAndBounded) {
  h_.grant(now_, 100, "purchase");
  expect_error(adjust(h_, now_, 10, ""), ErrorCode::kInvalidArgument, "reason");
  expect_error(adjust(h_, now_, -10, ""), ErrorCode::kInvalidArgument, "reason");
  expect_error(adjust(h_, now_, 10, std::string(501, 'r')), ErrorCode::kInvalidArgument, "reason");
  expect_error(adjust(h_, now_, -10, std::string(501, 'r')), ErrorCode::kInvalidArgument, "reason");
  EXPECT_TRUE(adjust(h_, now_, -10, std::string(500, 'r')));
}

TEST_F(Adjustments, AmountMustBeNonZeroAndBounded) {
  h_.grant(now_, 100, "purchase");
  expect_error(adjust(h_, now_, 0), ErrorCode::kInvalidArgument, "amount");
  expect_error(adjust(h_, now_, limits::kAmountMax + 1), ErrorCode::kInvalidArgument, "amount");
  expect_error(adjust(h_, now_, -limits::kAmountMax - 1), ErrorCode::kInvalidArgument, "amount");
  expect_error(adjust(h_, now_, INT64_MIN), ErrorCode::kInvalidArgument, "amount");
  EXPECT_EQ(h_.balances(now_).available, 100);
}

TEST_F(Adjustments, ExpiryMustBeInTheFuture) {
  expect_error(adjust(h_, now_, 10, "goodwill", now_), ErrorCode::kInvalidArgument, "expires_at");
  expect_error(adjust(h_, now_, 10, "goodwill", now_ - std::chrono::hours{1}),
               ErrorCode::kInvalidArgument, "expires_at");
  EXPECT_TRUE(h_.state().lots.empty());
}

}  // namespace
}  // namespace patron::ledger
