// The HTTP API end to end: a real `patron serve` on a loopback port over a
// real SQLite file, driven by an HTTP client. Covers the contract routes,
// auth per role and route, tenant isolation, bad input (which must change
// nothing), idempotent replays, concurrent holds, and SIGTERM under load.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "app/keys.h"
#include "app/queries.h"
#include "http/api.h"
#include "support/http_client.h"
#include "support/run_patron.h"
#include "support/temp_dir.h"

namespace patron {
namespace {

namespace json = boost::json;
using testing::Headers;
using testing::HttpClient;
using testing::HttpResponse;
using testing::ServerProcess;

using testing::last_line;

// One server for the suite; each test uses its own member ids.
class HttpApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    auto cli = [](std::vector<std::string> args) {
      auto r = testing::run_patron(PATRON_BINARY, *dir_, {"--db", db()}, args);
      EXPECT_EQ(r.code, 0) << r.err;
      return r;
    };
    cli({"program", "create", "b", "--currency", "GBP", "--minor-digits", "2", "--time-zone",
         "Europe/London"});
    for (const char* role : {"admin", "integration", "storefront", "analyst"}) {
      keys_[role] = last_line(cli({"keys", "create", "--role", role}).out);
    }
    keys_["b_admin"] = last_line(cli({"--program", "b", "keys", "create", "--role", "admin"}).out);
    server_ =
        new ServerProcess(PATRON_BINARY, db(), dir_->path().string(), {"--jobs-interval", "0"});
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static std::string db() { return dir_->file("api.db"); }

  static Headers auth(const std::string& who, Headers more = {}) {
    more.emplace_back("Authorization", "Bearer " + keys_[who]);
    return more;
  }
  HttpResponse call(const std::string& who, const std::string& method, const std::string& target,
                    const std::string& body = "", Headers more = {}) {
    return client_.request(method, target, body, auth(who, std::move(more)));
  }
  HttpResponse admin(const std::string& method, const std::string& target,
                     const std::string& body = "", Headers more = {}) {
    return call("admin", method, target, body, std::move(more));
  }
  void put_member(const std::string& id) {
    auto r = admin("PUT", "/v1/members/" + id, "{}");
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.body;
  }
  void credit(const std::string& id, int64_t amount) {
    auto r = admin(
        "POST", "/v1/members/" + id + "/adjustments",
        R"({"wallet":"credit","amount":)" + std::to_string(amount) + R"(,"reason":"test setup"})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  json::object wallet(const std::string& id, const std::string& name = "credit") {
    auto r = admin("GET", "/v1/members/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().at("wallets").at(name).as_object();
  }
  int64_t available(const std::string& id) { return wallet(id).at("available").as_int64(); }
  std::size_t transfers(const std::string& id) {
    auto r = admin("GET", "/v1/members/" + id + "/ledger?limit=500");
    return r.json().at("transfers").as_array().size();
  }
  static void expect_problem(const HttpResponse& r, int status, const std::string& code,
                             const std::string& field) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    auto j = r.json();
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_EQ(j.at("code").as_string(), code) << r.body;
    EXPECT_EQ(j.at("status").as_int64(), status);
    if (!field.empty()) {
      ASSERT_TRUE(j.as_object().contains("field")) << r.body;
      EXPECT_EQ(j.at("field").as_string(), field) << r.body;
    }
  }

  static testing::TempDir* dir_;
  static ServerProcess* server_;
  static std::map<std::string, std::string> keys_;
  HttpClient client_{server_->port()};
};

testing::TempDir* HttpApi::dir_ = nullptr;
ServerProcess* HttpApi::server_ = nullptr;
std::map<std::string, std::string> HttpApi::keys_;

TEST_F(HttpApi, HealthReadinessMetricsAndOpenApiArePublic) {
  EXPECT_EQ(client_.request("GET", "/healthz").status, 200);
  EXPECT_EQ(client_.request("GET", "/readyz").status, 200);
  auto doc = client_.request("GET", "/v1/openapi.json");
  EXPECT_EQ(doc.status, 200);
  EXPECT_TRUE(doc.json().as_object().contains("openapi"));
  auto metrics = client_.request("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("patron_http_requests_total{route=\"GET /healthz\",status=\"200\"}"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("patron_writer_commits_total"), std::string::npos);
}

// A metric from /metrics: the value on the line that starts with `name `.
int64_t metric(HttpClient& client, const std::string& name) {
  auto r = client.request("GET", "/metrics");
  std::size_t at = r.body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(r.body.substr(at + name.size() + 2));
}

// Point reads (a member, a quote) run on the I/O thread only while the
// server has this one connection and nothing else in flight; otherwise, and
// for every other read, on a reader thread. The answers are the same.
TEST_F(HttpApi, PointReadsRunOnTheIoThreadOnlyWhenTheServerHasOneConnection) {
  put_member("m-alone");
  credit("m-alone", 700);
  // Earlier tests' connections may still be closing on the server.
  for (int i = 0; i < 200 && metric(client_, "patron_http_connections") != 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(metric(client_, "patron_http_connections"), 1);
  const std::string counter = "patron_reads_on_io_thread_total";
  int64_t before = metric(client_, counter);
  ASSERT_GE(before, 0);
  auto alone = admin("GET", "/v1/members/m-alone");
  ASSERT_EQ(alone.status, 200) << alone.body;
  EXPECT_EQ(alone.json().at("wallets").at("credit").at("available").as_int64(), 700);
  EXPECT_EQ(metric(client_, counter), before + 1);
  // A scan (the ledger) always goes to a reader.
  EXPECT_EQ(admin("GET", "/v1/members/m-alone/ledger").status, 200);
  EXPECT_EQ(metric(client_, counter), before + 1);

  HttpClient second(server_->port());
  ASSERT_EQ(second.request("GET", "/healthz").status, 200);  // accepted and counted
  auto shared = admin("GET", "/v1/members/m-alone");
  ASSERT_EQ(shared.status, 200) << shared.body;
  EXPECT_EQ(shared.body, alone.body);
  EXPECT_EQ(metric(client_, counter), before + 1) << "two connections: the read went to a reader";
}

TEST_F(HttpApi, MemberUpsertGetAndTheContractShape) {
  auto created =
      admin("PUT", "/v1/members/m-shape", R"({"birthday":"1990-02-28","email":"a@b.tw"})");
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json().at("member").at("birthday").as_string(), "1990-02-28");
  auto again = admin("PUT", "/v1/members/m-shape", R"({"phone":"0912"})");
  EXPECT_EQ(again.status, 200) << again.body;
  auto got = admin("GET", "/v1/members/m-shape");
  ASSERT_EQ(got.status, 200);
  auto j = got.json();
  EXPECT_EQ(j.at("member").at("email").as_string(), "a@b.tw");  // kept by the partial update
  EXPECT_EQ(j.at("member").at("phone").as_string(), "0912");
  for (const char* w : {"credit", "points"}) {
    for (const char* k : {"available", "pending", "held"}) {
      EXPECT_TRUE(j.at("wallets").at(w).as_object().contains(k)) << w << "." << k;
    }
  }
  expect_problem(admin("GET", "/v1/members/nobody-here"), 404, "not_found", "member_id");
}

// Tags: given as a whole list, stored sorted and distinct, kept by an
// update that does not name them, cleared by []; a bad one is a 400 naming
// it and changes nothing.
TEST_F(HttpApi, MemberTagsAreReplacedAsAListAndChecked) {
  auto created = admin("PUT", "/v1/members/m-tags", R"({"tags":["vip_event","批發","vip_event"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  const json::value want = json::parse(R"(["vip_event","批發"])");
  EXPECT_EQ(created.json().at("member").at("tags"), want);
  ASSERT_EQ(admin("PUT", "/v1/members/m-tags", R"({"email":"t@b.tw"})").status, 200);
  EXPECT_EQ(admin("GET", "/v1/members/m-tags").json().at("member").at("tags"), want);
  for (auto [body, field] :
       {std::pair{R"({"tags":["ok","a,b"]})", "tags[1]"},
        std::pair{R"({"tags":["ok",7]})", "tags[1]"}, std::pair{R"({"tags":[""]})", "tags[0]"},
        std::pair{R"({"tags":"vip"})", "tags"}}) {
    expect_problem(admin("PUT", "/v1/members/m-tags", body), 400, "invalid_argument", field);
  }
  EXPECT_EQ(admin("GET", "/v1/members/m-tags").json().at("member").at("tags"), want);
  auto cleared = admin("PUT", "/v1/members/m-tags", R"({"tags":[]})");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_TRUE(cleared.json().at("member").at("tags").as_array().empty());
}

TEST_F(HttpApi, MemberIdsArePercentDecoded) {
  put_member("shop%2F42%20x");
  auto got = admin("GET", "/v1/members/shop%2F42%20x");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.json().at("member").at("id").as_string(), "shop/42 x");
}

TEST_F(HttpApi, AdjustmentsCreditTheWalletAndAreAudited) {
  put_member("m-adj");
  auto r = admin("POST", "/v1/members/m-adj/adjustments",
                 R"({"wallet":"credit","amount":100,"reason":"goodwill for late parcel"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json().at("balances").at("available").as_int64(), 100);
  EXPECT_EQ(available("m-adj"), 100);
  auto audit = admin("GET", "/v1/audit?limit=50");
  ASSERT_EQ(audit.status, 200);
  bool found = false;
  json::value audit_json = audit.json();  // GCC 12: a range-for does not extend temporaries
  for (const auto& e : audit_json.at("entries").as_array()) {
    if (e.at("action") == "wallet.adjust" && e.at("target") == "m-adj") {
      found = true;
      EXPECT_EQ(e.at("detail").at("amount").as_int64(), 100);
      EXPECT_EQ(e.at("detail").at("reason").as_string(), "goodwill for late parcel");
      EXPECT_TRUE(e.at("actor").as_string().starts_with("key_"));
    }
  }
  EXPECT_TRUE(found) << audit.body;
  // A negative adjustment takes value back; more than there is fails and changes nothing.
  auto minus = admin("POST", "/v1/members/m-adj/adjustments",
                     R"({"wallet":"credit","amount":-30,"reason":"correction"})");
  EXPECT_EQ(minus.status, 201) << minus.body;
  EXPECT_EQ(available("m-adj"), 70);
}

TEST_F(HttpApi, GrantsLotsAndLedgerPages) {
  put_member("m-grant");
  auto g =
      admin("POST", "/v1/members/m-grant/grants",
            R"({"wallet":"credit","amount":50,"source":"purchase","order_id":"o-1","pending":true,
                     "lines":[{"line_id":"L1","amount":30},{"line_id":"L2","amount":20}]})");
  ASSERT_EQ(g.status, 201) << g.body;
  EXPECT_TRUE(g.json().at("pending").as_bool());
  EXPECT_EQ(wallet("m-grant").at("pending").as_int64(), 50);
  credit("m-grant", 10);
  credit("m-grant", 20);
  auto lots = admin("GET", "/v1/members/m-grant/lots?wallet=credit");
  ASSERT_EQ(lots.status, 200) << lots.body;
  EXPECT_EQ(lots.json().at("lots").at("credit").as_array().size(), 3u);
  expect_problem(admin("GET", "/v1/members/m-grant/lots?wallet=nope"), 404, "not_found", "wallet");
  // Pages of 2 walk every transfer once.
  std::vector<int64_t> ids;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto r = admin("GET", "/v1/members/m-grant/ledger?limit=2" +
                              (cursor.empty() ? std::string() : "&after=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    json::value page_json = r.json();
    for (const auto& t : page_json.at("transfers").as_array()) ids.push_back(t.at("id").as_int64());
    auto next = r.json().at("next_cursor");
    if (next.is_null()) break;
    cursor = std::string(next.as_string());
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
}

TEST_F(HttpApi, MembersListPagesAscendingById) {
  for (const char* id : {"list-a", "list-b", "list-c"}) put_member(id);
  std::vector<std::string> seen;
  std::string cursor = "list-";
  for (int page = 0; page < 10; ++page) {
    auto r = admin("GET", "/v1/members?limit=1&after=" + cursor);
    ASSERT_EQ(r.status, 200) << r.body;
    auto items = r.json().at("members").as_array();
    if (items.empty()) break;
    std::string id(items[0].at("id").as_string());
    if (!id.starts_with("list-")) break;
    seen.push_back(id);
    cursor = id;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"list-a", "list-b", "list-c"}));
  expect_problem(admin("GET", "/v1/members?limit=0"), 400, "invalid_argument", "limit");
  expect_problem(admin("GET", "/v1/members?limit=501"), 400, "invalid_argument", "limit");
}

TEST_F(HttpApi, IdempotentReplayReturnsTheStoredResponseAndCreditsOnce) {
  put_member("m-idem");
  std::string body = R"({"wallet":"credit","amount":40,"reason":"replay test"})";
  Headers key{{"Idempotency-Key", "idem-1"}};
  auto first = admin("POST", "/v1/members/m-idem/adjustments", body, key);
  ASSERT_EQ(first.status, 201) << first.body;
  auto second = admin("POST", "/v1/members/m-idem/adjustments", body, key);
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.header("idempotency-replayed"), "true");
  EXPECT_EQ(first.header("idempotency-replayed"), "");
  expect_problem(admin("POST", "/v1/members/m-idem/adjustments",
                       R"({"wallet":"credit","amount":41,"reason":"replay test"})", key),
                 409, "conflict", "Idempotency-Key");
  EXPECT_EQ(available("m-idem"), 40);
  expect_problem(admin("POST", "/v1/members/m-idem/adjustments", body,
                       {{"Idempotency-Key", std::string(129, 'k')}}),
                 400, "invalid_argument", "Idempotency-Key");
  EXPECT_EQ(available("m-idem"), 40);
}

TEST_F(HttpApi, HoldsReserveCaptureReleaseThroughCheckout) {
  put_member("m-hold");
  credit("m-hold", 300);
  auto hold = call("integration", "POST", "/v1/checkout/holds",
                   R"({"member_id":"m-hold","wallet":"credit","amount":200,"order_id":"o-9"})");
  ASSERT_EQ(hold.status, 201) << hold.body;
  int64_t id = hold.json().at("hold_id").as_int64();
  EXPECT_EQ(wallet("m-hold").at("held").as_int64(), 200);
  expect_problem(call("integration", "POST", "/v1/checkout/holds",
                      R"({"member_id":"m-hold","wallet":"credit","amount":101,"order_id":"o-10"})"),
                 422, "insufficient_funds", "");
  auto cap = call("integration", "POST", "/v1/checkout/holds/" + std::to_string(id) + "/capture",
                  R"({"amount":150})");
  ASSERT_EQ(cap.status, 200) << cap.body;
  EXPECT_EQ(cap.json().at("captured").as_int64(), 150);
  auto w = wallet("m-hold");
  EXPECT_EQ(w.at("held").as_int64(), 0);
  EXPECT_EQ(w.at("available").as_int64(), 150);  // 300 - 150 captured; 50 released
  expect_problem(
      call("integration", "POST", "/v1/checkout/holds/" + std::to_string(id) + "/release"), 409,
      "conflict", "");
  auto second = call("integration", "POST", "/v1/checkout/holds",
                     R"({"member_id":"m-hold","wallet":"credit","amount":100,"order_id":"o-11"})");
  ASSERT_EQ(second.status, 201);
  auto rel = call(
      "integration", "POST",
      "/v1/checkout/holds/" + std::to_string(second.json().at("hold_id").as_int64()) + "/release");
  EXPECT_EQ(rel.status, 200) << rel.body;
  EXPECT_EQ(available("m-hold"), 150);
  expect_problem(call("integration", "POST", "/v1/checkout/holds/abc/capture"), 400,
                 "invalid_argument", "hold_id");
  expect_problem(call("integration", "POST", "/v1/checkout/holds/999999/capture"), 404, "not_found",
                 "hold_id");
}

TEST_F(HttpApi, MissingUnknownAndRevokedKeysAreUnauthorized) {
  auto none = client_.request("GET", "/v1/members/x");
  expect_problem(none, 401, "unauthorized", "Authorization");
  EXPECT_EQ(none.header("www-authenticate"), "Bearer");
  expect_problem(client_.request("GET", "/v1/members/x", "", {{"Authorization", "Basic abc"}}), 401,
                 "unauthorized", "Authorization");
  expect_problem(client_.request("GET", "/v1/members/x", "",
                                 {{"Authorization", "Bearer pat_0000000000000000_00"}}),
                 401, "unauthorized", "Authorization");
  // A new key works, and stops working once revoked.
  auto made = admin("POST", "/v1/keys", R"({"role":"analyst","label":"to revoke"})");
  ASSERT_EQ(made.status, 201) << made.body;
  std::string secret(made.json().at("key").as_string());
  std::string id(made.json().at("id").as_string());
  Headers with{{"Authorization", "Bearer " + secret}};
  EXPECT_EQ(client_.request("GET", "/v1/program", "", with).status, 200);
  auto listed = admin("GET", "/v1/keys");
  EXPECT_EQ(listed.body.find(secret), std::string::npos);  // never the secret again
  EXPECT_EQ(listed.body.find("secret_hash"), std::string::npos);
  EXPECT_NE(listed.body.find(id), std::string::npos);
  ASSERT_EQ(admin("POST", "/v1/keys/" + id + "/revoke").status, 200);
  expect_problem(client_.request("GET", "/v1/program", "", with), 401, "unauthorized",
                 "Authorization");
}

// Regression (review of session 2): without ?wallet= the ledger listed credit
// then points, and a transfer-id cursor skipped the lower ids of points.
TEST_F(HttpApi, LedgerPagesAcrossWalletsInTransferIdOrder) {
  put_member("m-two-wallets");
  for (const char* w : {"credit", "points", "credit", "points"}) {
    auto r = admin("POST", "/v1/members/m-two-wallets/adjustments",
                   std::string(R"({"wallet":")") + w + R"(","amount":5,"reason":"interleave"})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  std::vector<int64_t> ids;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto r = admin("GET", "/v1/members/m-two-wallets/ledger?limit=1" +
                              (cursor.empty() ? std::string() : "&after=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    json::value page_json = r.json();
    for (const auto& t : page_json.at("transfers").as_array()) ids.push_back(t.at("id").as_int64());
    if (page_json.at("next_cursor").is_null()) break;
    cursor = std::string(page_json.at("next_cursor").as_string());
  }
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  expect_problem(admin("GET", "/v1/members/m-two-wallets/ledger?after=3abc"), 400,
                 "invalid_argument", "after");
  expect_problem(admin("GET", "/v1/audit?after=-1"), 400, "invalid_argument", "after");
  expect_problem(admin("GET", "/v1/jobs/runs?after=x"), 400, "invalid_argument", "after");
}

TEST_F(HttpApi, RevokeIsIdempotentWithAKey) {
  auto a = admin("POST", "/v1/keys", R"({"role":"analyst"})");
  auto b = admin("POST", "/v1/keys", R"({"role":"analyst"})");
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  std::string a_id(a.json().at("id").as_string()), b_id(b.json().at("id").as_string());
  Headers key{{"Idempotency-Key", "revoke-1"}};
  auto first = admin("POST", "/v1/keys/" + a_id + "/revoke", "", key);
  ASSERT_EQ(first.status, 200) << first.body;
  auto replay = admin("POST", "/v1/keys/" + a_id + "/revoke", "", key);
  EXPECT_EQ(replay.body, first.body);
  EXPECT_EQ(replay.header("idempotency-replayed"), "true");
  expect_problem(admin("POST", "/v1/keys/" + b_id + "/revoke", "", key), 409, "conflict",
                 "Idempotency-Key");
  auto keys = admin("GET", "/v1/keys");
  json::value keys_json = keys.json();
  for (const auto& k : keys_json.at("keys").as_array()) {
    if (k.at("id").as_string() == b_id) {
      EXPECT_TRUE(k.at("revoked_at").is_null());
    }
  }
}

TEST_F(HttpApi, HeadIsGetWithoutTheBodyAndPlusIsNotASpace) {
  auto get = admin("GET", "/v1/program");
  auto head = admin("HEAD", "/v1/program");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size()));
  EXPECT_EQ(admin("GET", "/healthz").status, 200);  // the connection is still in step
  // RFC 3986: '+' in a query is a plus; only %20 is a space.
  put_member("plus+one");
  put_member("plus%20one");
  put_member("plusz");  // sorts after "plus+one"
  auto after = admin("GET", "/v1/members?limit=1&after=plus%20one");
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.json().at("members").as_array()[0].at("id").as_string(), "plus+one");
  auto plus = admin("GET", "/v1/members?limit=1&after=plus+one");
  ASSERT_EQ(plus.status, 200);
  auto items = plus.json().at("members").as_array();
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items[0].at("id").as_string(), "plusz");  // strictly after "plus+one"
}

// Every route with a permission, with every role: 403 exactly when the
// permission table says no. The request itself may fail for other reasons
// (404, 400), which only shows the key got past authorisation.
TEST_F(HttpApi, EveryRouteChecksItsPermissionForEveryRole) {
  put_member("perm-member");
  const std::map<std::string, app::Role> roles = {{"admin", app::Role::kAdmin},
                                                  {"integration", app::Role::kIntegration},
                                                  {"storefront", app::Role::kStorefront},
                                                  {"analyst", app::Role::kAnalyst}};
  int checked = 0;
  for (const auto& route : http::routes()) {
    if (!route.permission) continue;
    std::string target = route.pattern;
    auto fill = [&](const std::string& param, const std::string& value) {
      auto at = target.find(param);
      if (at != std::string::npos) target.replace(at, param.size(), value);
    };
    fill("{member_id}", "perm-member");
    fill("{hold_id}", "999999");
    fill("{key_id}", "key_doesnotexist");
    fill("{order_id}", "perm-order");
    fill("{referee_id}", "perm-member");
    fill("{batch_id}", "perm-batch");
    fill("{code}", "PERM-CODE");
    fill("{redemption_id}", "999999");
    fill("{webhook_id}", "whk_0000000000000000");
    std::string body;
    if (std::string(route.pattern) == "/v1/jobs/runs") body = R"({"job":"holds"})";
    if (std::string(route.pattern) == "/v1/keys") body = R"({"role":"analyst"})";
    if (std::string(route.pattern) == "/v1/coupons/batches") body = R"({"id":"!"})";
    for (const auto& [name, role] : roles) {
      auto r = call(name, route.method, target, body);
      bool allowed = app::allows(role, *route.permission);
      EXPECT_NE(r.status, 0) << route.method << " " << target;
      EXPECT_NE(r.status, 401) << route.method << " " << target << " " << name << ": " << r.body;
      if (allowed) {
        EXPECT_NE(r.status, 403) << route.method << " " << target << " as " << name << ": "
                                 << r.body;
      } else {
        EXPECT_EQ(r.status, 403) << route.method << " " << target << " as " << name << ": "
                                 << r.body;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 4 * 21);
}

TEST_F(HttpApi, ProgramBKeyCanNeitherReadNorChangeProgramA) {
  put_member("tenant-a");
  credit("tenant-a", 500);
  auto hold = admin("POST", "/v1/checkout/holds",
                    R"({"member_id":"tenant-a","wallet":"credit","amount":100,"order_id":"t-1"})");
  ASSERT_EQ(hold.status, 201);
  std::string hold_id = std::to_string(hold.json().at("hold_id").as_int64());
  auto b = [&](const std::string& method, const std::string& target, const std::string& body = "") {
    return call("b_admin", method, target, body);
  };
  expect_problem(b("GET", "/v1/members/tenant-a"), 404, "not_found", "member_id");
  expect_problem(b("GET", "/v1/members/tenant-a/ledger"), 404, "not_found", "member_id");
  expect_problem(b("POST", "/v1/members/tenant-a/adjustments",
                   R"({"wallet":"credit","amount":-500,"reason":"steal"})"),
                 404, "not_found", "member_id");
  expect_problem(b("POST", "/v1/checkout/holds/" + hold_id + "/capture"), 404, "not_found",
                 "hold_id");
  expect_problem(b("POST", "/v1/checkout/holds/" + hold_id + "/release"), 404, "not_found",
                 "hold_id");
  auto listed = b("GET", "/v1/members?limit=500");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find("tenant-a"), std::string::npos);
  auto keys = b("GET", "/v1/keys");
  json::value keys_json = keys.json();
  for (const auto& k : keys_json.at("keys").as_array()) {
    EXPECT_EQ(k.at("program").as_string(), "b");
  }
  // The suite's admin key: "pat_<id>_<secret>" has the id "key_<id>".
  std::string a_key_id = "key_" + keys_["admin"].substr(4, 16);
  expect_problem(b("POST", "/v1/keys/" + a_key_id + "/revoke"), 404, "not_found", "key_id");
  auto audit = b("GET", "/v1/audit?limit=500");
  EXPECT_EQ(audit.body.find("tenant-a"), std::string::npos);
  EXPECT_EQ(b("GET", "/v1/program").json().at("currency").as_string(), "GBP");
  // B's member with the same id is a different member.
  ASSERT_EQ(b("PUT", "/v1/members/tenant-a", "{}").status, 201);
  EXPECT_EQ(
      b("GET", "/v1/members/tenant-a").json().at("wallets").at("credit").at("available").as_int64(),
      0);
  // A is untouched.
  auto w = wallet("tenant-a");
  EXPECT_EQ(w.at("available").as_int64(), 400);
  EXPECT_EQ(w.at("held").as_int64(), 100);
  EXPECT_EQ(admin("GET", "/v1/program").status, 200);  // A's admin key still works
}

TEST_F(HttpApi, BadInputGetsAProblemNamingTheFieldAndChangesNothing) {
  put_member("m-bad");
  credit("m-bad", 100);
  std::size_t before = transfers("m-bad");
  std::string adjust = "/v1/members/m-bad/adjustments";
  expect_problem(admin("POST", adjust, R"({"wallet":"credit","amount":5,)"), 400,
                 "invalid_argument", "body");
  expect_problem(admin("POST", adjust, R"([1,2])"), 400, "invalid_argument", "body");
  expect_problem(admin("POST", adjust, R"({"wallet":"credit","amount":"5","reason":"x"})"), 400,
                 "invalid_argument", "amount");
  expect_problem(admin("POST", adjust, R"({"wallet":"credit","amount":5.5,"reason":"x"})"), 400,
                 "invalid_argument", "amount");
  expect_problem(
      admin("POST", adjust, R"({"wallet":"credit","amount":18446744073709551615,"reason":"x"})"),
      400, "invalid_argument", "amount");
  expect_problem(admin("POST", adjust, R"({"wallet":"credit","amount":5})"), 400,
                 "invalid_argument", "reason");
  expect_problem(admin("POST", adjust, R"({"wallet":"credit","amout":5,"reason":"typo"})"), 400,
                 "invalid_argument", "amout");
  expect_problem(admin("POST", adjust, R"({"wallet":"gold","amount":5,"reason":"x"})"), 404,
                 "not_found", "wallet");
  expect_problem(admin("POST", adjust, R"({"wallet":"credit","amount":-101,"reason":"x"})"), 422,
                 "insufficient_funds", "");
  expect_problem(
      admin("POST", adjust, R"({"wallet":"credit","amount":5,"reason":"x","expires_at":"soon"})"),
      400, "invalid_argument", "expires_at");
  expect_problem(admin("POST", adjust, "wallet=credit", {{"Content-Type", "text/plain"}}), 415,
                 "unsupported_media_type", "Content-Type");
  expect_problem(admin("PUT", "/v1/members/m-bad", R"({"birthday":"1990-02-30"})"), 400,
                 "invalid_argument", "birthday");
  expect_problem(
      admin("POST", "/v1/members/m-bad/grants",
            R"({"wallet":"credit","amount":5,"source":"purchase","lines":[{"line_id":"L1"}]})"),
      400, "invalid_argument", "lines[0]");
  expect_problem(
      admin(
          "POST", "/v1/checkout/holds",
          R"({"member_id":"m-bad","wallet":"credit","amount":5,"order_id":"o","lines":[{"line_id":"L","amount":-1,"colour":"red"}]})"),
      400, "invalid_argument", "lines[0].colour");
  expect_problem(admin("DELETE", "/v1/members/m-bad"), 405, "method_not_allowed", "");
  expect_problem(admin("GET", "/v1/nothing/here"), 404, "no_route", "");
  // A body over 1 MiB is refused before it is read whole.
  std::string big =
      R"({"wallet":"credit","amount":5,"reason":")" + std::string(2 << 20, 'x') + "\"}";
  auto too_big = admin("POST", adjust, big);
  EXPECT_EQ(too_big.status, 413) << too_big.body.substr(0, 200);
  // Not HTTP at all.
  std::string garbage = testing::raw_exchange(server_->port(), "HELLO\r\n\r\n");
  EXPECT_NE(garbage.find("400"), std::string::npos) << garbage;
  EXPECT_EQ(transfers("m-bad"), before);
  EXPECT_EQ(available("m-bad"), 100);
}

TEST_F(HttpApi, JobsRunAndTheirRunsAreListed) {
  auto run = admin("POST", "/v1/jobs/runs", R"({"job":"all"})");
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(run.json().at("runs").as_array().size(), app::kJobNames.size());
  auto runs = call("analyst", "GET", "/v1/jobs/runs?limit=3");
  ASSERT_EQ(runs.status, 200) << runs.body;
  auto items = runs.json().at("runs").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("trigger").as_string(), "api");
  EXPECT_GT(items[0].at("id").as_int64(), items[1].at("id").as_int64());
  expect_problem(admin("POST", "/v1/jobs/runs", R"({"job":"dance"})"), 400, "invalid_argument",
                 "job");
  auto jobs = call("analyst", "GET", "/v1/jobs");
  ASSERT_EQ(jobs.status, 200);
  std::map<std::string, bool> daily;
  const json::value listed = jobs.json();
  for (const auto& j : listed.at("jobs").as_array()) {
    daily[std::string(j.at("name").as_string())] = j.at("daily").as_bool();
  }
  EXPECT_TRUE(daily.at("reminders") && daily.at("winback") && daily.at("replenishment"));
  EXPECT_FALSE(daily.at("expire") || daily.at("birthdays") || daily.at("carts"));
}

// Many connections reserve against one member at once: the total held never
// exceeds the balance, and exactly as many holds succeed as fit.
TEST_F(HttpApi, ConcurrentCheckoutsNeverOverdraw) {
  put_member("m-race");
  credit("m-race", 1000);
  constexpr int kThreads = 8, kAttempts = 5;
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c(server_->port());
      for (int i = 0; i < kAttempts; ++i) {
        auto r =
            c.request("POST", "/v1/checkout/holds",
                      R"({"member_id":"m-race","wallet":"credit","amount":100,"order_id":"race-)" +
                          std::to_string(t) + "-" + std::to_string(i) + "\"}",
                      auth("integration"));
        if (r.status == 201) {
          ++ok;
        } else if (r.status == 422) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 10);
  EXPECT_EQ(refused.load(), kThreads * kAttempts - 10);
  EXPECT_EQ(other.load(), 0);
  auto w = wallet("m-race");
  EXPECT_EQ(w.at("held").as_int64(), 1000);
  EXPECT_EQ(w.at("available").as_int64(), 0);
}

// Clients write while the server is stopped by `signal`: every write the
// server acknowledged is on disk afterwards, and the ledger verifies.
// SIGTERM drains gracefully (exit 0); SIGKILL is a crash (design.md §7).
void write_under_load_then_stop(int signal) {
  testing::TempDir dir;
  std::string db = dir.file("stop.db");
  auto key_out =
      testing::run_patron(PATRON_BINARY, dir, {"--db", db}, {"keys", "create", "--role", "admin"});
  ASSERT_EQ(key_out.code, 0) << key_out.err;
  std::string key = last_line(key_out.out);
  ASSERT_EQ(
      testing::run_patron(PATRON_BINARY, dir, {"--db", db}, {"member", "upsert", "load"}).code, 0);
  auto server = std::make_unique<ServerProcess>(PATRON_BINARY, db, dir.path().string(),
                                                std::vector<std::string>{"--jobs-interval", "0"});
  std::atomic<int64_t> acknowledged{0};
  std::atomic<bool> stop{false};
  constexpr int kClients = 8;
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      HttpClient c(server->port());
      for (int i = 0; !stop.load(); ++i) {
        auto r =
            c.request("POST", "/v1/members/load/adjustments",
                      R"({"wallet":"credit","amount":1,"reason":"load"})",
                      {{"Authorization", "Bearer " + key},
                       {"Idempotency-Key", "t" + std::to_string(t) + "-" + std::to_string(i)}});
        if (r.status == 201) ++acknowledged;
        if (r.status == 0) break;  // the server is gone
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  int exit_code = server->stop(signal);
  stop = true;
  for (auto& c : clients) c.join();
  if (signal == SIGTERM) {
    EXPECT_EQ(exit_code, 0);
  }
  EXPECT_GT(acknowledged.load(), 0);
  auto shown =
      testing::run_patron(PATRON_BINARY, dir, {"--db", db, "--json"}, {"member", "show", "load"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  int64_t stored = shown.json().at("wallets").at("credit").at("available").as_int64();
  // A request in flight at the signal may have committed without its client
  // reading the reply (at most one per client): stored may exceed
  // acknowledged by that much, and never fall short.
  EXPECT_GE(stored, acknowledged.load());
  EXPECT_LE(stored, acknowledged.load() + kClients);
  auto verified = testing::run_patron(PATRON_BINARY, dir, {"--db", db}, {"verify"});
  EXPECT_EQ(verified.code, 0) << verified.out << verified.err;
}

TEST(HttpServer, SigtermUnderLoadLosesNoAcknowledgedWrite) {
  write_under_load_then_stop(SIGTERM);
}

TEST(HttpServer, SigkillUnderLoadLosesNoAcknowledgedWrite) {
  write_under_load_then_stop(SIGKILL);
}

// Sustained durable writes for `seconds` against `serve --wal-restart-mib
// mib`; returns the largest WAL file seen. The ledger verifies afterwards.
uintmax_t largest_wal_under_writes(const std::string& mib, double seconds) {
  testing::TempDir dir;
  std::string db = dir.file("wal.db");
  auto key_out =
      testing::run_patron(PATRON_BINARY, dir, {"--db", db}, {"keys", "create", "--role", "admin"});
  EXPECT_EQ(key_out.code, 0) << key_out.err;
  std::string key = last_line(key_out.out);
  constexpr int kClients = 8;
  for (int t = 0; t < kClients; ++t) {
    EXPECT_EQ(testing::run_patron(PATRON_BINARY, dir, {"--db", db},
                                  {"member", "upsert", "w" + std::to_string(t)})
                  .code,
              0);
  }
  ServerProcess server(PATRON_BINARY, db, dir.path().string(),
                       {"--jobs-interval", "0", "--wal-restart-mib", mib});
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      HttpClient c(server.port());
      for (int i = 0; !stop.load(); ++i) {
        auto r = c.request("POST", "/v1/members/w" + std::to_string(t) + "/adjustments",
                           R"({"wallet":"credit","amount":1,"reason":"load"})",
                           {{"Authorization", "Bearer " + key}});
        if (r.status != 201) break;
      }
    });
  }
  uintmax_t largest = 0;
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    auto size = std::filesystem::file_size(db + "-wal", ec);
    if (!ec) largest = std::max(largest, size);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(server.stop(SIGTERM), 0);
  auto verified = testing::run_patron(PATRON_BINARY, dir, {"--db", db}, {"verify"});
  EXPECT_EQ(verified.code, 0) << verified.out << verified.err;
  return largest;
}

// The WAL starts over once it holds --wal-restart-mib: with 1 MiB it never
// passes the hard bound of 4x that (plus one commit), while the same load
// with restarts off grows it well past that.
TEST(HttpServer, TheWalStartsOverUnderSustainedWrites) {
  constexpr uintmax_t kMiB = 1 << 20;
  EXPECT_LE(largest_wal_under_writes("1", 2.0), 5 * kMiB);
  EXPECT_GT(largest_wal_under_writes("0", 2.0), 8 * kMiB);
}

// The scheduler inside serve runs the jobs on its own and records the runs
// that did something: a lot that expired before the server started is
// expired within a tick, and the run shows in /v1/jobs/runs.
TEST(HttpServer, SchedulerExpiresDueLotsAndRecordsTheRun) {
  testing::TempDir dir;
  std::string db = dir.file("jobs.db");
  auto cli = [&](std::vector<std::string> args) {
    auto r = testing::run_patron(PATRON_BINARY, dir, {"--db", db}, args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r;
  };
  std::string key = last_line(cli({"keys", "create", "--role", "admin"}).out);
  cli({"member", "upsert", "old"});
  cli({"--now", "2024-01-01T10:00:00+08:00", "wallet", "grant", "old", "--amount", "70", "--source",
       "signup", "--expires-at", "2024-03-01"});
  ServerProcess server(PATRON_BINARY, db, dir.path().string(), {"--jobs-interval", "1"});
  HttpClient client(server.port());
  Headers auth{{"Authorization", "Bearer " + key}};
  json::array runs;
  for (int i = 0; i < 100 && runs.empty(); ++i) {
    auto r = client.request("GET", "/v1/jobs/runs", "", auth);
    ASSERT_EQ(r.status, 200) << r.body;
    runs = r.json().at("runs").as_array();
    if (runs.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(runs.empty()) << "no scheduled run recorded within 10 s";
  EXPECT_EQ(runs[0].at("trigger").as_string(), "schedule");
  EXPECT_EQ(runs[0].at("job").as_string(), "expire");
  EXPECT_EQ(runs[0].at("report").at("expired").as_int64(), 70);
  auto member = client.request("GET", "/v1/members/old", "", auth);
  EXPECT_EQ(member.json().at("wallets").at("credit").at("available").as_int64(), 0);
  // Idle ticks are not recorded: one run only, however many ticks passed.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto later = client.request("GET", "/v1/jobs/runs", "", auth);
  EXPECT_EQ(later.json().at("runs").as_array().size(), 1u) << later.body;
  auto metrics = client.request("GET", "/metrics");
  EXPECT_NE(metrics.body.find("patron_job_runs_total{outcome=\"ok\"}"), std::string::npos);
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

// Orders over HTTP with the Taiwan example program: an order earns 每滿 1000
// 送 50 when paid, pending until completed; a partial refund claws back what
// the refunded line earned; bad input is a 400 naming the field and changes
// nothing; events are idempotent.
TEST(HttpServer, OrdersEarnAndRefundThroughTheApi) {
  testing::TempDir dir;
  std::string db = dir.file("orders.db");
  auto cli = [&](std::vector<std::string> args) {
    return testing::run_patron(PATRON_BINARY, dir, {"--db", db}, args);
  };
  ASSERT_EQ(cli({"program", "apply", std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml"}).code,
            0);
  std::string key = last_line(cli({"keys", "create", "--role", "integration"}).out);
  std::string storefront = last_line(cli({"keys", "create", "--role", "storefront"}).out);
  ServerProcess server(PATRON_BINARY, db, dir.path().string(), {"--jobs-interval", "0"});
  HttpClient client(server.port());
  Headers auth{{"Authorization", "Bearer " + key}};

  // 2 x 600 + 1 x 900 (a weekday that is not the 8th) = 2100 -> 2 steps = 100.
  std::string order = R"({"member_id":"shopper-1","placed_at":"2026-03-03T12:00:00+08:00",
    "shipping":60,"lines":[
      {"line_id":"1","sku":"TEE-1","category":"tops","quantity":2,"unit_price":600},
      {"line_id":"2","sku":"SKIRT-9","category":"bottoms","quantity":1,"unit_price":900},
      {"line_id":"3","sku":"GC-500","category":"gift_card","quantity":1,"unit_price":500}]})";
  auto put = client.request("PUT", "/v1/orders/TW-1001", order, auth);
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(put.json().at("order").at("status").as_string(), "placed");
  // The order created shopper-1, who got the NT$100 signup reward (入會禮).
  EXPECT_EQ(put.json().at("rewards").at(0).at("reward").as_string(), "signup");
  const int64_t signup = 100;
  EXPECT_EQ(put.json().at("order").at("subtotal").as_int64(), 2600);
  EXPECT_EQ(client.request("PUT", "/v1/orders/TW-1001", order, auth).status, 200);

  auto paid = client.request("POST", "/v1/orders/TW-1001/events", R"({"event":"paid"})", auth);
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(paid.json().at("wallets").at("credit").at("earned").as_int64(), 100);
  auto member = client.request("GET", "/v1/members/shopper-1", "", auth);
  ASSERT_EQ(member.status, 200);
  EXPECT_EQ(member.json().at("wallets").at("credit").at("pending").as_int64(), 100);
  EXPECT_EQ(member.json().at("wallets").at("credit").at("available").as_int64(), signup);

  // Replayed by key: the stored response.
  Headers keyed = auth;
  keyed.emplace_back("Idempotency-Key", "evt-complete-1001");
  auto done =
      client.request("POST", "/v1/orders/TW-1001/events", R"({"event":"completed"})", keyed);
  ASSERT_EQ(done.status, 200) << done.body;
  auto replay =
      client.request("POST", "/v1/orders/TW-1001/events", R"({"event":"completed"})", keyed);
  EXPECT_EQ(replay.body, done.body);
  EXPECT_EQ(replay.header("idempotency-replayed"), "true");
  member = client.request("GET", "/v1/members/shopper-1", "", auth);
  EXPECT_EQ(member.json().at("wallets").at("credit").at("available").as_int64(), signup + 100);

  // Return the skirt: it earned 900/2100 of 100 = 43 (largest remainder).
  auto refund = client.request(
      "POST", "/v1/orders/TW-1001/events",
      R"({"event":"returned","refund_id":"RMA-7","lines":[{"line_id":"2","quantity":1}]})", auth);
  ASSERT_EQ(refund.status, 200) << refund.body;
  EXPECT_EQ(refund.json().at("wallets").at("credit").at("clawed_back").as_int64(), 43);
  EXPECT_EQ(refund.json().at("order").at("status").as_string(), "partially_refunded");
  auto again = client.request(
      "POST", "/v1/orders/TW-1001/events",
      R"({"event":"returned","refund_id":"RMA-7","lines":[{"line_id":"2","quantity":1}]})", auth);
  ASSERT_EQ(again.status, 200);
  EXPECT_TRUE(again.json().as_object().contains("note"));
  member = client.request("GET", "/v1/members/shopper-1", "", auth);
  EXPECT_EQ(member.json().at("wallets").at("credit").at("available").as_int64(), signup + 57);

  auto got = client.request("GET", "/v1/orders/TW-1001", "", auth);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json().at("earned").at("rebate").as_int64(), 100);
  EXPECT_EQ(got.json().at("lines").as_array()[1].at("refunded_quantity").as_int64(), 1);

  // Bad input: a 400 naming the field, nothing stored.
  auto bad = [&](const std::string& method, const std::string& target, const std::string& body,
                 int status, const std::string& field) {
    auto r = client.request(method, target, body, auth);
    EXPECT_EQ(r.status, status) << target << " " << body << " -> " << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    if (r.status == status) {
      EXPECT_EQ(r.json().at("field").as_string(), field) << r.body;
    }
  };
  bad("PUT", "/v1/orders/TW-2", R"({"member_id":"shopper-1"})", 400, "lines");
  bad("PUT", "/v1/orders/TW-2", R"({"lines":[{"line_id":"1","quantity":-1,"unit_price":5}]})", 400,
      "lines[0].quantity");
  bad("PUT", "/v1/orders/TW-2", R"({"lines":[{"line_id":"1","quantity":1,"unit_price":"5"}]})", 400,
      "lines[0].unit_price");
  bad("PUT", "/v1/orders/TW-2", R"({"lines":[{"line_id":"1","qty":1,"unit_price":5}]})", 400,
      "lines[0].qty");
  bad("PUT", "/v1/orders/TW-2", R"({"lines":[{"line_id":"1","quantity":1,"unit_price":5}],
      "placed_at":"yesterday"})",
      400, "placed_at");
  bad("POST", "/v1/orders/TW-2/events", R"({"event":"paid"})", 404, "order_id");
  bad("POST", "/v1/orders/TW-1001/events", R"({"event":"shipped"})", 400, "event");
  bad("POST", "/v1/orders/TW-1001/events",
      R"({"event":"refunded","lines":[{"line_id":"1","quantity":1}]})", 400, "refund_id");
  bad("POST", "/v1/orders/TW-1001/events",
      R"({"event":"refunded","refund_id":"R2","lines":[{"line_id":"2","quantity":1}]})", 400,
      "lines[0].quantity");
  // Once earned its lines are fixed; a refunded line cannot go away either.
  std::string more = order;
  more.replace(more.find(R"("quantity":2)"), 12, R"("quantity":9)");
  bad("PUT", "/v1/orders/TW-1001", more, 409, "order_id");
  bad("PUT", "/v1/orders/TW-1001",
      R"({"member_id":"shopper-1","lines":[{"line_id":"1","quantity":2,"unit_price":600}]})", 409,
      "lines");
  EXPECT_EQ(client.request("GET", "/v1/orders/TW-2", "", auth).status, 404);
  member = client.request("GET", "/v1/members/shopper-1", "", auth);
  EXPECT_EQ(member.json().at("wallets").at("credit").at("available").as_int64(), signup + 57);
  // The storefront key may not post orders.
  EXPECT_EQ(
      client.request("PUT", "/v1/orders/TW-3", order, {{"Authorization", "Bearer " + storefront}})
          .status,
      403);

  // Engagement events: a review earns NT$10 once per review id, at most 5 a
  // month; LINE binding NT$50 once.
  auto review = client.request("POST", "/v1/members/shopper-1/events",
                               R"({"type":"review","id":"rv-1"})", auth);
  ASSERT_EQ(review.status, 201) << review.body;
  EXPECT_EQ(review.json().at("granted").at(0).at("amount").as_int64(), 10);
  EXPECT_EQ(review.json().at("wallets").at("credit").at("rewarded").as_int64(), 10);
  auto repeat = client.request("POST", "/v1/members/shopper-1/events",
                               R"({"type":"review","id":"rv-1"})", auth);
  ASSERT_EQ(repeat.status, 200) << repeat.body;
  EXPECT_EQ(repeat.json().at("skipped").at(0).at("reason").as_string(), "already");
  for (int i = 2; i <= 6; ++i) {
    auto r = client.request("POST", "/v1/members/shopper-1/events",
                            R"({"type":"review","id":"rv-)" + std::to_string(i) + R"("})", auth);
    ASSERT_EQ(r.status, i <= 5 ? 201 : 200) << r.body;
    if (i == 6) {
      EXPECT_EQ(r.json().at("skipped").at(0).at("reason").as_string(), "limit_per_month");
    }
  }
  auto bind =
      client.request("POST", "/v1/members/shopper-1/events", R"({"type":"line_bind"})", auth);
  ASSERT_EQ(bind.status, 201) << bind.body;
  bad("POST", "/v1/members/shopper-1/events", R"({"type":"signup"})", 400, "type");
  bad("POST", "/v1/members/shopper-1/events", R"({"type":"review","stars":5})", 400, "stars");
  bad("POST", "/v1/members/shopper-1/events", R"({"id":"x"})", 400, "type");
  bad("POST", "/v1/members/nobody/events", R"({"type":"review"})", 404, "member_id");
  EXPECT_EQ(client
                .request("POST", "/v1/members/shopper-1/events", R"({"type":"review"})",
                         {{"Authorization", "Bearer " + storefront}})
                .status,
            403);
  member = client.request("GET", "/v1/members/shopper-1", "", auth);
  EXPECT_EQ(member.json().at("wallets").at("credit").at("available").as_int64(),
            signup + 57 + 5 * 10 + 50);

  // POST .../refunds is a `refunded` event without naming it: one of the two
  // tees back claws back part of what line 1 earned.
  const int64_t before_refund = client.request("GET", "/v1/members/shopper-1", "", auth)
                                    .json()
                                    .at("wallets")
                                    .at("credit")
                                    .at("available")
                                    .as_int64();
  auto by_route =
      client.request("POST", "/v1/orders/TW-1001/refunds",
                     R"({"refund_id":"R-8","lines":[{"line_id":"1","quantity":1}]})", auth);
  ASSERT_EQ(by_route.status, 200) << by_route.body;
  const int64_t clawed = by_route.json().at("wallets").at("credit").at("clawed_back").as_int64();
  EXPECT_GT(clawed, 0);
  EXPECT_LT(clawed, 57);  // line 1 earned 57 for two units
  EXPECT_EQ(client.request("GET", "/v1/members/shopper-1", "", auth)
                .json()
                .at("wallets")
                .at("credit")
                .at("available")
                .as_int64(),
            before_refund - clawed);
  auto refunded = client.request("GET", "/v1/orders/TW-1001", "", auth);
  EXPECT_EQ(refunded.json().at("lines").as_array()[0].at("refunded_quantity").as_int64(), 1);
  auto named = client.request("POST", "/v1/orders/TW-1001/refunds",
                              R"({"event":"paid","refund_id":"R-9"})", auth);
  EXPECT_EQ(named.status, 400) << named.body;
  EXPECT_EQ(named.json().at("field").as_string(), "event");

  EXPECT_EQ(server.stop(SIGTERM), 0);
  EXPECT_EQ(cli({"verify"}).code, 0);
}

// Referrals over HTTP with the Taiwan example: a code per member, a referee
// naming it, the referrals job rewarding both sides once the first order
// completes, and the review queue for a pair sharing an e-mail address.
TEST(HttpServer, ReferralsThroughTheApi) {
  testing::TempDir dir;
  std::string db = dir.file("referrals.db");
  auto cli = [&](std::vector<std::string> args) {
    return testing::run_patron(PATRON_BINARY, dir, {"--db", db}, args);
  };
  ASSERT_EQ(cli({"program", "apply", std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml"}).code,
            0);
  std::string key = last_line(cli({"keys", "create", "--role", "integration"}).out);
  std::string admin = last_line(cli({"keys", "create", "--role", "admin"}).out);
  ServerProcess server(PATRON_BINARY, db, dir.path().string(), {"--jobs-interval", "0"});
  HttpClient client(server.port());
  Headers auth{{"Authorization", "Bearer " + key}};
  Headers boss{{"Authorization", "Bearer " + admin}};
  auto credit = [&](const std::string& member) {
    auto r = client.request("GET", "/v1/members/" + member, "", auth);
    return r.json().at("wallets").at("credit").at("available").as_int64();
  };
  const int64_t signup = 100;  // 入會禮 of the example

  auto alice = client.request("PUT", "/v1/members/alice", R"({"email":"alice@example.com"})", auth);
  ASSERT_EQ(alice.status, 201) << alice.body;
  std::string code(alice.json().at("member").at("referral_code").as_string());
  ASSERT_EQ(code.size(), 8u);
  EXPECT_EQ(code.find_first_of("01IO"), std::string::npos) << code;

  auto bob = client.request("PUT", "/v1/members/bob", R"({"referred_by":")" + code + R"("})", auth);
  ASSERT_EQ(bob.status, 201) << bob.body;
  EXPECT_EQ(bob.json().at("member").at("referred_by").as_string(), "alice");
  EXPECT_EQ(bob.json().at("referral").at("state").as_string(), "pending");
  auto order = client.request("PUT", "/v1/orders/B-1", R"({"member_id":"bob","events":[
      {"event":"paid"},{"event":"completed"}],
      "lines":[{"line_id":"1","sku":"TEE","quantity":1,"unit_price":800}]})",
                              auth);
  ASSERT_EQ(order.status, 201) << order.body;
  auto run = client.request("POST", "/v1/jobs/runs", R"({"job":"referrals"})", boss);
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(run.json().at("runs").at(0).at("report").at("referrals_rewarded").as_int64(), 1);
  EXPECT_EQ(credit("alice"), signup + 100);
  EXPECT_EQ(credit("bob"), signup + 100);

  // Same e-mail as alice (case and blanks aside): held for review.
  auto carol =
      client.request("PUT", "/v1/members/carol",
                     R"({"email":" ALICE@example.com ","referred_by":")" + code + R"("})", auth);
  ASSERT_EQ(carol.status, 201) << carol.body;
  ASSERT_EQ(client
                .request("PUT", "/v1/orders/C-1", R"({"member_id":"carol","events":[
      {"event":"completed"}],"lines":[{"line_id":"1","quantity":1,"unit_price":800}]})",
                         auth)
                .status,
            201);
  ASSERT_EQ(client.request("POST", "/v1/jobs/runs", R"({"job":"referrals"})", boss).status, 200);
  auto queue = client.request("GET", "/v1/referrals?state=review", "", auth);
  ASSERT_EQ(queue.status, 200) << queue.body;
  ASSERT_EQ(queue.json().at("referrals").as_array().size(), 1u);
  EXPECT_EQ(queue.json().at("referrals").at(0).at("referee_id").as_string(), "carol");
  EXPECT_EQ(queue.json().at("referrals").at(0).at("reasons").at(0).as_string(), "same_email");
  EXPECT_EQ(credit("carol"), signup);

  // Deciding needs the adjust permission (admin), and happens once.
  EXPECT_EQ(client.request("POST", "/v1/referrals/carol/approve", "{}", auth).status, 403);
  auto approved =
      client.request("POST", "/v1/referrals/carol/approve", R"({"note":"siblings"})", boss);
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.json().at("referral").at("state").as_string(), "rewarded");
  EXPECT_EQ(approved.json().at("granted").as_array().size(), 2u);
  EXPECT_EQ(credit("carol"), signup + 100);
  EXPECT_EQ(credit("alice"), signup + 200);
  auto again = client.request("POST", "/v1/referrals/carol/reject", "{}", boss);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.json().at("field").as_string(), "state");
  auto audit = client.request("GET", "/v1/audit", "", boss);
  EXPECT_NE(audit.body.find("referral.approve"), std::string::npos) << audit.body;

  // Bad input: a 4xx naming the field, nothing changed.
  auto bad = [&](const std::string& method, const std::string& target, const std::string& body,
                 int status, const std::string& field) {
    auto r = client.request(method, target, body, method == "POST" ? boss : auth);
    EXPECT_EQ(r.status, status) << target << " " << body << " -> " << r.body;
    if (r.status == status) {
      EXPECT_EQ(r.json().at("field").as_string(), field) << r.body;
    }
  };
  bad("PUT", "/v1/members/dave", R"({"referred_by":"NOPE2345"})", 400, "referred_by");
  bad("PUT", "/v1/members/alice", R"({"referred_by":")" + code + R"("})", 400, "referred_by");
  bad("PUT", "/v1/members/bob", R"({"referred_by":"X"})", 400, "referred_by");
  bad("GET", "/v1/referrals?state=maybe", "", 400, "state");
  bad("POST", "/v1/referrals/nobody/approve", "{}", 404, "member_id");  // no such member
  bad("POST", "/v1/referrals/carol/approve", R"({"why":"x"})", 400, "why");
  EXPECT_EQ(client.request("GET", "/v1/members/dave", "", auth).status, 404);
  EXPECT_EQ(credit("alice"), signup + 200);
  EXPECT_EQ(server.stop(SIGTERM), 0);
  EXPECT_EQ(cli({"verify"}).code, 0);
}

// A new configuration through the API: If-Match guards against lost
// updates, a dry run changes nothing, incompatible changes are refused, and
// an applied hold TTL is what the next reserve uses.
TEST(HttpServer, ProgramUpdatesAreVersionedAndTakeEffect) {
  testing::TempDir dir;
  std::string db = dir.file("program.db");
  auto cli = [&](std::vector<std::string> args) {
    return testing::run_patron(PATRON_BINARY, dir, {"--db", db}, args);
  };
  std::string key = last_line(cli({"keys", "create", "--role", "admin"}).out);
  std::string analyst = last_line(cli({"keys", "create", "--role", "analyst"}).out);
  ASSERT_EQ(cli({"member", "upsert", "p1"}).code, 0);
  ServerProcess server(PATRON_BINARY, db, dir.path().string(), {"--jobs-interval", "0"});
  HttpClient client(server.port());
  Headers admin{{"Authorization", "Bearer " + key}};
  auto with = [&](Headers more) {
    more.emplace_back("Authorization", "Bearer " + key);
    return more;
  };
  auto got = client.request("GET", "/v1/program", "", admin);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.header("etag"), "\"1\"");
  auto toml = client.request("GET", "/v1/program/config", "", admin);
  ASSERT_EQ(toml.status, 200);
  EXPECT_EQ(toml.header("content-type"), "application/toml");
  std::string edited = toml.body;
  auto at = edited.find("hold_ttl_s = 900");
  ASSERT_NE(at, std::string::npos) << edited;
  edited.replace(at, 16, "hold_ttl_s = 120");  // the first wallet: credit
  Headers toml_type{{"Content-Type", "application/toml"}};

  // No If-Match: 428. A stale one: 412. Neither stores anything.
  auto none = client.request("PUT", "/v1/program", edited, with(toml_type));
  EXPECT_EQ(none.status, 428) << none.body;
  Headers stale = toml_type;
  stale.emplace_back("If-Match", "\"7\"");
  auto old = client.request("PUT", "/v1/program", edited, with(stale));
  EXPECT_EQ(old.status, 412) << old.body;
  EXPECT_EQ(old.json().at("field").as_string(), "If-Match");
  // JSON where TOML is expected: 415.
  EXPECT_EQ(client.request("PUT", "/v1/program", "{}", with({{"If-Match", "\"1\""}})).status, 415);
  // A dry run lists the change and stores nothing.
  auto dry = client.request("POST", "/v1/program/validate", edited, with(toml_type));
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_FALSE(dry.json().at("applied").as_bool());
  ASSERT_EQ(dry.json().at("changes").as_array().size(), 1u) << dry.body;
  EXPECT_EQ(dry.json().at("changes").as_array()[0].at("key").as_string(),
            "wallets.credit.hold_ttl_s");
  EXPECT_EQ(client.request("GET", "/v1/program", "", admin).header("etag"), "\"1\"");
  // A broken file names the line and key.
  auto broken =
      client.request("POST", "/v1/program/validate",
                     "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\nttl = 1\n",
                     with(toml_type));
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(broken.json().at("field").as_string(), "body:5:1: wallets.credit.ttl");
  // An incompatible change: 422 naming the setting.
  std::string digits = edited;
  digits.replace(digits.find("minor_digits = 0"), 16, "minor_digits = 2");
  auto refused =
      client.request("PUT", "/v1/program", digits,
                     with({{"Content-Type", "application/toml"}, {"If-Match", "\"1\""}}));
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.json().at("field").as_string(), "program.minor_digits");
  // The analyst may read but not write.
  EXPECT_EQ(client
                .request("PUT", "/v1/program", edited,
                         {{"Authorization", "Bearer " + analyst},
                          {"Content-Type", "application/toml"},
                          {"If-Match", "\"1\""}})
                .status,
            403);

  // Applied: version 2, and the next hold uses the new TTL.
  auto put = client.request("PUT", "/v1/program", edited,
                            with({{"Content-Type", "application/toml"}, {"If-Match", "\"1\""}}));
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(put.header("etag"), "\"2\"");
  EXPECT_TRUE(put.json().at("applied").as_bool());
  auto again = client.request("PUT", "/v1/program", edited,
                              with({{"Content-Type", "application/toml"}, {"If-Match", "\"2\""}}));
  EXPECT_EQ(again.status, 200) << again.body;  // nothing changed: no version 3
  EXPECT_EQ(again.header("etag"), "\"2\"");
  ASSERT_EQ(client
                .request("POST", "/v1/members/p1/adjustments",
                         R"({"wallet":"credit","amount":100,"reason":"ttl test"})", admin)
                .status,
            201);
  auto hold =
      client.request("POST", "/v1/checkout/holds",
                     R"({"member_id":"p1","wallet":"credit","amount":10,"order_id":"o1"})", admin);
  ASSERT_EQ(hold.status, 201) << hold.body;
  auto expires = parse_instant(std::string(hold.json().at("expires_at").as_string()), nullptr, "t");
  ASSERT_TRUE(expires);
  auto ttl = *expires -
             std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  EXPECT_LE(ttl.count(), 121);
  EXPECT_GE(ttl.count(), 100);
  auto versions = client.request("GET", "/v1/program/versions", "", admin);
  ASSERT_EQ(versions.status, 200);
  json::value versions_json = versions.json();
  ASSERT_EQ(versions_json.at("versions").as_array().size(), 1u);
  EXPECT_EQ(versions_json.at("versions").as_array()[0].at("version").as_int64(), 2);
  EXPECT_EQ(versions_json.at("versions").as_array()[0].at("config").as_string(), edited);
  auto audit = client.request("GET", "/v1/audit", "", admin);
  EXPECT_NE(audit.body.find("program.apply"), std::string::npos);
  EXPECT_EQ(server.stop(SIGTERM), 0);
  // The CLI sees the same version.
  auto shown = cli({"--json", "program", "show"});
  EXPECT_EQ(shown.json().at("version").as_int64(), 2);
}

}  // namespace
}  // namespace patron
