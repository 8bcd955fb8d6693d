// Orders end to end through the writer, on every store: earning on the
// trigger event, pending until the return window ends or the order
// completes, repeated and out-of-order events, refunds by line / amount /
// whole order, cancellation, guests, and verify after each scenario.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "app/queries.h"
#include "app/writer.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace patron {
namespace {

namespace json = boost::json;
using app::Command;

Instant at(const char* text) {
  return *parse_instant(text, nullptr, "t");
}

// 每滿 1000 送 50 into credit, 1% into points, silver 3%; member day the 8th x2.
app::Program rebate_program() {
  app::Program p = app::default_program();
  p.id = "default";
  rules::EarnRule rebate;
  rebate.id = "rebate";
  rebate.wallet = "credit";
  rebate.rate = {rules::Rate::Kind::kSteps, 0, 1000, 50};
  rebate.tier_rates = {{"silver", {rules::Rate::Kind::kPercent, 300, 0, 0}}};
  rules::EarnRule points;
  points.id = "points";
  points.wallet = "points";
  points.rate = {rules::Rate::Kind::kPercent, 100, 0, 0};
  points.member_days = false;
  p.rules.earn = {rebate, points};
  p.rules.member_days = {{"day8", 8, -1, 20000, {}}};
  return p;
}

rules::OrderLine line(std::string id, int64_t quantity, int64_t price) {
  rules::OrderLine l;
  l.line_id = std::move(id);
  l.sku = "SKU-" + l.line_id;
  l.category = "tops";
  l.quantity = quantity;
  l.unit_price = price;
  return l;
}

class OrdersTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    factory_ = GetParam().make(dir_);
    auto w = app::Writer::start(*factory_, clock_, {});
    ASSERT_TRUE(w) << w.error().message;
    writer_ = std::move(*w);
    reader_ = std::move(*factory_->open());
    Command c;
    c.body = app::ApplyProgram{rebate_program(), "# test", std::nullopt, false};
    ok(std::move(c));
  }

  json::object ok(Command c) {
    auto r = writer_->execute(std::move(c));
    EXPECT_TRUE(r) << (r ? "" : r.error().field + ": " + r.error().message);
    return r ? json::parse(r->json).as_object() : json::object{};
  }
  Error err(Command c) {
    auto r = writer_->execute(std::move(c));
    EXPECT_FALSE(r) << (r ? r->json : "");
    return r ? Error{} : r.error();
  }
  json::object upsert(rules::Order o) {
    Command c;
    c.body = app::UpsertOrder{std::move(o), {}};
    return ok(std::move(c));
  }
  rules::Order order(std::string id, std::vector<rules::OrderLine> lines,
                     const char* placed = "2026-03-03T12:00:00+08:00", std::string member = "m1") {
    rules::Order o;
    o.id = std::move(id);
    o.member_id = std::move(member);
    o.placed_at = at(placed);
    o.lines = std::move(lines);
    return o;
  }
  Command event(std::string order_id, std::string name, std::string refund_id = "",
                std::vector<app::LineQuantity> lines = {}, std::optional<int64_t> amount = {}) {
    Command c;
    c.body = app::OrderEvent{std::move(order_id),  std::move(name),  std::nullopt,
                             std::move(refund_id), std::move(lines), amount};
    return c;
  }
  json::object wallet(const std::string& name, const std::string& member = "m1") {
    auto v = app::member_view(*reader_, writer_->programs(), "default", member, clock_.now());
    EXPECT_TRUE(v) << (v ? "" : v.error().message);
    return v ? json::parse(*v).at("wallets").at(name).as_object() : json::object{};
  }
  int64_t available(const std::string& w = "credit") {
    return wallet(w).at("available").as_int64();
  }
  int64_t pending(const std::string& w = "credit") { return wallet(w).at("pending").as_int64(); }
  void expect_verified() {
    auto report = app::verify(*reader_, writer_->programs());
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->problems.empty()) << report->problems.front();
  }

  testing::TempDir dir_;
  app::FixedClock clock_{at("2026-03-03T12:00:00+08:00")};
  std::unique_ptr<app::StoreFactory> factory_;
  std::unique_ptr<app::Writer> writer_;
  std::unique_ptr<app::Store> reader_;
};

TEST_P(OrdersTest, PaidOrderEarnsPendingUntilTheReturnWindowEnds) {
  auto created = upsert(order("O1", {line("a", 2, 600)}));
  EXPECT_TRUE(created.at("created").as_bool());
  EXPECT_EQ(created.at("order").at("status").as_string(), "placed");
  EXPECT_EQ(pending(), 0);
  auto paid = ok(event("O1", "paid"));
  EXPECT_EQ(paid.at("wallets").at("credit").at("earned").as_int64(), 50);  // 1200 -> one step
  EXPECT_EQ(paid.at("wallets").at("points").at("earned").as_int64(), 12);
  EXPECT_EQ(paid.at("order").at("earned").at("rebate").as_int64(), 50);
  EXPECT_EQ(pending(), 50);
  EXPECT_EQ(available(), 0);
  // Fulfilled 2026-03-04 15:00 local: 7 days from the 5th, spendable at the 12th 00:00.
  clock_.set(at("2026-03-04T15:00:00+08:00"));
  auto fulfilled = ok(event("O1", "fulfilled"));
  EXPECT_EQ(fulfilled.at("wallets").at("credit").at("scheduled").as_int64(), 50);
  clock_.set(at("2026-03-11T23:59:59+08:00"));
  EXPECT_EQ(pending(), 50);
  clock_.set(at("2026-03-12T00:00:00+08:00"));
  EXPECT_EQ(available(), 50);
  EXPECT_EQ(available("points"), 12);
  expect_verified();
}

TEST_P(OrdersTest, CompletedReleasesAtOnceAndRepeatsChangeNothing) {
  upsert(order("O1", {line("a", 1, 1000)}));
  ok(event("O1", "paid"));
  auto again = ok(event("O1", "paid"));
  EXPECT_TRUE(again.contains("note"));
  EXPECT_EQ(pending(), 50);
  ok(event("O1", "completed"));
  EXPECT_EQ(available(), 50);
  EXPECT_EQ(pending(), 0);
  ok(event("O1", "completed"));
  ok(event("O1", "paid"));
  EXPECT_EQ(available(), 50);
  expect_verified();
}

TEST_P(OrdersTest, OutOfOrderCompletedBeforePaidEarnsOnceAvailable) {
  upsert(order("O1", {line("a", 1, 2000)}));
  auto done = ok(event("O1", "completed"));
  EXPECT_EQ(done.at("order").at("status").as_string(), "completed");
  EXPECT_EQ(available(), 100);
  ok(event("O1", "paid"));
  ok(event("O1", "fulfilled"));
  EXPECT_EQ(available(), 100);
  EXPECT_EQ(pending(), 0);
  expect_verified();
}

TEST_P(OrdersTest, MemberDayDoublesTheRebateByLocalDate) {
  // 2026-03-08 00:30 in Taipei is still the 7th in UTC.
  clock_.set(at("2026-03-08T00:30:00+08:00"));
  upsert(order("O1", {line("a", 1, 1000)}, "2026-03-08T00:30:00+08:00"));
  ok(event("O1", "completed"));
  EXPECT_EQ(available(), 100);
  EXPECT_EQ(available("points"), 10);  // the points rule opted out of member days
  expect_verified();
}

TEST_P(OrdersTest, PartialRefundClawsBackWhatThoseLinesEarned) {
  // 1500 + 500 = 2000 -> 100 credit: 75 from a, 25 from b.
  upsert(order("O1", {line("a", 3, 500), line("b", 1, 500)}));
  ok(event("O1", "completed"));
  EXPECT_EQ(available(), 100);
  auto r = ok(event("O1", "refunded", "R1", {{"b", 1}}));
  EXPECT_EQ(r.at("wallets").at("credit").at("clawed_back").as_int64(), 25);
  EXPECT_EQ(available(), 75);
  EXPECT_EQ(r.at("order").at("status").as_string(), "partially_refunded");
  // The same refund delivered again changes nothing.
  ok(event("O1", "refunded", "R1", {{"b", 1}}));
  EXPECT_EQ(available(), 75);
  // One unit of a of three: floor(75 / 3) = 25; then the last two: the rest.
  ok(event("O1", "returned", "R2", {{"a", 1}}));
  EXPECT_EQ(available(), 50);
  ok(event("O1", "returned", "R3", {{"a", 2}}));
  EXPECT_EQ(available(), 0);
  auto over = err(event("O1", "returned", "R4", {{"a", 1}}));
  EXPECT_EQ(over.field, "lines[0].quantity");
  expect_verified();
}

TEST_P(OrdersTest, RefundOfSpentEarningsLeavesDebtPaidByTheNextEarn) {
  upsert(order("O1", {line("a", 1, 2000)}));
  ok(event("O1", "completed"));
  Command spend;
  spend.member_id = "m1";
  spend.wallet = "credit";
  spend.body = ledger::Spend{100, "O2", {}};
  ok(std::move(spend));
  EXPECT_EQ(available(), 0);
  auto r = ok(event("O1", "refunded"));
  EXPECT_EQ(r.at("wallets").at("credit").at("debt_added").as_int64(), 100);
  EXPECT_EQ(available(), -100);
  upsert(order("O3", {line("a", 1, 4000)}));
  ok(event("O3", "completed"));
  EXPECT_EQ(available(), 100);  // 200 earned, 100 paid the debt
  expect_verified();
}

TEST_P(OrdersTest, AmountRefundIsProportional) {
  upsert(order("O1", {line("a", 1, 1000), line("b", 1, 1000)}));
  ok(event("O1", "completed"));
  EXPECT_EQ(available(), 100);
  // A quarter of 2000: a quarter of each line's 50, floored per line
  // (12 + 12): rounding favours the member.
  ok(event("O1", "refunded", "R1", {}, 500));
  EXPECT_EQ(available(), 76);
  auto too_much = err(event("O1", "refunded", "R2", {}, 1501));
  EXPECT_EQ(too_much.field, "amount");
  ok(event("O1", "refunded", "R2", {}, 1500));
  EXPECT_EQ(available(), 0);
  expect_verified();
}

TEST_P(OrdersTest, CancelBeforePaymentEarnsNothingAndLaterEventsAreIgnored) {
  upsert(order("O1", {line("a", 1, 5000)}));
  ok(event("O1", "cancelled"));
  auto paid = ok(event("O1", "paid"));
  EXPECT_NE(paid.at("note").as_string().find("cancelled"), json::string::npos);
  EXPECT_EQ(pending(), 0);
  EXPECT_EQ(available(), 0);
  EXPECT_EQ(paid.at("order").at("status").as_string(), "cancelled");
}

TEST_P(OrdersTest, CancelAfterEarningClawsBackPendingValue) {
  upsert(order("O1", {line("a", 1, 5000)}));
  ok(event("O1", "paid"));
  EXPECT_EQ(pending(), 250);
  ok(event("O1", "cancelled"));
  EXPECT_EQ(pending(), 0);
  EXPECT_EQ(available(), 0);
  expect_verified();
}

TEST_P(OrdersTest, RefundBeforeEarningIsExcludedFromTheEarn) {
  upsert(order("O1", {line("a", 2, 1000)}));
  ok(event("O1", "refunded", "R1", {{"a", 1}}));
  ok(event("O1", "completed"));
  EXPECT_EQ(available(), 50);  // one unit of 1000 left
  expect_verified();
}

TEST_P(OrdersTest, GuestOrdersAreKeptButEarnNothing) {
  upsert(order("G1", {line("a", 1, 5000)}, "2026-03-03T12:00:00+08:00", ""));
  auto done = ok(event("G1", "completed"));
  EXPECT_TRUE(done.at("wallets").as_object().empty());
  auto found = reader_->find_order("default", "G1");
  ASSERT_TRUE(found && *found);
  EXPECT_TRUE((*found)->earned.empty());
}

TEST_P(OrdersTest, UpsertRulesAndBadInputChangeNothing) {
  upsert(order("O1", {line("a", 1, 1000)}));
  // Before earning the lines may change.
  auto again = upsert(order("O1", {line("a", 1, 3000)}));
  EXPECT_FALSE(again.at("created").as_bool());
  ok(event("O1", "paid"));
  EXPECT_EQ(pending(), 150);
  {
    Command c;
    c.body = app::UpsertOrder{order("O1", {line("a", 1, 9000)}), {}};
    EXPECT_EQ(err(std::move(c)).code, ErrorCode::kConflict);
  }
  {
    Command c;
    c.body =
        app::UpsertOrder{order("O1", {line("a", 1, 3000)}, "2026-03-03T12:00:00+08:00", "m2"), {}};
    EXPECT_EQ(err(std::move(c)).field, "member_id");
  }
  auto bad = [&](rules::Order o, const char* field) {
    Command c;
    c.body = app::UpsertOrder{std::move(o), {}};
    EXPECT_EQ(err(std::move(c)).field, field);
  };
  bad(order("O2", {}), "lines");
  bad(order("O2", {line("a", 0, 100)}), "lines[0].quantity");
  bad(order("O2", {line("a", 1, -1)}), "lines[0].unit_price");
  bad(order("O2", {line("a", 1, 100), line("a", 1, 100)}), "lines[1].line_id");
  bad(order("O2", {line("a", 1'000'000, 100'000'000'000'000)}), "lines[0].quantity");
  {
    auto o = order("O2", {line("a", 1, 100)});
    o.lines[0].discount = 101;
    bad(o, "lines[0].discount");
  }
  EXPECT_EQ(err(event("O2", "paid")).code, ErrorCode::kNotFound);
  EXPECT_EQ(err(event("O1", "shipped")).field, "event");
  EXPECT_EQ(err(event("O1", "refunded", "", {{"a", 1}})).field, "refund_id");
  EXPECT_EQ(err(event("O1", "refunded", "R9", {{"zz", 1}})).field, "lines[0].line_id");
  EXPECT_EQ(err(event("O1", "paid", "R9")).field, "refund_id");
  auto missing = reader_->find_order("default", "O2");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  EXPECT_EQ(pending(), 150);
  expect_verified();
}

TEST_P(OrdersTest, IdempotencyKeyReplaysTheFirstResponse) {
  upsert(order("O1", {line("a", 1, 1000)}));
  Command c = event("O1", "paid");
  c.idempotency_key = "evt-1";
  auto first = writer_->execute(c);
  ASSERT_TRUE(first);
  auto second = writer_->execute(c);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->replayed);
  EXPECT_EQ(second->json, first->json);
  Command other = event("O1", "completed");
  other.idempotency_key = "evt-1";
  EXPECT_EQ(err(std::move(other)).code, ErrorCode::kConflict);
}

// Events sent with the upsert run on the same wallets one after the other:
// a later event sees what an earlier one earned (review finding, session 3).
TEST_P(OrdersTest, EventsWithTheUpsertSeeEachOther) {
  auto with_events = [&](std::string id, std::vector<std::string> names) {
    app::UpsertOrder u{order(std::move(id), {line("a", 1, 2000)}), {}};
    for (auto& n : names) {
      u.events.push_back(app::OrderEvent{"", n, std::nullopt, "", {}, std::nullopt});
    }
    Command c;
    c.body = std::move(u);
    return ok(std::move(c));
  };
  auto done = with_events("O1", {"paid", "completed"});
  EXPECT_EQ(done.at("wallets").at("credit").at("earned").as_int64(), 100);
  EXPECT_EQ(done.at("wallets").at("credit").at("released").as_int64(), 100);
  EXPECT_EQ(done.at("wallets").at("credit").at("balances").at("available").as_int64(), 100);
  EXPECT_EQ(available(), 100);
  auto refunded = with_events("O2", {"paid", "refunded"});
  EXPECT_EQ(refunded.at("wallets").at("credit").at("clawed_back").as_int64(), 100);
  EXPECT_EQ(available(), 100);
  EXPECT_EQ(pending(), 0);
  auto shipped = with_events("O3", {"paid", "fulfilled"});
  EXPECT_EQ(shipped.at("wallets").at("credit").at("scheduled").as_int64(), 100);
  clock_.set(at("2026-03-11T00:00:00+08:00"));  // fulfilled the 3rd: spendable from the 11th
  EXPECT_EQ(available(), 200);
  auto bad = [&] {
    app::UpsertOrder u{order("O4", {line("a", 1, 2000)}), {}};
    u.events.push_back(app::OrderEvent{"", "paid", std::nullopt, "", {}, std::nullopt});
    u.events.push_back(app::OrderEvent{"", "shipped", std::nullopt, "", {}, std::nullopt});
    Command c;
    c.body = std::move(u);
    return err(std::move(c));
  }();
  EXPECT_EQ(bad.field, "events[1].event");
  auto missing = reader_->find_order("default", "O4");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());
  expect_verified();
}

// Tiers through orders: an order that crosses 3,000 upgrades at once (after
// earning at the old rate), the next order earns at the silver rate, a
// refund of the upgrading order undoes it, and the tiers job downgrades at
// the anniversary when the member did not buy enough.
TEST_P(OrdersTest, OrdersMoveTiersAndTheJobJudgesAnniversaries) {
  app::Program p = rebate_program();
  p.rules.tiers.levels = {{"regular", "一般", 0, 0, "", 12},
                          {"silver", "銀卡", 3000, 2000, "", 12}};
  {
    Command c;
    c.body = app::ApplyProgram{p, "# tiers", std::nullopt, false};
    ok(std::move(c));
  }
  upsert(order("O1", {line("a", 1, 2000)}));
  ok(event("O1", "completed"));
  EXPECT_EQ(available(), 100);  // steps: 2000 -> 100
  upsert(order("O2", {line("a", 1, 1500)}));
  auto up = ok(event("O2", "completed"));
  ASSERT_TRUE(up.contains("tier")) << up;
  EXPECT_EQ(up.at("tier").at("to").as_string(), "silver");
  EXPECT_EQ(up.at("wallets").at("credit").at("earned").as_int64(),
            50);  // earned before the upgrade
  auto view =
      json::parse(*app::member_view(*reader_, writer_->programs(), "default", "m1", clock_.now()))
          .as_object();
  EXPECT_EQ(view.at("tier").at("id").as_string(), "silver");
  EXPECT_EQ(view.at("tier").at("name").as_string(), "銀卡");
  EXPECT_EQ(view.at("tier").at("value").as_int64(), 3500);
  EXPECT_EQ(view.at("tier").at("until").as_string(), "2027-03-02T16:00:00Z");  // 2027-03-03 local
  // Silver earns 3% instead of the steps rule: 3% of 1000 = 30.
  upsert(order("O3", {line("a", 1, 1000)}));
  EXPECT_EQ(ok(event("O3", "completed")).at("wallets").at("credit").at("earned").as_int64(), 30);
  // Refunding O2 in full takes the value to 3000 (O1 + O3): still silver.
  ok(event("O2", "refunded"));
  EXPECT_EQ(
      json::parse(*app::member_view(*reader_, writer_->programs(), "default", "m1", clock_.now()))
          .at("tier")
          .at("id")
          .as_string(),
      "silver");
  // The first anniversary (2027-03-03) keeps silver: the 3,000 bought on
  // 2026-03-03 is inside the 12 months before it. With nothing bought since,
  // the second (2028-03-03) moves the member down; the job judges both.
  clock_.set(at("2027-03-03T00:00:00+08:00"));
  auto kept = app::run_job(*writer_, *reader_, "tiers", clock_.now());
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->members, 1);
  EXPECT_EQ(kept->tier_changes, 0);
  clock_.set(at("2028-03-03T00:00:00+08:00"));
  auto report = app::run_job(*writer_, *reader_, "tiers", clock_.now());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->members, 1);
  EXPECT_EQ(report->tier_changes, 1);
  auto member = reader_->find_member("default", "m1");
  ASSERT_TRUE(member && *member);
  EXPECT_EQ((*member)->tier.tier, "");
  auto again = app::run_job(*writer_, *reader_, "tiers", clock_.now());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->members, 0);  // idempotent: nothing due any more
  expect_verified();
}

TEST_P(OrdersTest, ARefundOfTheUpgradingOrderUndoesTheUpgrade) {
  app::Program p = rebate_program();
  p.rules.tiers.levels = {{"regular", "一般", 0, 0, "", 12},
                          {"silver", "銀卡", 3000, 2000, "", 12}};
  Command c;
  c.body = app::ApplyProgram{p, "# tiers", std::nullopt, false};
  ok(std::move(c));
  upsert(order("O1", {line("a", 1, 1000), line("b", 1, 2500)}));
  auto up = ok(event("O1", "completed"));
  ASSERT_TRUE(up.contains("tier"));
  auto undo = ok(event("O1", "returned", "R1", {{"b", 1}}));
  ASSERT_TRUE(undo.contains("tier")) << undo;
  EXPECT_EQ(undo.at("tier").at("reason").as_string(), "refund_undo");
  EXPECT_EQ(undo.at("tier").at("to").as_string(), "regular");  // the first level by its id
  expect_verified();
}

// An upsert without placed_at places a new order now and keeps an existing
// order's time, so a re-sent request is the same request; shop times far in
// the future are refused (review findings, session 3).
TEST_P(OrdersTest, PlacedAtDefaultsAndFutureTimesAreRefused) {
  auto send = [&](int64_t price) {
    app::UpsertOrder u{order("O1", {line("a", 1, price)}), {}};
    u.placed_at_given = false;
    u.order.placed_at = Instant{};
    Command c;
    c.idempotency_key = "put-O1-" + std::to_string(price);
    c.body = std::move(u);
    return c;
  };
  auto first = writer_->execute(send(2000));
  ASSERT_TRUE(first) << first.error().message;
  clock_.advance(std::chrono::seconds(90));
  auto retry = writer_->execute(send(2000));
  ASSERT_TRUE(retry) << retry.error().message;
  EXPECT_TRUE(retry->replayed);
  ok(event("O1", "completed"));
  Command resend = send(2000);
  resend.idempotency_key = "";
  auto again = ok(std::move(resend));  // same lines, no time: accepted after earning
  EXPECT_EQ(again.at("order").at("placed_at").as_string(),
            json::parse(first->json).at("order").at("placed_at").as_string());
  EXPECT_EQ(available(), 100);

  Command future = event("O1", "refunded");
  std::get<app::OrderEvent>(future.body).at = clock_.now() + std::chrono::hours(48);
  EXPECT_EQ(err(std::move(future)).field, "at");
  rules::Order later = order("O2", {line("a", 1, 100)}, "2030-01-01T00:00:00+08:00");
  Command c;
  c.body = app::UpsertOrder{later, {}};
  EXPECT_EQ(err(std::move(c)).field, "placed_at");
  app::UpsertOrder with_event{order("O3", {line("a", 1, 100)}), {}};
  with_event.events.push_back(
      app::OrderEvent{"", "paid", clock_.now() + std::chrono::hours(2), "", {}, std::nullopt});
  Command c3;
  c3.body = std::move(with_event);
  EXPECT_EQ(err(std::move(c3)).field, "events[0].at");
  EXPECT_EQ(available(), 100);
}

INSTANTIATE_TEST_SUITE_P(Stores, OrdersTest, ::testing::ValuesIn(testing::kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace patron
