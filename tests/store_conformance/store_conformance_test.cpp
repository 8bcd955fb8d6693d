// One behaviour suite for every Store implementation. It talks to the store
// only through app::Store, so a new backend (PostgreSQL) joins by adding a
// factory maker to kBackends below.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>

#include "app/store.h"
#include "core/limits.h"
#include "ledger/wallet_ledger.h"
#include "rules/tiers.h"
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
    w.member = app::Member{"default",
                           id,
                           std::chrono::year{1990} / 2 / 28,
                           "a@b.tw",
                           "0912",
                           at(0),
                           at(0),
                           {},
                           "",
                           "",
                           "Ann",
                           "en",
                           {"email", "line"},
                           {"vip_event", "批發"}};
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

  void add_program(const std::string& id) {
    app::Program p = app::default_program();
    p.id = id;
    ASSERT_TRUE(store_->begin());
    ASSERT_TRUE(store_->put_program(p));
    ASSERT_TRUE(store_->commit());
  }

  static app::ApiKey key(const std::string& id, const std::string& program, app::Role role,
                         int64_t created) {
    return app::ApiKey{id, program, role, "hash-" + id, "label " + id, at(created), std::nullopt};
  }

  static CommandWrite key_write(const app::ApiKey& k) {
    CommandWrite w;
    w.program_id = k.program_id;  // no member: a key write touches no ledger rows
    w.api_key = k;
    return w;
  }

  static app::AuditEntry audit(const std::string& program, const std::string& target) {
    return app::AuditEntry{0,      program,          "key_admin", "wallet.adjust",
                           target, "{\"amount\":5}", at(7)};
  }

  static app::JobRun job_run(const std::string& program, const std::string& job, bool ok) {
    return app::JobRun{0,          program, job,
                       "schedule", at(100), at(101),
                       at(103),    ok,      ok ? "{\"lots\":3}" : "{\"error\":\"disk\"}"};
  }

  // Follows a newest-first list from the newest row to the end, `limit` rows a page.
  template <class T, class Read>
  std::vector<T> newest_first_pages(Read read, std::size_t limit) {
    std::vector<T> all;
    app::PageRequest request{"", limit};
    for (int pages = 0; pages < 100; ++pages) {
      Result<std::vector<T>> page = read(request);
      EXPECT_TRUE(page) << page.error().message;
      if (!page || page->empty()) break;
      EXPECT_LE(page->size(), limit);
      all.insert(all.end(), page->begin(), page->end());
      request.after = std::to_string(page->back().id);
    }
    return all;
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

TEST_P(StoreConformance, ProgramVersionsAreKeptAndTheFingerprintFollowsVersions) {
  auto before = store_->programs_fingerprint();
  ASSERT_TRUE(before);
  EXPECT_EQ(*before, "default:1,");
  app::Program next = app::default_program();
  next.version = 2;
  next.wallets[0].hold_ttl_s = 120;
  CommandWrite w;
  w.program_id = "default";
  w.program = next;
  w.program_version = app::ProgramVersion{"default", 2, "[program]\n", at(5), "key_x"};
  write(w);
  EXPECT_EQ(*store_->programs_fingerprint(), "default:2,");
  auto programs = store_->programs();
  ASSERT_TRUE(programs);
  EXPECT_EQ((*programs)[0], next);
  auto versions = store_->program_versions("default");
  ASSERT_TRUE(versions);
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ((*versions)[0], *w.program_version);
  EXPECT_TRUE(store_->program_versions("other")->empty());
  // The same version twice is refused, and the refused transaction leaves nothing.
  ASSERT_TRUE(store_->begin());
  CommandWrite again;
  again.program_id = "default";
  again.program_version = app::ProgramVersion{"default", 2, "other", at(6), "key_y"};
  EXPECT_FALSE(store_->apply(again));
  ASSERT_TRUE(store_->rollback());
  EXPECT_EQ((*store_->program_versions("default"))[0].config, "[program]\n");
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
  updated.member->tags.clear();
  write(updated);
  EXPECT_EQ(**store_->find_member("default", "m1"), *updated.member);
  write(member("m0"));
  EXPECT_EQ(*store_->member_ids("default"), (std::vector<std::string>{"m0", "m1"}));
}

TEST_P(StoreConformance, TransfersPageAcrossWalletsInIdOrder) {
  write(member("m1"));
  write(member("m2"));
  auto credit = ledger_write("m1");
  credit.changes.lots = {lot(1, ledger::LotState::kAvailable, std::nullopt)};
  credit.changes.transfers = {
      {10, 1, "credit", "grant", "issued:signup", "member:available", 100, 1, at(1)},
      {12, 3, "credit", "spend", "member:available", "redeemed", 30, 1, at(3)}};
  write(credit);
  auto points = ledger_write("m1");
  points.wallet = "points";
  points.changes.lots = {lot(2, ledger::LotState::kAvailable, std::nullopt)};
  points.changes.lots[0].wallet = "points";
  points.changes.transfers = {
      {11, 2, "points", "grant", "issued:purchase", "member:available", 5, 2, at(2)}};
  write(points);
  auto other = ledger_write("m2");
  other.changes.lots = {lot(3, ledger::LotState::kAvailable, std::nullopt)};
  other.changes.transfers = {
      {13, 4, "credit", "grant", "issued:signup", "member:available", 7, 3, at(4)}};
  write(other);

  std::vector<int64_t> ids;
  int64_t after = 0;
  for (int page = 0; page < 10; ++page) {
    auto rows = store_->transfers_page("default", "m1", "", after, 1);
    ASSERT_TRUE(rows) << rows.error().message;
    if (rows->empty()) break;
    ASSERT_EQ(rows->size(), 1u);
    ids.push_back(rows->front().id);
    after = rows->front().id;
  }
  EXPECT_EQ(ids, (std::vector<int64_t>{10, 11, 12}));  // both wallets, id order, not m2's
  auto points_only = store_->transfers_page("default", "m1", "points", 0, 50);
  ASSERT_TRUE(points_only);
  ASSERT_EQ(points_only->size(), 1u);
  EXPECT_EQ(points_only->front().wallet, "points");
  EXPECT_EQ(points_only->front(), points.changes.transfers[0]);
  EXPECT_TRUE(store_->transfers_page("default", "m1", "", 12, 50)->empty());
  EXPECT_TRUE(store_->transfers_page("other", "m1", "", 0, 50)->empty());
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

// A partial load (LoadHint::partial_at) is ledger::leave_out() of the full
// load for the same hint: the stores read it through their own queries.
TEST_P(StoreConformance, PartialLoadsLeaveOutWhatLeaveOutDefines) {
  using ledger::LotState;
  write(member("m1"));
  auto w = ledger_write("m1");
  w.changes.lots = {lot(1, LotState::kAvailable, at(1000)),            // held by hold 7
                    lot(2, LotState::kAvailable, std::nullopt),        // left out
                    lot(3, LotState::kAvailable, at(100), "O1"),       // kept for O1
                    lot(4, LotState::kPending, std::nullopt, "O2"),    // pending: kept
                    lot(5, LotState::kAvailable, at(50)),              // due by at(60): kept
                    lot(6, LotState::kExpired, at(10), "O1"),          // the full load's for O1
                    lot(7, LotState::kAvailable, std::nullopt, "O2"),  // held too: kept
                    lot(8, LotState::kAvailable, at(2000)),            // spent on O4: kept for O4
                    lot(9, LotState::kExpired, at(10))};               // never loaded
  w.changes.lots[6].remaining = 35;
  w.changes.holds = {ledger::Hold{71,
                                  "credit",
                                  "O3",
                                  30,
                                  0,
                                  ledger::HoldState::kOpen,
                                  at(2),
                                  at(900),
                                  {{1, "", 20, 0}, {7, "L1", 10, 0}}}};
  w.changes.redemptions = {ledger::Redemption{72, "credit", "O4", 0, at(3), {{8, "L1", 5, 0}}}};
  write(w);

  for (const std::string order : {"", "O1", "O2", "O4", "O9"}) {
    SCOPED_TRACE("order '" + order + "'");
    auto full = store_->load_wallet("default", "m1", "credit", {order, 0});
    ASSERT_TRUE(full) << full.error().message;
    app::LoadHint hint{order, 0};
    hint.partial_at = at(60);
    auto partial = store_->load_wallet("default", "m1", "credit", hint);
    ASSERT_TRUE(partial) << partial.error().message;
    ledger::WalletState expected = ledger::leave_out(*full, order, at(60));
    EXPECT_EQ(partial->lots, expected.lots);
    EXPECT_EQ(partial->holds, expected.holds);
    EXPECT_EQ(partial->redemptions, expected.redemptions);
    EXPECT_EQ(partial->debt, expected.debt);
    EXPECT_EQ(partial->left_out, expected.left_out);
  }
  // The definition itself, worked out by hand for no order: lots 2, 3 and 8
  // (60 each) are only ever picked; lot 7 is held, so kept (its line shares
  // as the full load has them: the loop above).
  app::LoadHint hint;
  hint.partial_at = at(60);
  auto none = store_->load_wallet("default", "m1", "credit", hint);
  ASSERT_TRUE(none) << none.error().message;
  std::vector<int64_t> ids;
  for (const auto& l : none->lots) ids.push_back(l.id);
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 4, 5, 7}));
  EXPECT_EQ(none->left_out, (ledger::LeftOut{"", at(60), 3, 180}));
  // Later, lot 3 is due (at(100)) and so kept.
  hint.partial_at = at(100);
  auto later = store_->load_wallet("default", "m1", "credit", hint);
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ(later->left_out, (ledger::LeftOut{"", at(100), 2, 120}));

  // With debt every lot may pay it: the load is whole.
  auto d = ledger_write("m1");
  d.changes.debt = 5;
  write(d);
  auto whole = store_->load_wallet("default", "m1", "credit", hint);
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_FALSE(whole->left_out.has_value());
  EXPECT_EQ(whole->lots, store_->load_wallet("default", "m1", "credit", {})->lots);
  // Nothing to leave out: no left_out either.
  write(member("m2"));
  auto empty = store_->load_wallet("default", "m2", "credit", hint);
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_FALSE(empty->left_out.has_value());
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
  auto state = store_->load_wallet("default", "m1", "credit", {"O1", 0});
  ASSERT_EQ(state->lots.size(), 1u);
  EXPECT_EQ(state->lots[0], changed);
}

// Line shares are only promised for the named order's lots (or with
// all_line_shares); a lot loaded without them and written back keeps its
// stored shares.
TEST_P(StoreConformance, LotsWrittenBackWithoutSharesKeepTheirShares) {
  write(member("m1"));
  auto w = ledger_write("m1");
  auto original = lot(1, ledger::LotState::kAvailable, at(1000), "O1");
  ASSERT_FALSE(original.line_shares.empty());
  w.changes.lots = {original};
  write(w);
  auto other = store_->load_wallet("default", "m1", "credit", {"O2", 0});
  ASSERT_TRUE(other);
  ASSERT_EQ(other->lots.size(), 1u);
  ledger::Lot spent = other->lots[0];
  spent.remaining -= 10;
  spent.line_shares.clear();  // as a store that did not load them returns it
  w.changes.lots = {spent};
  write(w);
  auto full = store_->load_wallet("default", "m1", "credit", {"", 0, true});
  ASSERT_TRUE(full);
  ASSERT_EQ(full->lots.size(), 1u);
  EXPECT_EQ(full->lots[0].remaining, original.remaining - 10);
  EXPECT_EQ(full->lots[0].line_shares, original.line_shares);
  auto history = store_->load_wallet_history("default", "m1", "credit");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->lots[0].line_shares, original.line_shares);
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

TEST_P(StoreConformance, MembersPageWalksEveryMemberOnceInByteOrder) {
  add_program("other");
  // Byte order: upper case before lower case, a prefix before its extensions,
  // UTF-8 after ASCII.
  for (const char* id : {"b", "a1", "é", "M", "a", "z", "a10", "Z9"}) write(member(id));
  auto stranger = member("a0");
  stranger.program_id = stranger.member->program_id = "other";
  write(stranger);

  const std::vector<std::string> expected = {"M", "Z9", "a", "a1", "a10", "b", "z", "é"};
  for (std::size_t limit : {1u, 3u, 8u, 50u}) {
    std::vector<std::string> seen;
    app::PageRequest request{"", limit};
    for (int pages = 0; pages < 20; ++pages) {
      auto page = store_->members_page("default", request);
      ASSERT_TRUE(page) << page.error().message;
      ASSERT_LE(page->size(), limit);
      if (page->empty()) break;
      for (const auto& m : *page) {
        EXPECT_EQ(m.program_id, "default");
        seen.push_back(m.id);
      }
      request.after = page->back().id;
    }
    EXPECT_EQ(seen, expected) << "limit " << limit << ": no duplicates, no gaps";
  }
  auto first = store_->members_page("default", {"", 2});
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 2u);
  auto full = member("M").member;
  EXPECT_EQ((*first)[0], *full) << "pages carry whole member records";
  EXPECT_EQ(store_->members_page("default", {"a1", 2})->front().id, "a10") << "strictly after";
  EXPECT_TRUE(store_->members_page("default", {"é", 5})->empty());
  auto others = store_->members_page("other", {"", 10});
  ASSERT_EQ(others->size(), 1u);
  EXPECT_EQ((*others)[0], *stranger.member);
  EXPECT_TRUE(store_->members_page("nowhere", {"", 10})->empty());
}

TEST_P(StoreConformance, MembersPageLimitIsDefaultedAndClamped) {
  ASSERT_TRUE(store_->begin());
  for (std::size_t i = 0; i < limits::kPageSizeMax + 1; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "m%04zu", i);
    auto r = store_->apply(member(id));
    ASSERT_TRUE(r) << r.error().message;
  }
  ASSERT_TRUE(store_->commit());
  auto zero = store_->members_page("default", {"", 0});
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->size(), limits::kPageSizeDefault) << "limit 0 asks for the default page";
  auto huge = store_->members_page("default", {"", 1'000'000});
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->size(), limits::kPageSizeMax) << "limits above the maximum are clamped";
  EXPECT_EQ(huge->back().id, "m0499");
  auto rest = store_->members_page("default", {"m0499", 1'000'000});
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->front().id, "m0500");
}

TEST_P(StoreConformance, ApiKeysInsertFindRevokeAndListPerProgram) {
  add_program("other");
  auto k1 = key("key_1", "default", app::Role::kAdmin, 10);
  auto k2 = key("key_2", "default", app::Role::kStorefront, 5);
  auto k0 = key("key_0", "default", app::Role::kAnalyst, 5);  // same time as key_2
  auto k3 = key("key_3", "other", app::Role::kIntegration, 1);
  for (const auto& k : {k1, k2, k0, k3}) write(key_write(k));
  auto no_program = key_write(key("key_4", "other", app::Role::kAnalyst, 2));
  no_program.program_id.clear();  // the key names its program
  write(no_program);

  auto found = store_->find_api_key("hash-key_1");
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, k1);
  EXPECT_EQ((*store_->find_api_key("hash-key_3"))->program_id, "other")
      << "found by hash whatever the program";
  EXPECT_FALSE(store_->find_api_key("hash-nobody")->has_value());

  using Keys = std::vector<app::ApiKey>;
  EXPECT_EQ(*store_->api_keys("default"), (Keys{k0, k2, k1})) << "created_at, then id";
  EXPECT_EQ(*store_->api_keys("other"), (Keys{k3, *no_program.api_key}));
  EXPECT_TRUE(store_->api_keys("nowhere")->empty());

  // Revoking: the same key id again changes only revoked_at and the label.
  auto revoked = k1;
  revoked.revoked_at = at(20);
  revoked.label = "leaked";
  auto tampered = revoked;
  tampered.role = app::Role::kAnalyst;
  tampered.created_at = at(99);
  tampered.secret_hash = "hash-other";
  auto revoke = key_write(tampered);
  revoke.audit = {app::AuditEntry{0, "default", "key_1", "key.revoke", "key_1", "{}", at(20)}};
  write(revoke);
  EXPECT_EQ(**store_->find_api_key("hash-key_1"), revoked);
  EXPECT_FALSE(store_->find_api_key("hash-other")->has_value());
  EXPECT_EQ(*store_->api_keys("default"), (Keys{k0, k2, revoked}));
  auto log = store_->audit_log("default", {});
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].action, "key.revoke");
}

TEST_P(StoreConformance, ApiKeyWithATakenSecretHashFailsAndRollsBack) {
  auto k1 = key("key_1", "default", app::Role::kAdmin, 10);
  write(key_write(k1));
  ASSERT_TRUE(store_->begin());
  auto before = member("m1");
  before.audit = {audit("default", "m1")};
  ASSERT_TRUE(store_->apply(before));
  auto clash = key("key_2", "default", app::Role::kAdmin, 11);
  clash.secret_hash = k1.secret_hash;
  auto w = key_write(clash);
  w.audit = {audit("default", "key_2")};
  EXPECT_FALSE(store_->apply(w)) << "secret hashes are unique across keys";
  ASSERT_TRUE(store_->rollback());

  EXPECT_EQ(**store_->find_api_key(k1.secret_hash), k1);
  EXPECT_EQ(*store_->api_keys("default"), std::vector<app::ApiKey>{k1});
  EXPECT_FALSE(store_->find_member("default", "m1")->has_value());
  EXPECT_TRUE(store_->audit_log("default", {})->empty()) << "the rollback leaves nothing";

  ASSERT_TRUE(store_->begin());
  EXPECT_FALSE(store_->apply(key_write(key("key_9", "nowhere", app::Role::kAdmin, 1))))
      << "a key needs a known program";
  ASSERT_TRUE(store_->rollback());
  EXPECT_FALSE(store_->find_api_key("hash-key_9")->has_value());
}

TEST_P(StoreConformance, AuditLogPagesNewestFirst) {
  add_program("other");
  CommandWrite first;
  first.program_id = "default";
  first.audit = {audit("default", "a"), audit("other", "x"), audit("default", "b")};
  write(first);
  CommandWrite second;  // a member write carries its audit entry along
  second = member("m1");
  second.audit = {audit("", "c")};  // no program of its own: the command's
  write(second);
  CommandWrite third;
  third.audit = {audit("default", "d"), audit("default", "e"), audit("other", "y")};
  write(third);

  auto all = newest_first_pages<app::AuditEntry>(
      [&](const app::PageRequest& r) { return store_->audit_log("default", r); }, 2);
  std::vector<std::string> targets;
  for (std::size_t i = 0; i < all.size(); ++i) {
    targets.push_back(all[i].target);
    EXPECT_EQ(all[i].program_id, "default");
    if (i > 0) {
      EXPECT_LT(all[i].id, all[i - 1].id) << "ids decrease down the list";
    }
  }
  EXPECT_EQ(targets, (std::vector<std::string>{"e", "d", "c", "b", "a"}));
  ASSERT_FALSE(all.empty());
  auto expected = audit("default", "e");
  expected.id = all[0].id;
  EXPECT_EQ(all[0], expected);

  auto other = store_->audit_log("other", {});
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 2u);
  EXPECT_EQ((*other)[0].target, "y");
  EXPECT_EQ((*other)[1].target, "x");
  EXPECT_EQ(store_->audit_log("default", {"", 0})->size(), 5u) << "limit 0: the default page";
  auto below = store_->audit_log("default", {std::to_string(all[1].id), 50});
  EXPECT_EQ(below->size(), 3u) << "strictly below the cursor";
  EXPECT_TRUE(store_->audit_log("default", {"0", 50})->empty());
  EXPECT_TRUE(store_->audit_log("nowhere", {})->empty());

  for (const char* bad : {"abc", "-1", "12x", " 3", "+3", "99999999999999999999999"}) {
    auto r = store_->audit_log("default", {bad, 10});
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().field, "cursor");
  }
}

TEST_P(StoreConformance, JobRunsPageNewestFirst) {
  add_program("other");
  std::vector<app::JobRun> written;
  for (int i = 0; i < 5; ++i) {
    CommandWrite w;
    w.program_id = i == 2 ? "other" : "default";
    w.job_run = job_run(w.program_id, i % 2 ? "expire" : "mature", i != 3);
    write(w);
    if (i != 2) written.push_back(*w.job_run);
  }
  auto all = newest_first_pages<app::JobRun>(
      [&](const app::PageRequest& r) { return store_->job_runs("default", r); }, 3);
  ASSERT_EQ(all.size(), 4u);
  std::reverse(written.begin(), written.end());
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(all[i].id, all[i - 1].id);
    }
    auto expected = written[i];
    expected.id = all[i].id;
    EXPECT_EQ(all[i], expected) << "every field round-trips, ok=false included";
  }
  auto other = store_->job_runs("other", {});
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].program_id, "other");
  EXPECT_TRUE(store_->job_runs("default", {std::to_string(all.back().id), 10})->empty());

  auto r = store_->job_runs("default", {"latest", 10});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().field, "cursor");
}

TEST_P(StoreConformance, AppendedRowsGetIncreasingIdsAndRollBack) {
  CommandWrite w;
  w.program_id = "default";
  w.audit = {audit("default", "a")};
  w.job_run = job_run("default", "holds", true);
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->apply(w));
  ASSERT_TRUE(store_->rollback());
  EXPECT_TRUE(store_->audit_log("default", {})->empty());
  EXPECT_TRUE(store_->job_runs("default", {})->empty());
  write(w);
  write(w);
  auto log = store_->audit_log("default", {});
  ASSERT_EQ(log->size(), 2u);
  EXPECT_GT((*log)[0].id, (*log)[1].id);
  EXPECT_GT((*log)[1].id, 0);
  auto runs = store_->job_runs("default", {});
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_GT((*runs)[0].id, (*runs)[1].id);
}

// Tiers with every field other than its default.
rules::Tiers rich_tiers() {
  rules::Tiers t;
  t.basis = rules::Tiers::Basis::kOrderCount;
  t.count_on = rules::Tiers::CountOn::kCompleted;
  t.window = rules::Tiers::Window::kSinceTierStart;
  t.window_months = 6;
  t.period_months = 24;
  t.downgrade = rules::Tiers::Downgrade::kToQualifying;
  t.warn_days = 14;
  t.levels = {{"base", "一般", 0, 0, "", 12},
              {"silver", "銀卡", 3, 2, "", 12},
              {"gold", "金卡", 10, 6, "", 12}};
  return t;
}

// Rules that use every field of every struct in rules/rules.h with values
// other than the defaults.
rules::Rules rich_rules() {
  rules::Rules r;
  r.earn_on = rules::EarnTrigger::kCompleted;
  r.return_window_days = 10;
  rules::EarnRule percent;
  percent.id = "base_credit";
  percent.wallet = "credit";
  percent.source = "purchase_web";
  percent.rate = {rules::Rate::Kind::kPercent, 300, 0, 0};
  percent.tier_rates = {{"gold", {rules::Rate::Kind::kPercent, 500, 0, 0}},
                        {"金卡", {rules::Rate::Kind::kSteps, 0, 1000, 80}}};
  percent.base.include_shipping = true;
  percent.base.exclude_paid_with_value = false;
  percent.base.exclude_categories = {"gift_card", "禮券"};
  percent.base.exclude_brands = {"acme"};
  percent.base.exclude_skus = {"SKU-1", "SKU-2"};
  percent.multipliers = {{"shoes", "", "", 20000}, {"", "acme", "", 15000}, {"", "", "SKU-9", 0}};
  percent.min_base = 100;
  percent.per_order_max = 5000;
  percent.member_days = false;
  rules::EarnRule steps;
  steps.id = "every_1000";
  steps.wallet = "points";
  steps.rate = {rules::Rate::Kind::kSteps, 0, 1000, 50};
  r.earn = {percent, steps};
  r.member_days = {{"payday", 25, -1, 20000, {"gold", "silver"}}, {"sunday", 0, 0, 15000, {}}};
  r.tiers = rich_tiers();
  return r;
}

// An order of `member` with two lines that use every field, not yet paid.
app::OrderRecord order(const std::string& id, const std::string& member, int64_t placed,
                       const std::string& program = "default") {
  app::OrderRecord o;
  o.program_id = program;
  o.order.id = id;
  o.order.member_id = member;
  o.order.channel = "web";
  o.order.placed_at = at(placed);
  o.order.shipping = 60;
  o.order.lines = {{"L1", "SKU-9", "shoes", "acme", 2, 1500, 200, 300, false, 1},
                   {"L2", "GIFT", "禮品", "", 1, 0, 0, 0, true, 0}};
  o.created_at = at(placed);
  o.updated_at = at(placed);
  return o;
}

CommandWrite order_write(const app::OrderRecord& o) {
  CommandWrite w;
  w.program_id = o.program_id;
  w.member_id = o.order.member_id;
  w.order = o;
  return w;
}

std::vector<std::string> order_ids(const std::vector<app::OrderRecord>& orders) {
  std::vector<std::string> out;
  for (const auto& o : orders) out.push_back(o.order.id);
  return out;
}

TEST_P(StoreConformance, ProgramRulesRoundTripThroughPutProgramAndProgramWrites) {
  EXPECT_EQ((*store_->programs())[0].rules, rules::Rules{}) << "the default program has no rules";
  app::Program rich = app::default_program();
  rich.rules = rich_rules();
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->put_program(rich));
  ASSERT_TRUE(store_->commit());
  auto programs = store_->programs();
  ASSERT_TRUE(programs) << programs.error().message;
  ASSERT_EQ(programs->size(), 1u);
  EXPECT_EQ((*programs)[0], rich);

  // A new configuration through a command replaces the rules as a whole.
  app::Program next = rich;
  next.version = 2;
  next.rules.earn_on = rules::EarnTrigger::kFulfilled;
  next.rules.earn.pop_back();
  next.rules.earn[0].tier_rates.clear();
  next.rules.member_days.clear();
  CommandWrite w;
  w.program_id = "default";
  w.program = next;
  w.program_version = app::ProgramVersion{"default", 2, "[program]\n", at(5), "cli"};
  write(w);
  programs = store_->programs();
  ASSERT_TRUE(programs) << programs.error().message;
  EXPECT_EQ((*programs)[0], next);

  // Back to no rules at all: nothing of the old ones is left behind.
  next.version = 3;
  next.rules = {};
  w.program = next;
  w.program_version = app::ProgramVersion{"default", 3, "", at(6), "cli"};
  write(w);
  EXPECT_EQ((*store_->programs())[0], next);
}

TEST_P(StoreConformance, OrdersUpsertFindAndReplace) {
  app::OrderRecord full = order("o-1", "m1", 10);
  full.paid_at = at(11);
  full.fulfilled_at = at(12);
  full.completed_at = at(13);
  full.cancelled_at = at(14);
  full.refund_ids = {"r-1", "退款-2"};
  full.refunded_amount = 150;
  full.earned_at = at(13);
  full.program_version = 3;
  full.earned = {{"base_credit", 84}, {"every_1000", 50}};
  full.updated_at = at(14);
  app::OrderRecord bare = order("o-2", "m1", 20);
  bare.order.channel = "";
  bare.order.shipping = 0;
  bare.order.lines = {};
  write(order_write(full));
  write(order_write(bare));

  auto found = store_->find_order("default", "o-1");
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, full);
  found = store_->find_order("default", "o-2");
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, bare) << "every optional unset, no lines";
  EXPECT_FALSE(store_->find_order("default", "o-3")->has_value());
  EXPECT_FALSE(store_->find_order("other", "o-1")->has_value());

  // The same id again replaces the whole record, the member too.
  app::OrderRecord replaced = order("o-1", "m2", 15);
  replaced.order.channel = "pos";
  replaced.order.lines[0].refunded_quantity = 2;
  replaced.paid_at = at(16);
  replaced.refund_ids = {"r-9"};
  replaced.earned = {{"every_1000", 7}};
  replaced.program_version = 4;
  replaced.created_at = full.created_at;
  replaced.updated_at = at(30);
  write(order_write(replaced));
  found = store_->find_order("default", "o-1");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ(**found, replaced);
  EXPECT_EQ(order_ids(*store_->member_orders("default", "m1")), std::vector<std::string>{"o-2"});
  EXPECT_EQ(order_ids(*store_->member_orders("default", "m2")), std::vector<std::string>{"o-1"});
  EXPECT_EQ(store_->orders_page("default", {})->size(), 2u) << "replaced, not added";
}

TEST_P(StoreConformance, MemberOrdersOldestPlacedFirstThenIdPerProgramAndMember) {
  add_program("other");
  write(order_write(order("o3", "m1", 10)));
  write(order_write(order("o1", "m1", 30)));
  write(order_write(order("o2", "m1", 10)));
  write(order_write(order("o0", "m2", 5)));
  write(order_write(order("o5", "m1", 1, "other")));
  auto orders = store_->member_orders("default", "m1");
  ASSERT_TRUE(orders) << orders.error().message;
  EXPECT_EQ(order_ids(*orders), (std::vector<std::string>{"o2", "o3", "o1"}));
  ASSERT_EQ(orders->size(), 3u);
  EXPECT_EQ((*orders)[0], order("o2", "m1", 10)) << "whole records";
  EXPECT_EQ(order_ids(*store_->member_orders("default", "m2")), std::vector<std::string>{"o0"});
  EXPECT_EQ(order_ids(*store_->member_orders("other", "m1")), std::vector<std::string>{"o5"});
  EXPECT_TRUE(store_->member_orders("default", "nobody")->empty());
  EXPECT_TRUE(store_->member_orders("nowhere", "m1")->empty());
}

TEST_P(StoreConformance, OrdersPageWalksEveryOrderOnceInByteOrder) {
  add_program("other");
  for (const char* id : {"b", "a1", "é", "M", "a", "z", "a10", "Z9"}) {
    write(order_write(order(id, "m1", 1)));
  }
  write(order_write(order("a0", "m1", 1, "other")));
  const std::vector<std::string> expected = {"M", "Z9", "a", "a1", "a10", "b", "z", "é"};
  for (std::size_t limit : {1u, 3u, 8u, 50u}) {
    std::vector<std::string> seen;
    app::PageRequest request{"", limit};
    for (int pages = 0; pages < 20; ++pages) {
      auto page = store_->orders_page("default", request);
      ASSERT_TRUE(page) << page.error().message;
      ASSERT_LE(page->size(), limit);
      if (page->empty()) break;
      for (const auto& o : *page) {
        EXPECT_EQ(o.program_id, "default");
        seen.push_back(o.order.id);
      }
      request.after = page->back().order.id;
    }
    EXPECT_EQ(seen, expected) << "limit " << limit << ": no duplicates, no gaps";
  }
  auto first = store_->orders_page("default", {"", 1});
  ASSERT_TRUE(first && first->size() == 1u);
  EXPECT_EQ(first->front(), order("M", "m1", 1)) << "pages carry whole records";
  EXPECT_EQ(store_->orders_page("default", {"a1", 2})->front().order.id, "a10") << "strictly after";
  EXPECT_TRUE(store_->orders_page("default", {"é", 5})->empty());
  EXPECT_EQ(order_ids(*store_->orders_page("other", {})), std::vector<std::string>{"a0"});
  EXPECT_TRUE(store_->orders_page("nowhere", {})->empty());
}

TEST_P(StoreConformance, OrdersPageLimitIsDefaultedAndClamped) {
  ASSERT_TRUE(store_->begin());
  for (std::size_t i = 0; i < limits::kPageSizeMax + 1; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "o%04zu", i);
    auto r = store_->apply(order_write(order(id, "m1", 1)));
    ASSERT_TRUE(r) << r.error().message;
  }
  ASSERT_TRUE(store_->commit());
  auto zero = store_->orders_page("default", {"", 0});
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->size(), limits::kPageSizeDefault) << "limit 0 asks for the default page";
  auto huge = store_->orders_page("default", {"", 1'000'000});
  ASSERT_TRUE(huge);
  ASSERT_EQ(huge->size(), limits::kPageSizeMax) << "limits above the maximum are clamped";
  EXPECT_EQ(huge->back().order.id, "o0499");
  auto rest = store_->orders_page("default", {"o0499", 1'000'000});
  ASSERT_TRUE(rest);
  EXPECT_EQ(order_ids(*rest), std::vector<std::string>{"o0500"});
}

TEST_P(StoreConformance, GuestOrdersNeedNoMemberRecord) {
  app::OrderRecord guest = order("g-1", "", 3);
  guest.paid_at = at(4);
  write(order_write(guest));
  EXPECT_FALSE(store_->find_member("default", "")->has_value());
  auto found = store_->find_order("default", "g-1");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ(**found, guest);
  EXPECT_EQ(order_ids(*store_->orders_page("default", {})), std::vector<std::string>{"g-1"});
  EXPECT_TRUE(store_->member_orders("default", "m1")->empty());
}

TEST_P(StoreConformance, OrdersOfOneProgramAreInvisibleToAnother) {
  add_program("a");
  add_program("b");
  app::OrderRecord in_a = order("o-1", "m1", 1, "a");
  write(order_write(in_a));
  EXPECT_FALSE(store_->find_order("b", "o-1")->has_value());
  EXPECT_TRUE(store_->member_orders("b", "m1")->empty());
  EXPECT_TRUE(store_->orders_page("b", {})->empty());
  // The same id in b is another order: it replaces nothing in a.
  app::OrderRecord in_b = order("o-1", "m2", 2, "b");
  in_b.order.lines.pop_back();
  write(order_write(in_b));
  EXPECT_EQ(**store_->find_order("a", "o-1"), in_a);
  EXPECT_EQ(**store_->find_order("b", "o-1"), in_b);
  EXPECT_TRUE(store_->member_orders("a", "m2")->empty());
}

TEST_P(StoreConformance, OrderOfAnUnknownProgramIsRefusedAndRollsBack) {
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->apply(order_write(order("o-1", "m1", 1))));
  EXPECT_FALSE(store_->apply(order_write(order("o-2", "m1", 1, "nowhere"))));
  ASSERT_TRUE(store_->rollback());
  EXPECT_FALSE(store_->find_order("default", "o-1")->has_value()) << "rolled back";
  EXPECT_FALSE(store_->find_order("nowhere", "o-2")->has_value());
}

// Every enum value of the tiers config survives put_program/programs(), and
// a configuration without tiers reads back as none.
TEST_P(StoreConformance, TiersRoundTripThroughPutProgram) {
  using T = rules::Tiers;
  EXPECT_FALSE((*store_->programs())[0].rules.tiers.enabled());
  const std::vector<T::Window> windows = {T::Window::kLifetime, T::Window::kCalendarYear,
                                          T::Window::kRollingMonths, T::Window::kSinceTierStart};
  for (std::size_t i = 0; i < windows.size(); ++i) {
    app::Program p = app::default_program();
    p.rules.tiers = rich_tiers();
    p.rules.tiers.window = windows[i];
    p.rules.tiers.basis = i % 2 ? T::Basis::kPaidSpend : T::Basis::kOrderCount;
    p.rules.tiers.count_on = i % 2 ? T::CountOn::kPaid : T::CountOn::kCompleted;
    p.rules.tiers.downgrade = i % 2 ? T::Downgrade::kOneStep : T::Downgrade::kToQualifying;
    p.rules.tiers.window_months = static_cast<int64_t>(i) + 1;
    p.rules.tiers.levels.resize(std::min<std::size_t>(i + 1, 3));
    ASSERT_TRUE(store_->begin());
    ASSERT_TRUE(store_->put_program(p));
    ASSERT_TRUE(store_->commit());
    auto programs = store_->programs();
    ASSERT_TRUE(programs) << programs.error().message;
    ASSERT_EQ(programs->size(), 1u);
    EXPECT_EQ((*programs)[0].rules.tiers, p.rules.tiers) << "window " << i;
    EXPECT_EQ((*programs)[0], p);
  }
  // Back to no tiers: no level of the old configuration is left.
  app::Program none = app::default_program();
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->put_program(none));
  ASSERT_TRUE(store_->commit());
  EXPECT_EQ((*store_->programs())[0].rules.tiers, rules::Tiers{});
}

TEST_P(StoreConformance, MemberTierStateRoundTripsAndIsReplacedByLaterUpserts) {
  auto gold = member("m1");
  gold.member->tier = {"gold", at(100), at(200), "silver", "o-7"};
  write(gold);
  write(member("m2"));  // never tiered: the base level, every optional unset
  auto found = store_->find_member("default", "m1");
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, *gold.member);
  EXPECT_EQ((**found).tier, gold.member->tier);
  auto base = store_->find_member("default", "m2");
  ASSERT_TRUE(base && base->has_value());
  EXPECT_EQ((**base).tier, rules::TierState{});
  auto page = store_->members_page("default", {});
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0], *gold.member) << "pages carry the tier too";
  EXPECT_EQ((*page)[1].tier, rules::TierState{});

  // A later upsert replaces the whole state: optionals unset, strings emptied.
  auto retained = member("m1");
  retained.member->tier = {"gold", std::nullopt, std::nullopt, "", ""};
  retained.member->updated_at = at(300);
  write(retained);
  EXPECT_EQ((**store_->find_member("default", "m1")).tier, retained.member->tier);
  auto again = member("m1");
  again.member->tier = {"silver", at(400), std::nullopt, "", "o-9"};
  write(again);
  EXPECT_EQ((**store_->find_member("default", "m1")).tier, again.member->tier);
  again.member->tier = {};
  write(again);
  EXPECT_EQ((**store_->find_member("default", "m1")).tier, rules::TierState{});
}

TEST_P(StoreConformance, MemberOrderSummariesAreColumnsOldestPlacedFirstPerProgramAndMember) {
  add_program("other");
  app::OrderRecord refunded = order("o3", "m1", 10);  // line L1 has one of two units refunded
  refunded.paid_at = at(11);
  refunded.fulfilled_at = at(12);
  refunded.completed_at = at(13);
  refunded.refunded_amount = 100;
  refunded.refund_ids = {"r-1"};
  app::OrderRecord cancelled = order("o1", "m1", 30);
  cancelled.cancelled_at = at(31);
  app::OrderRecord tie = order("o2", "m1", 10);
  tie.order.lines[0].refunded_quantity = 0;
  tie.order.lines[0].paid_with_value = 0;
  write(order_write(refunded));
  write(order_write(cancelled));
  write(order_write(tie));
  write(order_write(order("o0", "m2", 5)));
  write(order_write(order("g1", "", 6)));
  write(order_write(order("o5", "m1", 1, "other")));

  auto summary = [](const app::OrderRecord& o) {
    return app::OrderSummary{o.order.id,         o.order.placed_at,
                             o.paid_at,          o.fulfilled_at,
                             o.completed_at,     o.cancelled_at,
                             o.order.subtotal(), rules::paid_value(o.order, o.refunded_amount)};
  };
  auto rows = store_->member_order_summaries("default", "m1");
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(*rows,
            (std::vector<app::OrderSummary>{summary(tie), summary(refunded), summary(cancelled)}))
      << "oldest placed first, ties by id, every column";
  ASSERT_EQ(rows->size(), 3u);
  const auto& r = (*rows)[1];
  EXPECT_EQ(r.subtotal, refunded.order.subtotal());
  EXPECT_EQ(r.paid_value, rules::paid_value(refunded.order, 100));
  EXPECT_GT(r.paid_value, 0);
  EXPECT_LT(r.paid_value, (*rows)[0].paid_value)
      << "a refunded unit, value paid with credit and an amount refund count less";
  EXPECT_EQ((*rows)[0].paid_value, (*rows)[0].subtotal)
      << "nothing refunded or paid with value: the line nets, shipping left out";

  auto guest = store_->member_order_summaries("default", "");
  ASSERT_TRUE(guest);
  EXPECT_EQ(*guest, std::vector<app::OrderSummary>{summary(order("g1", "", 6))})
      << "guest orders are the member ''";
  EXPECT_EQ(*store_->member_order_summaries("default", "m2"),
            std::vector<app::OrderSummary>{summary(order("o0", "m2", 5))});
  EXPECT_EQ(*store_->member_order_summaries("other", "m1"),
            std::vector<app::OrderSummary>{summary(order("o5", "m1", 1, "other"))});
  EXPECT_TRUE(store_->member_order_summaries("default", "nobody")->empty());
  EXPECT_TRUE(store_->member_order_summaries("nowhere", "m1")->empty());

  // A later upsert (another refund) moves paid_value with the order.
  refunded.order.lines[0].refunded_quantity = 2;
  refunded.refunded_amount = 0;
  write(order_write(refunded));
  rows = store_->member_order_summaries("default", "m1");
  ASSERT_TRUE(rows && rows->size() == 3u);
  EXPECT_EQ((*rows)[1], summary(refunded));
  EXPECT_EQ((*rows)[1].paid_value, rules::paid_value(refunded.order, 0));
}

TEST_P(StoreConformance, MembersTierDueAtOrBeforeNowInIdOrder) {
  add_program("other");
  auto tiered = [&](const std::string& program, const std::string& id,
                    std::optional<Instant> until) {
    auto w = member(id);
    w.program_id = program;
    w.member->program_id = program;
    w.member->tier = {"gold", at(1), until, "", ""};
    write(w);
  };
  tiered("default", "z", at(50));        // long due
  tiered("default", "b", at(100));       // due exactly at now
  tiered("default", "c", at(101));       // one second later
  tiered("default", "a", std::nullopt);  // no period
  write(member("d"));                    // never tiered
  tiered("other", "e", at(10));          // another program's
  using V = std::vector<std::string>;
  auto due = store_->members_tier_due("default", at(100));
  ASSERT_TRUE(due) << due.error().message;
  EXPECT_EQ(*due, (V{"b", "z"})) << "until <= now, in id order";
  EXPECT_EQ(*store_->members_tier_due("default", at(49)), V{});
  EXPECT_EQ(*store_->members_tier_due("default", at(50)), V{"z"});
  EXPECT_EQ(*store_->members_tier_due("default", at(101)), (V{"b", "c", "z"}));
  EXPECT_EQ(*store_->members_tier_due("other", at(100)), V{"e"});
  EXPECT_TRUE(store_->members_tier_due("nowhere", at(1000))->empty());
  // The job moves a member's period on: it is no longer due.
  tiered("default", "z", at(500));
  EXPECT_EQ(*store_->members_tier_due("default", at(100)), V{"b"});
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace patron
