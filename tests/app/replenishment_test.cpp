// Replenishment reminders through the writer and the job, on every store
// (app/replenishment.h): a replenishment.due event once per member, SKU and
// last order, however often the job runs; a new purchase starts a new cycle;
// the SKU's median for members who bought once; [replenishment] categories
// and skus; cancelled and unpaid orders are no purchases; the event's data.
#include "app/replenishment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>

#include "app/outbox.h"
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

struct Line {
  const char* sku;
  const char* category;
  int64_t quantity;
};

class ReplenishmentTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    factory_ = GetParam().make(dir_);
    auto w = app::Writer::start(*factory_, clock_, {});
    ASSERT_TRUE(w) << w.error().message;
    writer_ = std::move(*w);
    reader_ = std::move(*factory_->open());
    rules::Replenishment config;  // lead 3, late 7, min interval 7
    apply(config);
  }

  void apply(std::optional<rules::Replenishment> config) {
    app::Program p = app::default_program();
    p.id = "default";  // Asia/Taipei
    p.rules.replenishment = std::move(config);
    Command c;
    c.body = app::ApplyProgram{p, "# test", std::nullopt, false};
    ok(std::move(c));
  }
  json::object ok(Command c) {
    auto r = writer_->execute(std::move(c));
    EXPECT_TRUE(r) << (r ? "" : r.error().field + ": " + r.error().message);
    return r ? json::parse(r->json).as_object() : json::object{};
  }
  // An order placed at `placed` (Taipei time) and the events that followed.
  void order(const std::string& id, const std::string& member, const char* placed,
             std::vector<Line> lines, std::vector<std::string> happened = {"paid"}) {
    rules::Order o;
    o.id = id;
    o.member_id = member;
    o.placed_at = at(placed);
    for (const Line& l : lines) {
      rules::OrderLine line;
      line.line_id = std::to_string(o.lines.size() + 1);
      line.sku = l.sku;
      line.category = l.category;
      line.brand = "acme";
      line.quantity = l.quantity;
      line.unit_price = 300;
      o.lines.push_back(line);
    }
    std::vector<app::OrderEvent> events;
    for (const auto& name : happened) {
      events.push_back(app::OrderEvent{id, name, std::nullopt, "", {}, {}});
    }
    Command c;
    c.now = o.placed_at;
    c.body = app::UpsertOrder{std::move(o), std::move(events)};
    ok(std::move(c));
  }
  app::JobReport job(const char* now) {
    auto r = app::run_job(*writer_, *reader_, "replenishment", at(now));
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : app::JobReport{};
  }
  // The replenishment.due events so far, oldest first.
  std::vector<app::OutboxEvent> due() {
    auto r = reader_->events_after("default", "", 0, 500);
    EXPECT_TRUE(r);
    std::vector<app::OutboxEvent> out;
    for (const auto& e : r ? *r : std::vector<app::OutboxEvent>{}) {
      if (e.type == "replenishment.due") out.push_back(e);
    }
    return out;
  }
  static json::object data(const app::OutboxEvent& e) { return json::parse(e.data).as_object(); }

  testing::TempDir dir_;
  app::FixedClock clock_{at("2026-03-03T12:00:00+08:00")};
  std::unique_ptr<app::StoreFactory> factory_;
  std::unique_ptr<app::Writer> writer_;
  std::unique_ptr<app::Store> reader_;
};

// m1 buys tea every 30 days: reminded 3 days ahead, once, with what the
// shop's message needs; buying again starts a new cycle from that order.
TEST_P(ReplenishmentTest, RemindsOncePerCycleAndANewPurchaseStartsANewOne) {
  // 00:30 on 1 January in Taipei is 31 December in UTC: 30 local days to
  // the 31st, not 31.
  order("o1", "m1", "2026-01-01T00:30:00+08:00", {{"TEA", "tea", 1}});
  order("o2", "m1", "2026-01-31T23:30:00+08:00", {{"TEA", "tea", 2}, {"CUP", "kitchen", 1}});
  EXPECT_EQ(job("2026-02-26T09:00:00+08:00").reminders, 0);  // expected 2 March: 4 days left
  EXPECT_TRUE(due().empty());
  app::JobReport first = job("2026-02-27T09:00:00+08:00");
  EXPECT_EQ(first.reminders, 1);
  EXPECT_EQ(first.members, 1);
  EXPECT_EQ(first.failed, 0);
  app::JobReport again = job("2026-02-27T21:00:00+08:00");
  EXPECT_EQ(again.reminders, 0);
  EXPECT_EQ(again.members, 0) << "already sent: no command at all";
  job("2026-03-05T09:00:00+08:00");  // late, still in the window: sent already
  ASSERT_EQ(due().size(), 1u);
  app::OutboxEvent e = due()[0];
  EXPECT_EQ(e.member_id, "m1");
  json::object d = data(e);
  EXPECT_EQ(d.at("sku").as_string(), "TEA");
  EXPECT_EQ(d.at("category").as_string(), "tea");
  EXPECT_EQ(d.at("brand").as_string(), "acme");
  EXPECT_EQ(d.at("last_order_id").as_string(), "o2");
  EXPECT_EQ(d.at("last_purchased_on").as_string(), "2026-01-31");
  EXPECT_EQ(d.at("interval_days").as_int64(), 30);
  EXPECT_EQ(d.at("basis").as_string(), "member");
  EXPECT_EQ(d.at("expected_on").as_string(), "2026-03-02");
  EXPECT_EQ(d.at("days_left").as_int64(), 3);
  EXPECT_EQ(d.at("lead_days").as_int64(), 3);
  EXPECT_EQ(d.at("quantity").as_int64(), 2);
  EXPECT_EQ(d.size(), 11u);
  auto used = reader_->rule_use_exists("default", "m1", app::kReplenishmentUse, "TEA:o2");
  ASSERT_TRUE(used);
  EXPECT_TRUE(*used);

  // Bought again on 1 March: intervals 30 and 29, the lower middle 29, so
  // expected 30 March; reminded again for the new order.
  order("o3", "m1", "2026-03-01T12:00:00+08:00", {{"TEA", "tea", 1}});
  EXPECT_EQ(job("2026-03-26T09:00:00+08:00").reminders, 0);
  EXPECT_EQ(job("2026-03-27T09:00:00+08:00").reminders, 1);
  job("2026-03-28T09:00:00+08:00");
  ASSERT_EQ(due().size(), 2u);
  json::object next = data(due()[1]);
  EXPECT_EQ(next.at("last_order_id").as_string(), "o3");
  EXPECT_EQ(next.at("interval_days").as_int64(), 29);
  EXPECT_EQ(next.at("expected_on").as_string(), "2026-03-30");
  EXPECT_EQ(next.at("quantity").as_int64(), 1);
}

// The command checks the rule use itself: sent twice by hand (or by two
// overlapping job runs), it writes one event.
TEST_P(ReplenishmentTest, TheCommandSendsEachReminderOnce) {
  order("o1", "m1", "2026-01-01T10:00:00+08:00", {{"TEA", "tea", 1}});
  order("o2", "m1", "2026-01-31T10:00:00+08:00", {{"TEA", "tea", 1}});
  for (int i = 0; i < 2; ++i) {
    Command c;
    c.member_id = "m1";
    c.now = at("2026-03-01T09:00:00+08:00");
    c.body = app::SendReplenishment{};
    json::object out = ok(std::move(c));
    EXPECT_EQ(out.at("sent").as_array().size(), i == 0 ? 1u : 0u) << i;
  }
  EXPECT_EQ(due().size(), 1u);
}

// m2 bought tea once: judged on every member's tea intervals ("sku"). Only
// the categories and SKUs [replenishment] names are watched. Cancelled and
// unpaid orders (earn_on = "paid") are no purchases.
TEST_P(ReplenishmentTest, TheSkusMedianFiltersAndWhatCountsAsBought) {
  rules::Replenishment config;
  config.categories = {"tea"};
  config.skus = {"SOAP"};
  apply(config);
  // Tea intervals: m1 30, m3 40, m5 20 -> 20, 30, 40: median 30.
  order("a1", "m1", "2026-01-01T10:00:00+08:00", {{"TEA", "tea", 1}, {"MUG", "kitchen", 1}});
  order("a2", "m1", "2026-01-31T10:00:00+08:00", {{"TEA", "tea", 1}, {"MUG", "kitchen", 1}});
  order("c1", "m3", "2026-01-01T10:00:00+08:00", {{"TEA", "tea", 1}});
  order("c2", "m3", "2026-02-10T10:00:00+08:00", {{"TEA", "tea", 1}});
  order("e1", "m5", "2025-12-01T10:00:00+08:00", {{"TEA", "tea", 1}});
  order("e2", "m5", "2025-12-21T10:00:00+08:00", {{"TEA", "tea", 1}});
  order("b1", "m2", "2026-02-02T10:00:00+08:00", {{"TEA", "tea", 3}});
  // m4: the second tea order was cancelled, the third never paid: one purchase.
  order("d1", "m4", "2026-02-02T10:00:00+08:00", {{"TEA", "tea", 1}, {"SOAP", "bath", 1}});
  order("d2", "m4", "2026-02-12T10:00:00+08:00", {{"TEA", "tea", 1}}, {"paid", "cancelled"});
  order("d3", "m4", "2026-02-22T10:00:00+08:00", {{"TEA", "tea", 1}}, {});
  order("d4", "m4", "2026-02-16T10:00:00+08:00", {{"SOAP", "bath", 1}});
  // Guests count for nobody (and are no member's purchase).
  order("g1", "", "2026-02-01T10:00:00+08:00", {{"TEA", "tea", 1}});
  order("g2", "", "2026-02-02T10:00:00+08:00", {{"TEA", "tea", 1}});

  // 4 March: m2 and m4 expected on 4 March (2 Feb + 30), m1 on 2 March (31
  // Jan + 30), m4's soap on 2 March (16 Feb + 14); m3 on 22 March (10 Feb +
  // 40) is 18 days off, m5 (21 Dec + 20) long past.
  app::JobReport report = job("2026-03-04T09:00:00+08:00");
  EXPECT_EQ(report.failed, 0);
  std::map<std::string, json::object> sent;  // "member/sku"
  for (const auto& e : due()) {
    json::object d = data(e);
    sent[e.member_id + "/" + std::string(d.at("sku").as_string())] = d;
  }
  std::vector<std::string> keys;
  for (const auto& [key, d] : sent) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"m1/TEA", "m2/TEA", "m4/SOAP", "m4/TEA"}))
      << "no MUG (neither listed), nothing for m3 yet, nothing for guests";
  EXPECT_EQ(report.reminders, 4);
  EXPECT_EQ(report.members, 3);
  EXPECT_EQ(sent["m2/TEA"].at("basis").as_string(), "sku");
  EXPECT_EQ(sent["m2/TEA"].at("interval_days").as_int64(), 30);
  EXPECT_EQ(sent["m2/TEA"].at("expected_on").as_string(), "2026-03-04");
  EXPECT_EQ(sent["m2/TEA"].at("days_left").as_int64(), 0);
  EXPECT_EQ(sent["m2/TEA"].at("quantity").as_int64(), 3);
  EXPECT_EQ(sent["m4/TEA"].at("basis").as_string(), "sku");
  EXPECT_EQ(sent["m4/TEA"].at("last_order_id").as_string(), "d1");
  EXPECT_EQ(sent["m4/SOAP"].at("basis").as_string(), "member");
  EXPECT_EQ(sent["m4/SOAP"].at("interval_days").as_int64(), 14);
  EXPECT_EQ(sent["m4/SOAP"].at("category").as_string(), "bath");
  EXPECT_EQ(sent["m1/TEA"].at("days_left").as_int64(), -2);
}

TEST_P(ReplenishmentTest, WithoutTheSectionTheJobDoesNothing) {
  apply(std::nullopt);
  order("o1", "m1", "2026-01-01T10:00:00+08:00", {{"TEA", "tea", 1}});
  order("o2", "m1", "2026-01-31T10:00:00+08:00", {{"TEA", "tea", 1}});
  app::JobReport report = job("2026-03-02T09:00:00+08:00");
  EXPECT_EQ(report.members, 0);
  EXPECT_EQ(report.reminders, 0);
  EXPECT_TRUE(due().empty());
  Command c;  // the command alone sends nothing either
  c.member_id = "m1";
  c.now = at("2026-03-02T09:00:00+08:00");
  c.body = app::SendReplenishment{};
  EXPECT_TRUE(ok(std::move(c)).at("sent").as_array().empty());
}

TEST(ReplenishmentJob, IsAJobOfAllAndAnEventTypeWebhooksAccept) {
  auto all = app::jobs_named("all");
  ASSERT_TRUE(all);
  EXPECT_NE(std::find(all->begin(), all->end(), "replenishment"), all->end());
  EXPECT_EQ(*app::jobs_named("replenishment"), std::vector<std::string>{"replenishment"});
  EXPECT_TRUE(app::check_event_filters(std::vector<std::string>{"replenishment.due"}, "events"));
  EXPECT_TRUE(app::check_event_filters(std::vector<std::string>{"replenishment.*"}, "events"));
  EXPECT_TRUE(app::event_matches(std::vector<std::string>{"replenishment.*"}, "replenishment.due"));
}

INSTANTIATE_TEST_SUITE_P(Backends, ReplenishmentTest, ::testing::ValuesIn(testing::kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace patron
