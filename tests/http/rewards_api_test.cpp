// The reward catalog over HTTP: GET /v1/rewards (with a member's view),
// redeeming each kind (coupon usable at checkout, gift, credit conversion),
// limits and stock as 422 naming item_id, a short balance naming wallet,
// refunds (admin only, once), idempotent replays, tenant isolation, and many
// connections redeeming a scarce item at once never selling more than stock.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <thread>

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

// Points pay for a coupon, a gift with little stock, and credit.
constexpr const char* kProgram = R"([program]
currency = "TWD"
minor_digits = 0
time_zone = "Asia/Taipei"

[wallets.credit]
unit = "TWD"

[wallets.points]
unit = "points"

[[catalog]]
id = "coupon_50"
wallet = "points"
price = 200
kind = "coupon"
coupon = { type = "fixed", amount = 50, valid_days = 7 }
limit = { per_month = 1 }

[[catalog]]
id = "mug"
wallet = "points"
price = 100
kind = "gift"
sku = "GIFT-MUG"
stock = 5

[[catalog]]
id = "to_credit"
wallet = "points"
price = 300
kind = "credit"
credit = { wallet = "credit", amount = 30 }
)";

class RewardsApi : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("rewards.db");
    std::ofstream(dir_.file("program.toml")) << kProgram;
    ASSERT_EQ(cli({"program", "apply", dir_.file("program.toml")}).code, 0);
    admin_ = {{"Authorization", "Bearer " + key("admin")}};
    backend_ = {{"Authorization", "Bearer " + key("integration")}};
    shop_ = {{"Authorization", "Bearer " + key("storefront")}};
    server_ = std::make_unique<ServerProcess>(PATRON_BINARY, db_, dir_.path().string(),
                                              std::vector<std::string>{"--jobs-interval", "0"});
    client_ = std::make_unique<HttpClient>(server_->port());
  }
  testing::Outcome cli(std::vector<std::string> args) {
    return testing::run_patron(PATRON_BINARY, dir_, {"--db", db_}, args);
  }
  std::string key(const std::string& role) {
    return last_line(cli({"keys", "create", "--role", role}).out);
  }
  void member_with_points(const std::string& id, int64_t points) {
    ASSERT_EQ(client_->request("PUT", "/v1/members/" + id, "{}", admin_).status, 201);
    auto r = client_->request(
        "POST", "/v1/members/" + id + "/adjustments",
        R"({"wallet":"points","amount":)" + std::to_string(points) + R"(,"reason":"setup"})",
        admin_);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  int64_t available(const std::string& id, const std::string& wallet) {
    auto r = client_->request("GET", "/v1/members/" + id, "", admin_);
    return r.json().at("wallets").at(wallet).at("available").as_int64();
  }
  testing::HttpResponse redeem(const std::string& member, const std::string& item,
                               const Headers& h) {
    return client_->request("POST", "/v1/members/" + member + "/redemptions",
                            R"({"item_id":")" + item + "\"}", h);
  }

  testing::TempDir dir_;
  std::string db_;
  Headers admin_, backend_, shop_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(RewardsApi, RedeemEachKindUseTheCouponAndRefund) {
  member_with_points("m1", 1000);
  auto catalog = client_->request("GET", "/v1/rewards?member_id=m1", "", shop_);
  ASSERT_EQ(catalog.status, 200) << catalog.body;
  json::value items = catalog.json().at("items");
  ASSERT_EQ(items.as_array().size(), 3u);
  EXPECT_EQ(items.at(0).at("id").as_string(), "coupon_50");
  EXPECT_TRUE(items.at(0).at("available").as_bool());
  EXPECT_EQ(items.at(1).at("stock_left").as_int64(), 5);

  // A storefront key may look but not spend.
  EXPECT_EQ(redeem("m1", "coupon_50", shop_).status, 403);
  auto coupon = redeem("m1", "coupon_50", backend_);
  ASSERT_EQ(coupon.status, 201) << coupon.body;
  std::string code(coupon.json().at("coupon_code").as_string());
  EXPECT_EQ(available("m1", "points"), 800);
  // The code works for m1 at checkout and nobody else.
  const std::string cart =
      R"("cart":{"lines":[{"line_id":"1","sku":"A","quantity":1,"unit_price":400}]},"coupons":[")" +
      code + "\"]}";
  auto quote =
      client_->request("POST", "/v1/checkout/quote", R"({"member_id":"m1",)" + cart, shop_);
  ASSERT_EQ(quote.status, 200) << quote.body;
  EXPECT_EQ(quote.json().at("coupons").at(0).at("discount").as_int64(), 50) << quote.body;
  auto other =
      client_->request("POST", "/v1/checkout/quote", R"({"member_id":"m2",)" + cart, shop_);
  EXPECT_EQ(other.json().at("coupons").at(0).at("reason").as_string(), "not_yours");
  // One a month.
  auto again = redeem("m1", "coupon_50", backend_);
  EXPECT_EQ(again.status, 422) << again.body;
  EXPECT_EQ(again.json().at("field").as_string(), "item_id");
  EXPECT_NE(again.json().at("detail").as_string().find("limit_per_month"), std::string::npos);

  auto gift = redeem("m1", "mug", backend_);
  ASSERT_EQ(gift.status, 201) << gift.body;
  EXPECT_EQ(gift.json().at("sku").as_string(), "GIFT-MUG");
  auto credit = redeem("m1", "to_credit", backend_);
  ASSERT_EQ(credit.status, 201) << credit.body;
  EXPECT_EQ(available("m1", "points"), 400);
  EXPECT_EQ(available("m1", "credit"), 30);

  // Refunds: admin only, once; points back, credit taken back, coupon off.
  std::string credit_id = std::to_string(credit.json().at("id").as_int64());
  EXPECT_EQ(
      client_->request("POST", "/v1/redemptions/" + credit_id + "/refund", "{}", backend_).status,
      403);
  auto refunded = client_->request("POST", "/v1/redemptions/" + credit_id + "/refund",
                                   R"({"reason":"asked"})", admin_);
  ASSERT_EQ(refunded.status, 200) << refunded.body;
  EXPECT_EQ(refunded.json().at("state").as_string(), "refunded");
  EXPECT_EQ(available("m1", "points"), 700);
  EXPECT_EQ(available("m1", "credit"), 0);
  auto twice = client_->request("POST", "/v1/redemptions/" + credit_id + "/refund", "{}", admin_);
  EXPECT_EQ(twice.status, 422) << twice.body;
  EXPECT_EQ(twice.json().at("field").as_string(), "redemption_id");
  std::string coupon_id = std::to_string(coupon.json().at("id").as_int64());
  ASSERT_EQ(
      client_->request("POST", "/v1/redemptions/" + coupon_id + "/refund", "{}", admin_).status,
      200);
  auto off = client_->request("POST", "/v1/checkout/quote", R"({"member_id":"m1",)" + cart, shop_);
  EXPECT_EQ(off.json().at("coupons").at(0).at("reason").as_string(), "disabled") << off.body;
  EXPECT_EQ(available("m1", "points"), 900);

  auto list = client_->request("GET", "/v1/members/m1/redemptions?limit=2", "", shop_);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json().at("redemptions").as_array().size(), 2u);
  EXPECT_EQ(list.json().at("redemptions").at(0).at("item_id").as_string(), "to_credit");
  std::string after(list.json().at("next_cursor").as_string());
  auto rest = client_->request("GET", "/v1/members/m1/redemptions?after=" + after, "", shop_);
  ASSERT_EQ(rest.json().at("redemptions").as_array().size(), 1u);
  EXPECT_EQ(rest.json().at("redemptions").at(0).at("item_id").as_string(), "coupon_50");

  auto audit = client_->request("GET", "/v1/audit", "", admin_);
  EXPECT_NE(audit.body.find("redemption.refund"), std::string::npos) << audit.body;
  EXPECT_EQ(cli({"verify"}).code, 0);
}

TEST_F(RewardsApi, BadRequestsChangeNothing) {
  member_with_points("m1", 250);
  struct Case {
    std::string target, body;
    int status;
    std::string field;
  };
  std::vector<Case> cases = {
      {"/v1/members/m1/redemptions", R"({})", 400, "item_id"},
      {"/v1/members/m1/redemptions", R"({"item_id":7})", 400, "item_id"},
      {"/v1/members/m1/redemptions", R"({"item_id":"mug","extra":1})", 400, "extra"},
      {"/v1/members/m1/redemptions", R"({"item_id":"nope"})", 404, "item_id"},
      {"/v1/members/ghost/redemptions", R"({"item_id":"mug"})", 404, "member_id"},
      {"/v1/members/m1/redemptions", R"({"item_id":"to_credit"})", 422, "wallet"},
      {"/v1/redemptions/abc/refund", R"({})", 400, "redemption_id"},
      {"/v1/redemptions/999/refund", R"({})", 404, "redemption_id"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target + " " + c.body);
    auto r = client_->request("POST", c.target, c.body, admin_);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    EXPECT_EQ(r.json().at("field").as_string(), c.field) << r.body;
  }
  // The catalog's ledger orders and batch ids are its own: a caller's order
  // "catalog:1" could restore a redemption's points behind its back.
  std::vector<Case> reserved = {
      {"/v1/orders/catalog:1",
       R"({"member_id":"m1","lines":[{"line_id":"1","quantity":1,"unit_price":5}]})", 400,
       "order_id"},
      {"/v1/checkout/holds",
       R"({"member_id":"m1","wallet":"points","amount":5,"order_id":"catalog:1"})", 400,
       "order_id"},
      {"/v1/coupons/batches", R"({"id":"catalog-1","amount":5,"code":"RESERVED1"})", 400, "id"},
      {"/v1/coupons/batches", R"({"id":"reward-x","amount":5,"code":"RESERVED2"})", 400, "id"},
  };
  for (const Case& c : reserved) {
    SCOPED_TRACE(c.target + " " + c.body);
    auto r = client_->request(c.target.starts_with("/v1/orders") ? "PUT" : "POST", c.target, c.body,
                              admin_);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.json().at("field").as_string(), c.field) << r.body;
  }
  EXPECT_EQ(available("m1", "points"), 250);
  EXPECT_EQ(available("m1", "credit"), 0);
  auto list = client_->request("GET", "/v1/members/m1/redemptions", "", admin_);
  EXPECT_TRUE(list.json().at("redemptions").as_array().empty());
}

TEST_F(RewardsApi, ReplayedRedemptionIsTheSameRedemption) {
  member_with_points("m1", 1000);
  Headers keyed = backend_;
  keyed.push_back({"Idempotency-Key", "redeem-1"});
  auto first = redeem("m1", "mug", keyed);
  ASSERT_EQ(first.status, 201) << first.body;
  auto second = redeem("m1", "mug", keyed);
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(second.json().at("id"), first.json().at("id"));
  EXPECT_EQ(available("m1", "points"), 900);
  // Same key, another item: a conflict, nothing spent.
  auto other = redeem("m1", "coupon_50", keyed);
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(available("m1", "points"), 900);
}

// Twelve members race for five mugs over eight connections: exactly five
// redemptions succeed, the rest are out of stock, nobody pays for nothing.
TEST_F(RewardsApi, ConcurrentRedemptionsNeverExceedStock) {
  constexpr int kMembers = 12;
  for (int i = 0; i < kMembers; ++i) member_with_points("r" + std::to_string(i), 100);
  std::atomic<int> ok{0}, out_of_stock{0}, other{0};
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      HttpClient c(server_->port());
      for (int i = next++; i < kMembers; i = next++) {
        auto r = c.request("POST", "/v1/members/r" + std::to_string(i) + "/redemptions",
                           R"({"item_id":"mug"})", backend_);
        if (r.status == 201) {
          ++ok;
        } else if (r.status == 422 && r.body.find("out of stock") != std::string::npos) {
          ++out_of_stock;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(out_of_stock.load(), kMembers - 5);
  EXPECT_EQ(other.load(), 0);
  int64_t points = 0;
  for (int i = 0; i < kMembers; ++i) points += available("r" + std::to_string(i), "points");
  EXPECT_EQ(points, kMembers * 100 - 5 * 100);
  auto catalog = client_->request("GET", "/v1/rewards", "", shop_);
  EXPECT_EQ(catalog.json().at("items").at(1).at("stock_left").as_int64(), 0);
}

}  // namespace
}  // namespace patron
