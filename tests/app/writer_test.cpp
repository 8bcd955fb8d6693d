// The app layer end to end on real stores: idempotency, validation that
// changes nothing, group commit, concurrent reservations, jobs, verify.
#include "app/writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <deque>
#include <thread>

#include "app/bulk.h"
#include "app/queries.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace patron {
namespace {

namespace json = boost::json;
using app::Command;

Instant t0() {
  return *parse_instant("2026-11-01T10:00:00+08:00", nullptr, "t");
}

using testing::Backend;
using testing::kBackends;

class AppTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    factory_ = GetParam().make(dir_);
    start({});
    reader_ = std::move(*factory_->open());
  }
  void start(app::WriterOptions options) {
    writer_.reset();
    auto w = app::Writer::start(*factory_, clock_, options);
    ASSERT_TRUE(w) << w.error().message;
    writer_ = std::move(*w);
  }

  Command cmd(std::string member, app::CommandBody body, std::string key = "") {
    Command c;
    c.member_id = std::move(member);
    c.wallet = "credit";
    c.idempotency_key = std::move(key);
    c.body = std::move(body);
    return c;
  }
  json::object ok(Command c) {
    auto r = writer_->execute(std::move(c));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? json::parse(r->json).as_object() : json::object{};
  }
  Error err(Command c) {
    auto r = writer_->execute(std::move(c));
    EXPECT_FALSE(r);
    return r ? Error{} : r.error();
  }
  static ledger::Grant grant(int64_t amount, std::string source = "signup") {
    ledger::Grant g;
    g.amount = amount;
    g.source = std::move(source);
    return g;
  }
  json::object wallet(const std::string& member, const std::string& name = "credit") {
    auto v = app::member_view(*reader_, writer_->programs(), "default", member, clock_.now());
    EXPECT_TRUE(v) << (v ? "" : v.error().message);
    return json::parse(*v).at("wallets").at(name).as_object();
  }
  int64_t transfer_count(const std::string& member) {
    return static_cast<int64_t>(reader_->transfers("default", member, "credit")->size());
  }
  void expect_verified() {
    auto report = app::verify(*reader_, writer_->programs());
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->problems.empty()) << report->problems.front();
  }

  testing::TempDir dir_;
  app::FixedClock clock_{t0()};
  std::unique_ptr<app::StoreFactory> factory_;
  std::unique_ptr<app::Writer> writer_;
  std::unique_ptr<app::Store> reader_;
};

TEST_P(AppTest, NewDatabaseHasTheDefaultProgram) {
  auto p = writer_->programs().find("default");
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)->program.currency, "TWD");
  EXPECT_EQ((*p)->program.minor_digits, 0);
  EXPECT_EQ((*p)->program.time_zone, "Asia/Taipei");
  ASSERT_EQ((*p)->program.wallets.size(), 2u);
  EXPECT_EQ((*p)->program.wallets[0].name, "credit");
  EXPECT_EQ((*p)->program.wallets[1].name, "points");
}

TEST_P(AppTest, IdempotentRepeatReturnsTheFirstResponse) {
  ok(cmd("m1", app::UpsertMember{}));
  auto first = writer_->execute(cmd("m1", grant(100), "k1"));
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->replayed);
  clock_.advance(std::chrono::seconds(60));
  auto again = writer_->execute(cmd("m1", grant(100), "k1"));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->json, first->json);
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 100);
  EXPECT_EQ(transfer_count("m1"), 1);

  Error conflict = err(cmd("m1", grant(101), "k1"));
  EXPECT_EQ(conflict.code, ErrorCode::kConflict);
  EXPECT_EQ(conflict.field, "idempotency_key");
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 100);
}

TEST_P(AppTest, AFailedCommandDoesNotBurnItsKey) {
  ok(cmd("m1", app::UpsertMember{}));
  ledger::Spend spend{50, "O1", {}};
  EXPECT_EQ(err(cmd("m1", spend, "pay-O1")).code, ErrorCode::kInsufficientFunds);
  ok(cmd("m1", grant(80)));
  auto paid = ok(cmd("m1", spend, "pay-O1"));
  EXPECT_EQ(paid.at("balances").at("available").as_int64(), 30);
}

TEST_P(AppTest, BadInputIsRejectedAndChangesNothing) {
  ok(cmd("m1", app::UpsertMember{}));
  ok(cmd("m1", grant(100)));
  int64_t before = transfer_count("m1");
  EXPECT_EQ(err(cmd("ghost", grant(10))).code, ErrorCode::kNotFound);
  Error unknown_wallet = err([&] {
    auto c = cmd("m1", grant(10));
    c.wallet = "miles";
    return c;
  }());
  EXPECT_EQ(unknown_wallet.code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown_wallet.field, "wallet");
  auto other_program = cmd("m1", grant(10));
  other_program.program_id = "nope";
  EXPECT_EQ(err(other_program).field, "program");
  EXPECT_EQ(err(cmd("m1", grant(0))).field, "amount");
  EXPECT_EQ(err(cmd("m1", grant(-5))).field, "amount");
  EXPECT_EQ(err(cmd("m1", grant(5, "Bad Source"))).field, "source");
  EXPECT_EQ(err(cmd("m1", ledger::Spend{101, "", {}})).code, ErrorCode::kInsufficientFunds);
  EXPECT_EQ(err(cmd("m1", app::Capture{42, std::nullopt})).code, ErrorCode::kNotFound);
  EXPECT_EQ(err(cmd("m1", ledger::Adjust{-5, "", std::nullopt})).field, "reason");
  EXPECT_EQ(err(cmd("", app::UpsertMember{})).field, "member_id");
  EXPECT_EQ(err(cmd(std::string(200, 'x'), app::UpsertMember{})).field, "member_id");
  EXPECT_EQ(transfer_count("m1"), before);
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 100);
  expect_verified();
}

TEST_P(AppTest, HoldLifecycleThroughTheApp) {
  ok(cmd("m1", app::UpsertMember{}));
  ok(cmd("m1", grant(100)));
  auto reserved = ok(cmd("m1", ledger::Reserve{60, "O1", 600, {}}));
  int64_t hold_id = reserved.at("hold_id").as_int64();
  EXPECT_EQ(wallet("m1").at("held").as_int64(), 60);
  EXPECT_EQ(err(cmd("m1", ledger::Spend{41, "", {}})).code, ErrorCode::kInsufficientFunds)
      << "held value is not spendable";
  auto captured = ok(cmd("", app::Capture{hold_id, 45}));
  EXPECT_EQ(captured.at("captured").as_int64(), 45);
  EXPECT_EQ(captured.at("released").as_int64(), 15);
  EXPECT_EQ(err(cmd("", app::Release{hold_id})).code, ErrorCode::kConflict);
  auto second = ok(cmd("m1", ledger::Reserve{10, "O2", 60, {}}));
  clock_.advance(std::chrono::seconds(61));
  auto report = app::run_job(*writer_, *reader_, "holds", clock_.now());
  ASSERT_TRUE(report);
  EXPECT_EQ(report->holds_expired, 1);
  EXPECT_EQ(wallet("m1").at("held").as_int64(), 0);
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 55);
  (void)second;
  auto restored = ok(cmd("m1", ledger::Restore{"O1", std::nullopt, {}}));
  EXPECT_EQ(restored.at("restored").as_int64(), 45);
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 100);
  expect_verified();
}

TEST_P(AppTest, JobsMatureAndExpireAtTheirTime) {
  ok(cmd("m1", app::UpsertMember{}));
  ledger::Grant pending = grant(50, "purchase");
  pending.available_at = t0() + std::chrono::days(7);
  ok(cmd("m1", pending));
  ok(cmd("m1", grant(100, "birthday")));  // 30 days by the default policy
  EXPECT_EQ(wallet("m1").at("pending").as_int64(), 50);
  auto early = app::run_job(*writer_, *reader_, "mature", t0() + std::chrono::days(6));
  EXPECT_EQ(early->matured, 0);
  auto matured = app::run_job(*writer_, *reader_, "mature", t0() + std::chrono::days(7));
  EXPECT_EQ(matured->matured, 50);
  EXPECT_EQ(matured->members, 1);
  auto again = app::run_job(*writer_, *reader_, "mature", t0() + std::chrono::days(7));
  EXPECT_EQ(again->members, 0) << "nothing left to do: jobs are idempotent";
  auto expired = app::run_job(*writer_, *reader_, "expire", t0() + std::chrono::days(40));
  EXPECT_EQ(expired->expired, 100);
  clock_.set(t0() + std::chrono::days(40));
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 50);
  expect_verified();
}

// Regression (second review, finding 4): the bulk expiry job must not expire a
// lot that matured in the meantime without letting it pay the member's debt.
TEST_P(AppTest, ExpiryJobLeavesMaturingLotsToTheMaturationJob) {
  ok(cmd("m1", app::UpsertMember{}));
  ledger::Grant earned = grant(50, "purchase");
  earned.order_id = "earn";
  earned.line_shares = {{"l1", 50, 0}};
  ok(cmd("m1", earned));
  ok(cmd("m1", ledger::Spend{50, "paid", {}}));
  ledger::Clawback refund;
  refund.order_id = "earn";
  ok(cmd("m1", refund));
  ledger::Grant later = grant(100, "purchase");
  later.available_at = t0() + std::chrono::days(7);
  later.expires_at = t0() + std::chrono::days(10);
  ok(cmd("m1", later));
  Instant t = t0() + std::chrono::days(11);
  auto expired = app::run_job(*writer_, *reader_, "expire", t);
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->expired, 0) << "the pending lot is the maturation job's";
  auto all = app::run_job(*writer_, *reader_, "mature", t);
  ASSERT_TRUE(all);
  clock_.set(t);
  EXPECT_EQ(wallet("m1").at("debt").as_int64(), 0) << "the matured lot paid the debt";
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 0);
  expect_verified();
}

TEST_P(AppTest, GroupCommitSharesTransactions) {
  // A bounded wait lets a batch fill even when the writer is faster than the
  // submitting thread, so the assertion below does not depend on timing.
  start({.batch_max = 1000, .wait_us = 2000});
  constexpr int kMembers = 50, kGrants = 20;
  for (int m = 0; m < kMembers; ++m) ok(cmd("m" + std::to_string(m), app::UpsertMember{}));
  auto before = writer_->stats();
  std::vector<std::future<Result<app::Response>>> futures;
  for (int i = 0; i < kGrants; ++i) {
    for (int m = 0; m < kMembers; ++m) {
      futures.push_back(writer_->submit(cmd("m" + std::to_string(m), grant(1 + i))));
    }
  }
  for (auto& f : futures) ASSERT_TRUE(f.get());
  auto after = writer_->stats();
  EXPECT_EQ(after.commands - before.commands, uint64_t{kMembers * kGrants});
  EXPECT_LT(after.batches - before.batches, after.commands - before.commands)
      << "queued commands must share commits";
  EXPECT_GT(after.largest_batch, 1u);
  for (int m = 0; m < kMembers; ++m) {
    EXPECT_EQ(wallet("m" + std::to_string(m)).at("available").as_int64(),
              kGrants * (kGrants + 1) / 2);
  }
  expect_verified();
}

TEST_P(AppTest, OneCommitPerCommandWhenBatchMaxIsOne) {
  start({.batch_max = 1, .wait_us = 0});
  ok(cmd("m1", app::UpsertMember{}));
  auto before = writer_->stats();
  std::vector<std::future<Result<app::Response>>> futures;
  for (int i = 0; i < 30; ++i) futures.push_back(writer_->submit(cmd("m1", grant(1))));
  for (auto& f : futures) ASSERT_TRUE(f.get());
  EXPECT_EQ(writer_->stats().batches - before.batches, 30u);
  EXPECT_EQ(writer_->stats().largest_batch, 1u);
}

TEST_P(AppTest, ConcurrentReservationsNeverOverdraw) {
  ok(cmd("m1", app::UpsertMember{}));
  ok(cmd("m1", grant(100)));
  std::atomic<int> succeeded{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r = writer_->execute(
            cmd("m1", ledger::Reserve{7, "O" + std::to_string(t * 100 + i), 600, {}}));
        if (r) {
          ++succeeded;
        } else {
          EXPECT_EQ(r.error().code, ErrorCode::kInsufficientFunds);
          ++refused;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(succeeded.load(), 14) << "100 / 7 = 14 holds fit";
  EXPECT_EQ(refused.load(), 80 - 14);
  EXPECT_EQ(wallet("m1").at("held").as_int64(), 98);
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 2);
  expect_verified();
}

TEST_P(AppTest, DuplicateDeliveriesNeverDoubleCredit) {
  ok(cmd("m1", app::UpsertMember{}));
  std::vector<std::thread> threads;
  std::atomic<int> replayed{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto r = writer_->execute(cmd("m1", grant(250, "purchase"), "order-9-earn"));
      ASSERT_TRUE(r);
      replayed += r->replayed ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(replayed.load(), 7);
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 250);
  EXPECT_EQ(transfer_count("m1"), 1);
}

// Bulk commands carry their own time (an import's simulated clock).
Command at_now(Command c) {
  c.now = t0();
  return c;
}

TEST_P(AppTest, ABulkFeedCommitsOnlyWhenKept) {
  ok(cmd("m1", app::UpsertMember{}));
  std::deque<Command> commands;
  for (int i = 0; i < 10; ++i) commands.push_back(at_now(cmd("m1", grant(1 + i))));
  {
    app::BulkFeed feed(*writer_, {});
    for (const auto& c : commands) feed.push(c);
    auto dropped = feed.finish(false);
    ASSERT_TRUE(dropped) << dropped.error().message;
    EXPECT_FALSE(dropped->committed);
    EXPECT_EQ(dropped->applied, 0u);
  }
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 0) << "rolled back: nothing stays";
  EXPECT_EQ(transfer_count("m1"), 0);

  app::BulkFeed feed(*writer_, {});
  for (const auto& c : commands) feed.push(c);
  auto kept = feed.finish(true);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_TRUE(kept->committed);
  EXPECT_EQ(kept->applied, 10u);
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 55);
  EXPECT_EQ(transfer_count("m1"), 10);
  ok(cmd("m1", grant(5)));  // the writer is free again
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 60);
  expect_verified();
}

TEST_P(AppTest, ABulkFeedListsFailuresByPosition) {
  ok(cmd("m1", app::UpsertMember{}));
  std::deque<Command> commands;
  commands.push_back(at_now(cmd("m1", grant(10))));
  commands.push_back(at_now(cmd("m1", ledger::Spend{50, "O1", {}})));  // more than there is
  for (int i = 0; i < 4; ++i) commands.push_back(at_now(cmd("m1", grant(1))));
  app::BulkOptions options;
  options.per_transaction = 6;
  app::BulkFeed feed(*writer_, options);
  // Pushed from another thread while the writer takes them, as an import does.
  std::thread producer([&] {
    for (const auto& c : commands) EXPECT_TRUE(feed.push(c));
  });
  producer.join();
  auto report = feed.finish(true);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->committed);
  EXPECT_EQ(report->applied, 5u);
  ASSERT_EQ(report->failures.size(), 1u);
  EXPECT_EQ(report->failures[0].index, 1u);
  EXPECT_EQ(report->failures[0].error.code, ErrorCode::kInsufficientFunds);
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 14);
  expect_verified();
}

// Past one chunk the feed gives up at once: the write lock is never held
// for more than a chunk, and the caller runs everything the usual way.
TEST_P(AppTest, ABulkFeedGivesUpPastOneChunk) {
  ok(cmd("m1", app::UpsertMember{}));
  std::deque<Command> commands;
  for (int i = 0; i < 6; ++i) commands.push_back(at_now(cmd("m1", grant(1))));
  app::BulkOptions options;
  options.per_transaction = 4;
  app::BulkFeed feed(*writer_, options);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(feed.push(commands[i]));
  EXPECT_FALSE(feed.push(commands[4]));
  EXPECT_FALSE(feed.push(commands[5]));
  ok(cmd("m1", grant(100)));  // the writer is free before finish
  auto report = feed.finish(true);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_FALSE(report->committed);
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 100) << "the chunk was rolled back";
  std::vector<const Command*> all;
  for (const auto& c : commands) all.push_back(&c);
  ASSERT_TRUE(app::run_bulk(*writer_, all, options));
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 106);
  expect_verified();
}

// A producer that stops pushing (a stalled read) does not keep the write
// lock: the feed gives up once it has waited feed_wait_max in all.
TEST_P(AppTest, ABulkFeedGivesUpWhenItWaitsTooLong) {
  ok(cmd("m1", app::UpsertMember{}));
  std::deque<Command> commands;
  for (int i = 0; i < 2; ++i) commands.push_back(at_now(cmd("m1", grant(1))));
  app::BulkOptions options;
  options.feed_wait_max = std::chrono::milliseconds(100);
  app::BulkFeed feed(*writer_, options);
  EXPECT_TRUE(feed.push(commands[0]));
  // Queued behind the feed's turn: runs once the feed has given up.
  auto other = writer_->submit(cmd("m1", grant(100)));
  ASSERT_EQ(other.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "the feed still holds the writer";
  ASSERT_TRUE(other.get());
  EXPECT_FALSE(feed.push(commands[1]));
  auto report = feed.finish(true);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_FALSE(report->committed);
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 100) << "the fed grant was rolled back";
}

// The destructor of a feed that was never finished rolls it back and frees
// the writer (an import whose file fails half way).
TEST_P(AppTest, ABulkFeedLeftUnfinishedRollsBack) {
  ok(cmd("m1", app::UpsertMember{}));
  Command c = at_now(cmd("m1", grant(7)));
  {
    app::BulkFeed feed(*writer_, {});
    feed.push(c);
  }
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 0);
  ok(cmd("m1", grant(3)));
  EXPECT_EQ(wallet("m1").at("available").as_int64(), 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, AppTest, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return info.param.name; });

// A store whose writes fail for one member: the batch holding that command
// is retried command by command, so only its own caller sees the failure.
class FailingStore final : public app::Store {
 public:
  explicit FailingStore(std::unique_ptr<app::Store> inner) : inner_(std::move(inner)) {}
  Result<std::vector<app::Program>> programs() override { return inner_->programs(); }
  Result<std::vector<app::ProgramVersion>> program_versions(const std::string& id) override {
    return inner_->program_versions(id);
  }
  Result<std::string> programs_fingerprint() override { return inner_->programs_fingerprint(); }
  Result<void> put_program(const app::Program& p) override { return inner_->put_program(p); }
  Result<std::optional<app::Member>> find_member(const std::string& p,
                                                 const std::string& m) override {
    return inner_->find_member(p, m);
  }
  Result<ledger::WalletState> load_wallet(const std::string& p, const std::string& m,
                                          const std::string& w, const app::LoadHint& h) override {
    member_reads += 1;
    return inner_->load_wallet(p, m, w, h);
  }
  // Reads of one member's rows: wallets, rule uses, orders for tiers.
  static inline std::atomic<int> member_reads{0};
  Result<ledger::WalletState> load_wallet_history(const std::string& p, const std::string& m,
                                                  const std::string& w) override {
    return inner_->load_wallet_history(p, m, w);
  }
  Result<std::vector<ledger::Transfer>> transfers(const std::string& p, const std::string& m,
                                                  const std::string& w) override {
    return inner_->transfers(p, m, w);
  }
  Result<std::vector<ledger::Transfer>> transfers_page(const std::string& p, const std::string& m,
                                                       const std::string& w, int64_t after,
                                                       std::size_t limit) override {
    return inner_->transfers_page(p, m, w, after, limit);
  }
  Result<std::optional<app::HoldRef>> find_hold(const std::string& p, int64_t id) override {
    return inner_->find_hold(p, id);
  }
  Result<std::vector<std::string>> members_due(const std::string& p, const std::string& w,
                                               const std::string& k, Instant n) override {
    return inner_->members_due(p, w, k, n);
  }
  Result<std::vector<DueLot>> due_lots(const std::string& p, const std::string& w, Instant n,
                                       std::size_t limit) override {
    return inner_->due_lots(p, w, n, limit);
  }
  Result<std::vector<std::string>> member_ids(const std::string& p) override {
    return inner_->member_ids(p);
  }
  Result<std::vector<app::Member>> members_page(const std::string& p,
                                                const app::PageRequest& r) override {
    return inner_->members_page(p, r);
  }
  Result<std::optional<app::OrderRecord>> find_order(const std::string& p,
                                                     const std::string& id) override {
    return inner_->find_order(p, id);
  }
  Result<std::vector<app::OrderRecord>> member_orders(const std::string& p,
                                                      const std::string& m) override {
    return inner_->member_orders(p, m);
  }
  Result<std::vector<app::OrderSummary>> member_order_summaries(const std::string& p,
                                                                const std::string& m) override {
    member_reads += 1;
    return inner_->member_order_summaries(p, m);
  }
  Result<std::vector<std::string>> members_tier_due(const std::string& p, Instant n) override {
    return inner_->members_tier_due(p, n);
  }
  Result<std::vector<app::OrderRecord>> orders_page(const std::string& p,
                                                    const app::PageRequest& r) override {
    return inner_->orders_page(p, r);
  }
  Result<app::UseTotals> member_rule_uses(const std::string& p, const std::string& m,
                                          const std::string& r, Instant since) override {
    member_reads += 1;
    return inner_->member_rule_uses(p, m, r, since);
  }
  Result<bool> rule_use_exists(const std::string& p, const std::string& m, const std::string& r,
                               const std::string& k) override {
    member_reads += 1;
    return inner_->rule_use_exists(p, m, r, k);
  }
  Result<app::UseTotals> rule_totals(const std::string& p, const std::string& r) override {
    return inner_->rule_totals(p, r);
  }
  Result<std::vector<app::Member>> members_born_in(const std::string& p,
                                                   const std::vector<unsigned>& months,
                                                   const std::string& r,
                                                   const std::string& k) override {
    return inner_->members_born_in(p, months, r, k);
  }
  Result<std::vector<app::Member>> members_without_use(const std::string& p, const std::string& r,
                                                       const std::string& k,
                                                       const app::PageRequest& page) override {
    return inner_->members_without_use(p, r, k, page);
  }
  Result<std::optional<app::RewardRedemption>> find_reward_redemption(const std::string& p,
                                                                      int64_t id) override {
    return inner_->find_reward_redemption(p, id);
  }
  Result<std::vector<app::RewardRedemption>> reward_redemptions_page(
      const std::string& p, const std::string& m, const app::PageRequest& page) override {
    return inner_->reward_redemptions_page(p, m, page);
  }
  Result<int64_t> count_reward_redemptions(const std::string& p, const std::string& item,
                                           const std::string& m, Instant since) override {
    return inner_->count_reward_redemptions(p, item, m, since);
  }
  Result<std::vector<LotBalance>> lot_balances(const std::string& p, Instant at) override {
    return inner_->lot_balances(p, at);
  }
  Result<std::vector<app::OutboxEvent>> events_after(const std::string& p, const std::string& m,
                                                     int64_t after, std::size_t limit) override {
    return inner_->events_after(p, m, after, limit);
  }
  Result<std::optional<app::OutboxEvent>> find_event(const std::string& p, int64_t id) override {
    return inner_->find_event(p, id);
  }
  Result<int64_t> last_event_id() override { return inner_->last_event_id(); }
  Result<std::optional<app::Product>> find_product(const std::string& p,
                                                   const std::string& sku) override {
    return inner_->find_product(p, sku);
  }
  Result<std::vector<app::Product>> pending_products(const std::string& p, Instant until,
                                                     std::size_t limit) override {
    return inner_->pending_products(p, until, limit);
  }
  Result<std::optional<app::Cart>> find_cart(const std::string& p, const std::string& id) override {
    return inner_->find_cart(p, id);
  }
  Result<std::vector<app::Cart>> idle_carts(const std::string& p, Instant from, Instant to,
                                            std::size_t limit) override {
    return inner_->idle_carts(p, from, to, limit);
  }
  Result<int64_t> count_marketing_messages(const std::string& p, const std::string& m, Instant from,
                                           Instant to) override {
    return inner_->count_marketing_messages(p, m, from, to);
  }
  Result<std::vector<std::string>> members_expiring(const std::string& p, const std::string& w,
                                                    Instant from, Instant to) override {
    return inner_->members_expiring(p, w, from, to);
  }
  Result<std::vector<app::WebhookEndpoint>> webhook_endpoints(const std::string& p) override {
    return inner_->webhook_endpoints(p);
  }
  Result<std::vector<app::WebhookDelivery>> due_deliveries(const std::string& p,
                                                           const std::string& e, Instant now,
                                                           std::size_t limit) override {
    return inner_->due_deliveries(p, e, now, limit);
  }
  Result<std::vector<app::WebhookDelivery>> deliveries_page(const std::string& p,
                                                            const std::string& e,
                                                            const std::string& state,
                                                            const app::PageRequest& page) override {
    return inner_->deliveries_page(p, e, state, page);
  }
  Result<std::optional<app::WebhookDelivery>> find_delivery(const std::string& p,
                                                            int64_t id) override {
    return inner_->find_delivery(p, id);
  }
  Result<std::optional<std::string>> member_by_referral_code(const std::string& p,
                                                             const std::string& c) override {
    return inner_->member_by_referral_code(p, c);
  }
  Result<std::optional<app::Referral>> find_referral(const std::string& p,
                                                     const std::string& r) override {
    return inner_->find_referral(p, r);
  }
  Result<std::vector<app::Referral>> referrals_page(const std::string& p, const std::string& s,
                                                    const app::PageRequest& r) override {
    return inner_->referrals_page(p, s, r);
  }
  Result<int64_t> referrals_qualified_since(const std::string& p, const std::string& r,
                                            Instant since) override {
    return inner_->referrals_qualified_since(p, r, since);
  }
  Result<std::optional<app::CouponBatch>> find_coupon_batch(const std::string& p,
                                                            const std::string& b) override {
    return inner_->find_coupon_batch(p, b);
  }
  Result<std::vector<app::CouponBatch>> coupon_batches_page(const std::string& p,
                                                            const app::PageRequest& r) override {
    return inner_->coupon_batches_page(p, r);
  }
  Result<std::optional<app::Coupon>> find_coupon(const std::string& p,
                                                 const std::string& c) override {
    return inner_->find_coupon(p, c);
  }
  Result<std::vector<app::Coupon>> coupons_page(const std::string& p, const std::string& b,
                                                const app::PageRequest& r) override {
    return inner_->coupons_page(p, b, r);
  }
  Result<app::CouponUses> coupon_uses(const std::string& p, const std::string& c,
                                      const std::string& b, const std::string& m,
                                      Instant now) override {
    return inner_->coupon_uses(p, c, b, m, now);
  }
  Result<std::vector<app::CouponRedemption>> order_coupon_redemptions(
      const std::string& p, const std::string& o) override {
    return inner_->order_coupon_redemptions(p, o);
  }
  Result<std::optional<app::ApiKey>> find_api_key(const std::string& h) override {
    return inner_->find_api_key(h);
  }
  Result<std::vector<app::ApiKey>> api_keys(const std::string& p) override {
    return inner_->api_keys(p);
  }
  Result<std::vector<app::AuditEntry>> audit_log(const std::string& p,
                                                 const app::PageRequest& r) override {
    return inner_->audit_log(p, r);
  }
  Result<std::vector<app::JobRun>> job_runs(const std::string& p,
                                            const app::PageRequest& r) override {
    return inner_->job_runs(p, r);
  }
  Result<std::optional<app::IdempotencyRecord>> find_idempotency(const std::string& p,
                                                                 const std::string& k) override {
    return inner_->find_idempotency(p, k);
  }
  Result<app::IdHighWater> id_high_water() override { return inner_->id_high_water(); }
  Result<void> scan_member_orders(const std::string& p, OrderVisitor& v) override {
    return inner_->scan_member_orders(p, v);
  }
  Result<MemberCounts> member_counts(const std::string& p, Instant from, Instant to) override {
    return inner_->member_counts(p, from, to);
  }
  Result<std::vector<TransferTotal>> transfer_totals(const std::string& p, Instant from,
                                                     Instant to) override {
    return inner_->transfer_totals(p, from, to);
  }
  Result<void> begin() override { return inner_->begin(); }
  Result<void> begin_read() override { return inner_->begin_read(); }
  Result<void> commit() override {
    if (fail_commits) return fail(ErrorCode::kStorage, "", "injected fsync error");
    return inner_->commit();
  }
  Result<void> rollback() override { return inner_->rollback(); }
  static inline std::atomic<bool> fail_commits{false};
  Result<void> apply(const app::CommandWrite& w) override {
    if (w.member_id == "cursed" && !w.wallet.empty()) {
      return fail(ErrorCode::kStorage, "", "injected disk error");
    }
    return inner_->apply(w);
  }

 private:
  std::unique_ptr<app::Store> inner_;
};

class FailingFactory final : public app::StoreFactory {
 public:
  Result<std::unique_ptr<app::Store>> open() override {
    auto s = inner_->open();
    if (!s) return std::unexpected(s.error());
    return std::unique_ptr<app::Store>(std::make_unique<FailingStore>(std::move(*s)));
  }

 private:
  std::unique_ptr<app::StoreFactory> inner_ = store::make_memory_store_factory();
};

TEST(WriterFaults, AStorageFailureOnlyFailsItsOwnCommand) {
  FailingFactory factory;
  app::FixedClock clock(t0());
  auto writer = std::move(*app::Writer::start(factory, clock));
  auto reader = std::move(*factory.open());
  for (const char* m : {"a", "cursed", "b"}) {
    Command c;
    c.member_id = m;
    c.body = app::UpsertMember{};
    ASSERT_TRUE(writer->execute(c));
  }
  std::vector<std::future<Result<app::Response>>> futures;
  for (int i = 0; i < 30; ++i) {
    for (const char* m : {"a", "cursed", "b"}) {
      Command c;
      c.member_id = m;
      c.wallet = "credit";
      ledger::Grant g;
      g.amount = 10;
      g.source = "signup";
      c.body = g;
      futures.push_back(writer->submit(c));
    }
  }
  int failed = 0;
  for (std::size_t i = 0; i < futures.size(); ++i) {
    auto r = futures[i].get();
    if (i % 3 == 1) {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, ErrorCode::kStorage);
      ++failed;
    } else {
      EXPECT_TRUE(r) << r.error().message;
    }
  }
  EXPECT_EQ(failed, 30);
  auto a = reader->load_wallet("default", "a", "credit", {});
  EXPECT_EQ(a->lots.size(), 30u);
  EXPECT_TRUE(reader->load_wallet("default", "cursed", "credit", {})->lots.empty());
  auto report = app::verify(*reader, writer->programs());
  EXPECT_TRUE(report->problems.empty());
}

// A storage failure inside a feed rolls everything back and is an error at
// finish; later pushes are refused.
TEST(WriterFaults, AStorageFailureInABulkFeedLeavesNothing) {
  FailingFactory factory;
  app::FixedClock clock(t0());
  auto writer = std::move(*app::Writer::start(factory, clock));
  auto reader = std::move(*factory.open());
  std::deque<Command> commands;
  for (const char* m : {"a", "cursed", "b"}) {
    Command c;
    c.member_id = m;
    c.body = app::UpsertMember{};
    ASSERT_TRUE(writer->execute(c));
    ledger::Grant g;
    g.amount = 10;
    g.source = "signup";
    c.wallet = "credit";
    c.body = g;
    c.now = t0();
    commands.push_back(c);
  }
  app::BulkFeed feed(*writer, {});
  for (const auto& c : commands) feed.push(c);
  // The writer fails on "cursed"; wait until the feed has given up.
  bool refused = false;
  for (int i = 0; i < 20'000 && !refused; ++i) {
    refused = !feed.push(commands[0]);
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(refused);
  auto report = feed.finish(true);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, ErrorCode::kStorage);
  EXPECT_TRUE(reader->load_wallet("default", "a", "credit", {})->lots.empty());
  EXPECT_TRUE(reader->load_wallet("default", "b", "credit", {})->lots.empty());
  Command c = commands[0];
  c.now.reset();
  EXPECT_TRUE(writer->execute(c)) << "the writer is free again";
}

// A member created by their first order has no rows yet (ledger rows, rule
// uses and orders all reference the member): the order earns within its daily
// cap and sets the tier without reading any; the second order reads them.
TEST(WriterLoads, AMembersFirstOrderReadsNoneOfTheirRowsTheSecondDoes) {
  FailingFactory factory;
  app::FixedClock clock(t0());
  auto writer = std::move(*app::Writer::start(factory, clock));
  auto reader = std::move(*factory.open());
  app::Program program = app::default_program();
  rules::EarnRule rebate;
  rebate.id = "rebate";
  rebate.wallet = "credit";
  rebate.rate = {rules::Rate::Kind::kPercent, 1000, 0, 0};  // 10%
  rebate.member_caps.per_day = 150;
  program.rules.earn = {rebate};
  program.rules.tiers.levels = {{"base", "Base", 0, 0, "", 12},
                                {"silver", "Silver", 500, 0, "", 12}};
  Command apply;
  apply.body = app::ApplyProgram{program, "# test", std::nullopt, false};
  ASSERT_TRUE(writer->execute(apply));
  auto order = [&](const std::string& id) {
    rules::Order o;
    o.id = id;
    o.member_id = "newcomer";
    o.placed_at = t0();
    rules::OrderLine l;
    l.line_id = "1";
    l.sku = "SKU-1";
    l.quantity = 1;
    l.unit_price = 1000;
    o.lines = {l};
    app::OrderEvent paid;
    paid.event = "paid";
    paid.at = t0();
    Command c;
    c.body = app::UpsertOrder{o, {paid}};
    return writer->execute(c);
  };
  FailingStore::member_reads = 0;
  auto first = order("o1");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(FailingStore::member_reads.load(), 0);
  auto second = order("o2");
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_GT(FailingStore::member_reads.load(), 2);
  auto state = reader->load_wallet("default", "newcomer", "credit", {});
  ASSERT_TRUE(state);
  ASSERT_EQ(state->lots.size(), 2u);
  EXPECT_EQ(state->lots[0].amount, 100);
  EXPECT_EQ(state->lots[1].amount, 50) << "the daily cap of 150";
  auto member = reader->find_member("default", "newcomer");
  ASSERT_TRUE(member && *member);
  EXPECT_EQ((**member).tier.tier, "silver");
  auto report = app::verify(*reader, writer->programs());
  EXPECT_TRUE(report->problems.empty());
}

// Two writers on one SQLite file (a CLI beside a running server): a program
// applied by one is used by the other from its next batch on.
TEST(WriterPrograms, AProgramAppliedElsewhereIsPickedUpAtTheNextBatch) {
  testing::TempDir dir;
  auto factory = store::open_sqlite(dir.file("programs.db"));
  ASSERT_TRUE(factory);
  app::FixedClock clock(from_unix_seconds(1'790'000'000));
  auto server = app::Writer::start(**factory, clock);
  auto cli = app::Writer::start(**factory, clock);
  ASSERT_TRUE(server && cli);
  app::Program next = (*(*server)->programs().find("default"))->program;
  next.wallets[0].hold_ttl_s = 120;
  Command apply;
  apply.body = app::ApplyProgram{next, "[program]", std::nullopt, false};
  auto applied = (*cli)->execute(apply);
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ((*(*cli)->programs().find("default"))->program.version, 2);
  EXPECT_EQ((*(*server)->programs().find("default"))->program.version, 1);  // not yet
  Command upsert;
  upsert.member_id = "m1";
  upsert.body = app::UpsertMember{};
  ASSERT_TRUE((*server)->execute(upsert));
  const auto* seen = *(*server)->programs().find("default");
  EXPECT_EQ(seen->program.version, 2);
  EXPECT_EQ(seen->wallets.at("credit").hold_ttl_s, 120);
  // A dry run and an identical apply store no version.
  apply.body = app::ApplyProgram{next, "[program]", std::nullopt, true};
  ASSERT_TRUE((*cli)->execute(apply));
  apply.body = app::ApplyProgram{next, "[program]", std::int64_t{2}, false};
  auto same = (*cli)->execute(apply);
  ASSERT_TRUE(same);
  EXPECT_FALSE(json::parse(same->json).at("applied").as_bool());
  apply.body = app::ApplyProgram{next, "[program]", std::int64_t{1}, false};
  auto stale = (*cli)->execute(apply);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().field, "If-Match");
  auto reader = (*factory)->open();
  EXPECT_EQ((*reader)->program_versions("default")->size(), 1u);
}

// Regression (review of session 2): a program applied in a batch whose commit
// failed must not be what the rest of the process sees.
TEST(WriterFaults, AProgramIsPublishedOnlyOnceCommitted) {
  FailingFactory factory;
  app::FixedClock clock(t0());
  auto writer = std::move(*app::Writer::start(factory, clock));
  app::Program next = (*writer->programs().find("default"))->program;
  next.wallets[0].hold_ttl_s = 120;
  Command apply;
  apply.body = app::ApplyProgram{next, "[program]", std::nullopt, false};
  FailingStore::fail_commits = true;
  auto failed = writer->execute(apply);
  FailingStore::fail_commits = false;
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kStorage);
  const auto* seen = *writer->programs().find("default");
  EXPECT_EQ(seen->program.version, 1);
  EXPECT_EQ(seen->wallets.at("credit").hold_ttl_s, 900);
  ASSERT_TRUE(writer->execute(apply));
  EXPECT_EQ((*writer->programs().find("default"))->program.version, 2);
  EXPECT_EQ((*writer->programs().find("default"))->wallets.at("credit").hold_ttl_s, 120);
}

// A keyed apply that changed nothing keeps its answer: retrying it after
// someone else's change must not put the older file back.
TEST(WriterPrograms, ANoOpApplyKeepsItsIdempotentAnswer) {
  auto factory = store::make_memory_store_factory();
  app::FixedClock clock(t0());
  auto writer = std::move(*app::Writer::start(*factory, clock));
  app::Program same = (*writer->programs().find("default"))->program;
  Command noop;
  noop.idempotency_key = "apply-1";
  noop.body = app::ApplyProgram{same, "same", std::nullopt, false};
  auto first = writer->execute(noop);
  ASSERT_TRUE(first);
  EXPECT_FALSE(json::parse(first->json).at("applied").as_bool());
  app::Program other = same;
  other.wallets[0].hold_ttl_s = 60;
  Command change;
  change.body = app::ApplyProgram{other, "other", std::nullopt, false};
  ASSERT_TRUE(writer->execute(change));
  auto retry = writer->execute(noop);
  ASSERT_TRUE(retry);
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ((*writer->programs().find("default"))->wallets.at("credit").hold_ttl_s, 60);
}

TEST(Programs, AProgramWhoseZoneCannotBeResolvedIsSetAsideAlone) {
  app::Program good = app::default_program();
  app::Program bad = app::default_program();
  bad.id = "mars";
  bad.time_zone = "Mars/Olympus_Mons";
  app::Programs programs = app::Programs::resolve({good, bad});
  EXPECT_TRUE(programs.find("default"));
  auto missing = programs.find("mars");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(missing.error().message.find("Mars/Olympus_Mons"), std::string::npos);
  EXPECT_EQ(programs.find("nope").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace patron
