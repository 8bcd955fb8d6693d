// Webhooks end to end: a real `patron serve` on the Taiwan example program
// delivers the outbox to a loopback receiver. Events of members and orders
// driven over the API arrive signed (the receiver verifies Patron-Signature
// with the endpoint's secret) with their stable ids; the same events are
// listed by GET /v1/events; a failing receiver is retried with backoff until
// the delivery is dead, and a replay sends it again; filters, disabling,
// bad input, permissions and tenant isolation.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>
#include <tuple>

#include "core/time.h"
#include "support/http_client.h"
#include "support/run_patron.h"
#include "support/temp_dir.h"
#include "support/webhook_receiver.h"
#include "webhooks/signature.h"

namespace patron {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::Headers;
using testing::HttpClient;
using testing::HttpResponse;
using testing::last_line;
using testing::ServerProcess;
using testing::WebhookReceiver;

constexpr const char* kSecret = "whsec_test_0123456789";

class WebhooksApi : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("hooks.db");
    ASSERT_EQ(cli({"program", "apply", std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml"}).code,
              0);
    ASSERT_EQ(cli({"program", "create", "b", "--currency", "GBP", "--minor-digits", "2",
                   "--time-zone", "Europe/London"})
                  .code,
              0);
    for (const char* role : {"admin", "integration", "storefront", "analyst"}) {
      keys_[role] = {
          {"Authorization", "Bearer " + last_line(cli({"keys", "create", "--role", role}).out)}};
    }
    keys_["b_admin"] = {
        {"Authorization",
         "Bearer " + last_line(cli({"--program", "b", "keys", "create", "--role", "admin"}).out)}};
    // Retries after about 1 s, then 2 s; the third failure is final.
    server_ = std::make_unique<ServerProcess>(
        PATRON_BINARY, db_, dir_.path().string(),
        std::vector<std::string>{"--jobs-interval", "0", "--webhook-backoff-ms", "1000",
                                 "--webhook-attempts", "3"});
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  testing::Outcome cli(std::vector<std::string> args) {
    return testing::run_patron(PATRON_BINARY, dir_, {"--db", db_}, args);
  }
  HttpResponse call(const std::string& who, const std::string& method, const std::string& target,
                    const std::string& body = "") {
    return client_->request(method, target, body, keys_.at(who));
  }
  std::string create_hook(const std::string& url, const std::string& events) {
    auto r =
        call("admin", "POST", "/v1/webhooks",
             R"({"url":")" + url + R"(","secret":")" + kSecret + R"(","events":)" + events + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_FALSE(r.json().as_object().contains("secret")) << r.body;
    return std::string(r.json().at("id").as_string());
  }
  // Restarts the server with its clock standing at `now` (`--now`): every
  // request, job and delivery happens then. Each server logs in its own
  // directory, so the next one cannot read the previous "listening on" line.
  void serve_at(const std::string& now) {
    client_.reset();
    if (server_) {
      EXPECT_EQ(server_->stop(SIGTERM), 0);  // finishes deliveries under way
    }
    auto logs = dir_.path() / ("serve-" + std::to_string(++servers_));
    std::filesystem::create_directories(logs);
    server_ = std::make_unique<ServerProcess>(
        PATRON_BINARY, db_, logs.string(),
        std::vector<std::string>{"--jobs-interval", "0", "--now", now});
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  // Waits until the receiver got as many requests as the outbox has events
  // (an endpoint for every type), then a little longer for the delivery
  // outcomes to be recorded.
  void wait_all_delivered(const WebhookReceiver& receiver) {
    auto events = call("admin", "GET", "/v1/events?limit=200");
    EXPECT_EQ(events.status, 200) << events.body;
    const std::size_t written = events.json().at("events").as_array().size();
    EXPECT_TRUE(receiver.wait_for(written, 10s)) << receiver.received().size() << "/" << written;
    std::this_thread::sleep_for(200ms);
  }
  void run_job(const std::string& job) {
    auto r = call("admin", "POST", "/v1/jobs/runs", R"({"job":")" + job + "\"}");
    ASSERT_TRUE(r.status == 200 || r.status == 201) << job << ": " << r.body;
  }
  // Polls the delivery log until `done` holds for it (or 20 s pass).
  json::array deliveries_until(const std::string& hook,
                               const std::function<bool(const json::array&)>& done) {
    json::array last;
    for (int i = 0; i < 200; ++i) {
      auto r = call("admin", "GET", "/v1/webhooks/" + hook + "/deliveries");
      EXPECT_EQ(r.status, 200) << r.body;
      json::value v = r.json();
      last = v.at("deliveries").as_array();
      if (done(last)) return last;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "deliveries never reached the expected state: " << json::serialize(last);
    return last;
  }

  testing::TempDir dir_;
  std::string db_;
  std::map<std::string, Headers> keys_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
  int servers_ = 0;
};

TEST_F(WebhooksApi, EventsOfAnOrderArriveSignedWithStableIds) {
  WebhookReceiver receiver;
  // Only an admin key registers endpoints.
  EXPECT_EQ(call("integration", "POST", "/v1/webhooks",
                 R"({"url":")" + receiver.url("/in") + R"(","secret":")" + kSecret + "\"}")
                .status,
            403);
  std::string hook = create_hook(receiver.url("/in"), R"(["*"])");

  // Signup (入會禮 NT$100), then an order of NT$3,500 paid: 每滿千送 rebate
  // pending for the return window, and 一般 -> 銀卡 at once (entry 3,000).
  ASSERT_EQ(call("integration", "PUT", "/v1/members/m1", R"({"email":"m1@example.com"})").status,
            201);
  auto order = call("integration", "PUT", "/v1/orders/o1",
                    R"({"member_id":"m1","lines":[{"line_id":"1","sku":"DRESS","quantity":1,)"
                    R"("unit_price":3500}],"events":[{"event":"paid"}]})");
  ASSERT_TRUE(order.status == 200 || order.status == 201) << order.body;

  ASSERT_TRUE(receiver.wait_for(4, 10s)) << receiver.received().size();
  std::this_thread::sleep_for(300ms);  // nothing more should come
  std::vector<testing::Received> got = receiver.received();
  std::multiset<std::string> types;
  std::set<std::string> ids;
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (const auto& r : got) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.path, "/in");
    auto verified = webhooks::verify(r.header("patron-signature"), kSecret, r.body, now);
    EXPECT_TRUE(verified.has_value()) << (verified ? "" : verified.error().message);
    EXPECT_FALSE(
        webhooks::verify(r.header("patron-signature"), "another-secret-123456", r.body, now)
            .has_value());
    json::value body = json::parse(r.body);
    EXPECT_EQ(body.at("id").as_string(), r.header("patron-event-id"));
    EXPECT_EQ(body.at("type").as_string(), r.header("patron-event-type"));
    EXPECT_EQ(body.at("member_id").as_string(), "m1");
    EXPECT_EQ(body.at("program_id").as_string(), "default");
    types.insert(std::string(body.at("type").as_string()));
    ids.insert(std::string(body.at("id").as_string()));
  }
  EXPECT_EQ(ids.size(), got.size()) << "an event came twice";
  EXPECT_EQ(types.count("reward.signup"), 1u);
  EXPECT_EQ(types.count("credit.earned"), 2u);  // the signup credit and the order's rebate
  EXPECT_EQ(types.count("tier.upgraded"), 1u);
  for (const auto& r : got) {
    json::value body = json::parse(r.body);
    if (body.at("type").as_string() == "tier.upgraded") {
      EXPECT_EQ(body.at("data").at("to").as_string(), "silver") << r.body;
      EXPECT_EQ(body.at("data").at("to_name").as_string(), "銀卡") << r.body;
    }
    if (body.at("type").as_string() == "credit.earned" &&
        body.at("data").at("source").as_string() != "signup") {
      EXPECT_EQ(body.at("data").at("order_id").as_string(), "o1") << r.body;
      EXPECT_EQ(body.at("data").at("state").as_string(), "pending") << r.body;
      EXPECT_EQ(body.at("data").at("amount").as_int64(), 150) << r.body;  // 3 x 50
    }
  }

  // The same events, in order, for a consumer that polls.
  EXPECT_EQ(call("storefront", "GET", "/v1/events").status, 403);
  auto listed = call("integration", "GET", "/v1/events?member_id=m1");
  ASSERT_EQ(listed.status, 200) << listed.body;
  json::value events = listed.json();
  std::set<std::string> listed_ids;
  for (const auto& e : events.at("events").as_array()) {
    listed_ids.insert(std::string(e.at("id").as_string()));
  }
  EXPECT_EQ(listed_ids, ids);
  auto page = call("analyst", "GET", "/v1/events?limit=1");
  ASSERT_EQ(page.status, 200) << page.body;
  json::value first = page.json();
  ASSERT_EQ(first.at("events").as_array().size(), 1u);
  auto next = call("analyst", "GET",
                   "/v1/events?limit=1&after=" + std::string(first.at("next_cursor").as_string()));
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_NE(next.json().at("events").at(0).at("id"), first.at("events").at(0).at("id"));

  json::array log = deliveries_until(hook, [&](const json::array& rows) {
    return rows.size() == got.size() &&
           std::all_of(rows.begin(), rows.end(),
                       [](const json::value& d) { return d.at("state") == "delivered"; });
  });
  for (const auto& d : log) {
    EXPECT_EQ(d.at("attempts").as_int64(), 1);
    EXPECT_EQ(d.at("last_status").as_int64(), 200);
  }
}

TEST_F(WebhooksApi, AFailingReceiverIsRetriedUntilDeadThenReplayed) {
  WebhookReceiver receiver;
  std::atomic<int> status{503};
  receiver.set_responder([&](const testing::Received&, std::size_t) {
    testing::Reply reply;
    reply.status = status.load();
    return reply;
  });
  // Only rewards: the signup's credit.earned is filtered out.
  std::string hook = create_hook(receiver.url("/"), R"(["reward.*"])");
  ASSERT_EQ(call("integration", "PUT", "/v1/members/m2", "{}").status, 201);

  json::array dead = deliveries_until(hook, [](const json::array& rows) {
    return rows.size() == 1 && rows[0].at("state") == "dead";
  });
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].at("attempts").as_int64(), 3);
  EXPECT_EQ(dead[0].at("last_status").as_int64(), 503);
  EXPECT_EQ(dead[0].at("last_error").as_string(), "http 503");
  EXPECT_EQ(dead[0].at("event_type").as_string(), "reward.signup");
  ASSERT_EQ(receiver.received().size(), 3u);
  auto dead_only = call("admin", "GET", "/v1/webhooks/" + hook + "/deliveries?state=dead");
  ASSERT_EQ(dead_only.status, 200);
  EXPECT_EQ(dead_only.json().at("deliveries").as_array().size(), 1u);

  status = 204;
  auto replay = call("admin", "POST", "/v1/webhooks/" + hook + "/replay", "{}");
  ASSERT_EQ(replay.status, 200) << replay.body;
  EXPECT_EQ(replay.json().at("replayed").as_int64(), 1);
  deliveries_until(hook, [](const json::array& rows) {
    return rows.size() == 1 && rows[0].at("state") == "delivered";
  });
  std::vector<testing::Received> got = receiver.received();
  ASSERT_EQ(got.size(), 4u);
  for (const auto& r : got) {
    EXPECT_EQ(r.header("patron-event-id"), got[0].header("patron-event-id"));  // at least once
    EXPECT_EQ(r.header("patron-event-type"), "reward.signup");
  }
  // Replaying one delivery that is not dead works too; a pending one is a conflict.
  auto one = call("admin", "POST", "/v1/webhooks/" + hook + "/replay",
                  R"({"delivery_id":)" + std::to_string(dead[0].at("id").as_int64()) + "}");
  EXPECT_EQ(one.status, 200) << one.body;
  // The audit log has the admin's changes, never the secret.
  auto audit = call("admin", "GET", "/v1/audit");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("webhook.create"), std::string::npos);
  EXPECT_NE(audit.body.find("webhook.replay"), std::string::npos);
  EXPECT_EQ(audit.body.find(kSecret), std::string::npos);
}

TEST_F(WebhooksApi, ADisabledEndpointHearsNothingUntilEnabledAgain) {
  WebhookReceiver receiver;
  std::string hook = create_hook(receiver.url("/"), R"(["reward.signup"])");
  auto off = call("admin", "PATCH", "/v1/webhooks/" + hook, R"({"enabled":false})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_FALSE(off.json().at("enabled").as_bool());
  ASSERT_EQ(call("integration", "PUT", "/v1/members/quiet", "{}").status, 201);
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(receiver.received().empty());
  // Back on: what happened meanwhile is not sent, what happens next is.
  ASSERT_EQ(call("admin", "PATCH", "/v1/webhooks/" + hook, R"({"enabled":true})").status, 200);
  ASSERT_EQ(call("integration", "PUT", "/v1/members/loud", "{}").status, 201);
  ASSERT_TRUE(receiver.wait_for(1, 10s));
  std::this_thread::sleep_for(300ms);
  std::vector<testing::Received> got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(json::parse(got[0].body).at("member_id").as_string(), "loud");
}

// The Taiwan example with quiet hours from the hour `from` for `hours`
// hours (Taipei), applied over HTTP.
void put_quiet_hours(HttpClient& client, const Headers& admin, int from, int hours) {
  std::ifstream in(std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml");
  std::string toml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string line = "quiet_hours = \"22:00-08:00\"";
  auto at = toml.find(line);
  ASSERT_NE(at, std::string::npos) << "the example's [messages] has no " << line;
  auto two = [](int h) { return (h < 10 ? "0" : "") + std::to_string(h); };
  toml.replace(at, line.size(),
               "quiet_hours = \"" + two(from % 24) + ":00-" + two((from + hours) % 24) + ":00\"");
  auto got = client.request("GET", "/v1/program", "", admin);
  Headers headers = admin;
  headers.emplace_back("Content-Type", "application/toml");
  headers.emplace_back("If-Match", got.header("etag"));
  auto put = client.request("PUT", "/v1/program", toml, headers);
  ASSERT_EQ(put.status, 201) << put.body;  // a new version
}

// The hour it is now in Taipei (UTC+8, no daylight saving).
int taipei_hour() {
  auto now = std::chrono::system_clock::now();
  auto hours = std::chrono::duration_cast<std::chrono::hours>(now.time_since_epoch()).count();
  return static_cast<int>((hours + 8) % 24);
}

TEST_F(WebhooksApi, MessagesReachAProviderInTheMembersLanguage) {
  WebhookReceiver provider, crm;
  auto made = call("admin", "POST", "/v1/webhooks",
                   R"({"url":")" + provider.url("/notify") + R"(","secret":")" + kSecret +
                       R"(","events":["reward.*"],"messages":true})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_TRUE(made.json().at("messages").as_bool());
  const std::string provider_hook(made.json().at("id").as_string());
  create_hook(crm.url("/crm"), R"(["reward.*"])");
  // Quiet hours that start two hours from now: not now.
  put_quiet_hours(*client_, keys_.at("admin"), taipei_hour() + 2, 1);

  auto ming = call("integration", "PUT", "/v1/members/ming",
                   R"({"name":"王小明","email":"ming@example.tw"})");
  ASSERT_EQ(ming.status, 201) << ming.body;
  EXPECT_EQ(ming.json().at("member").at("name").as_string(), "王小明");
  EXPECT_FALSE(ming.json().at("member").at("consent").at("email").as_bool());
  auto ann =
      call("integration", "PUT", "/v1/members/ann",
           R"({"name":"Ann","locale":"en","email":"ann@example.com","consent":{"email":true}})");
  ASSERT_EQ(ann.status, 201) << ann.body;
  EXPECT_TRUE(ann.json().at("member").at("consent").at("email").as_bool());
  // Bad consent or locale: 400 naming the field, and no member.
  for (auto [body, field] : {std::pair{R"({"consent":{"fax":true}})", "consent.fax"},
                             std::pair{R"({"consent":{"sms":"yes"}})", "consent.sms"},
                             std::pair{R"({"consent":["email"]})", "consent"},
                             std::pair{R"({"locale":"fr"})", "locale"}}) {
    auto bad = call("integration", "PUT", "/v1/members/bad", body);
    EXPECT_EQ(bad.status, 400) << body << " " << bad.body;
    EXPECT_EQ(bad.json().at("field").as_string(), field) << bad.body;
  }
  EXPECT_EQ(call("integration", "GET", "/v1/members/bad").status, 404);

  // Signup rewards: transactional messages, at once, in each member's language.
  ASSERT_TRUE(provider.wait_for(2, 10s)) << provider.received().size();
  std::map<std::string, json::value> by_member;
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (const auto& r : provider.received()) {
    EXPECT_TRUE(webhooks::verify(r.header("patron-signature"), kSecret, r.body, now).has_value());
    json::value body = json::parse(r.body);
    by_member[std::string(body.at("member_id").as_string())] = body;
  }
  ASSERT_EQ(by_member.size(), 2u);
  const json::value& zh = by_member["ming"].at("message");
  EXPECT_EQ(zh.at("status").as_string(), "ready");
  EXPECT_EQ(zh.at("locale").as_string(), "zh-TW");
  EXPECT_EQ(zh.at("subject").as_string(), "歡迎加入！送您 NT$100");
  EXPECT_NE(std::string(zh.at("body").as_string()).find("王小明 您好"), std::string::npos) << zh;
  const json::value& en = by_member["ann"].at("message");
  EXPECT_EQ(en.at("locale").as_string(), "en");
  EXPECT_EQ(en.at("subject").as_string(), "Welcome! Here is NT$100");
  EXPECT_EQ(en.at("to").at("email").as_string(), "ann@example.com");

  // Quiet hours from this hour on: the CRM hears of the next signup at once,
  // with a message to send when they end; the provider hears nothing yet.
  put_quiet_hours(*client_, keys_.at("admin"), taipei_hour(), 2);
  ASSERT_TRUE(crm.wait_for(2, 10s));
  ASSERT_EQ(call("integration", "PUT", "/v1/members/late", R"({"email":"late@example.tw"})").status,
            201);
  ASSERT_TRUE(crm.wait_for(3, 10s)) << crm.received().size();
  json::value late = json::parse(crm.received().back().body);
  EXPECT_EQ(late.at("member_id").as_string(), "late");
  const std::string send_after(late.at("message").at("send_after").as_string());
  EXPECT_GT(send_after, std::string(late.at("created_at").as_string()));
  json::array pending =
      deliveries_until(provider_hook, [](const json::array& rows) { return rows.size() == 3; });
  EXPECT_EQ(pending[0].at("state").as_string(), "pending");  // newest first
  EXPECT_EQ(pending[0].at("attempts").as_int64(), 0);
  EXPECT_EQ(pending[0].at("next_attempt_at").as_string(), send_after);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(provider.received().size(), 2u);
}

// A cart posted over the API and left 5 hours: the carts job (run over the
// API) sends one cart.abandoned, with its message, to the endpoint.
TEST_F(WebhooksApi, AnAbandonedCartRemindsTheMemberOnce) {
  WebhookReceiver receiver;
  create_hook(receiver.url("/carts"), R"(["cart.*"])");
  ASSERT_EQ(call("integration", "PUT", "/v1/members/m1",
                 R"({"email":"m1@example.tw","consent":{"email":true}})")
                .status,
            201);
  const std::string five_hours_ago =
      format_instant(std::chrono::time_point_cast<std::chrono::seconds>(
          std::chrono::system_clock::now() - std::chrono::hours{5}));
  const std::string cart =
      R"({"id":"k1","member_id":"m1","url":"https://shop.example/cart/k1","at":")" +
      five_hours_ago +
      R"(","items":[{"sku":"DRESS","name":"洋裝","category":"dresses","quantity":1,"unit_price":1980},)"
      R"({"sku":"BELT","quantity":2,"unit_price":350}]})";
  EXPECT_EQ(call("storefront", "POST", "/v1/carts", cart).status, 403);  // carts:write
  auto posted = call("integration", "POST", "/v1/carts", cart);
  ASSERT_EQ(posted.status, 201) << posted.body;
  EXPECT_EQ(posted.json().at("cart").at("total").as_int64(), 2680);
  auto got = call("storefront", "GET", "/v1/carts/k1");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json().at("items").as_array().size(), 2u);
  EXPECT_EQ(call("storefront", "GET", "/v1/carts/nope").status, 404);
  for (auto [body, status, field] :
       {std::tuple{R"({"id":"k2","member_id":"m1"})", 400, "items"},
        std::tuple{R"({"id":"k2","member_id":"m1","items":[{"sku":"X"}]})", 400,
                   "items[0].unit_price"},
        std::tuple{R"({"id":"k2","member_id":"m1","items":[{"sku":"X","unit_price":-1}]})", 400,
                   "items[0].unit_price"},
        std::tuple{R"({"id":"k2","member_id":"ghost","items":[]})", 404, "member_id"},
        std::tuple{R"({"id":"k2","member_id":"m1","items":[],"colour":"red"})", 400, "colour"}}) {
    auto bad = call("integration", "POST", "/v1/carts", body);
    EXPECT_EQ(bad.status, status) << body << " " << bad.body;
    EXPECT_EQ(bad.json().at("field").as_string(), field) << bad.body;
  }
  EXPECT_EQ(call("integration", "GET", "/v1/carts/k2").status, 404);

  for (int run = 0; run < 2; ++run) {
    auto job = call("admin", "POST", "/v1/jobs/runs", R"({"job":"carts"})");
    ASSERT_TRUE(job.status == 200 || job.status == 201) << job.body;
  }
  ASSERT_TRUE(receiver.wait_for(1, 10s));
  std::this_thread::sleep_for(500ms);  // a second reminder would have come by now
  auto got_events = receiver.received();
  ASSERT_EQ(got_events.size(), 1u);
  json::value event = json::parse(got_events[0].body);
  EXPECT_EQ(event.at("type").as_string(), "cart.abandoned");
  EXPECT_EQ(event.at("data").at("cart_id").as_string(), "k1");
  EXPECT_EQ(event.at("data").at("item_count").as_int64(), 3);
  EXPECT_EQ(event.at("data").at("hours_idle").as_int64(), 5);
  EXPECT_EQ(event.at("message").at("subject").as_string(), "您的購物車還在等您");
  EXPECT_NE(std::string(event.at("message").at("body").as_string()).find("NT$2,680"),
            std::string::npos)
      << event;
}

// A new product announced over the API reaches, through the products job
// and a webhook, the member whose orders show its category; once.
TEST_F(WebhooksApi, ANewProductReachesTheMembersOfItsCategoryOnce) {
  WebhookReceiver receiver;
  create_hook(receiver.url("/products"), R"(["product.*"])");
  ASSERT_EQ(call("integration", "PUT", "/v1/members/m1", R"({"email":"m1@example.tw"})").status,
            201);
  ASSERT_EQ(call("integration", "PUT", "/v1/members/m2", R"({"email":"m2@example.tw"})").status,
            201);
  for (auto [member, category] : {std::pair{"m1", "dresses"}, std::pair{"m2", "shoes"}}) {
    auto order = call("integration", "PUT", std::string("/v1/orders/o-") + member,
                      std::string(R"({"member_id":")") + member +
                          R"(","lines":[{"line_id":"1","sku":"OLD","category":")" + category +
                          R"(","quantity":1,"unit_price":1200}],"events":[{"event":"paid"}]})");
    ASSERT_TRUE(order.status == 200 || order.status == 201) << order.body;
  }
  const std::string product =
      R"({"sku":"NEW-DRESS","name":"碎花洋裝","category":"dresses","price":1680,)"
      R"("url":"https://shop.example/p/NEW-DRESS"})";
  EXPECT_EQ(call("storefront", "POST", "/v1/products", product).status, 403);
  auto made = call("integration", "POST", "/v1/products", product);
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.json().at("state").as_string(), "pending");
  EXPECT_EQ(call("integration", "POST", "/v1/products", product).status, 409);
  for (auto [body, field] :
       {std::pair{R"({"sku":"Y","name":"n"})", "category"},
        std::pair{R"({"sku":"Y","category":"c"})", "name"},
        std::pair{R"({"sku":"Y","name":"n","category":"c","price":-5})", "price"}}) {
    auto bad = call("integration", "POST", "/v1/products", body);
    EXPECT_EQ(bad.status, 400) << body << " " << bad.body;
    EXPECT_EQ(bad.json().at("field").as_string(), field) << bad.body;
  }
  EXPECT_EQ(call("storefront", "GET", "/v1/products/Y").status, 404);

  for (int run = 0; run < 2; ++run) {
    auto job = call("admin", "POST", "/v1/jobs/runs", R"({"job":"products"})");
    ASSERT_TRUE(job.status == 200 || job.status == 201) << job.body;
  }
  ASSERT_TRUE(receiver.wait_for(1, 10s));
  std::this_thread::sleep_for(500ms);  // a second notice would have come by now
  auto got = receiver.received();
  ASSERT_EQ(got.size(), 1u);
  json::value event = json::parse(got[0].body);
  EXPECT_EQ(event.at("type").as_string(), "product.new");
  EXPECT_EQ(event.at("member_id").as_string(), "m1");
  EXPECT_EQ(event.at("data").at("product_name").as_string(), "碎花洋裝");
  EXPECT_EQ(event.at("message").at("subject").as_string(), "新品上市：碎花洋裝");
  auto sent = call("storefront", "GET", "/v1/products/NEW-DRESS");
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(sent.json().at("state").as_string(), "sent");
  EXPECT_EQ(sent.json().at("notified").as_int64(), 1);
}

// The remarketing jobs over the API, with history placed in the past: a
// member whose last order is 100 days old gets reward.winback, one who buys
// a serum every 29 days gets replenishment.due, one whose credit ends in 3
// days gets credit.expiring; each arrives signed with its message.
TEST_F(WebhooksApi, RemarketingJobsDeliverSignedEventsWithMessages) {
  WebhookReceiver receiver;
  std::ifstream in(std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml");
  std::string toml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  toml +=
      "\n[replenishment]\nlead_days = 3\nlate_days = 30\n"
      "\n[[rewards]]\nid = \"come_back\"\non = \"winback\"\ninactive_days = 90\n"
      "wallet = \"credit\"\namount = 50\nexpires = \"14d\"\n";
  Headers put_headers = keys_.at("admin");
  put_headers.emplace_back("Content-Type", "application/toml");
  put_headers.emplace_back(
      "If-Match", client_->request("GET", "/v1/program", "", keys_.at("admin")).header("etag"));
  auto applied = client_->request("PUT", "/v1/program", toml, put_headers);
  ASSERT_EQ(applied.status, 201) << applied.body;
  create_hook(receiver.url("/all"), R"(["reward.winback","replenishment.due","credit.expiring"])");
  const auto now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto days_ago = [&](int d) { return format_instant(now - std::chrono::days{d}); };
  for (const char* m : {"w", "r", "e"}) {
    ASSERT_EQ(call("integration", "PUT", std::string("/v1/members/") + m,
                   std::string(R"({"email":")") + m + R"(@example.tw","consent":{"email":true}})")
                  .status,
              201);
  }
  auto order = [&](const std::string& id, const std::string& member, const std::string& sku,
                   int ago) {
    auto r = call("integration", "PUT", "/v1/orders/" + id,
                  R"({"member_id":")" + member + R"(","placed_at":")" + days_ago(ago) +
                      R"(","lines":[{"line_id":"1","sku":")" + sku +
                      R"(","quantity":1,"unit_price":800}],"events":[{"event":"paid"}]})");
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
  };
  order("w-1", "w", "TEE", 100);
  order("r-1", "r", "SERUM", 60);
  order("r-2", "r", "SERUM", 31);
  auto adjust = call("admin", "POST", "/v1/members/e/adjustments",
                     R"({"wallet":"credit","amount":100,"reason":"goodwill","expires_at":")" +
                         format_instant(now + std::chrono::days{3}) + "\"}");
  ASSERT_TRUE(adjust.status == 200 || adjust.status == 201) << adjust.body;
  for (const char* job : {"winback", "replenishment", "reminders"}) {
    auto r = call("admin", "POST", "/v1/jobs/runs", std::string(R"({"job":")") + job + "\"}");
    ASSERT_TRUE(r.status == 200 || r.status == 201) << r.body;
  }
  ASSERT_TRUE(receiver.wait_for(3, 10s)) << receiver.received().size();
  std::this_thread::sleep_for(300ms);
  std::map<std::string, json::value> by_type;
  const int64_t unix_now = to_unix_seconds(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  for (const auto& r : receiver.received()) {
    EXPECT_TRUE(
        webhooks::verify(r.header("patron-signature"), kSecret, r.body, unix_now).has_value());
    json::value body = json::parse(r.body);
    by_type[std::string(body.at("type").as_string())] = body;
  }
  ASSERT_EQ(by_type.size(), 3u) << receiver.received().size();
  EXPECT_EQ(by_type["reward.winback"].at("member_id").as_string(), "w");
  EXPECT_EQ(by_type["reward.winback"].at("message").at("subject").as_string(),
            "好久不見，送您 NT$50");
  EXPECT_EQ(by_type["replenishment.due"].at("member_id").as_string(), "r");
  EXPECT_EQ(by_type["replenishment.due"].at("data").at("sku").as_string(), "SERUM");
  EXPECT_EQ(by_type["replenishment.due"].at("data").at("interval_days").as_int64(), 29);
  EXPECT_EQ(by_type["replenishment.due"].at("message").at("subject").as_string(),
            "SERUM 該補貨了嗎？");
  EXPECT_EQ(by_type["credit.expiring"].at("member_id").as_string(), "e");
  EXPECT_EQ(by_type["credit.expiring"].at("data").at("amount").as_int64(), 100);
}

// Tier retention (續會) over the API, with the server's clock set by `--now`
// (a tier anniversary is a year away on a real clock): a member reaches 金卡
// with a NT$12,000 order paid a month before; 30 days before the anniversary
// the reminders job sends tier.will_downgrade (that order has left the
// 12-month window), and after it the tiers job sends tier.downgraded. The
// receiver gets each signed, with its message.
TEST_F(WebhooksApi, TierRetentionWarnsThenDowngradesOverTheApi) {
  WebhookReceiver receiver;
  auto types = [&] {
    std::vector<std::string> out;
    for (const auto& r : receiver.received()) {
      out.emplace_back(json::parse(r.body).at("type").as_string());
    }
    return out;
  };
  serve_at("2025-01-10T10:00:00+08:00");
  create_hook(receiver.url("/tiers"), R"(["tier.*"])");
  ASSERT_EQ(call("integration", "PUT", "/v1/members/t1",
                 R"({"email":"t1@example.tw","name":"王小明","consent":{"email":true}})")
                .status,
            201);
  auto order = call("integration", "PUT", "/v1/orders/t1-1",
                    R"({"member_id":"t1","placed_at":"2024-12-09T12:00:00+08:00",)"
                    R"("lines":[{"line_id":"1","sku":"COAT","quantity":1,"unit_price":12000}],)"
                    R"("events":[{"event":"paid","at":"2024-12-09T12:05:00+08:00"}]})");
  ASSERT_TRUE(order.status == 200 || order.status == 201) << order.body;
  ASSERT_TRUE(receiver.wait_for(1, 10s));
  EXPECT_EQ(types(), std::vector<std::string>{"tier.upgraded"});
  auto member = call("storefront", "GET", "/v1/members/t1");
  ASSERT_EQ(member.status, 200) << member.body;
  EXPECT_EQ(member.json().at("tier").at("id").as_string(), "gold") << member.body;
  EXPECT_EQ(member.json().at("tier").at("until").as_string(), "2026-01-09T16:00:00Z")
      << member.body;

  serve_at("2025-12-20T10:00:00+08:00");  // 20 days before the anniversary
  run_job("tiers");                       // not due yet: changes nothing
  run_job("reminders");
  ASSERT_TRUE(receiver.wait_for(2, 10s));
  run_job("reminders");  // sent once
  std::this_thread::sleep_for(300ms);

  serve_at("2026-01-11T09:00:00+08:00");  // the day after
  run_job("tiers");
  ASSERT_TRUE(receiver.wait_for(3, 10s));
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(types(),
            (std::vector<std::string>{"tier.upgraded", "tier.will_downgrade", "tier.downgraded"}));
  // Signed with the wall clock (a receiver checks freshness against its own).
  const int64_t unix_now = to_unix_seconds(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  for (const auto& r : receiver.received()) {
    EXPECT_TRUE(
        webhooks::verify(r.header("patron-signature"), kSecret, r.body, unix_now).has_value());
  }
  json::value warn = json::parse(receiver.received()[1].body);
  EXPECT_EQ(warn.at("member_id").as_string(), "t1");
  EXPECT_EQ(warn.at("data").at("tier").as_string(), "gold") << warn;
  EXPECT_EQ(warn.at("message").at("status").as_string(), "ready") << warn;
  json::value down = json::parse(receiver.received()[2].body);
  EXPECT_EQ(down.at("data").at("from").as_string(), "gold") << down;
  EXPECT_EQ(down.at("data").at("to").as_string(), "silver") << down;
  member = call("storefront", "GET", "/v1/members/t1");
  ASSERT_EQ(member.status, 200) << member.body;
  EXPECT_EQ(member.json().at("tier").at("id").as_string(), "silver") << member.body;
}

// The rest of the event types over the API, a program's first months with
// the server's clock moved by `--now`: signup credit, a referral rewarded and
// one held for review (same phone as the referrer), a rebate that matures
// after the return window, a 生日禮 and a 金卡 monthly free-shipping coupon
// on 1 April, and signup credit expiring after 60 days. Every event in the
// outbox reaches the receiver once, signed.
TEST_F(WebhooksApi, AProgramsFirstMonthsDeliverEveryEventTypeSigned) {
  WebhookReceiver receiver;
  serve_at("2025-03-20T10:00:00+08:00");
  create_hook(receiver.url("/all"), R"(["*"])");
  auto put = [&](const std::string& target, const std::string& body) {
    auto r = call("integration", "PUT", target, body);
    EXPECT_TRUE(r.status == 200 || r.status == 201) << target << ": " << r.body;
    return r;
  };
  auto ref = put("/v1/members/ref", R"({"email":"ref@example.tw","phone":"0912-000-001"})");
  std::string code(ref.json().at("member").at("referral_code").as_string());
  put("/v1/members/kid", R"({"email":"kid@example.tw","birthday":"1990-04-15","referred_by":")" +
                             code + R"(","consent":{"email":true}})");
  put("/v1/members/twin",
      R"({"email":"twin@example.tw","phone":"0912000001","referred_by":")" + code + R"("})");
  // 金卡 at once (NT$12,000 >= 10,000); both orders shipped today.
  put("/v1/orders/k1",
      R"({"member_id":"kid","lines":[{"line_id":"1","sku":"COAT","quantity":1,)"
      R"("unit_price":12000}],"events":[{"event":"paid"},{"event":"fulfilled"}]})");
  put("/v1/orders/w1", R"({"member_id":"twin","lines":[{"line_id":"1","sku":"TEE","quantity":2,)"
                       R"("unit_price":600}],"events":[{"event":"paid"},{"event":"fulfilled"}]})");

  wait_all_delivered(receiver);

  serve_at("2025-03-29T10:00:00+08:00");  // the 7-day return window has passed
  run_job("mature");
  run_job("referrals");
  wait_all_delivered(receiver);
  serve_at("2025-04-01T09:00:00+08:00");  // the birth month, and a new month for 金卡
  run_job("birthdays");
  run_job("monthly");
  wait_all_delivered(receiver);
  serve_at("2025-05-20T10:00:00+08:00");  // the 60 days of signup credit are over
  run_job("expire");
  wait_all_delivered(receiver);

  const int64_t unix_now = to_unix_seconds(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  std::map<std::string, std::vector<json::value>> by_type;
  std::set<std::string> ids;
  for (const auto& r : receiver.received()) {
    EXPECT_TRUE(
        webhooks::verify(r.header("patron-signature"), kSecret, r.body, unix_now).has_value());
    json::value body = json::parse(r.body);
    EXPECT_TRUE(ids.insert(std::string(body.at("id").as_string())).second) << "twice: " << r.body;
    by_type[std::string(body.at("type").as_string())].push_back(body);
  }
  for (const char* type : {"reward.signup", "credit.earned", "tier.upgraded", "credit.matured",
                           "referral.rewarded", "referral.review", "reward.birthday",
                           "reward.monthly", "coupon.issued", "credit.expired"}) {
    EXPECT_TRUE(by_type.contains(type)) << type;
  }
  auto members = [&](const std::string& type) {
    std::multiset<std::string> out;
    for (const json::value& e : by_type[type]) out.emplace(e.at("member_id").as_string());
    return out;
  };
  EXPECT_EQ(members("reward.signup"), (std::multiset<std::string>{"kid", "ref", "twin"}));
  EXPECT_EQ(members("referral.rewarded"), (std::multiset<std::string>{"kid", "ref"}));
  ASSERT_EQ(by_type["referral.review"].size(), 1u);
  EXPECT_EQ(by_type["referral.review"][0].at("data").at("referee_id").as_string(), "twin");
  EXPECT_EQ(members("credit.matured"), (std::multiset<std::string>{"kid", "twin"}));
  EXPECT_EQ(members("reward.birthday"), std::multiset<std::string>{"kid"});
  EXPECT_EQ(by_type["reward.birthday"][0].at("data").at("amount").as_int64(), 200);
  EXPECT_EQ(members("coupon.issued"), std::multiset<std::string>{"kid"});
  EXPECT_FALSE(by_type["coupon.issued"][0].at("data").at("code").as_string().empty());
  // Signup credit nobody spent: each member's NT$100.
  EXPECT_EQ(members("credit.expired"), (std::multiset<std::string>{"kid", "ref", "twin"}));
  // Nothing is left undelivered.
  auto events = call("admin", "GET", "/v1/events?limit=200");
  ASSERT_EQ(events.status, 200);
  EXPECT_EQ(events.json().at("events").as_array().size(), receiver.received().size());
}

TEST_F(WebhooksApi, BadInputIsRefusedNamingTheFieldAndOtherProgramsSeeNothing) {
  auto refused = [&](const std::string& body, const std::string& field) {
    auto r = call("admin", "POST", "/v1/webhooks", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    EXPECT_EQ(r.json().at("field").as_string(), field) << r.body;
  };
  refused(R"({"url":"ftp://example.com/x","secret":"whsec_0123456789abcdef"})", "url");
  refused(R"({"url":"https://","secret":"whsec_0123456789abcdef"})", "url");
  refused(R"({"url":"https://example.com/x","secret":"short"})", "secret");
  refused(R"({"url":"https://example.com/x","secret":"whsec_0123456789abcdef","events":["nope"]})",
          "events");
  refused(R"({"url":"https://example.com/x","secret":"whsec_0123456789abcdef","events":[]})",
          "events");
  refused(R"({"url":"https://example.com/x","secret":"whsec_0123456789abcdef","events":"*"})",
          "events");
  refused(R"({"url":"https://example.com/x","secret":"whsec_0123456789abcdef","max_in_flight":0})",
          "max_in_flight");
  refused(R"({"url":"https://example.com/x","secret":"whsec_0123456789abcdef","colour":"red"})",
          "colour");
  refused(R"({"secret":"whsec_0123456789abcdef"})", "url");
  auto none = call("admin", "GET", "/v1/webhooks");
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(none.json().at("webhooks").as_array().empty()) << none.body;

  std::string hook = create_hook("https://shop.example/hooks", R"(["credit.*","tier.upgraded"])");
  auto bad_patch = call("admin", "PATCH", "/v1/webhooks/" + hook, R"({"url":"mailto:x"})");
  EXPECT_EQ(bad_patch.status, 400);
  EXPECT_EQ(bad_patch.json().at("field").as_string(), "url");
  auto listed = call("admin", "GET", "/v1/webhooks");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.json().at("webhooks").at(0).at("url").as_string(),
            "https://shop.example/hooks");  // the bad change changed nothing
  EXPECT_EQ(call("admin", "PATCH", "/v1/webhooks/whk_0000000000000000", "{}").status, 404);
  EXPECT_EQ(call("admin", "GET", "/v1/webhooks/whk_0000000000000000/deliveries").status, 404);

  // Program b's admin neither sees nor changes program default's endpoint.
  auto theirs = call("b_admin", "GET", "/v1/webhooks");
  ASSERT_EQ(theirs.status, 200);
  EXPECT_TRUE(theirs.json().at("webhooks").as_array().empty());
  EXPECT_EQ(call("b_admin", "PATCH", "/v1/webhooks/" + hook, R"({"enabled":false})").status, 404);
  EXPECT_EQ(call("b_admin", "POST", "/v1/webhooks/" + hook + "/replay", "{}").status, 404);
  EXPECT_EQ(call("b_admin", "GET", "/v1/webhooks/" + hook + "/deliveries").status, 404);
  ASSERT_EQ(call("integration", "PUT", "/v1/members/m3", "{}").status, 201);
  auto b_events = call("b_admin", "GET", "/v1/events");
  ASSERT_EQ(b_events.status, 200);
  EXPECT_TRUE(b_events.json().at("events").as_array().empty()) << b_events.body;
}

}  // namespace
}  // namespace patron
