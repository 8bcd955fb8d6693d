// Checkout over HTTP: POST /v1/checkout/quote (the same JSON as the CLI
// quote, nothing written), POST /v1/checkout/holds with a cart (rules
// re-checked, 422 naming use.<wallet> when asking too much), capture, and
// bad carts as problem+json naming the field.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/http_client.h"
#include "support/run_patron.h"
#include "support/temp_dir.h"

namespace patron {
namespace {

namespace json = boost::json;
using testing::Headers;
using testing::HttpClient;
using testing::last_line;
using testing::ServerProcess;

TEST(HttpServer, CheckoutQuoteAndHoldsThroughTheApi) {
  testing::TempDir dir;
  std::string db = dir.file("checkout.db");
  auto cli = [&](std::vector<std::string> args) {
    return testing::run_patron(PATRON_BINARY, dir, {"--db", db}, args);
  };
  ASSERT_EQ(cli({"program", "apply", std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml"}).code,
            0);
  std::string storefront = last_line(cli({"keys", "create", "--role", "storefront"}).out);
  std::string integration = last_line(cli({"keys", "create", "--role", "integration"}).out);
  std::string admin = last_line(cli({"keys", "create", "--role", "admin"}).out);
  ServerProcess server(PATRON_BINARY, db, dir.path().string(), {"--jobs-interval", "0"});
  HttpClient client(server.port());
  Headers shop{{"Authorization", "Bearer " + storefront}};      // quotes
  Headers backend{{"Authorization", "Bearer " + integration}};  // holds
  Headers boss{{"Authorization", "Bearer " + admin}};
  ASSERT_EQ(client.request("PUT", "/v1/members/m1", "{}", boss).status, 201);  // 入會禮 100
  ASSERT_EQ(client
                .request("POST", "/v1/members/m1/adjustments",
                         R"({"wallet":"credit","amount":300,"reason":"setup"})", boss)
                .status,
            201);
  auto held = [&](const std::string& wallet) {
    auto r = client.request("GET", "/v1/members/m1", "", boss);
    return r.json().at("wallets").at(wallet).at("held").as_int64();
  };
  const std::string cart = R"("cart":{"shipping":80,"lines":[
      {"line_id":"1","sku":"TEE-1","category":"tops","quantity":2,"unit_price":390},
      {"line_id":"2","sku":"GC-500","category":"gift_card","quantity":1,"unit_price":500}]}})";

  auto quote = client.request("POST", "/v1/checkout/quote", R"({"member_id":"m1",)" + cart, shop);
  ASSERT_EQ(quote.status, 200) << quote.body;
  json::value q = quote.json();
  EXPECT_EQ(q.at("wallets").at("credit").at("max_usable").as_int64(), 100);
  EXPECT_EQ(q.at("wallets").at("credit").at("capped_by").at(0).as_string(), "max_amount");
  EXPECT_EQ(q.at("wallets").at("credit").at("excluded_lines").at(0).as_string(), "2");
  // The gift card earns nothing, and 780 - 100 of credit is under 每滿 1000.
  EXPECT_TRUE(q.at("earn").as_object().empty()) << quote.body;
  EXPECT_EQ(held("credit"), 0);
  // The same cart for a member patron does not know yet: quoted with nothing.
  auto stranger =
      client.request("POST", "/v1/checkout/quote", R"({"member_id":"new",)" + cart, shop);
  ASSERT_EQ(stranger.status, 200) << stranger.body;
  EXPECT_FALSE(stranger.json().at("member_known").as_bool());
  EXPECT_EQ(stranger.json().at("wallets").at("credit").at("balance").as_int64(), 0);

  auto too_much =
      client.request("POST", "/v1/checkout/holds",
                     R"({"member_id":"m1","order_id":"W-1","use":{"credit":101},)" + cart, backend);
  EXPECT_EQ(too_much.status, 422) << too_much.body;
  EXPECT_EQ(too_much.json().at("field").as_string(), "use.credit");
  EXPECT_EQ(held("credit"), 0);

  auto hold =
      client.request("POST", "/v1/checkout/holds",
                     R"({"member_id":"m1","order_id":"W-1","use":{"credit":100},)" + cart, backend);
  ASSERT_EQ(hold.status, 201) << hold.body;
  json::value h = hold.json();
  EXPECT_EQ(h.at("holds").at(0).at("amount").as_int64(), 100);
  EXPECT_EQ(h.at("quote").at("total").as_int64(), 1280 + 80 - 100);
  EXPECT_EQ(held("credit"), 100);
  int64_t id = h.at("holds").at(0).at("hold_id").as_int64();
  auto captured = client.request("POST", "/v1/checkout/holds/" + std::to_string(id) + "/capture",
                                 "{}", backend);
  ASSERT_EQ(captured.status, 200) << captured.body;
  EXPECT_EQ(held("credit"), 0);

  // A raw hold (no cart) on a wallet with redemption rules is refused.
  auto raw = client.request("POST", "/v1/checkout/holds",
                            R"({"member_id":"m1","wallet":"credit","amount":50,"order_id":"W-2"})",
                            backend);
  EXPECT_EQ(raw.status, 422) << raw.body;
  EXPECT_EQ(raw.json().at("field").as_string(), "cart");

  // Coupons: the backend creates a batch; a checkout uses the code while its
  // holds last; cancelling the order gives the use back.
  auto batch =
      client.request("POST", "/v1/coupons/batches",
                     R"({"id":"spring","amount":50,"code":"spring50","limit_total":1})", backend);
  ASSERT_EQ(batch.status, 201) << batch.body;
  EXPECT_EQ(batch.json().at("codes").at(0).as_string(), "SPRING50");
  EXPECT_EQ(
      client.request("POST", "/v1/coupons/batches", R"({"id":"x","amount":5,"code":"XX1"})", shop)
          .status,
      403);
  auto dup =
      client.request("POST", "/v1/coupons/batches", R"({"id":"spring","amount":5})", backend);
  EXPECT_EQ(dup.status, 409) << dup.body;
  ASSERT_EQ(
      client
          .request("PUT", "/v1/orders/W-3",
                   R"({"member_id":"m1","lines":[{"line_id":"1","quantity":1,"unit_price":900}]})",
                   backend)
          .status,
      201);
  auto with_code = client.request(
      "POST", "/v1/checkout/holds",
      R"({"member_id":"m1","order_id":"W-3","coupons":["Spring50"],"use":{"credit":10},)" + cart,
      backend);
  ASSERT_EQ(with_code.status, 201) << with_code.body;
  EXPECT_TRUE(with_code.json().at("quote").at("coupons").at(0).at("valid").as_bool());
  auto uses = [&] {
    auto r = client.request("GET", "/v1/coupons/spring50", "", shop);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().at("uses").at("batch").as_int64();
  };
  EXPECT_EQ(uses(), 1);
  auto used_up = client.request("POST", "/v1/checkout/quote",
                                R"({"member_id":"m1","coupons":["SPRING50"],)" + cart, shop);
  EXPECT_EQ(used_up.json().at("coupons").at(0).at("reason").as_string(), "used_up");
  auto cancel =
      client.request("POST", "/v1/orders/W-3/events", R"({"event":"cancelled"})", backend);
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(uses(), 0);
  // Listing codes needs the coupons permission: a storefront key is shipped to browsers.
  EXPECT_EQ(client.request("GET", "/v1/coupons/batches/spring?codes=true", "", shop).status, 403);
  auto listed = client.request("GET", "/v1/coupons/batches/spring?codes=true", "", backend);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json().at("codes").at(0).as_string(), "SPRING50");
  EXPECT_EQ(client.request("GET", "/v1/coupons/batches/nope", "", backend).status, 404);

  struct Bad {
    std::string body;
    std::string field;
  };
  std::vector<Bad> bad = {
      {R"({"member_id":"m1"})", "cart"},
      {R"({"member_id":"m1","cart":{"lines":[]}})", "cart.lines"},
      {R"({"member_id":"m1","cart":{"lines":[{"line_id":"1","quantity":0,"unit_price":5}]}})",
       "cart.lines[0].quantity"},
      {R"({"member_id":"m1","cart":{"lines":[{"line_id":"1","quantity":1,"unit_price":5.5}]}})",
       "cart.lines[0].unit_price"},
      {R"({"member_id":"m1","use":{"credit":"all"},)" + cart, "use.credit"},
      {R"({"member_id":"m1","use":{"gold":1},)" + cart, "use.gold"},
      {R"({"member_id":"m1","coupons":"X",)" + cart, "coupons"},
      {R"({"member_id":"m1","extra":1,)" + cart, "extra"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.body);
    auto r = client.request("POST", "/v1/checkout/quote", b.body, shop);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    EXPECT_EQ(r.json().at("field").as_string(), b.field) << r.body;
  }
  EXPECT_EQ(held("credit"), 0);
}

}  // namespace
}  // namespace patron
