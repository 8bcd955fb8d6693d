// Checkout holds: reserve -> capture (full or partial) or release, TTL expiry,
// each hold resolving exactly once, and lots that expire while held.
#include <string>

#include "core/limits.h"
#include "ledger_test_support.h"

namespace patron::ledger {
namespace {

using testing::at;
using testing::expect_error;
using testing::line;
using testing::WalletHarness;

Result<HoldResult> reserve(WalletHarness& h, Instant now, int64_t amount,
                           const std::string& order = "order-1",
                           std::optional<int64_t> ttl_s = std::nullopt) {
  Reserve r;
  r.amount = amount;
  r.order_id = order;
  r.ttl_s = ttl_s;
  return h.run(now, [&](WalletLedger& l) { return l.reserve(r); });
}

Result<HoldResult> capture(WalletHarness& h, Instant now, int64_t hold_id,
                           std::optional<int64_t> amount = std::nullopt) {
  return h.run(now, [&](WalletLedger& l) { return l.capture(hold_id, amount); });
}

Result<HoldResult> release(WalletHarness& h, Instant now, int64_t hold_id) {
  return h.run(now, [&](WalletLedger& l) { return l.release(hold_id); });
}

class Holds : public ::testing::Test {
 protected:
  WalletHarness h_;
  Instant now_ = at("2026-03-10T15:00");
};

TEST_F(Holds, ReserveMovesValueToHeldOutOfReach) {
  h_.grant(now_, 100, "purchase");
  auto hold = reserve(h_, now_, 70);
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->state, HoldState::kOpen);
  EXPECT_EQ(hold->amount, 70);
  EXPECT_EQ(hold->expires_at, now_ + std::chrono::seconds{limits::kHoldTtlSecondsDefault});
  EXPECT_EQ(h_.hold(hold->hold_id).order_id, "order-1");
  Balances b = h_.balances(now_);
  EXPECT_EQ(b.available, 30);
  EXPECT_EQ(b.held, 70);
  EXPECT_EQ(h_.moved(account::kAvailable, account::kHeld, "reserve"), 70);

  // Held value is spendable neither by a spend nor by a second checkout.
  Spend s;
  s.amount = 31;
  expect_error(h_.run(now_, [&](WalletLedger& l) { return l.spend(s); }),
               ErrorCode::kInsufficientFunds, "amount");
  expect_error(reserve(h_, now_, 31, "order-2"), ErrorCode::kInsufficientFunds, "amount");
  EXPECT_TRUE(reserve(h_, now_, 30, "order-2"));
  EXPECT_EQ(h_.balances(now_).available, 0);
  EXPECT_EQ(h_.balances(now_).held, 100);
}

TEST_F(Holds, CaptureInFullRedeemsTheHold) {
  h_.grant(now_, 100, "purchase");
  auto hold = reserve(h_, now_, 70);
  ASSERT_TRUE(hold);
  auto captured = capture(h_, now_ + std::chrono::minutes{5}, hold->hold_id);
  ASSERT_TRUE(captured);
  EXPECT_EQ(captured->state, HoldState::kCaptured);
  EXPECT_EQ(captured->captured, 70);
  EXPECT_EQ(captured->released, 0);
  EXPECT_EQ(h_.hold(hold->hold_id).state, HoldState::kCaptured);
  ASSERT_EQ(h_.state().redemptions.size(), 1u);
  EXPECT_EQ(h_.state().redemptions[0].hold_id, hold->hold_id);
  EXPECT_EQ(h_.state().redemptions[0].order_id, "order-1");
  EXPECT_EQ(h_.moved(account::kHeld, account::kRedeemed, "capture"), 70);
  Balances b = h_.balances(now_ + std::chrono::minutes{5});
  EXPECT_EQ(b.available, 30);
  EXPECT_EQ(b.held, 0);
}

TEST_F(Holds, PartialCaptureTakesSoonestExpiryAndReleasesTheRest) {
  int64_t soon = h_.grant(now_, 50, "birthday");
  int64_t never = h_.grant(now_, 100, "purchase");
  auto hold = reserve(h_, now_, 120);
  ASSERT_TRUE(hold);
  EXPECT_EQ(h_.lot(soon).remaining, 0);
  EXPECT_EQ(h_.lot(never).remaining, 30);
  auto captured = capture(h_, now_, hold->hold_id, 60);
  ASSERT_TRUE(captured);
  EXPECT_EQ(captured->captured, 60);
  EXPECT_EQ(captured->released, 60);
  EXPECT_EQ(h_.hold(hold->hold_id).captured, 60);
  EXPECT_EQ(h_.lot(soon).remaining, 0);
  EXPECT_EQ(h_.lot(never).remaining, 90);
  EXPECT_EQ(h_.moved(account::kHeld, account::kRedeemed, "capture"), 60);
  EXPECT_EQ(h_.moved(account::kHeld, account::kAvailable, "release"), 60);
  Balances b = h_.balances(now_);
  EXPECT_EQ(b.available, 90);
  EXPECT_EQ(b.held, 0);
  // Every hold resolves once: nothing more can be captured or released.
  expect_error(capture(h_, now_, hold->hold_id, 10), ErrorCode::kConflict, "hold_id");
  expect_error(release(h_, now_, hold->hold_id), ErrorCode::kConflict, "hold_id");
}

TEST_F(Holds, ReleaseReturnsValueOnce) {
  int64_t lot = h_.grant(now_, 100, "purchase");
  auto hold = reserve(h_, now_, 70);
  ASSERT_TRUE(hold);
  auto released = release(h_, now_, hold->hold_id);
  ASSERT_TRUE(released);
  EXPECT_EQ(released->state, HoldState::kReleased);
  EXPECT_EQ(released->released, 70);
  EXPECT_EQ(h_.lot(lot).remaining, 100);
  EXPECT_EQ(h_.balances(now_).available, 100);
  EXPECT_EQ(h_.balances(now_).held, 0);
  expect_error(release(h_, now_, hold->hold_id), ErrorCode::kConflict, "hold_id");
  expect_error(capture(h_, now_, hold->hold_id), ErrorCode::kConflict, "hold_id");
}

TEST_F(Holds, UnknownHoldIsNotFound) {
  h_.grant(now_, 100, "purchase");
  expect_error(capture(h_, now_, 42), ErrorCode::kNotFound, "hold_id");
  expect_error(release(h_, now_, 42), ErrorCode::kNotFound, "hold_id");
  expect_error(release(h_, now_, 0), ErrorCode::kNotFound, "hold_id");
}

TEST_F(Holds, CaptureMoreThanHeldIsAFailedPrecondition) {
  h_.grant(now_, 100, "purchase");
  auto hold = reserve(h_, now_, 70);
  ASSERT_TRUE(hold);
  expect_error(capture(h_, now_, hold->hold_id, 71), ErrorCode::kFailedPrecondition, "amount");
  expect_error(capture(h_, now_, hold->hold_id, 0), ErrorCode::kInvalidArgument, "amount");
  expect_error(capture(h_, now_, hold->hold_id, -1), ErrorCode::kInvalidArgument, "amount");
  EXPECT_EQ(h_.hold(hold->hold_id).state, HoldState::kOpen) << "failed captures change nothing";
  EXPECT_TRUE(capture(h_, now_, hold->hold_id, 70));
}

TEST_F(Holds, TtlReleasesAutomatically) {
  int64_t lot = h_.grant(now_, 100, "purchase");
  auto hold = reserve(h_, now_, 70, "order-1", 60);
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->expires_at, now_ + std::chrono::seconds{60});
  EXPECT_EQ(h_.balances(now_ + std::chrono::seconds{59}).held, 70);
  Instant after = now_ + std::chrono::seconds{60};
  EXPECT_EQ(h_.balances(after).held, 0) << "a read at `now` already sees the hold gone";
  expect_error(release(h_, after, hold->hold_id), ErrorCode::kConflict, "hold_id");
  expect_error(capture(h_, after, hold->hold_id), ErrorCode::kConflict, "hold_id");
  h_.advance(after);
  EXPECT_EQ(h_.hold(hold->hold_id).state, HoldState::kExpired);
  EXPECT_EQ(h_.lot(lot).remaining, 100);
  EXPECT_EQ(h_.moved(account::kHeld, account::kAvailable, "hold_expire"), 70);
  h_.advance(after + std::chrono::hours{1});
  EXPECT_TRUE(h_.last_transfers().empty()) << "an expired hold is returned once";
}

TEST_F(Holds, DefaultTtlComesFromThePolicy) {
  h_.policy().hold_ttl_s = 120;
  h_.grant(now_, 100, "purchase");
  auto hold = reserve(h_, now_, 10);
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->expires_at, now_ + std::chrono::seconds{120});
}

TEST_F(Holds, ReserveValidation) {
  h_.grant(now_, 100, "purchase");
  expect_error(reserve(h_, now_, 10, ""), ErrorCode::kInvalidArgument, "order_id");
  expect_error(reserve(h_, now_, 10, std::string(129, 'o')), ErrorCode::kInvalidArgument,
               "order_id");
  expect_error(reserve(h_, now_, 0), ErrorCode::kInvalidArgument, "amount");
  expect_error(reserve(h_, now_, -10), ErrorCode::kInvalidArgument, "amount");
  expect_error(reserve(h_, now_, 10, "o", 0), ErrorCode::kInvalidArgument, "ttl_s");
  expect_error(reserve(h_, now_, 10, "o", -60), ErrorCode::kInvalidArgument, "ttl_s");
  expect_error(reserve(h_, now_, 10, "o", limits::kHoldTtlSecondsMax + 1),
               ErrorCode::kInvalidArgument, "ttl_s");
  expect_error(reserve(h_, now_, 101), ErrorCode::kInsufficientFunds, "amount");
  Reserve with_bad_line;
  with_bad_line.amount = 10;
  with_bad_line.order_id = "o";
  with_bad_line.lines = {line("", 10)};
  expect_error(h_.run(now_, [&](WalletLedger& l) { return l.reserve(with_bad_line); }),
               ErrorCode::kInvalidArgument, "lines[0].line_id");
  EXPECT_TRUE(h_.state().holds.empty());
  EXPECT_TRUE(reserve(h_, now_, 10, "o", limits::kHoldTtlSecondsMax));
}

TEST_F(Holds, ReserveHonoursScopes) {
  h_.grant(now_, 100, "campaign", [](Grant& g) { g.scope.categories = {"shoes"}; });
  Reserve r;
  r.amount = 50;
  r.order_id = "o";
  r.lines = {line("l1", 50, "bags")};
  expect_error(h_.run(now_, [&](WalletLedger& l) { return l.reserve(r); }),
               ErrorCode::kInsufficientFunds, "amount");
  r.lines = {line("l1", 50, "shoes")};
  auto hold = h_.run(now_, [&](WalletLedger& l) { return l.reserve(r); });
  ASSERT_TRUE(hold);
  EXPECT_EQ(h_.hold(hold->hold_id).allocations[0].line_id, "l1");
}

// Birthday credit granted 10 March expires 10 April 00:00 Taipei.
class HeldLotExpiry : public Holds {
 protected:
  void SetUp() override {
    lot_ = h_.grant(at("2026-03-10T15:00"), 100, "birthday");
    auto hold = reserve(h_, at("2026-04-09T23:50"), 60, "order-1", 3600);
    ASSERT_TRUE(hold);
    hold_ = hold->hold_id;
    h_.advance(end_);
    ASSERT_EQ(h_.lot(lot_).state, LotState::kExpired);
    EXPECT_EQ(h_.account_balance(account::kExpired), 40) << "only the free rest expires";
    EXPECT_EQ(h_.balances(end_).held, 60);
  }
  int64_t lot_ = 0;
  int64_t hold_ = 0;
  Instant end_ = at("2026-04-10T00:00");
};

TEST_F(HeldLotExpiry, CaptureStillWorks) {
  auto captured = capture(h_, end_ + std::chrono::minutes{10}, hold_);
  ASSERT_TRUE(captured);
  EXPECT_EQ(captured->captured, 60);
  EXPECT_EQ(h_.account_balance(account::kRedeemed), 60);
  EXPECT_EQ(h_.account_balance(account::kExpired), 40);
  EXPECT_EQ(h_.lot(lot_).remaining, 0);
}

TEST_F(HeldLotExpiry, PartialCaptureExpiresTheReleasedRest) {
  ASSERT_TRUE(capture(h_, end_ + std::chrono::minutes{10}, hold_, 25));
  EXPECT_EQ(h_.account_balance(account::kRedeemed), 25);
  EXPECT_EQ(h_.account_balance(account::kExpired), 75);
  EXPECT_EQ(h_.lot(lot_).remaining, 0);
  EXPECT_EQ(h_.balances(end_ + std::chrono::minutes{10}).available, 0);
}

TEST_F(HeldLotExpiry, ReleaseSendsTheValueStraightToExpired) {
  ASSERT_TRUE(release(h_, end_ + std::chrono::minutes{10}, hold_));
  EXPECT_EQ(h_.lot(lot_).remaining, 0);
  EXPECT_EQ(h_.lot(lot_).expired, 100);
  EXPECT_EQ(h_.account_balance(account::kExpired), 100);
  Balances b = h_.balances(end_ + std::chrono::minutes{10});
  EXPECT_EQ(b.available, 0);
  EXPECT_EQ(b.held, 0);
}

TEST_F(HeldLotExpiry, TtlExpirySendsTheValueStraightToExpired) {
  h_.advance(at("2026-04-10T00:50"));
  EXPECT_EQ(h_.hold(hold_).state, HoldState::kExpired);
  EXPECT_EQ(h_.account_balance(account::kExpired), 100);
  EXPECT_EQ(h_.lot(lot_).remaining, 0);
}

}  // namespace
}  // namespace patron::ledger
