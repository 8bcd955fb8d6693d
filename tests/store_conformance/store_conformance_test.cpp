// One behaviour suite for every Store implementation. It talks to the store
// only through app::Store, so a new backend (PostgreSQL) joins by adding a
// factory maker to kBackends below.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <thread>

#include "app/store.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace patron {
namespace {

using app::CommandWrite;
using app::Store;

using testing::Backend;
using testing::kBackends;

Instant at(int64_t s) {
  return from_unix_seconds(1'790'000'000 + s);
}

class StoreConformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    factory_ = GetParam().make(dir_);
    ASSERT_TRUE(factory_);
    auto s = factory_->open();
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    app::Program p = app::default_program();
    ASSERT_TRUE(store_->begin());
    ASSERT_TRUE(store_->put_program(p));
    ASSERT_TRUE(store_->commit());
  }

  void write(const CommandWrite& w) {
    ASSERT_TRUE(store_->begin());
    auto r = store_->apply(w);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE(store_->commit());
  }

  CommandWrite member(const std::string& id) {
    CommandWrite w;
    w.program_id = "default";
    w.member_id = id;
    w.member = app::Member{"default", id,   std::chrono::year{1990} / 2 / 28, "a@b.tw", "0912",
                           at(0),     at(0)};
    return w;
  }

  static ledger::Lot lot(int64_t id, ledger::LotState state, std::optional<Instant> expires,
                         std::string order = "") {
    ledger::Lot l;
    l.id = id;
    l.wallet = "credit";
    l.source = "purchase";
    l.amount = 100;
    l.remaining = state == ledger::LotState::kExpired ? 0 : 60;
    l.expired = state == ledger::LotState::kExpired ? 40 : 0;
    l.written_off = state == ledger::LotState::kExpired ? 25 : 0;
    l.state = state;
    l.granted_at = at(1);
    l.available_at =
        state == ledger::LotState::kPending ? std::optional(at(50)) : std::optional(at(1));
    l.expires_at = expires;
    l.scope.categories = {"shoes", "鞋"};
    l.order_id = std::move(order);
    if (!l.order_id.empty()) l.line_shares = {{"L1", 70, 10}, {"L2", 30, 0}};
    l.reason = "每滿1000送50";
    return l;
  }

  CommandWrite ledger_write(const std::string& member_id) {
    CommandWrite w;
    w.program_id = "default";
    w.member_id = member_id;
    w.wallet = "credit";
    return w;
  }

  testing::TempDir dir_;
  std::unique_ptr<app::StoreFactory> factory_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreConformance, ProgramsRoundTrip) {
  auto programs = store_->programs();
  ASSERT_TRUE(programs);
  ASSERT_EQ(programs->size(), 1u);
  EXPECT_EQ((*programs)[0], app::default_program());
  app::Program changed = app::default_program();
  changed.wallets[0].debt = ledger::DebtPolicy::kWriteOff;
  changed.wallets[0].expiry_by_source["review"] =
      ledger::ExpiryRule::end_of(CalendarUnit::kQuarter, 1);
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->put_program(changed));
  ASSERT_TRUE(store_->commit());
  EXPECT_EQ((*store_->programs())[0], changed);
}

TEST_P(StoreConformance, MembersUpsertAndFind) {
  write(member("m1"));
  auto found = store_->find_member("default", "m1");
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, *member("m1").member);
  EXPECT_FALSE(store_->find_member("default", "nobody")->has_value());
  EXPECT_FALSE(store_->find_member("other", "m1")->has_value());
  auto updated = member("m1");
  updated.member->birthday.reset();
  updated.member->email = "new@b.tw";
  write(updated);
  EXPECT_EQ(**store_->find_member("default", "m1"), *updated.member);
  write(member("m0"));
  EXPECT_EQ(*store_->member_ids("default"), (std::vector<std::string>{"m0", "m1"}));
}

TEST_P(StoreConformance, LedgerRowsRoundTripAndLoadFollowsHints) {
  write(member("m1"));
  auto w = ledger_write("m1");
  w.changes.lots = {lot(1, ledger::LotState::kAvailable, at(1000)),
                    lot(2, ledger::LotState::kExpired, at(10), "O1"),
                    lot(3, ledger::LotState::kExpired, at(10)),
                    lot(4, ledger::LotState::kPending, std::nullopt, "O2"),
                    lot(5, ledger::LotState::kExpired, at(10))};
  ledger::Hold open{7,       "credit",        "O3", 20, 0, ledger::HoldState::kOpen, at(2),
                    at(900), {{1, "", 20, 0}}};
  ledger::Hold done{8,       "credit",         "O4", 5, 5, ledger::HoldState::kCaptured, at(2),
                    at(900), {{3, "L1", 5, 0}}};
  ledger::Redemption r{9, "credit", "O4", 8, at(3), {{5, "L1", 5, 2}}};
  w.changes.holds = {open, done};
  w.changes.redemptions = {r};
  w.changes.transfers = {
      {11, 10, "credit", "grant", "issued:purchase", "member:available", 100, 1, at(1)},
      {12, 10, "credit", "reserve", "member:available", "member:held", 20, 1, at(2)}};
  w.changes.debt = 15;
  write(w);

  auto plain = store_->load_wallet("default", "m1", "credit", {});
  ASSERT_TRUE(plain) << plain.error().message;
  std::vector<int64_t> ids;
  for (const auto& l : plain->lots) ids.push_back(l.id);
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 4})) << "open lots only";
  ASSERT_EQ(plain->holds.size(), 1u);
  EXPECT_EQ(plain->holds[0], open);
  EXPECT_TRUE(plain->redemptions.empty());
  EXPECT_EQ(plain->debt, 15);
  EXPECT_EQ(plain->lots[0], lot(1, ledger::LotState::kAvailable, at(1000)));

  auto by_order = store_->load_wallet("default", "m1", "credit", {"O1", 0});
  ids.clear();
  for (const auto& l : by_order->lots) ids.push_back(l.id);
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 2, 4})) << "expired lot funded by the order";
  EXPECT_EQ(by_order->lots[1], lot(2, ledger::LotState::kExpired, at(10), "O1"));

  auto by_redemption = store_->load_wallet("default", "m1", "credit", {"O4", 0});
  ASSERT_EQ(by_redemption->redemptions.size(), 1u);
  EXPECT_EQ(by_redemption->redemptions[0], r);
  ASSERT_EQ(by_redemption->holds.size(), 2u);
  ids.clear();
  for (const auto& l : by_redemption->lots) ids.push_back(l.id);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 3, 4, 5})) << "lots the order's hold and redemption use";

  auto by_hold = store_->load_wallet("default", "m1", "credit", {"", 8});
  ASSERT_EQ(by_hold->holds.size(), 2u);
  EXPECT_EQ(by_hold->holds[1], done);

  auto history = store_->load_wallet_history("default", "m1", "credit");
  EXPECT_EQ(history->lots.size(), 5u);
  EXPECT_EQ(history->holds.size(), 2u);
  EXPECT_EQ(history->redemptions.size(), 1u);
  auto transfers = store_->transfers("default", "m1", "credit");
  ASSERT_EQ(transfers->size(), 2u);
  EXPECT_EQ((*transfers)[1], w.changes.transfers[1]);
  EXPECT_TRUE(store_->transfers("default", "m1", "points")->empty());

  auto ref = store_->find_hold("default", 8);
  ASSERT_TRUE(ref->has_value());
  EXPECT_EQ((*ref)->member_id, "m1");
  EXPECT_EQ((*ref)->wallet, "credit");
  EXPECT_FALSE(store_->find_hold("default", 99)->has_value());
  EXPECT_FALSE(store_->find_hold("other", 8)->has_value()) << "holds are scoped by program";

  auto high = store_->id_high_water();
  EXPECT_EQ(high->lot, 5);
  EXPECT_EQ(high->hold, 8);
  EXPECT_EQ(high->redemption, 9);
  EXPECT_EQ(high->transfer, 12);
  EXPECT_EQ(high->journal, 10);
}

TEST_P(StoreConformance, UpdatesReplaceMutableColumns) {
  write(member("m1"));
  auto w = ledger_write("m1");
  w.changes.lots = {lot(1, ledger::LotState::kPending, at(1000), "O1")};
  write(w);
  auto changed = lot(1, ledger::LotState::kAvailable, at(1000), "O1");
  changed.remaining = 5;
  changed.line_shares[1].clawed = 30;
  w.changes.lots = {changed};
  write(w);
  auto state = store_->load_wallet("default", "m1", "credit", {});
  ASSERT_EQ(state->lots.size(), 1u);
  EXPECT_EQ(state->lots[0], changed);
}

TEST_P(StoreConformance, MembersDueByJob) {
  write(member("a"));
  write(member("b"));
  auto wa = ledger_write("a");
  wa.changes.lots = {lot(1, ledger::LotState::kAvailable, at(100)),
                     lot(2, ledger::LotState::kPending, std::nullopt)};
  write(wa);
  auto wb = ledger_write("b");
  wb.changes.lots = {lot(3, ledger::LotState::kAvailable, at(500)),
                     lot(4, ledger::LotState::kExpired, at(10))};
  wb.changes.holds = {
      {5, "credit", "O", 10, 0, ledger::HoldState::kOpen, at(0), at(60), {{3, "", 10, 0}}}};
  write(wb);
  using V = std::vector<std::string>;
  EXPECT_EQ(*store_->members_due("default", "credit", "expire", at(99)), V{});
  EXPECT_EQ(*store_->members_due("default", "credit", "expire", at(100)), V{"a"});
  EXPECT_EQ(*store_->members_due("default", "credit", "expire", at(600)), (V{"a", "b"}));
  EXPECT_EQ(*store_->members_due("default", "credit", "mature", at(49)), V{});
  EXPECT_EQ(*store_->members_due("default", "credit", "mature", at(50)), V{"a"});
  EXPECT_EQ(*store_->members_due("default", "credit", "holds", at(59)), V{});
  EXPECT_EQ(*store_->members_due("default", "credit", "holds", at(60)), V{"b"});
  EXPECT_EQ(*store_->members_due("default", "points", "expire", at(600)), V{});
}

TEST_P(StoreConformance, DueLotsForTheExpiryJob) {
  write(member("a"));
  write(member("b"));
  auto wa = ledger_write("a");
  auto held_back = lot(3, ledger::LotState::kPending, at(90));
  held_back.available_at.reset();  // pending until released
  wa.changes.lots = {lot(1, ledger::LotState::kAvailable, at(100)),
                     lot(2, ledger::LotState::kPending, at(80)),  // matures at 50: not ours
                     held_back, lot(4, ledger::LotState::kExpired, at(10)),
                     lot(5, ledger::LotState::kAvailable, at(500))};
  write(wa);
  auto wb = ledger_write("b");
  wb.changes.lots = {lot(6, ledger::LotState::kAvailable, at(90))};
  write(wb);
  auto due = store_->due_lots("default", "credit", at(100), 10);
  ASSERT_TRUE(due) << due.error().message;
  std::vector<std::pair<std::string, int64_t>> got;
  for (const auto& d : *due) got.push_back({d.member_id, d.lot.id});
  using P = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(got, (P{{"a", 3}, {"b", 6}, {"a", 1}})) << "soonest expiry first, then id";
  EXPECT_EQ((*due)[2].lot, lot(1, ledger::LotState::kAvailable, at(100)));
  EXPECT_EQ(store_->due_lots("default", "credit", at(100), 2)->size(), 2u);
  EXPECT_TRUE(store_->due_lots("default", "points", at(100), 10)->empty());
}

TEST_P(StoreConformance, RollbackDiscardsAndReadersSeeOnlyCommits) {
  write(member("m1"));
  auto other = factory_->open();
  ASSERT_TRUE(other);
  ASSERT_TRUE(store_->begin());
  auto w = ledger_write("m1");
  w.changes.lots = {lot(1, ledger::LotState::kAvailable, std::nullopt)};
  ASSERT_TRUE(store_->apply(w));
  EXPECT_EQ(store_->load_wallet("default", "m1", "credit", {})->lots.size(), 1u)
      << "a transaction sees its own writes";
  EXPECT_EQ((*other)->load_wallet("default", "m1", "credit", {})->lots.size(), 0u)
      << "other connections do not see uncommitted writes";
  ASSERT_TRUE(store_->rollback());
  EXPECT_EQ(store_->load_wallet("default", "m1", "credit", {})->lots.size(), 0u);
  write(w);
  EXPECT_EQ((*other)->load_wallet("default", "m1", "credit", {})->lots.size(), 1u);
}

TEST_P(StoreConformance, WriteTransactionsAreSerialised) {
  auto other = factory_->open();
  ASSERT_TRUE(other);
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->apply(member("first")));
  std::thread second([&] {
    // Waits for the first transaction, then commits on top of it.
    ASSERT_TRUE((*other)->begin());
    ASSERT_TRUE((*other)->apply(member("second")));
    ASSERT_TRUE((*other)->commit());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(store_->commit());
  second.join();
  EXPECT_TRUE(store_->find_member("default", "first")->has_value());
  EXPECT_TRUE(store_->find_member("default", "second")->has_value())
      << "the second writer must not overwrite the first";
}

TEST_P(StoreConformance, ReadSnapshotsIgnoreLaterCommits) {
  write(member("m1"));
  auto other = factory_->open();
  ASSERT_TRUE(other);
  ASSERT_TRUE((*other)->begin_read());
  EXPECT_EQ((*other)->member_ids("default")->size(), 1u);
  write(member("m2"));
  EXPECT_EQ((*other)->member_ids("default")->size(), 1u) << "the snapshot holds";
  ASSERT_TRUE((*other)->rollback());
  EXPECT_EQ((*other)->member_ids("default")->size(), 2u);
}

TEST_P(StoreConformance, IdempotencyKeysAreUniquePerProgram) {
  write(member("m1"));
  CommandWrite w;
  w.program_id = "default";
  w.member_id = "m1";
  w.idempotency = app::IdempotencyRecord{"k1", "hash", "{\"ok\":true}", at(5)};
  write(w);
  auto found = store_->find_idempotency("default", "k1");
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, *w.idempotency);
  EXPECT_FALSE(store_->find_idempotency("default", "k2")->has_value());
  ASSERT_TRUE(store_->begin());
  EXPECT_FALSE(store_->apply(w)) << "the same key twice is refused";
  ASSERT_TRUE(store_->rollback());
}

TEST_P(StoreConformance, WritesOutsideATransactionAreRefused) {
  auto r = store_->apply(member("m1"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kStorage);
  EXPECT_FALSE(store_->find_member("default", "m1")->has_value());
}

TEST_P(StoreConformance, LedgerRowsNeedAKnownMember) {
  auto w = ledger_write("ghost");
  w.changes.lots = {lot(1, ledger::LotState::kAvailable, std::nullopt)};
  ASSERT_TRUE(store_->begin());
  EXPECT_FALSE(store_->apply(w));
  ASSERT_TRUE(store_->rollback());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace patron
