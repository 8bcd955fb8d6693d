// Grants: available vs pending value, maturation, release by order, and the
// validation of every grant field.
#include <string>

#include "core/limits.h"
#include "ledger_test_support.h"

namespace patron::ledger {
namespace {

using testing::at;
using testing::expect_error;
using testing::WalletHarness;

TEST(Grant, ValueAvailableNowIsSpendable) {
  WalletHarness h;
  Instant now = at("2026-03-10T10:00");
  Grant g;
  g.amount = 100;
  g.source = "purchase";
  auto r = h.run(now, [&](WalletLedger& l) { return l.grant(g); });
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->pending);
  EXPECT_EQ(r->expires_at, std::nullopt) << "purchase rebates do not expire by default";
  EXPECT_EQ(r->debt_settled, 0);
  const Lot& lot = h.lot(r->lot_id);
  EXPECT_EQ(lot.state, LotState::kAvailable);
  EXPECT_EQ(lot.remaining, 100);
  EXPECT_EQ(lot.granted_at, now);
  EXPECT_EQ(lot.available_at, now);
  Balances b = h.balances(now);
  EXPECT_EQ(b.available, 100);
  EXPECT_EQ(b.pending, 0);
  ASSERT_EQ(h.last_transfers().size(), 1u);
  EXPECT_EQ(h.last_transfers()[0].from, "issued:purchase");
  EXPECT_EQ(h.last_transfers()[0].to, account::kAvailable);
  EXPECT_EQ(h.last_transfers()[0].kind, "grant");
  EXPECT_EQ(h.last_transfers()[0].lot_id, r->lot_id);
}

TEST(Grant, AvailableAtInThePastIsAvailableNow) {
  WalletHarness h;
  int64_t id = h.grant(at("2026-03-10T10:00"), 40, "purchase",
                       [](Grant& g) { g.available_at = at("2026-03-01T00:00"); });
  EXPECT_EQ(h.lot(id).state, LotState::kAvailable);
  EXPECT_EQ(h.balances(at("2026-03-10T10:00")).available, 40);
}

TEST(Grant, FutureAvailableAtIsPendingUntilThenAndMatures) {
  WalletHarness h;
  Instant now = at("2026-03-10T10:00");
  Instant release = at("2026-03-17T10:00");  // the 7-day return window
  Grant g;
  g.amount = 100;
  g.source = "purchase";
  g.available_at = release;
  auto r = h.run(now, [&](WalletLedger& l) { return l.grant(g); });
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->pending);
  EXPECT_EQ(h.lot(r->lot_id).state, LotState::kPending);
  EXPECT_EQ(h.last_transfers()[0].to, account::kPending);
  EXPECT_EQ(h.balances(now).pending, 100);
  EXPECT_EQ(h.balances(now).available, 0);

  // One second before the window closes it is still pending and not spendable.
  Spend s;
  s.amount = 1;
  expect_error(
      h.run(release - std::chrono::seconds{1}, [&](WalletLedger& l) { return l.spend(s); }),
      ErrorCode::kInsufficientFunds, "amount");
  EXPECT_EQ(h.balances(release - std::chrono::seconds{1}).pending, 100);

  h.advance(release);
  EXPECT_EQ(h.lot(r->lot_id).state, LotState::kAvailable);
  EXPECT_EQ(h.moved(account::kPending, account::kAvailable, "mature"), 100);
  Balances b = h.balances(release);
  EXPECT_EQ(b.available, 100);
  EXPECT_EQ(b.pending, 0);
  EXPECT_TRUE(h.run(release, [&](WalletLedger& l) { return l.spend(s); }));
}

TEST(Grant, MatureJobIsIdempotent) {
  WalletHarness h;
  h.grant(at("2026-03-10T10:00"), 100, "purchase",
          [](Grant& g) { g.available_at = at("2026-03-12T00:00"); });
  testing::CountingIds ids;
  WalletLedger ledger(h.state(), h.policy(), ids, at("2026-03-12T00:00"));
  EXPECT_EQ(ledger.mature().lots, 0) << "the constructor already settled";
  ledger.take_changes();
  EXPECT_EQ(ledger.mature().lots, 0);
  EXPECT_TRUE(ledger.take_changes().transfers.empty());
  EXPECT_EQ(ledger.balances().available, 100);
}

TEST(Grant, PendingUntilReleaseWaitsForReleaseOrder) {
  WalletHarness h;
  Instant now = at("2026-03-10T10:00");
  int64_t id = h.grant(now, 80, "purchase", [](Grant& g) {
    g.pending_until_release = true;
    g.order_id = "order-1";
  });
  EXPECT_EQ(h.lot(id).available_at, std::nullopt);
  Instant much_later = at("2027-03-10T10:00");
  h.advance(much_later);
  EXPECT_EQ(h.lot(id).state, LotState::kPending) << "no clock makes it available";
  EXPECT_EQ(h.balances(much_later).pending, 80);

  auto other = h.run(much_later, [](WalletLedger& l) { return l.release_order("order-2"); });
  ASSERT_TRUE(other);
  EXPECT_EQ(other->lots, 0);
  auto released = h.run(much_later, [](WalletLedger& l) { return l.release_order("order-1"); });
  ASSERT_TRUE(released);
  EXPECT_EQ(released->lots, 1);
  EXPECT_EQ(released->amount, 80);
  EXPECT_EQ(h.lot(id).state, LotState::kAvailable);
  EXPECT_EQ(h.lot(id).available_at, much_later);
  EXPECT_EQ(h.balances(much_later).available, 80);
  EXPECT_EQ(h.balances(much_later).pending, 0);
}

TEST(Grant, ReleaseOrderMakesFutureAvailableLotsSpendableEarly) {
  WalletHarness h;
  Instant now = at("2026-03-10T10:00");
  int64_t id = h.grant(now, 50, "purchase", [](Grant& g) {
    g.available_at = at("2026-03-17T10:00");
    g.order_id = "order-1";
  });
  ASSERT_TRUE(h.run(now, [](WalletLedger& l) { return l.release_order("order-1"); }));
  EXPECT_EQ(h.lot(id).state, LotState::kAvailable);
  auto again = h.run(now, [](WalletLedger& l) { return l.release_order("order-1"); });
  ASSERT_TRUE(again);
  EXPECT_EQ(again->lots, 0) << "releasing twice changes nothing";
}

TEST(Grant, ReleaseOrderRejectsMissingAndOverlongOrderIds) {
  WalletHarness h;
  Instant now = at("2026-03-10T10:00");
  expect_error(h.run(now, [](WalletLedger& l) { return l.release_order(""); }),
               ErrorCode::kInvalidArgument, "order_id");
  expect_error(h.run(now, [](WalletLedger& l) { return l.release_order(std::string(129, 'o')); }),
               ErrorCode::kInvalidArgument, "order_id");
}

// --- invalid grants: each names the field at fault and changes nothing ---

class GrantValidation : public ::testing::Test {
 protected:
  void expect_rejected(const Grant& g, const std::string& field) {
    expect_error(h_.run(now_, [&](WalletLedger& l) { return l.grant(g); }),
                 ErrorCode::kInvalidArgument, field);
    EXPECT_TRUE(h_.state().lots.empty());
    EXPECT_TRUE(h_.transfers().empty());
  }
  static Grant valid() {
    Grant g;
    g.amount = 100;
    g.source = "purchase";
    return g;
  }
  WalletHarness h_;
  Instant now_ = at("2026-03-10T10:00");
};

TEST_F(GrantValidation, AmountMustBePositiveAndBounded) {
  for (int64_t amount : {int64_t{0}, int64_t{-1}, limits::kAmountMax + 1, INT64_MIN}) {
    Grant g = valid();
    g.amount = amount;
    expect_rejected(g, "amount");
  }
  Grant largest = valid();
  largest.amount = limits::kAmountMax;
  EXPECT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.grant(largest); }));
}

TEST_F(GrantValidation, SourceMustBeLowercaseWordCharacters) {
  for (const std::string& source :
       std::vector<std::string>{"", "Signup", "sign-up", "sign up", "生日", std::string(41, 'a')}) {
    Grant g = valid();
    g.source = source;
    expect_rejected(g, "source");
  }
  Grant ok = valid();
  ok.source = std::string(40, 'a');
  EXPECT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.grant(ok); }));
  ok.source = "refund_to_credit_2";
  EXPECT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.grant(ok); }));
}

TEST_F(GrantValidation, ExpiresAtMustBeInTheFuture) {
  Grant g = valid();
  g.expires_at = now_;
  expect_rejected(g, "expires_at");
  g.expires_at = now_ - std::chrono::seconds{1};
  expect_rejected(g, "expires_at");
  g.expires_at = now_ + std::chrono::seconds{1};
  EXPECT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.grant(g); }));
}

TEST_F(GrantValidation, AvailableAtMustBeBeforeExpiresAt) {
  Grant g = valid();
  g.expires_at = at("2026-03-20T00:00");
  g.available_at = at("2026-03-20T00:00");
  expect_rejected(g, "available_at");
  g.available_at = at("2026-03-25T00:00");
  expect_rejected(g, "available_at");
  // The default expiry counts too: birthday credit lasts 30 days.
  Grant birthday = valid();
  birthday.source = "birthday";
  birthday.available_at = at("2026-05-01T00:00");
  expect_rejected(birthday, "available_at");
}

TEST_F(GrantValidation, OrderIdIsBoundedAt128Bytes) {
  Grant g = valid();
  g.order_id = std::string(129, 'x');
  expect_rejected(g, "order_id");
  g.order_id = std::string(128, 'x');
  EXPECT_TRUE(h_.run(now_, [&](WalletLedger& l) { return l.grant(g); }));
}

TEST_F(GrantValidation, ReasonIsBoundedAt500Bytes) {
  Grant g = valid();
  g.reason = std::string(501, 'r');
  expect_rejected(g, "reason");
}

TEST_F(GrantValidation, LineSharesMustSumToTheAmount) {
  Grant g = valid();
  g.order_id = "order-1";
  g.line_shares = {{"line-1", 60, 0}, {"line-2", 30, 0}};
  expect_rejected(g, "line_shares");
  g.line_shares = {{"line-1", 60, 0}, {"line-2", 50, 0}};
  expect_rejected(g, "line_shares");
}

TEST_F(GrantValidation, LineSharesMustBeFreshNonNegativeAndNamed) {
  Grant g = valid();
  g.order_id = "order-1";
  g.line_shares = {{"line-1", 110, 0}, {"line-2", -10, 0}};
  expect_rejected(g, "line_shares");
  g.line_shares = {{"line-1", 100, 5}};
  expect_rejected(g, "line_shares");
  g.line_shares = {{"", 100, 0}};
  expect_rejected(g, "line_shares.line_id");
  g.line_shares = {{std::string(129, 'l'), 100, 0}};
  expect_rejected(g, "line_shares.line_id");
}

// Regression: grant() summed line shares in plain int64 with no bound on each
// share, so {INT64_MAX, INT64_MAX, amount + 2} overflowed (undefined
// behaviour; in practice it wrapped to `amount`) and passed the sum check,
// leaving a lot whose refund "owed" INT64_MAX. Shares are now bounded by
// kAmountMax and their number by kLinesMax.
TEST_F(GrantValidation, LineShareSumOverflowIsRejected) {
  Grant g = valid();
  g.order_id = "order-1";
  g.line_shares = {{"a", INT64_MAX, 0}, {"b", INT64_MAX, 0}, {"c", g.amount + 2, 0}};
  expect_rejected(g, "line_shares");
  g.line_shares = {{"a", limits::kAmountMax + 1, 0}};
  expect_rejected(g, "line_shares");
  g.line_shares.assign(limits::kOrderLinesMax + 2, LineShare{"a", 0, 0});  // lines + shipping, +1
  g.line_shares[0].amount = g.amount;
  expect_rejected(g, "line_shares");
}

}  // namespace
}  // namespace patron::ledger
