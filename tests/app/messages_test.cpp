// Messages composed with outbox events, through the writer, on every store:
// templates rendered in zh-TW and English (amounts, dates in the program's
// time zone, the member's name), transactional messages on every channel the
// member can be reached on, marketing ones only with consent, quiet hours
// moving send_after, frequency caps per day and per week, and message
// provider endpoints getting ready messages only, when they may be sent.
#include "app/messages.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "app/outbox.h"
#include "app/queries.h"
#include "app/webhooks.h"
#include "app/writer.h"
#include "config/program_file.h"
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

constexpr const char* kProgram = R"(
[program]
currency = "TWD"
minor_digits = 0
time_zone = "Asia/Taipei"
[wallets.credit]
[wallets.points]
unit = "points"
[[rewards]]
id = "signup"
on = "signup"
wallet = "credit"
amount = 100
expires = "60d"
[reminders]
expiry_days = [7, 3, 1]
[new_products]
lookback_days = 180
[carts]
remind_after_hours = 4
ignore_after_hours = 48
min_total = 500
[messages]
channels = ["email", "sms", "line"]
quiet_hours = "21:00-09:00"
max_per_day = 1
max_per_week = 2
[messages.templates."credit.expiring".en]
subject = "{amount} left"
body = "Hi {name}: {amount} until {last_day}."
)";

class MessagesTest : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    factory_ = GetParam().make(dir_);
    auto w = app::Writer::start(*factory_, clock_, {});
    ASSERT_TRUE(w) << w.error().message;
    writer_ = std::move(*w);
    reader_ = std::move(*factory_->open());
    auto p = config::parse_program(kProgram, "shop.toml", "default");
    ASSERT_TRUE(p) << p.error().field << ": " << p.error().message;
    Command c;
    c.body = app::ApplyProgram{*p, kProgram, std::nullopt, false};
    ok(std::move(c));
  }

  json::object ok(Command c) {
    auto r = writer_->execute(std::move(c));
    EXPECT_TRUE(r) << (r ? "" : r.error().field + ": " + r.error().message);
    return r ? json::parse(r->json).as_object() : json::object{};
  }
  void member(const std::string& id, app::UpsertMember upsert) {
    Command c;
    c.member_id = id;
    c.body = std::move(upsert);
    ok(std::move(c));
  }
  void grant(const std::string& id, const std::string& wallet, int64_t amount,
             const char* expires) {
    Command c;
    c.member_id = id;
    c.wallet = wallet;
    c.body = ledger::Adjust{amount, "goodwill", at(expires)};
    ok(std::move(c));
  }
  // The events of `type` for `member`, oldest first.
  std::vector<app::OutboxEvent> events(const std::string& member, const std::string& type) {
    auto r = reader_->events_after("default", member, 0, 500);
    EXPECT_TRUE(r);
    std::vector<app::OutboxEvent> out;
    for (auto& e : r ? *r : std::vector<app::OutboxEvent>{}) {
      if (e.type == type) out.push_back(std::move(e));
    }
    return out;
  }
  static json::object message(const app::OutboxEvent& e) {
    EXPECT_FALSE(e.message.empty()) << e.type;
    return e.message.empty() ? json::object{} : json::parse(e.message).as_object();
  }
  static std::vector<std::string> channels(const json::object& m) {
    std::vector<std::string> out;
    for (const auto& c : m.at("channels").as_array()) out.emplace_back(c.as_string());
    return out;
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

TEST_P(MessagesTest, TransactionalMessagesInBothLanguagesWithoutConsent) {
  app::UpsertMember zh;
  zh.name = "王小明";
  zh.email = "ming@example.tw";
  member("zh", zh);
  app::UpsertMember en;
  en.name = "Ann";
  en.locale = "en";
  en.email = "ann@example.com";
  en.phone = "0912345678";
  member("en", en);
  member("anon", {});

  // 60 days from 3 March: usable through 2 May (local).
  auto signup = events("zh", "reward.signup");
  ASSERT_EQ(signup.size(), 1u);
  json::object m = message(signup[0]);
  EXPECT_EQ(m.at("status").as_string(), "ready");
  EXPECT_EQ(m.at("class").as_string(), "transactional");
  EXPECT_EQ(m.at("locale").as_string(), "zh-TW");
  EXPECT_EQ(m.at("subject").as_string(), "歡迎加入！送您 NT$100");
  EXPECT_EQ(m.at("body").as_string(),
            "王小明 您好，歡迎加入會員！入會禮 NT$100 已送給您，使用期限至 2026年5月2日。");
  EXPECT_EQ(channels(m), (std::vector<std::string>{"email", "line"}));  // no phone: no SMS
  EXPECT_EQ(m.at("to").at("email").as_string(), "ming@example.tw");
  EXPECT_EQ(m.at("send_after").as_string(), "2026-03-03T04:00:00Z");  // at once
  EXPECT_EQ(signup[0].send_after, clock_.now());
  EXPECT_FALSE(signup[0].marketing);

  auto english = events("en", "reward.signup");
  ASSERT_EQ(english.size(), 1u);
  json::object e = message(english[0]);
  EXPECT_EQ(e.at("locale").as_string(), "en");
  EXPECT_EQ(e.at("subject").as_string(), "Welcome! Here is NT$100");
  EXPECT_EQ(e.at("body").as_string(),
            "Hi Ann, welcome aboard! NT$100 is yours (use it by 2 May 2026).");
  EXPECT_EQ(channels(e), (std::vector<std::string>{"email", "sms", "line"}));

  // No name: a greeting word; no e-mail or phone: LINE only.
  json::object anon = message(events("anon", "reward.signup").at(0));
  EXPECT_TRUE(std::string(anon.at("body").as_string()).starts_with("親愛的會員 您好")) << anon;
  EXPECT_EQ(channels(anon), (std::vector<std::string>{"line"}));

  // credit.earned has no built-in template: the event carries no message.
  auto earned = events("zh", "credit.earned");
  ASSERT_EQ(earned.size(), 1u);
  EXPECT_TRUE(earned[0].message.empty());
  EXPECT_FALSE(earned[0].send_after);
  EXPECT_FALSE(app::event_json(earned[0]).contains("message"));
  EXPECT_TRUE(app::event_json(signup[0]).contains("message"));
}

TEST_P(MessagesTest, MarketingNeedsConsentWaitsOutQuietHoursAndIsCapped) {
  app::UpsertMember c;
  c.email = "c@example.tw";
  c.consent = {{"email", true}};
  member("c", c);
  app::UpsertMember none;
  none.email = "n@example.tw";
  member("n", none);
  app::UpsertMember line;
  line.email = "l@example.tw";
  line.consent = {{"line", true}, {"push", true}};  // push: not a channel of the shop
  member("l", line);
  app::UpsertMember two;
  two.email = "p@example.tw";
  two.consent = {{"email", true}};
  member("p", two);
  app::UpsertMember en;
  en.locale = "en";
  en.email = "e@example.com";
  en.consent = {{"email", true}};
  member("e", en);
  for (const char* id : {"c", "n", "l", "p", "e"}) {
    grant(id, "credit", 150, "2026-03-12T00:00:00+08:00");  // last day 11 March
  }
  grant("p", "points", 20, "2026-03-12T00:00:00+08:00");

  // 7 days ahead, at 22:00: quiet hours until 09:00 the next morning.
  job("reminders", at("2026-03-04T22:00:00+08:00"));
  auto c_first = events("c", "credit.expiring");
  ASSERT_EQ(c_first.size(), 1u);
  json::object m = message(c_first[0]);
  EXPECT_EQ(m.at("status").as_string(), "ready");
  EXPECT_EQ(m.at("class").as_string(), "marketing");
  EXPECT_EQ(m.at("subject").as_string(), "您的 NT$150 將於 2026年3月11日 到期");
  EXPECT_NE(m.at("body").as_string().find("剩 7 天"), json::string::npos) << m;
  EXPECT_EQ(channels(m), (std::vector<std::string>{"email"}));
  EXPECT_EQ(m.at("send_after").as_string(), "2026-03-05T01:00:00Z");  // 09:00 Taipei
  EXPECT_EQ(c_first[0].send_after, at("2026-03-05T09:00:00+08:00"));
  EXPECT_TRUE(c_first[0].marketing);

  json::object n = message(events("n", "credit.expiring").at(0));
  EXPECT_EQ(n.at("status").as_string(), "suppressed");
  EXPECT_EQ(n.at("reason").as_string(), "no_consent");
  EXPECT_TRUE(channels(n).empty());
  EXPECT_FALSE(events("n", "credit.expiring").at(0).send_after);
  EXPECT_EQ(channels(message(events("l", "credit.expiring").at(0))),
            (std::vector<std::string>{"line"}));

  // The shop's English template, with the English date and no name.
  json::object e = message(events("e", "credit.expiring").at(0));
  EXPECT_EQ(e.at("subject").as_string(), "NT$150 left");
  EXPECT_EQ(e.at("body").as_string(), "Hi friend: NT$150 until 11 Mar 2026.");

  // Two wallets expiring, one command: the second message is over the day's cap.
  auto p = events("p", "credit.expiring");
  ASSERT_EQ(p.size(), 2u);
  json::object p0 = message(p[0]), p1 = message(p[1]);
  EXPECT_EQ(p0.at("status").as_string(), "ready");
  EXPECT_EQ(p1.at("status").as_string(), "suppressed");
  EXPECT_EQ(p1.at("reason").as_string(), "frequency_cap");
  EXPECT_FALSE(p[1].marketing);
  // Points are written as points.
  bool points_seen = false;
  for (const json::object& x : {p0, p1}) {
    points_seen |= x.at("subject").as_string() == "您的 20 點 將於 2026年3月11日 到期";
  }
  EXPECT_TRUE(points_seen) << p0 << "\n" << p1;

  // 3 days ahead (8 March), at 10:00: sent at once, the second of the week.
  job("reminders", at("2026-03-08T10:00:00+08:00"));
  auto c_second = events("c", "credit.expiring");
  ASSERT_EQ(c_second.size(), 2u);
  EXPECT_EQ(message(c_second[1]).at("status").as_string(), "ready");
  EXPECT_EQ(c_second[1].send_after, at("2026-03-08T10:00:00+08:00"));
  // 1 day ahead (10 March): a third in 7 days, over max_per_week = 2.
  job("reminders", at("2026-03-10T10:00:00+08:00"));
  auto c_third = events("c", "credit.expiring");
  ASSERT_EQ(c_third.size(), 3u);
  json::object third = message(c_third[2]);
  EXPECT_EQ(third.at("status").as_string(), "suppressed");
  EXPECT_EQ(third.at("reason").as_string(), "frequency_cap");
  // The caps count marketing messages only: value and the level still get theirs.
  EXPECT_EQ(message(events("c", "reward.signup").at(0)).at("status").as_string(), "ready");
}

TEST_P(MessagesTest, ProvidersGetReadyMessagesWhenTheyMayBeSent) {
  app::UpsertMember c;
  c.email = "c@example.tw";
  c.consent = {{"email", true}};
  member("c", c);
  member("n", {});
  auto endpoint = [&](const char* id, bool messages) {
    app::WebhookEndpoint e;
    e.id = id;
    e.url = "http://127.0.0.1:9/hook";
    e.secret = "whsec_0123456789abcdef";
    e.events = {"credit.expiring"};
    e.messages = messages;
    Command create;
    create.body = app::CreateWebhook{e};
    ok(std::move(create));
  };
  endpoint("whk_000000000000data", false);
  endpoint("whk_0000000000000msg", true);
  grant("c", "credit", 150, "2026-03-12T00:00:00+08:00");
  grant("n", "credit", 150, "2026-03-12T00:00:00+08:00");
  const Instant night = at("2026-03-04T22:00:00+08:00");
  job("reminders", night);

  auto round = [&](Instant now) {
    std::vector<app::DueDelivery> due;
    auto r = writer_->submit_exclusive([&](app::Writer::Session& s) -> Result<std::string> {
      if (auto r = s.begin(); !r) return std::unexpected(r.error());
      if (auto f = app::fan_out(s.store(), "default", now, 100); !f) {
        return std::unexpected(f.error());
      }
      auto work = app::due_work(s.store(), "default", now, {});
      if (!work) return std::unexpected(work.error());
      due = std::move(*work);
      if (auto r = s.commit(); !r) return std::unexpected(r.error());
      return std::string();
    });
    EXPECT_TRUE(r.get());
    return due;
  };
  // At night the data endpoint gets both events (one message suppressed);
  // the provider nothing yet.
  auto now_due = round(night);
  ASSERT_EQ(now_due.size(), 2u);
  for (const auto& d : now_due) EXPECT_EQ(d.delivery.endpoint_id, "whk_000000000000data");
  auto provider = reader_->due_deliveries("default", "whk_0000000000000msg",
                                          at("2026-03-05T09:00:00+08:00"), 50);
  ASSERT_TRUE(provider);
  ASSERT_EQ(provider->size(), 1u);  // only the ready message, due at 09:00
  EXPECT_EQ(provider->front().next_attempt_at, at("2026-03-05T09:00:00+08:00"));
  auto early = reader_->due_deliveries("default", "whk_0000000000000msg",
                                       at("2026-03-05T08:59:59+08:00"), 50);
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->empty());
  // In the morning: the provider's delivery is due (the data endpoint's two
  // are still due too: this test records no outcomes).
  std::vector<app::DueDelivery> morning;
  for (auto& d : round(at("2026-03-05T09:00:00+08:00"))) {
    if (d.delivery.endpoint_id == "whk_0000000000000msg") morning.push_back(std::move(d));
  }
  ASSERT_EQ(morning.size(), 1u);
  json::value body = json::parse(morning[0].body);
  EXPECT_EQ(body.at("member_id").as_string(), "c");
  EXPECT_EQ(body.at("message").at("status").as_string(), "ready");
  EXPECT_EQ(body.at("message").at("to").at("email").as_string(), "c@example.tw");
}

TEST_P(MessagesTest, ConsentIsChangedPerChannelAndValidated) {
  app::UpsertMember c;
  c.consent = {{"email", true}, {"sms", true}};
  member("c", c);
  app::UpsertMember withdraw;
  withdraw.consent = {{"sms", false}, {"line", true}};
  auto r = ok([&] {
    Command cmd;
    cmd.member_id = "c";
    cmd.body = withdraw;
    return cmd;
  }());
  EXPECT_EQ(r.at("member").at("consent"),
            (json::object{{"email", true}, {"sms", false}, {"line", true}, {"push", false}}));
  auto stored = reader_->find_member("default", "c");
  ASSERT_TRUE(stored && *stored);
  EXPECT_EQ((*stored)->consent, (std::vector<std::string>{"email", "line"}));
  for (auto [field, upsert] : {std::pair<std::string, app::UpsertMember>{"consent.fax", {}},
                               {"locale", {}},
                               {"name", {}}}) {
    if (field == "consent.fax") upsert.consent = {{"fax", true}};
    if (field == "locale") upsert.locale = "fr";
    if (field == "name") upsert.name = std::string(201, 'x');
    Command bad;
    bad.member_id = "c";
    bad.body = upsert;
    auto refused = writer_->execute(std::move(bad));
    ASSERT_FALSE(refused) << field;
    EXPECT_EQ(refused.error().field, field);
  }
  auto unchanged = reader_->find_member("default", "c");
  EXPECT_EQ((*unchanged)->consent, (std::vector<std::string>{"email", "line"}));
  EXPECT_EQ((*unchanged)->locale, "");
}

// Abandoned carts: one cart.abandoned per cart idle for remind_after_hours
// with items, at least min_total and no order since; not for stale carts;
// a rerun sends nothing; bad carts change nothing.
TEST_P(MessagesTest, AbandonedCartsAreRemindedOnceWhenNoOrderFollowed) {
  for (const char* id : {"c", "o", "e", "s", "old"}) {
    app::UpsertMember m;
    m.email = std::string(id) + "@example.tw";
    m.consent = {{"email", true}};
    member(id, m);
  }
  auto put = [&](const std::string& member_id, const std::string& cart_id,
                 std::vector<app::CartItem> items, std::optional<Instant> when = std::nullopt) {
    app::Cart cart;
    cart.id = cart_id;
    cart.items = std::move(items);
    cart.url = "https://shop.example/cart/" + cart_id;
    if (when) cart.updated_at = *when;
    Command c;
    c.member_id = member_id;
    c.body = app::PutCart{cart};
    return writer_->execute(std::move(c));
  };
  const app::CartItem shirt{"SKU-1", "襯衫", "tops", 2, 590};
  ASSERT_TRUE(put("c", "k1", {shirt}));
  ASSERT_TRUE(put("o", "k2", {shirt}));
  ASSERT_TRUE(put("e", "k3", {shirt}));
  ASSERT_TRUE(put("e", "k3", {}));                                          // emptied
  ASSERT_TRUE(put("s", "k4", {app::CartItem{"SKU-2", "", "", 1, 300}}));    // under min_total
  ASSERT_TRUE(put("old", "k5", {shirt}, at("2026-03-01T08:00:00+08:00")));  // 52 h idle at 12:00
  auto cart = reader_->find_cart("default", "k1");
  ASSERT_TRUE(cart && *cart);
  EXPECT_EQ((*cart)->total, 1180);  // the items' sum
  EXPECT_EQ((*cart)->updated_at, clock_.now());

  // "o" orders an hour later.
  rules::Order o;
  o.id = "order-1";
  o.member_id = "o";
  o.placed_at = at("2026-03-03T13:00:00+08:00");
  rules::OrderLine line;
  line.line_id = "1";
  line.sku = "SKU-1";
  line.unit_price = 1180;
  o.lines = {line};
  Command order;
  order.body = app::UpsertOrder{o, {}};
  ok(std::move(order));

  job("carts", at("2026-03-03T14:00:00+08:00"));  // 2 hours idle: not yet
  for (const char* id : {"c", "o", "e", "s", "old"}) {
    EXPECT_TRUE(events(id, "cart.abandoned").empty()) << id;
  }
  job("carts", at("2026-03-03T17:00:00+08:00"));  // 5 hours
  job("carts", at("2026-03-03T18:00:00+08:00"));  // again: nothing new
  auto sent = events("c", "cart.abandoned");
  ASSERT_EQ(sent.size(), 1u);
  json::value data = json::parse(sent[0].data);
  EXPECT_EQ(data.at("cart_id").as_string(), "k1");
  EXPECT_EQ(data.at("item_count").as_int64(), 2);
  EXPECT_EQ(data.at("first_item").as_string(), "襯衫");
  EXPECT_EQ(data.at("total").as_int64(), 1180);
  EXPECT_EQ(data.at("hours_idle").as_int64(), 5);
  EXPECT_EQ(data.at("items").as_array().size(), 1u);
  json::object m = message(sent[0]);
  EXPECT_EQ(m.at("class").as_string(), "marketing");
  EXPECT_EQ(m.at("subject").as_string(), "您的購物車還在等您");
  EXPECT_EQ(m.at("body").as_string(),
            "親愛的會員 您好，您的購物車裡還有 襯衫 等 2 件商品（共 NT$1,180），現在就完成結帳吧："
            "https://shop.example/cart/k1");
  for (const char* id : {"o", "e", "s", "old"}) {
    EXPECT_TRUE(events(id, "cart.abandoned").empty()) << id;
  }

  // A late, older event changes nothing; a cart of another member is a
  // conflict; a cart of no member is not found; bad items name the field.
  auto late = put("c", "k1", {}, at("2026-03-03T11:00:00+08:00"));
  ASSERT_TRUE(late);
  EXPECT_TRUE(json::parse(late->json).at("stale").as_bool());
  EXPECT_EQ((*reader_->find_cart("default", "k1"))->items.size(), 1u);
  auto theirs = put("o", "k1", {shirt});
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().code, ErrorCode::kConflict);
  auto nobody = put("nobody", "k9", {shirt});
  ASSERT_FALSE(nobody);
  EXPECT_EQ(nobody.error().field, "member_id");
  EXPECT_FALSE(reader_->find_cart("default", "k9")->has_value());
  auto bad = put("c", "k8", {app::CartItem{"SKU", "", "", 0, 100}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "items[0].quantity");
  auto future = put("c", "k7", {shirt}, clock_.now() + std::chrono::hours{2});
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().field, "at");
  EXPECT_FALSE(reader_->find_cart("default", "k7")->has_value());
  // The cart bought since is recorded as done: a later run does not look again.
  EXPECT_TRUE(*reader_->rule_use_exists("default", "o", "#cart", "k2"));
}

// New products: members who bought in the category within lookback_days
// (not those who bought the product itself) get one product.new; a product
// without a category goes by brand; a product announced for later waits;
// once sent, a product is not announced again.
TEST_P(MessagesTest, NewProductsReachMembersWhoBoughtInTheCategory) {
  auto buy = [&](const std::string& member_id, const std::string& sku, const std::string& category,
                 const std::string& brand, const char* when) {
    app::UpsertMember m;
    m.email = member_id + "@example.tw";
    m.consent = {{"email", true}};
    member(member_id, m);
    rules::Order o;
    o.id = member_id + "-" + sku;
    o.member_id = member_id;
    o.placed_at = at(when);
    rules::OrderLine l;
    l.line_id = "1";
    l.sku = sku;
    l.category = category;
    l.brand = brand;
    l.unit_price = 990;
    o.lines = {l};
    Command c;
    c.now = at(when);
    c.body = app::UpsertOrder{o, {app::OrderEvent{o.id, "paid", std::nullopt, "", {}, {}}}};
    ok(std::move(c));
  };
  buy("recent", "TEE-1", "tops", "acme", "2026-02-01T12:00:00+08:00");
  buy("old", "TEE-1", "tops", "acme", "2025-08-01T12:00:00+08:00");  // beyond 180 days
  buy("owner", "NEW-1", "tops", "", "2026-02-20T12:00:00+08:00");    // has the product
  buy("shoes", "RUN-9", "shoes", "acme", "2026-02-10T12:00:00+08:00");
  auto announce = [&](app::Product p) {
    Command c;
    c.body = app::AnnounceProduct{std::move(p)};
    return writer_->execute(std::move(c));
  };
  app::Product linen;
  linen.sku = "NEW-1";
  linen.name = "亞麻襯衫";
  linen.category = "tops";
  linen.url = "https://shop.example/p/NEW-1";
  linen.price = 1280;
  ASSERT_TRUE(announce(linen));
  auto again = announce(linen);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  app::Product acme;
  acme.sku = "ACME-2";
  acme.name = "Acme cap";
  acme.brand = "acme";
  acme.price = 450;
  ASSERT_TRUE(announce(acme));
  app::Product later = linen;
  later.sku = "NEW-2";
  later.announced_at = at("2026-03-10T09:00:00+08:00");
  ASSERT_TRUE(announce(later));
  app::Product nothing;
  nothing.sku = "X";
  nothing.name = "no category, no brand";
  auto refused = announce(nothing);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "category");

  job("products", clock_.now());
  job("products", clock_.now() + std::chrono::hours{1});  // sent: nothing again
  auto got = [&](const std::string& member_id) {
    std::vector<std::string> skus;
    for (const auto& e : events(member_id, "product.new")) {
      skus.emplace_back(json::parse(e.data).at("sku").as_string());
    }
    return skus;
  };
  // Announced together: in SKU order.
  EXPECT_EQ(got("recent"), (std::vector<std::string>{"ACME-2", "NEW-1"}));
  EXPECT_TRUE(got("old").empty());
  EXPECT_TRUE(got("owner").empty());
  EXPECT_EQ(got("shoes"), (std::vector<std::string>{"ACME-2"}));
  auto first = events("recent", "product.new").at(1);
  json::value data = json::parse(first.data);
  EXPECT_EQ(data.at("matched_by").as_string(), "category");
  EXPECT_EQ(data.at("product_name").as_string(), "亞麻襯衫");
  json::object m = message(first);
  EXPECT_EQ(m.at("class").as_string(), "marketing");
  EXPECT_EQ(m.at("subject").as_string(), "新品上市：亞麻襯衫");
  EXPECT_NE(std::string(m.at("body").as_string()).find("NT$1,280"), std::string::npos) << m;
  auto sent = reader_->find_product("default", "NEW-1");
  ASSERT_TRUE(sent && *sent);
  EXPECT_EQ((*sent)->state, "sent");
  EXPECT_EQ((*sent)->notified, 1);
  EXPECT_EQ((*reader_->find_product("default", "NEW-2"))->state, "pending");  // not yet
  job("products", at("2026-03-10T10:00:00+08:00"));
  EXPECT_EQ(got("recent"), (std::vector<std::string>{"ACME-2", "NEW-1", "NEW-2"}));
}

TEST(QuietHours, WrapPastMidnightAndWithinADay) {
  rules::Messages m;
  auto zone = app::resolve_zone("Asia/Taipei");
  ASSERT_TRUE(zone);
  EXPECT_EQ(app::after_quiet_hours(m, at("2026-03-04T23:00:00+08:00"), *zone),
            at("2026-03-04T23:00:00+08:00"));  // none
  m.quiet_from = 21 * 60;
  m.quiet_to = 9 * 60;
  EXPECT_EQ(app::after_quiet_hours(m, at("2026-03-04T20:59:59+08:00"), *zone),
            at("2026-03-04T20:59:59+08:00"));
  EXPECT_EQ(app::after_quiet_hours(m, at("2026-03-04T21:00:00+08:00"), *zone),
            at("2026-03-05T09:00:00+08:00"));
  EXPECT_EQ(app::after_quiet_hours(m, at("2026-03-05T03:00:00+08:00"), *zone),
            at("2026-03-05T09:00:00+08:00"));
  EXPECT_EQ(app::after_quiet_hours(m, at("2026-03-05T09:00:00+08:00"), *zone),
            at("2026-03-05T09:00:00+08:00"));
  m.quiet_from = 12 * 60;  // a lunch break
  m.quiet_to = 13 * 60 + 30;
  EXPECT_EQ(app::after_quiet_hours(m, at("2026-03-05T12:10:00+08:00"), *zone),
            at("2026-03-05T13:30:00+08:00"));
  EXPECT_EQ(app::after_quiet_hours(m, at("2026-03-05T13:30:00+08:00"), *zone),
            at("2026-03-05T13:30:00+08:00"));
  // London, the night the clocks go forward: 09:00 local is 08:00 UTC.
  auto london = app::resolve_zone("Europe/London");
  ASSERT_TRUE(london);
  m.quiet_from = 21 * 60;
  m.quiet_to = 9 * 60;
  EXPECT_EQ(app::after_quiet_hours(m, at("2026-03-28T22:00:00Z"), *london),
            at("2026-03-29T08:00:00Z"));
}

INSTANTIATE_TEST_SUITE_P(Backends, MessagesTest, ::testing::ValuesIn(testing::kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace patron
