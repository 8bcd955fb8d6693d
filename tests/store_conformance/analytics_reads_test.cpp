// The analytics reads of the Store (app/store.h "Analytics reads") on every
// backend: the member order scan (grouped by member, oldest first, guests
// left out, summaries as stored), member counts by creation time, transfer
// totals per wallet and account pair in a time range, lot balances rebuilt
// from transfers at an instant, a visitor error stopping the scan, and each
// program seeing only its own rows.
#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/store.h"
#include "store_conformance/two_programs_fixture.h"
#include "support/backends.h"

namespace patron {
namespace {

using app::CommandWrite;
using app::OrderSummary;
using app::Store;
using testing::at;
using testing::kBackends;

// Records what a scan visits; fails on the `fail_at`-th visit when set.
class Recorder final : public Store::OrderVisitor {
 public:
  Result<void> visit(const std::string& member_id, const OrderSummary& order) override {
    if (++visits_ == fail_at) return fail(ErrorCode::kInvalidArgument, "visitor", "stop");
    seen.emplace_back(member_id, order);
    return {};
  }
  std::vector<std::pair<std::string, OrderSummary>> seen;
  int fail_at = 0;

 private:
  int visits_ = 0;
};

class AnalyticsReads : public testing::TwoProgramsStore {
 protected:
  void add_member(const std::string& program, const std::string& id, Instant created) {
    app::Member m;
    m.program_id = program;
    m.id = id;
    m.created_at = created;
    m.updated_at = created;
    CommandWrite w;
    w.program_id = program;
    w.member_id = id;
    w.member = m;
    write(w);
  }

  void add_order(const std::string& program, const std::string& member, const std::string& id,
                 Instant placed, int64_t price, bool cancelled = false) {
    app::OrderRecord r;
    r.program_id = program;
    r.order.id = id;
    r.order.member_id = member;
    r.order.placed_at = placed;
    r.order.lines = {rules::OrderLine{"1", "SKU", "", "", 2, price}};
    r.paid_at = placed;
    if (cancelled) r.cancelled_at = placed + std::chrono::seconds{60};
    r.created_at = placed;
    r.updated_at = placed;
    CommandWrite w;
    w.program_id = program;
    w.member_id = member;
    w.order = r;
    write(w);
  }

  void add_transfer(const std::string& program, const std::string& member, const char* wallet,
                    const char* from, const char* to, int64_t amount, Instant when) {
    CommandWrite w;
    w.program_id = program;
    w.member_id = member;
    w.wallet = wallet;
    w.changes.transfers.push_back(
        ledger::Transfer{++next_id_, next_id_, wallet, "grant", from, to, amount, 0, when});
    write(w);
  }

  // A lot row (what lot_balances reads of it is its wallet and expiry).
  void add_lot(const std::string& program, const std::string& member, const char* wallet,
               int64_t id, std::optional<Instant> expires_at) {
    ledger::Lot lot;
    lot.id = id;
    lot.wallet = wallet;
    lot.source = "signup";
    lot.amount = 1000;
    lot.remaining = 0;
    lot.granted_at = at(0);
    lot.expires_at = expires_at;
    CommandWrite w;
    w.program_id = program;
    w.member_id = member;
    w.wallet = wallet;
    w.changes.lots.push_back(lot);
    write(w);
  }

  void add_lot_transfer(const std::string& program, const std::string& member, const char* wallet,
                        int64_t lot_id, const char* from, const char* to, int64_t amount,
                        Instant when) {
    CommandWrite w;
    w.program_id = program;
    w.member_id = member;
    w.wallet = wallet;
    w.changes.transfers.push_back(
        ledger::Transfer{++next_id_, next_id_, wallet, "grant", from, to, amount, lot_id, when});
    write(w);
  }

  int64_t next_id_ = 0;
};

TEST_P(AnalyticsReads, ScanGroupsMembersOldestFirstWithoutGuests) {
  add_member("default", "m2", at(0));
  add_member("default", "m1", at(0));
  add_order("default", "m2", "o-late", at(300), 100);
  add_order("default", "m1", "o-b", at(200), 50, /*cancelled=*/true);
  add_order("default", "m2", "o-early", at(100), 70);
  add_order("default", "", "guest", at(150), 10);
  add_order("other", "m1", "o-other", at(50), 999);
  Recorder r;
  ASSERT_TRUE(store_->scan_member_orders("default", r));
  ASSERT_EQ(r.seen.size(), 3u);
  EXPECT_EQ(r.seen[0].first, "m1");
  EXPECT_EQ(r.seen[0].second.id, "o-b");
  EXPECT_TRUE(r.seen[0].second.cancelled_at);
  EXPECT_EQ(r.seen[1].first, "m2");
  EXPECT_EQ(r.seen[1].second.id, "o-early");
  EXPECT_EQ(r.seen[1].second.placed_at, at(100));
  EXPECT_EQ(r.seen[1].second.subtotal, 140);
  EXPECT_EQ(r.seen[1].second.paid_value, 140);
  EXPECT_EQ(r.seen[2].second.id, "o-late");
  Recorder other;
  ASSERT_TRUE(store_->scan_member_orders("other", other));
  ASSERT_EQ(other.seen.size(), 1u);
  EXPECT_EQ(other.seen[0].second.paid_value, 1998);
  Recorder none;
  ASSERT_TRUE(store_->scan_member_orders("nope", none));
  EXPECT_TRUE(none.seen.empty());
}

TEST_P(AnalyticsReads, AVisitorErrorStopsTheScan) {
  add_order("default", "m1", "o1", at(1), 1);
  add_order("default", "m1", "o2", at(2), 1);
  add_order("default", "m1", "o3", at(3), 1);
  Recorder r;
  r.fail_at = 2;
  auto scanned = store_->scan_member_orders("default", r);
  ASSERT_FALSE(scanned);
  EXPECT_EQ(scanned.error().field, "visitor");
  EXPECT_EQ(r.seen.size(), 1u);
}

TEST_P(AnalyticsReads, MemberCountsByCreationTime) {
  add_member("default", "a", at(10));
  add_member("default", "b", at(20));
  add_member("default", "c", at(30));
  add_member("other", "d", at(20));
  auto counts = store_->member_counts("default", at(20), at(30));
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->members, 2);  // a, b: c is created at `to` (exclusive)
  EXPECT_EQ(counts->created, 1);  // b
  auto all = store_->member_counts("default", Instant::min(), at(100));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->members, 3);
  EXPECT_EQ(all->created, 3);
  EXPECT_EQ(store_->member_counts("other", at(0), at(100))->members, 1);
}

TEST_P(AnalyticsReads, TransferTotalsPerWalletAndAccountsInRange) {
  add_member("default", "m1", at(0));
  add_member("other", "m1", at(0));
  add_transfer("default", "m1", "credit", "issued:signup", "member:available", 100, at(10));
  add_transfer("default", "m1", "credit", "issued:signup", "member:available", 50, at(20));
  add_transfer("default", "m1", "credit", "member:available", "redeemed", 30, at(30));
  add_transfer("default", "m1", "points", "issued:review", "member:available", 7, at(10));
  add_transfer("other", "m1", "credit", "issued:signup", "member:available", 999, at(10));
  auto all = store_->transfer_totals("default", Instant::min(), at(100));
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].wallet, "credit");
  EXPECT_EQ((*all)[0].from_account, "issued:signup");
  EXPECT_EQ((*all)[0].amount, 150);
  EXPECT_EQ((*all)[0].transfers, 2);
  EXPECT_EQ((*all)[1].from_account, "member:available");
  EXPECT_EQ((*all)[1].to_account, "redeemed");
  EXPECT_EQ((*all)[2].wallet, "points");
  for (const auto& t : *all) {  // the period is all history: the two sums agree
    EXPECT_EQ(t.history_amount, t.amount) << t.from_account;
    EXPECT_EQ(t.history_transfers, t.transfers) << t.from_account;
  }
  // Period [20, 30): the sums over it, and over all history before 30. A pair
  // with history but nothing in the period is there with 0 in the period;
  // the redemption at 30 is in neither.
  auto window = store_->transfer_totals("default", at(20), at(30));
  ASSERT_TRUE(window);
  ASSERT_EQ(window->size(), 2u);
  EXPECT_EQ((*window)[0].wallet, "credit");
  EXPECT_EQ((*window)[0].from_account, "issued:signup");
  EXPECT_EQ((*window)[0].amount, 50);
  EXPECT_EQ((*window)[0].transfers, 1);
  EXPECT_EQ((*window)[0].history_amount, 150);
  EXPECT_EQ((*window)[0].history_transfers, 2);
  EXPECT_EQ((*window)[1].wallet, "points");
  EXPECT_EQ((*window)[1].amount, 0);
  EXPECT_EQ((*window)[1].transfers, 0);
  EXPECT_EQ((*window)[1].history_amount, 7);
  EXPECT_EQ((*window)[1].history_transfers, 1);
  auto other = store_->transfer_totals("other", Instant::min(), at(100));
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].amount, 999);
}

TEST_P(AnalyticsReads, TransferTotalsFailOnOverflow) {
  add_member("default", "m1", at(0));
  const int64_t half = std::numeric_limits<int64_t>::max() / 2 + 1;
  add_transfer("default", "m1", "credit", "issued:signup", "member:available", half, at(10));
  add_transfer("default", "m1", "credit", "issued:signup", "member:available", half, at(20));
  auto totals = store_->transfer_totals("default", Instant::min(), at(100));
  ASSERT_FALSE(totals);
  EXPECT_EQ(totals.error().code, ErrorCode::kStorage);
}

TEST_P(AnalyticsReads, LotBalancesRebuiltFromTransfersAtAnInstant) {
  add_member("default", "m1", at(0));
  add_member("default", "m2", at(0));
  add_member("other", "m1", at(0));
  add_lot("default", "m1", "credit", 1, at(1000));
  add_lot("default", "m1", "credit", 2, std::nullopt);
  add_lot("default", "m2", "credit", 3, at(1000));
  add_lot("default", "m1", "points", 4, std::nullopt);
  add_lot("other", "m1", "credit", 5, std::nullopt);
  add_lot_transfer("default", "m1", "credit", 1, "issued:signup", "member:available", 100, at(10));
  add_lot_transfer("default", "m1", "credit", 1, "member:available", "redeemed", 30, at(20));
  add_lot_transfer("default", "m1", "credit", 1, "member:available", "member:held", 20, at(30));
  add_lot_transfer("default", "m1", "credit", 2, "issued:purchase", "member:pending", 50, at(10));
  add_lot_transfer("default", "m1", "credit", 2, "member:pending", "member:available", 50, at(40));
  add_lot_transfer("default", "m1", "credit", 2, "member:available", "member:debt", 5, at(40));
  add_lot_transfer("default", "m2", "credit", 3, "issued:signup", "member:available", 10, at(10));
  add_lot_transfer("default", "m2", "credit", 3, "member:available", "expired", 10, at(50));
  add_lot_transfer("default", "m1", "points", 4, "issued:signup", "member:available", 7, at(10));
  add_transfer("default", "m1", "credit", "member:debt", "clawed_back", 5, at(60));  // no lot
  add_lot_transfer("other", "m1", "credit", 5, "issued:signup", "member:available", 999, at(10));
  // At 35: lot 1 has 50 available and 20 held, lot 2 50 pending, lot 3 10.
  auto early = store_->lot_balances("default", at(35));
  ASSERT_TRUE(early) << early.error().message;
  ASSERT_EQ(early->size(), 3u);
  const Store::LotBalance& never = (*early)[0];
  EXPECT_EQ(never.wallet, "credit");
  EXPECT_FALSE(never.expires_at);
  EXPECT_EQ(never.lots, 1);
  EXPECT_EQ(never.available, 0);
  EXPECT_EQ(never.pending, 50);
  EXPECT_EQ(never.held, 0);
  const Store::LotBalance& expiring = (*early)[1];
  EXPECT_EQ(expiring.wallet, "credit");
  EXPECT_EQ(expiring.expires_at, at(1000));
  EXPECT_EQ(expiring.lots, 2);
  EXPECT_EQ(expiring.available, 60);
  EXPECT_EQ(expiring.held, 20);
  EXPECT_EQ((*early)[2].wallet, "points");
  EXPECT_EQ((*early)[2].available, 7);
  // At 100: lot 2 matured and paid 5 of debt; lot 3 expired (not counted).
  auto late = store_->lot_balances("default", at(100));
  ASSERT_TRUE(late);
  ASSERT_EQ(late->size(), 3u);
  EXPECT_EQ((*late)[0].available, 45);
  EXPECT_EQ((*late)[0].pending, 0);
  EXPECT_EQ((*late)[1].lots, 1);
  EXPECT_EQ((*late)[1].available, 50);
  EXPECT_EQ((*late)[1].held, 20);
  // Before any transfer: nothing; the other program sees only its own.
  auto none = store_->lot_balances("default", at(10));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto other = store_->lot_balances("other", at(100));
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].available, 999);
}

// A visitor that reads only times and values may get the orders without id
// and subtotal; everything else is as in the full scan.
class NarrowRecorder final : public Store::OrderVisitor {
 public:
  Result<void> visit(const std::string& member_id, const OrderSummary& order) override {
    seen.emplace_back(member_id, order);
    return {};
  }
  bool reads_id_and_subtotal() const override { return false; }
  std::vector<std::pair<std::string, OrderSummary>> seen;
};

TEST_P(AnalyticsReads, NarrowScanHasTheSameTimesAndValues) {
  add_member("default", "m1", at(0));
  add_order("default", "m1", "o-a", at(100), 70);
  add_order("default", "m1", "o-b", at(200), 50, /*cancelled=*/true);
  add_order("default", "", "guest", at(150), 10);
  Recorder full;
  NarrowRecorder narrow;
  ASSERT_TRUE(store_->scan_member_orders("default", full));
  ASSERT_TRUE(store_->scan_member_orders("default", narrow));
  ASSERT_EQ(narrow.seen.size(), 2u);
  ASSERT_EQ(full.seen.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const OrderSummary& f = full.seen[i].second;
    const OrderSummary& n = narrow.seen[i].second;
    EXPECT_EQ(narrow.seen[i].first, full.seen[i].first);
    EXPECT_EQ(n.placed_at, f.placed_at);
    EXPECT_EQ(n.paid_at, f.paid_at);
    EXPECT_EQ(n.fulfilled_at, f.fulfilled_at);
    EXPECT_EQ(n.completed_at, f.completed_at);
    EXPECT_EQ(n.cancelled_at, f.cancelled_at);
    EXPECT_EQ(n.paid_value, f.paid_value);
  }
  EXPECT_FALSE(narrow.seen[0].second.cancelled_at);
  EXPECT_TRUE(narrow.seen[1].second.cancelled_at);
  EXPECT_FALSE(narrow.seen[0].second.fulfilled_at);
  EXPECT_EQ(narrow.seen[0].second.paid_value, 140);
}

INSTANTIATE_TEST_SUITE_P(Backends, AnalyticsReads, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace patron
