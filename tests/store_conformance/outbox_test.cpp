// The outbox and webhooks (app/model.h OutboxEvent, WebhookEndpoint,
// WebhookDelivery) on every Store backend: events get increasing ids across
// programs and page per program and member; endpoints upsert (created_at
// kept); deliveries are one per endpoint and event, update in place, come
// due by time, page newest first; a failed write leaves nothing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/store.h"
#include "store_conformance/two_programs_fixture.h"
#include "support/backends.h"

namespace patron {
namespace {

using app::CommandWrite;
using app::OutboxEvent;
using app::WebhookDelivery;
using app::WebhookEndpoint;
using testing::at;
using testing::kBackends;

class Outbox : public testing::TwoProgramsStore {
 protected:
  static OutboxEvent event(const std::string& program, const std::string& type,
                           const std::string& member, int64_t s) {
    return OutboxEvent{0, program, type, member, R"({"amount":50,"note":"購物金"})", at(s)};
  }

  void append(std::vector<OutboxEvent> events) {
    CommandWrite w;
    w.program_id = events.front().program_id;
    w.events = std::move(events);
    write(w);
  }

  static WebhookEndpoint endpoint(const std::string& program, const std::string& id) {
    WebhookEndpoint e;
    e.program_id = program;
    e.id = id;
    e.url = "https://shop.example/hooks";
    e.secret = "whsec_0123456789abcdef";
    e.events = {"credit.*", "tier.upgraded"};
    e.max_in_flight = 4;
    e.cursor = 0;
    e.created_at = at(1);
    e.updated_at = at(1);
    return e;
  }

  static WebhookDelivery delivery(const std::string& endpoint_id, int64_t event_id, int64_t due_s) {
    WebhookDelivery d;
    d.program_id = "default";
    d.endpoint_id = endpoint_id;
    d.event_id = event_id;
    d.event_type = "credit.earned";
    d.next_attempt_at = at(due_s);
    d.created_at = at(2);
    return d;
  }
};

TEST_P(Outbox, EventsGetIncreasingIdsAndPagePerProgramAndMember) {
  auto none = store_->last_event_id();
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0);
  append(
      {event("default", "credit.earned", "m1", 10), event("default", "tier.upgraded", "m2", 11)});
  append({event("other", "credit.earned", "m1", 12)});
  append({event("default", "credit.expired", "m1", 13)});
  auto last = store_->last_event_id();
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 4);

  auto all = store_->events_after("default", "", 0, 50);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0], (OutboxEvent{1, "default", "credit.earned", "m1",
                                    R"({"amount":50,"note":"購物金"})", at(10)}));
  EXPECT_EQ((*all)[1].id, 2);
  EXPECT_EQ((*all)[2].id, 4);
  EXPECT_EQ((*all)[2].type, "credit.expired");

  auto after = store_->events_after("default", "", 2, 50);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(after->front().id, 4);
  auto page = store_->events_after("default", "", 0, 1);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ(page->front().id, 1);

  auto m1 = store_->events_after("default", "m1", 0, 50);
  ASSERT_TRUE(m1);
  ASSERT_EQ(m1->size(), 2u);
  EXPECT_EQ((*m1)[0].id, 1);
  EXPECT_EQ((*m1)[1].id, 4);

  auto found = store_->find_event("other", 3);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->member_id, "m1");
  auto wrong_program = store_->find_event("default", 3);
  ASSERT_TRUE(wrong_program);
  EXPECT_FALSE(wrong_program->has_value());
}

// Messages ride with their events; the frequency caps count a member's
// ready marketing messages by send time, per program.
TEST_P(Outbox, MessagesAreKeptAndCountedBySendTime) {
  auto message = [](OutboxEvent e, std::optional<int64_t> send_s, bool marketing) {
    e.message = R"({"status":"ready","subject":"您的 NT$150 將到期"})";
    if (send_s) e.send_after = at(*send_s);
    e.marketing = marketing;
    return e;
  };
  append(
      {message(event("default", "credit.expiring", "m1", 10), 100, true),
       message(event("default", "credit.expiring", "m1", 11), 200, true),
       message(event("default", "credit.matured", "m1", 12), 150, false),  // transactional
       message(event("default", "credit.expiring", "m1", 13), std::nullopt, false),  // suppressed
       message(event("default", "credit.expiring", "m2", 14), 150, true)});
  append({message(event("other", "credit.expiring", "m1", 15), 150, true)});
  auto all = store_->events_after("default", "m1", 0, 50);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].message, R"({"status":"ready","subject":"您的 NT$150 將到期"})");
  EXPECT_EQ((*all)[0].send_after, at(100));
  EXPECT_TRUE((*all)[0].marketing);
  EXPECT_FALSE((*all)[2].marketing);
  EXPECT_FALSE((*all)[3].send_after);
  auto found = store_->find_event("default", 2);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->send_after, at(200));
  auto count = [&](const std::string& program, const std::string& member, int64_t from,
                   int64_t to) {
    auto n = store_->count_marketing_messages(program, member, at(from), at(to));
    EXPECT_TRUE(n);
    return n ? *n : -1;
  };
  EXPECT_EQ(count("default", "m1", 0, 1000), 2);
  EXPECT_EQ(count("default", "m1", 100, 200), 1);  // [from, to)
  EXPECT_EQ(count("default", "m1", 101, 201), 1);
  EXPECT_EQ(count("default", "m1", 201, 1000), 0);
  EXPECT_EQ(count("default", "m2", 0, 1000), 1);
  EXPECT_EQ(count("other", "m1", 0, 1000), 1);
  EXPECT_EQ(count("default", "nobody", 0, 1000), 0);
}

// Carts upsert (created_at kept), belong to a program and an existing
// member, and idle_carts lists those with items by last change.
TEST_P(Outbox, CartsUpsertAndListByIdleTime) {
  for (const char* program : {"default", "other"}) {
    CommandWrite m;
    m.program_id = program;
    m.member_id = "m1";
    m.member =
        app::Member{program, "m1", std::nullopt, "", "", at(0), at(0), {}, "", "", "", "", {}, {}};
    write(m);
  }
  auto cart = [](const std::string& program, const std::string& id, int64_t updated_s, bool items) {
    app::Cart c;
    c.program_id = program;
    c.id = id;
    c.member_id = "m1";
    if (items) c.items = {app::CartItem{"SKU-1", "襯衫", "tops", 2, 590}};
    c.total = items ? 1180 : 0;
    c.url = "https://shop.example/cart/" + id;
    c.created_at = at(updated_s);
    c.updated_at = at(updated_s);
    return c;
  };
  auto put = [&](const app::Cart& c) {
    CommandWrite w;
    w.program_id = c.program_id;
    w.member_id = c.member_id;
    w.cart = c;
    write(w);
  };
  put(cart("default", "c1", 100, true));
  put(cart("default", "c2", 200, true));
  put(cart("default", "c3", 150, false));  // emptied
  put(cart("other", "c4", 120, true));
  app::Cart changed = cart("default", "c1", 300, true);
  changed.items.push_back(app::CartItem{"SKU-2", "", "", 1, 100});
  changed.created_at = at(999);  // ignored: the first creation time stays
  put(changed);

  auto found = store_->find_cart("default", "c1");
  ASSERT_TRUE(found && *found);
  app::Cart want = changed;
  want.created_at = at(100);
  EXPECT_EQ(**found, want);
  EXPECT_FALSE(store_->find_cart("other", "c1")->has_value());
  EXPECT_FALSE(store_->find_cart("default", "nope")->has_value());

  auto idle = store_->idle_carts("default", at(0), at(1000), 50);
  ASSERT_TRUE(idle);
  ASSERT_EQ(idle->size(), 2u);  // not the emptied one, not the other program's
  EXPECT_EQ((*idle)[0].id, "c2");
  EXPECT_EQ((*idle)[1].id, "c1");
  auto window = store_->idle_carts("default", at(200), at(300), 50);  // [from, to)
  ASSERT_TRUE(window);
  ASSERT_EQ(window->size(), 1u);
  EXPECT_EQ(window->front().id, "c2");
  auto one = store_->idle_carts("default", at(0), at(1000), 1);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->size(), 1u);

  // A cart of a member the program does not have is refused.
  app::Cart stranger = cart("default", "c9", 100, true);
  stranger.member_id = "nobody";
  CommandWrite w;
  w.program_id = "default";
  w.cart = stranger;
  EXPECT_FALSE(try_write(w));
}

// Products: announced once, pending until sent (state, notified, sent_at
// updated in place; what was announced is kept), listed by announcement.
TEST_P(Outbox, ProductsArePendingUntilSent) {
  auto product = [](const std::string& program, const std::string& sku, int64_t at_s) {
    app::Product p;
    p.program_id = program;
    p.sku = sku;
    p.name = "亞麻襯衫";
    p.category = "tops";
    p.url = "https://shop.example/p/" + sku;
    p.price = 1280;
    p.announced_at = at(at_s);
    return p;
  };
  auto put = [&](const app::Product& p) {
    CommandWrite w;
    w.program_id = p.program_id;
    w.product = p;
    write(w);
  };
  put(product("default", "B", 200));
  put(product("default", "A", 100));
  put(product("default", "C", 500));
  put(product("other", "D", 100));
  auto pending = store_->pending_products("default", at(300), 50);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2u);  // not C (later), not the other program's
  EXPECT_EQ((*pending)[0].sku, "A");
  EXPECT_EQ((*pending)[1].sku, "B");
  EXPECT_EQ((*pending)[0], product("default", "A", 100));
  app::Product sent = product("default", "A", 100);
  sent.state = "sent";
  sent.notified = 12;
  sent.sent_at = at(301);
  sent.name = "changed";  // not what an update writes
  put(sent);
  auto found = store_->find_product("default", "A");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->state, "sent");
  EXPECT_EQ((*found)->notified, 12);
  EXPECT_EQ((*found)->sent_at, at(301));
  EXPECT_EQ((*found)->name, "亞麻襯衫");
  auto after = store_->pending_products("default", at(1000), 50);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].sku, "B");
  EXPECT_EQ((*after)[1].sku, "C");
  EXPECT_EQ(store_->pending_products("default", at(1000), 1)->size(), 1u);
  EXPECT_FALSE(store_->find_product("other", "A")->has_value());
}

TEST_P(Outbox, EndpointsUpsertAndKeepTheirCreationTime) {
  WebhookEndpoint e = endpoint("default", "whk_a");
  CommandWrite w;
  w.program_id = "default";
  w.webhook_endpoint = e;
  write(w);
  w.webhook_endpoint = endpoint("other", "whk_b");
  w.program_id = "other";
  write(w);

  WebhookEndpoint changed = e;
  changed.url = "https://shop.example/v2/hooks";
  changed.events = {"*"};
  changed.enabled = false;
  changed.cursor = 17;
  changed.max_in_flight = 2;
  changed.messages = true;
  changed.created_at = at(99);  // ignored: the first creation time stays
  changed.updated_at = at(50);
  w.program_id = "default";
  w.webhook_endpoint = changed;
  write(w);

  auto list = store_->webhook_endpoints("default");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  WebhookEndpoint want = changed;
  want.created_at = at(1);
  EXPECT_EQ(list->front(), want);
  auto other = store_->webhook_endpoints("other");
  ASSERT_TRUE(other);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ(other->front().id, "whk_b");
}

TEST_P(Outbox, DeliveriesAreOnePerEventComeDueByTimeAndUpdateInPlace) {
  append({event("default", "credit.earned", "m1", 10), event("default", "credit.earned", "m2", 11),
          event("default", "credit.earned", "m3", 12)});
  CommandWrite w;
  w.program_id = "default";
  w.deliveries = {delivery("whk_a", 1, 30), delivery("whk_a", 2, 20), delivery("whk_a", 3, 90),
                  delivery("whk_b", 1, 10)};
  write(w);

  auto due = store_->due_deliveries("default", "whk_a", at(30), 50);
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].event_id, 2);  // due at 20, before the one due at 30
  EXPECT_EQ((*due)[1].event_id, 1);
  EXPECT_GT((*due)[0].id, 0);
  WebhookDelivery want = delivery("whk_a", 2, 20);
  want.id = (*due)[0].id;
  EXPECT_EQ((*due)[0], want);
  auto limited = store_->due_deliveries("default", "whk_a", at(30), 1);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->size(), 1u);

  // An attempt: delivered, with its result.
  WebhookDelivery done = (*due)[0];
  done.state = "delivered";
  done.attempts = 1;
  done.last_attempt_at = at(31);
  done.last_status = 204;
  done.last_duration_us = 1234;
  // A failed one: retried later.
  WebhookDelivery retry = (*due)[1];
  retry.attempts = 1;
  retry.next_attempt_at = at(100);
  retry.last_attempt_at = at(31);
  retry.last_status = 503;
  retry.last_error = "http 503";
  w.deliveries = {done, retry};
  write(w);
  auto after = store_->due_deliveries("default", "whk_a", at(95), 50);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(after->front().event_id, 3);
  auto found = store_->find_delivery("default", done.id);
  ASSERT_TRUE(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, done);
  auto elsewhere = store_->find_delivery("other", done.id);
  ASSERT_TRUE(elsewhere);
  EXPECT_FALSE(elsewhere->has_value());

  // The log: newest first, by state, with a cursor.
  auto log = store_->deliveries_page("default", "whk_a", "", {"", 2});
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].event_id, 3);
  EXPECT_EQ((*log)[1].event_id, 2);
  auto next = store_->deliveries_page("default", "whk_a", "", {std::to_string((*log)[1].id), 2});
  ASSERT_TRUE(next);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ(next->front().event_id, 1);
  auto delivered = store_->deliveries_page("default", "whk_a", "delivered", {});
  ASSERT_TRUE(delivered);
  ASSERT_EQ(delivered->size(), 1u);
  EXPECT_EQ(delivered->front().id, done.id);

  // A second delivery of the same event to the same endpoint fails, and
  // its whole write with it.
  w.deliveries = {delivery("whk_b", 2, 10), delivery("whk_a", 1, 10)};
  EXPECT_FALSE(try_write(w));
  auto b = store_->deliveries_page("default", "whk_b", "", {});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->size(), 1u);
  // So does an update of a delivery that does not exist, or a bad state.
  WebhookDelivery ghost = done;
  ghost.id = 9999;
  w.deliveries = {ghost};
  EXPECT_FALSE(try_write(w));
  WebhookDelivery bad = done;
  bad.state = "lost";
  w.deliveries = {bad};
  EXPECT_FALSE(try_write(w));
}

TEST_P(Outbox, ARolledBackWriteLeavesNoEvents) {
  CommandWrite w;
  w.program_id = "default";
  w.events = {event("default", "credit.earned", "m1", 10)};
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->apply(w));
  ASSERT_TRUE(store_->rollback());
  auto all = store_->events_after("default", "", 0, 50);
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->empty());
  auto last = store_->last_event_id();
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, Outbox, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace patron
