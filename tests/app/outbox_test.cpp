// The outbox and the delivery state machine through the writer, on every
// store: events exist exactly when their change does (a repeated order event,
// an idempotent replay or a job that reruns adds none; a failed command
// writes none), what credit.earned reports sums to what the ledger granted,
// fan-out follows filters and cursors, and the retry schedule (backoff with
// jitter, dead after the last attempt).
#include "app/outbox.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

#include "app/analytics.h"
#include "app/queries.h"
#include "app/webhooks.h"
#include "app/writer.h"
#include "support/backends.h"
#include "support/temp_dir.h"

namespace patron {
namespace {

namespace json = boost::json;
using app::Command;
using namespace std::chrono_literals;

Instant at(const char* text) {
  return *parse_instant(text, nullptr, "t");
}

TEST(DeliveryPolicy, BackoffDoublesWithJitterUpToTheCap) {
  app::DeliveryPolicy p;
  p.backoff_base = 30s;
  p.backoff_max = 1h;
  EXPECT_EQ(app::backoff(p, 1, 0.5), 30s);  // jitter 0.5: factor 1
  EXPECT_EQ(app::backoff(p, 2, 0.5), 60s);
  EXPECT_EQ(app::backoff(p, 3, 0.5), 120s);
  EXPECT_EQ(app::backoff(p, 20, 0.5), 1h);  // capped
  EXPECT_EQ(app::backoff(p, 1, 0.0), 24s);  // x0.8
  EXPECT_GE(app::backoff(p, 1, 0.999), 35s);
  EXPECT_LT(app::backoff(p, 1, 0.999), 36s);  // below x1.2
  EXPECT_EQ(app::backoff(p, 200, 0.5), 1h);   // no overflow
}

TEST(DeliveryPolicy, AnAttemptDeliversRetriesOrKills) {
  app::DeliveryPolicy p;
  p.max_attempts = 3;
  p.backoff_base = 10s;
  app::WebhookDelivery d;
  d.id = 7;
  d.next_attempt_at = at("2026-12-01T00:00:00Z");
  const Instant now = at("2026-12-01T00:00:05Z");
  auto failed = app::after_attempt(d, {false, 503, "http 503", 1200}, now, p, 0.5);
  EXPECT_EQ(failed.state, "pending");
  EXPECT_EQ(failed.attempts, 1);
  EXPECT_EQ(failed.next_attempt_at, now + 10s);
  EXPECT_EQ(failed.last_attempt_at, now);
  EXPECT_EQ(failed.last_status, 503);
  EXPECT_EQ(failed.last_error, "http 503");
  auto again = app::after_attempt(failed, {false, 0, "timeout", 0}, now + 10s, p, 0.5);
  EXPECT_EQ(again.state, "pending");
  EXPECT_EQ(again.next_attempt_at, now + 10s + 20s);
  auto dead = app::after_attempt(again, {false, 500, "http 500", 0}, now + 30s, p, 0.5);
  EXPECT_EQ(dead.state, "dead");
  EXPECT_EQ(dead.attempts, 3);
  auto ok = app::after_attempt(d, {true, 204, "", 900}, now, p, 0.5);
  EXPECT_EQ(ok.state, "delivered");
  EXPECT_EQ(ok.last_status, 204);
  EXPECT_EQ(ok.last_duration_us, 900);
  // A sub-second wait still waits: instants are whole seconds.
  p.backoff_base = 100ms;
  EXPECT_EQ(app::after_attempt(d, {false, 0, "x", 0}, now, p, 0.5).next_attempt_at, now + 1s);
}

TEST(EventFilters, MatchAndValidate) {
  const std::vector<std::string> filters = {"credit.*", "tier.upgraded"};
  EXPECT_TRUE(app::event_matches(filters, "credit.earned"));
  EXPECT_TRUE(app::event_matches(filters, "tier.upgraded"));
  EXPECT_FALSE(app::event_matches(filters, "tier.downgraded"));
  EXPECT_FALSE(app::event_matches(filters, "creditx.earned"));
  EXPECT_TRUE(app::event_matches(std::vector<std::string>{"*"}, "coupon.issued"));
  EXPECT_TRUE(app::check_event_filters(filters, "events"));
  EXPECT_TRUE(app::check_event_filters(std::vector<std::string>{"reward.*", "*"}, "events"));
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {}, {"nope"}, {"credit"}, {"credit."}, {"nope.*"}, {".*"}, {"**"}}) {
    auto r = app::check_event_filters(bad, "events");
    ASSERT_FALSE(r) << (bad.empty() ? "(none)" : bad.front());
    EXPECT_EQ(r.error().field, "events");
  }
  EXPECT_EQ(app::parse_event_id("evt_12"), 12);
  EXPECT_FALSE(app::parse_event_id("evt_"));
  EXPECT_FALSE(app::parse_event_id("evt_0"));
  EXPECT_FALSE(app::parse_event_id("evt_1x"));
  EXPECT_FALSE(app::parse_event_id("12"));
  EXPECT_EQ(app::event_wire_id(12), "evt_12");
}

class OutboxTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    factory_ = GetParam().make(dir_);
    auto w = app::Writer::start(*factory_, clock_, {});
    ASSERT_TRUE(w) << w.error().message;
    writer_ = std::move(*w);
    reader_ = std::move(*factory_->open());
    app::Program p = app::default_program();
    p.id = "default";
    rules::EarnRule rebate;
    rebate.id = "rebate";
    rebate.wallet = "credit";
    rebate.rate = {rules::Rate::Kind::kSteps, 0, 1000, 50};
    p.rules.earn = {rebate};
    Command c;
    c.body = app::ApplyProgram{p, "# test", std::nullopt, false};
    ok(std::move(c));
  }

  json::object ok(Command c) {
    auto r = writer_->execute(std::move(c));
    EXPECT_TRUE(r) << (r ? "" : r.error().field + ": " + r.error().message);
    return r ? json::parse(r->json).as_object() : json::object{};
  }
  std::vector<app::OutboxEvent> events(const std::string& member = "") {
    auto r = reader_->events_after("default", member, 0, 500);
    EXPECT_TRUE(r);
    return r ? *r : std::vector<app::OutboxEvent>{};
  }
  std::size_t count(const std::string& type) {
    std::size_t n = 0;
    for (const auto& e : events()) n += e.type == type;
    return n;
  }
  void order(const std::string& id, int64_t price, std::vector<std::string> happened,
             std::string key = "") {
    rules::Order o;
    o.id = id;
    o.member_id = "m1";
    o.placed_at = clock_.now();
    rules::OrderLine l;
    l.line_id = "1";
    l.sku = "SKU";
    l.quantity = 1;
    l.unit_price = price;
    o.lines = {l};
    Command c;
    c.idempotency_key = std::move(key);
    std::vector<app::OrderEvent> evs;
    for (auto& name : happened) evs.push_back(app::OrderEvent{id, name, std::nullopt, "", {}, {}});
    c.body = app::UpsertOrder{std::move(o), std::move(evs)};
    ok(std::move(c));
  }
  void job(const std::string& name, Instant now) {
    auto r = app::run_job(*writer_, *reader_, name, now);
    ASSERT_TRUE(r) << r.error().message;
  }

  testing::TempDir dir_;
  app::FixedClock clock_{at("2026-03-03T12:00:00+08:00")};
  std::unique_ptr<app::StoreFactory> factory_;
  std::unique_ptr<app::Writer> writer_;
  std::unique_ptr<app::Store> reader_;
};

TEST_P(OutboxTest, EventsExistExactlyWhenTheirChangeDoes) {
  order("o1", 2500, {"paid"}, "key-1");
  ASSERT_EQ(count("credit.earned"), 1u);
  auto earned = events().back();
  EXPECT_EQ(earned.member_id, "m1");
  json::value data = json::parse(earned.data);
  EXPECT_EQ(data.at("amount").as_int64(), 100);  // 2 x 50
  EXPECT_EQ(data.at("order_id").as_string(), "o1");
  EXPECT_EQ(data.at("state").as_string(), "pending");
  EXPECT_EQ(data.at("source").as_string(), "purchase");

  // The same request again (a retried webhook from the shop) and the same
  // event again: no second earning, no second event.
  order("o1", 2500, {"paid"}, "key-1");
  Command again;
  again.body = app::OrderEvent{"o1", "paid", std::nullopt, "", {}, {}};
  ok(std::move(again));
  EXPECT_EQ(count("credit.earned"), 1u);

  // A command that fails writes nothing, events included.
  Command spend;
  spend.member_id = "m1";
  spend.wallet = "credit";
  spend.body = ledger::Spend{5000, "o9", {}};
  EXPECT_FALSE(writer_->execute(std::move(spend)));
  EXPECT_EQ(events().size(), 1u);

  // The return window passes: matured once, however often the job runs.
  order("o1", 2500, {"paid", "fulfilled"});
  job("mature", at("2026-04-01T00:00:00+08:00"));
  job("mature", at("2026-04-02T00:00:00+08:00"));
  ASSERT_EQ(count("credit.matured"), 1u);
  json::value matured = json::parse(events().back().data);
  EXPECT_EQ(matured.at("amount").as_int64(), 100);
  EXPECT_EQ(matured.at("wallet").as_string(), "credit");

  // Expiry once too (rebates never expire here; a goodwill credit does).
  Command adjust;
  adjust.member_id = "m1";
  adjust.wallet = "credit";
  adjust.body = ledger::Adjust{30, "goodwill", at("2026-05-01T00:00:00+08:00")};
  ok(std::move(adjust));
  job("expire", at("2026-06-01T00:00:00+08:00"));
  job("expire", at("2026-07-01T00:00:00+08:00"));
  ASSERT_EQ(count("credit.expired"), 1u) << events().back().type;
  EXPECT_EQ(json::parse(events().back().data).at("amount").as_int64(), 30);
}

TEST_P(OutboxTest, EarnedEventsSumToWhatTheLedgerGranted) {
  order("o1", 1000, {"paid", "completed"});
  order("o2", 3400, {"paid"});
  order("o3", 999, {"paid"});  // earns nothing: no event
  Command adjust;
  adjust.member_id = "m1";
  adjust.wallet = "credit";
  adjust.body = ledger::Adjust{70, "goodwill", std::nullopt};
  ok(std::move(adjust));
  int64_t reported = 0;
  for (const auto& e : events()) {
    if (e.type == "credit.earned") reported += json::parse(e.data).at("amount").as_int64();
  }
  auto transfers = reader_->transfers("default", "m1", "credit");
  ASSERT_TRUE(transfers);
  int64_t granted = 0;
  for (const auto& t : *transfers) {
    if (t.kind == "grant") granted += t.amount;
  }
  EXPECT_EQ(granted, 50 + 150 + 70);
  EXPECT_EQ(reported, granted);
}

TEST_P(OutboxTest, FanOutFollowsFiltersAndCursorsAndDueWorkCarriesTheBody) {
  order("o1", 1000, {"paid"});  // before the endpoint: not delivered to it
  app::WebhookEndpoint e;
  e.id = "whk_0123456789abcdef";
  e.url = "http://127.0.0.1:9/hook";
  e.secret = "whsec_0123456789abcdef";
  e.events = {"credit.matured"};
  e.max_in_flight = 2;
  Command create;
  create.body = app::CreateWebhook{e};
  ok(std::move(create));
  order("o2", 2000, {"paid", "completed"});  // earned (filtered out) and matured at once
  order("o1", 1000, {"paid", "completed"});  // matured

  const Instant now = clock_.now();
  std::vector<app::DueDelivery> due;
  int64_t made = 0;
  auto round = writer_->submit_exclusive([&](app::Writer::Session& s) -> Result<std::string> {
    if (auto r = s.begin(); !r) return std::unexpected(r.error());
    auto f = app::fan_out(s.store(), "default", now, 100);
    if (!f) return std::unexpected(f.error());
    made = f->deliveries;
    auto again = app::fan_out(s.store(), "default", now, 100);  // the cursor moved
    if (!again) return std::unexpected(again.error());
    made += again->deliveries * 100;
    auto work = app::due_work(s.store(), "default", now, {});
    if (!work) return std::unexpected(work.error());
    due = std::move(*work);
    if (auto r = s.commit(); !r) return std::unexpected(r.error());
    return std::string();
  });
  ASSERT_TRUE(round.get());
  EXPECT_EQ(made, 2);
  ASSERT_EQ(due.size(), 2u);
  for (const auto& d : due) {
    EXPECT_EQ(d.delivery.event_type, "credit.matured");
    EXPECT_EQ(d.url, e.url);
    EXPECT_EQ(d.secret, e.secret);
    EXPECT_EQ(d.max_in_flight, 2);
    json::value body = json::parse(d.body);
    EXPECT_EQ(body.at("id").as_string(), app::event_wire_id(d.delivery.event_id));
    EXPECT_EQ(body.at("type").as_string(), "credit.matured");
    EXPECT_EQ(body.at("member_id").as_string(), "m1");
  }
  // Recorded outcomes: one delivered, one to retry later; nothing due now.
  app::CommandWrite w;
  w.program_id = "default";
  w.deliveries = {app::after_attempt(due[0].delivery, {true, 200, "", 5}, now, {}, 0.5),
                  app::after_attempt(due[1].delivery, {false, 0, "timeout", 5}, now, {}, 0.5)};
  auto record = writer_->submit_exclusive([&](app::Writer::Session& s) -> Result<std::string> {
    if (auto r = s.begin(); !r) return std::unexpected(r.error());
    if (auto r = s.store().apply(w); !r) return std::unexpected(r.error());
    if (auto r = s.commit(); !r) return std::unexpected(r.error());
    return std::string();
  });
  ASSERT_TRUE(record.get());
  auto now_due = reader_->due_deliveries("default", e.id, now, 50);
  ASSERT_TRUE(now_due);
  EXPECT_TRUE(now_due->empty());
  auto later = reader_->due_deliveries("default", e.id, now + 1h, 50);
  ASSERT_TRUE(later);
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ(later->front().attempts, 1);
  EXPECT_EQ(later->front().last_error, "timeout");

  // Replaying a pending delivery is a conflict; an unknown one is not found.
  Command pending;
  pending.body = app::ReplayDeliveries{e.id, later->front().id};
  auto conflict = writer_->execute(std::move(pending));
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  Command unknown;
  unknown.body = app::ReplayDeliveries{e.id, 999999};
  auto missing = writer_->execute(std::move(unknown));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_P(OutboxTest, ExpiryRemindersGoOncePerLead) {
  app::Program p = writer_->programs().find("default").value()->program;
  p.rules.reminders.expiry_days = {1, 7};
  Command apply;
  apply.body = app::ApplyProgram{p, "# reminders", std::nullopt, false};
  ok(std::move(apply));
  Command member;
  member.member_id = "m1";
  member.body = app::UpsertMember{};
  ok(std::move(member));
  // 100 + 50 usable through 11 March (local), 30 through April.
  for (auto [amount, expires] :
       {std::pair{100, "2026-03-12T00:00:00+08:00"}, std::pair{50, "2026-03-12T00:00:00+08:00"},
        std::pair{30, "2026-05-01T00:00:00+08:00"}}) {
    Command adjust;
    adjust.member_id = "m1";
    adjust.wallet = "credit";
    adjust.body = ledger::Adjust{amount, "goodwill", at(expires)};
    ok(std::move(adjust));
  }
  auto expiring = [&] {
    std::vector<json::value> out;
    for (const auto& e : events()) {
      if (e.type == "credit.expiring") out.push_back(json::parse(e.data));
    }
    return out;
  };
  job("reminders", at("2026-03-03T09:00:00+08:00"));  // 8 days left: not yet
  EXPECT_TRUE(expiring().empty());
  job("reminders", at("2026-03-04T09:00:00+08:00"));  // 7 days left
  job("reminders", at("2026-03-04T21:00:00+08:00"));  // again the same day: nothing new
  job("reminders", at("2026-03-07T09:00:00+08:00"));  // 4 days left: the 7-day one was sent
  ASSERT_EQ(expiring().size(), 1u);
  json::value first = expiring()[0];
  EXPECT_EQ(first.at("amount").as_int64(), 150);
  EXPECT_EQ(first.at("last_day").as_string(), "2026-03-11");
  EXPECT_EQ(first.at("days_left").as_int64(), 7);
  EXPECT_EQ(first.at("lead_days").as_int64(), 7);
  EXPECT_EQ(first.at("wallet").as_string(), "credit");
  EXPECT_EQ(first.at("lot_ids").as_array().size(), 2u);
  job("reminders", at("2026-03-10T09:00:00+08:00"));  // 1 day left
  job("reminders", at("2026-03-11T09:00:00+08:00"));  // the last day: the 1-day one was sent
  ASSERT_EQ(expiring().size(), 2u);
  EXPECT_EQ(expiring()[1].at("lead_days").as_int64(), 1);
  EXPECT_EQ(expiring()[1].at("days_left").as_int64(), 1);
  // Spent value is not announced: everything spent (the commands run at the
  // clock's 3 March), the April lot is not announced in April.
  Command spend;
  spend.member_id = "m1";
  spend.wallet = "credit";
  spend.body = ledger::Spend{180, "o-all", {}};
  ok(std::move(spend));
  job("reminders", at("2026-04-28T09:00:00+08:00"));
  EXPECT_EQ(expiring().size(), 2u);
}

// A silver member whose new period has no orders hears, warn_days before
// the anniversary, that they will drop a level; once.
TEST_P(OutboxTest, TierWarningBeforeAnAnniversaryTheMemberWillNotKeep) {
  app::Program p = writer_->programs().find("default").value()->program;
  p.rules.tiers.levels = {{"regular", "一般", 0, 0, "", 12},
                          {"silver", "銀卡", 3000, 2000, "", 12}};
  p.rules.tiers.warn_days = 30;
  Command apply;
  apply.body = app::ApplyProgram{p, "# tiers", std::nullopt, false};
  ok(std::move(apply));
  rules::Order o;
  o.id = "big";
  o.member_id = "m1";
  o.placed_at = at("2025-01-10T12:00:00+08:00");
  rules::OrderLine l;
  l.line_id = "1";
  l.sku = "SKU";
  l.quantity = 1;
  l.unit_price = 3500;
  o.lines = {l};
  Command order;
  order.now = at("2025-01-10T12:00:00+08:00");
  order.body = app::UpsertOrder{o, {app::OrderEvent{"big", "paid", std::nullopt, "", {}, {}}}};
  ok(std::move(order));
  ASSERT_EQ(count("tier.upgraded"), 1u);
  job("tiers", at("2026-01-11T00:00:00+08:00"));  // retained: 3,500 in the period
  auto warnings = [&] {
    std::vector<json::value> out;
    for (const auto& e : events()) {
      if (e.type == "tier.will_downgrade") out.push_back(json::parse(e.data));
    }
    return out;
  };
  job("reminders", at("2026-11-20T09:00:00+08:00"));  // 51 days before: not yet
  EXPECT_TRUE(warnings().empty());
  job("reminders", at("2026-12-15T09:00:00+08:00"));
  job("reminders", at("2026-12-20T09:00:00+08:00"));
  ASSERT_EQ(warnings().size(), 1u);
  json::value w = warnings()[0];
  EXPECT_EQ(w.at("tier").as_string(), "silver");
  EXPECT_EQ(w.at("to").as_string(), "regular");
  EXPECT_EQ(w.at("to_name").as_string(), "一般");
  EXPECT_EQ(w.at("to_keep").as_int64(), 2000);
  EXPECT_EQ(w.at("lead_days").as_int64(), 30);
}

// Win-back (即將流失): a member whose last order is 90 days old gets a
// short-lived credit and a reward.winback event, once per lapse; a member
// who never bought gets nothing; buying again and lapsing again earns a
// new offer.
// Win-back by churn probability: in a population that buys weekly and
// drops out at different times, a member whose weekly orders stopped ten
// weeks ago is offered the win-back long before inactive_days (365), a
// member still buying is not, and the offer is once per lapse.
TEST_P(OutboxTest, WinbackByChurnProbabilityBeforeInactiveDays) {
  app::Program p = writer_->programs().find("default").value()->program;
  rules::Reward winback;
  winback.id = "come_back";
  winback.on = rules::RewardOn::kWinback;
  winback.inactive_days = 365;
  winback.churn_above_bp = 7000;  // P(alive) under 30%
  winback.wallet = "credit";
  winback.amount = 100;
  p.rules.rewards = {winback};
  Command apply;
  apply.body = app::ApplyProgram{p, "# churn", std::nullopt, false};
  ok(std::move(apply));
  const Instant start = at("2026-01-05T12:00:00+08:00");
  auto place = [&](const std::string& member, int k, double weeks) {
    rules::Order o;
    o.id = member + "-" + std::to_string(k);
    o.member_id = member;
    o.placed_at = start + std::chrono::seconds{static_cast<int64_t>(weeks * 7 * 86400)};
    rules::OrderLine l;
    l.line_id = "1";
    l.sku = "SKU";
    l.unit_price = 800;
    o.lines = {l};
    Command c;
    c.now = o.placed_at;
    c.body = app::UpsertOrder{o, {app::OrderEvent{o.id, "paid", std::nullopt, "", {}, {}}}};
    ok(std::move(c));
  };
  // A population as BG/NBD describes it (a fixed seed): purchase rates from
  // a gamma, a dropout chance after each purchase from a beta, 30 weeks.
  std::mt19937_64 rng(20261202);
  std::gamma_distribution<double> rate(2.0, 1.0 / 8.0);  // r = 2, alpha = 8 weeks
  std::gamma_distribution<double> ga(1.0, 1.0), gb(4.0, 1.0);
  for (int i = 0; i < 200; ++i) {
    const double lambda = rate(rng);
    const double x = ga(rng), y = gb(rng);
    const double dropout = x / (x + y);  // beta(1, 4)
    std::uniform_real_distribution<double> u(0.0, 1.0);
    double t = u(rng) * 4;  // first purchase in the first 4 weeks
    for (int k = 0; t < 30; ++k) {
      place("p" + std::to_string(i), k, t);
      if (u(rng) < dropout) break;
      t += std::exponential_distribution<double>(lambda)(rng);
    }
  }
  // Weekly for 20 weeks, then nothing for 10; weekly through week 29.
  for (int k = 0; k < 20; ++k) place("lapsed", k, k);
  for (int k = 0; k < 30; ++k) place("steady", k, k + 0.1);
  const Instant now = start + std::chrono::weeks{30};
  auto fitted = app::alive_probabilities(*reader_, *writer_->programs().find("default").value(),
                                         local_date(now, *app::resolve_zone("Asia/Taipei")));
  ASSERT_TRUE(fitted) << fitted.error().message;
  EXPECT_EQ(fitted->warning, "");
  EXPECT_LT(fitted->p_alive.at("lapsed"), 0.3);
  EXPECT_GT(fitted->p_alive.at("steady"), 0.7);

  job("winback", now);
  job("winback", now + std::chrono::days{1});  // the same lapse: nothing new
  std::map<std::string, int> offers;
  for (const auto& e : events()) {
    if (e.type == "reward.winback") offers[e.member_id] += 1;
  }
  EXPECT_EQ(offers["lapsed"], 1);
  EXPECT_EQ(offers.count("steady"), 0u);
  // Only members the model calls churned: each offered at most once, and
  // every one of them under the threshold.
  for (const auto& [member, n] : offers) {
    EXPECT_EQ(n, 1) << member;
    EXPECT_LT(fitted->p_alive.at(member), 0.3) << member;
  }
  for (const auto& [member, p_alive] : fitted->p_alive) {
    if (p_alive < 0.3) {
      EXPECT_EQ(offers[member], 1) << member << " " << p_alive;
    }
  }
  // A member the job judged on an earlier last order, who bought since (the
  // order lands between the job's scan and the command): no offer.
  place("lapsed", 20, 29.9);
  auto offer = [&](const std::string& judged_on) {
    Command c;
    c.member_id = "lapsed";
    c.now = now;
    c.body = app::WinbackReward{"come_back", 0.1, judged_on};
    return ok(std::move(c));
  };
  json::object stale = offer("lapsed-19");
  EXPECT_EQ(stale.at("note").as_string(), "bought since") << stale;
  EXPECT_TRUE(stale.at("granted").as_array().empty()) << stale;
  // Judged on the order that is the last one: offered (a new lapse).
  json::object current = offer("lapsed-20");
  EXPECT_EQ(current.at("granted").as_array().size(), 1u) << current;
}

TEST_P(OutboxTest, WinbackOffersOncePerLapse) {
  app::Program p = writer_->programs().find("default").value()->program;
  rules::Reward winback;
  winback.id = "come_back";
  winback.on = rules::RewardOn::kWinback;
  winback.inactive_days = 90;
  winback.wallet = "credit";
  winback.amount = 100;
  winback.expires = ledger::ExpiryRule::days(14);
  p.rules.rewards = {winback};
  Command apply;
  apply.body = app::ApplyProgram{p, "# winback", std::nullopt, false};
  ok(std::move(apply));
  order("o1", 500, {"paid"});  // 3 March 2026
  Command never;
  never.member_id = "never-bought";
  never.body = app::UpsertMember{};
  ok(std::move(never));
  auto offers = [&] {
    std::vector<app::OutboxEvent> out;
    for (const auto& e : events()) {
      if (e.type == "reward.winback") out.push_back(e);
    }
    return out;
  };
  job("winback", at("2026-05-30T09:00:00+08:00"));  // 88 days: still active
  EXPECT_TRUE(offers().empty());
  job("winback", at("2026-06-02T09:00:00+08:00"));  // 91 days
  job("winback", at("2026-06-03T09:00:00+08:00"));  // the same lapse: nothing new
  ASSERT_EQ(offers().size(), 1u);
  EXPECT_EQ(offers()[0].member_id, "m1");
  json::value data = json::parse(offers()[0].data);
  EXPECT_EQ(data.at("amount").as_int64(), 100);
  EXPECT_EQ(data.at("trigger").as_string(), "winback");
  // 14 days, to the end of the local day: midnight 17 June in Taipei.
  EXPECT_EQ(data.at("expires_at").as_string(), "2026-06-16T16:00:00Z");
  auto transfers = reader_->transfers("default", "m1", "credit");
  ASSERT_TRUE(transfers);
  int64_t granted = 0;
  for (const auto& t : *transfers) {
    if (t.kind == "grant" && t.from == "issued:winback") granted += t.amount;
  }
  EXPECT_EQ(granted, 100);
  // Buys again in June, lapses again by October: a second offer.
  rules::Order again;
  again.id = "o2";
  again.member_id = "m1";
  again.placed_at = at("2026-06-10T12:00:00+08:00");
  rules::OrderLine l;
  l.line_id = "1";
  l.sku = "SKU";
  l.quantity = 1;
  l.unit_price = 500;
  again.lines = {l};
  Command buy;
  buy.now = at("2026-06-10T12:00:00+08:00");
  buy.body = app::UpsertOrder{again, {app::OrderEvent{"o2", "paid", std::nullopt, "", {}, {}}}};
  ok(std::move(buy));
  job("winback", at("2026-08-01T09:00:00+08:00"));
  EXPECT_EQ(offers().size(), 1u);
  job("winback", at("2026-09-10T09:00:00+08:00"));
  EXPECT_EQ(offers().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxTest, ::testing::ValuesIn(testing::kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace patron
