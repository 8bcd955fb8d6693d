// Checkout through the CLI on a real SQLite file: quote, reserve (rules
// re-checked), capture, refund, verify; bad carts; several processes
// reserving against one member at once.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "support/cli_fixture.h"

namespace patron {
namespace {

namespace json = boost::json;

using testing::Outcome;
using testing::shell_quote;

// The Taiwan fashion program: credit from NT$500 orders, at most NT$100 or
// 10%, never on gift cards; points at NT$1, at most 10%.
class Checkout : public testing::CliTest {
 protected:
  void SetUp() override {
    ok({"--program", "tw", "program", "apply",
        std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml"});
    ok({"--program", "tw", "member", "upsert", "M1"});  // 入會禮 NT$100
    ok({"--program", "tw", "wallet", "grant", "M1", "--amount", "300", "--source", "adjustment"});
    ok({"--program", "tw", "wallet", "grant", "M1", "--wallet", "points", "--amount", "500",
        "--source", "adjustment"});
    cart_ = write_file("cart.json", R"({"channel": "web", "shipping": 80, "lines": [
      {"line_id": "1", "sku": "TEE-1", "category": "tops", "quantity": 2, "unit_price": 390},
      {"line_id": "2", "sku": "GC-500", "category": "gift_card", "quantity": 1,
       "unit_price": "500.00"}]})");
  }
  Outcome tw(std::vector<std::string> args) {
    args.insert(args.begin(), {"--program", "tw"});
    return patron(args);
  }
  json::object wallet(const std::string& name) {
    Outcome r = tw({"--json", "member", "show", "M1"});
    EXPECT_EQ(r.code, 0) << r.err;
    return r.json().at("wallets").at(name).as_object();
  }
  std::string cart_;
};

TEST_F(Checkout, QuoteShowsWhatEachWalletMayPayAndWhyNotMore) {
  Outcome q = tw({"--json", "checkout", "quote", "--member", "M1", "--cart", cart_});
  ASSERT_EQ(q.code, 0) << q.err;
  json::value v = q.json();
  EXPECT_EQ(v.at("order_value").as_int64(), 1280);
  const auto& credit = v.at("wallets").at("credit").as_object();
  EXPECT_EQ(credit.at("balance").as_int64(), 400);
  EXPECT_EQ(credit.at("max_usable").as_int64(), 100);
  EXPECT_EQ(json::serialize(credit.at("capped_by")), R"(["max_amount"])");
  EXPECT_EQ(json::serialize(credit.at("excluded_lines")), R"(["2"])");
  const auto& points = v.at("wallets").at("points").as_object();
  EXPECT_EQ(points.at("max_usable").as_int64(), 128);
  EXPECT_EQ(json::serialize(points.at("capped_by")), R"(["max_percent"])");
  EXPECT_EQ(v.at("total").as_int64(), 1280 + 80 - 100 - 128);
  EXPECT_EQ(v.at("tier").at("current").as_string(), "regular");
  // Nothing was written: no holds, the same balances.
  EXPECT_EQ(wallet("credit").at("held").as_int64(), 0);
  Outcome text = tw({"checkout", "quote", "--member", "M1", "--cart", cart_});
  EXPECT_NE(text.out.find("credit: balance 400, max usable 100 (capped by max_amount)"),
            std::string::npos)
      << text.out;
}

TEST_F(Checkout, BelowTheMinimumOrderCreditPaysNothing) {
  std::string small = write_file(
      "small.json",
      R"({"lines": [{"line_id": "1", "category": "tops", "quantity": 1, "unit_price": 499}]})");
  json::value v = tw({"--json", "checkout", "quote", "--member", "M1", "--cart", small}).json();
  EXPECT_EQ(v.at("wallets").at("credit").at("max_usable").as_int64(), 0);
  EXPECT_EQ(json::serialize(v.at("wallets").at("credit").at("capped_by")), R"(["min_order"])");
  EXPECT_EQ(v.at("wallets").at("points").at("max_usable").as_int64(), 49);
}

TEST_F(Checkout, ReserveCaptureRefundAndVerify) {
  Outcome r = tw({"--json", "checkout", "reserve", "--member", "M1", "--order", "A-1", "--cart",
                  cart_, "--use", "credit=80", "--use", "points=100", "--key", "r1"});
  ASSERT_EQ(r.code, 0) << r.err;
  json::value reserved = r.json();
  ASSERT_EQ(reserved.at("holds").as_array().size(), 2u);
  EXPECT_EQ(wallet("credit").at("held").as_int64(), 80);
  EXPECT_EQ(wallet("points").at("held").as_int64(), 100);
  // A replay of the same key holds nothing more.
  Outcome again = tw({"--json", "checkout", "reserve", "--member", "M1", "--order", "A-1", "--cart",
                      cart_, "--use", "credit=80", "--use", "points=100", "--key", "r1"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(wallet("credit").at("held").as_int64(), 80);
  // More than the rules allow fails whole and changes nothing.
  Outcome over = tw({"checkout", "reserve", "--member", "M1", "--order", "A-1", "--cart", cart_,
                     "--use", "credit=150"});
  EXPECT_EQ(over.code, 6) << over.err;
  EXPECT_NE(over.err.find("use.credit"), std::string::npos) << over.err;
  EXPECT_NE(over.err.find("max_amount"), std::string::npos) << over.err;
  EXPECT_EQ(wallet("credit").at("held").as_int64(), 80);
  EXPECT_EQ(wallet("points").at("held").as_int64(), 100);
  // Re-reserving the order replaces its holds.
  Outcome replaced = tw({"--json", "checkout", "reserve", "--member", "M1", "--order", "A-1",
                         "--cart", cart_, "--use", "credit=100"});
  ASSERT_EQ(replaced.code, 0) << replaced.err;
  json::value replacement = replaced.json();
  EXPECT_EQ(replacement.at("released").as_array().size(), 2u);
  EXPECT_EQ(wallet("credit").at("held").as_int64(), 100);
  EXPECT_EQ(wallet("points").at("held").as_int64(), 0);
  int64_t hold = replacement.at("holds").at(0).at("hold_id").as_int64();
  ASSERT_EQ(tw({"hold", "capture", std::to_string(hold), "--amount", "90"}).code, 0);
  EXPECT_EQ(wallet("credit").at("available").as_int64(), 310);
  EXPECT_EQ(wallet("credit").at("held").as_int64(), 0);
  ASSERT_EQ(tw({"wallet", "restore", "M1", "--order", "A-1"}).code, 0);
  EXPECT_EQ(wallet("credit").at("available").as_int64(), 400);
  expect_verified();
}

TEST_F(Checkout, ARawHoldOnAWalletWithRedemptionRulesIsRefused) {
  Outcome raw = tw({"hold", "reserve", "M1", "--amount", "300", "--order", "X"});
  EXPECT_EQ(raw.code, 6) << raw.err;
  EXPECT_NE(raw.err.find("cart"), std::string::npos) << raw.err;
  EXPECT_EQ(wallet("credit").at("held").as_int64(), 0);
}

TEST_F(Checkout, BadInputGetsAClearErrorAndChangesNothing) {
  struct Case {
    std::string cart;
    std::vector<std::string> extra;
    std::string says;
  };
  std::vector<Case> cases = {
      {"{\"lines\": [\n  {\"line_id\": \"1\",,}]}", {}, "bad.json:2: invalid JSON"},
      {R"({"lines": []})", {}, "cart.lines: must have at least one line"},
      {R"({"lines": [{"line_id": "1", "quantity": -2, "unit_price": 10}]})",
       {},
       "cart.lines[0].quantity"},
      {R"({"lines": [{"line_id": "1", "quantity": 1, "unit_price": "1.5"}]})",
       {},
       "cart.lines[0].unit_price"},  // TWD has no decimals
      {R"({"lines": [{"line_id": "1", "quantity": 1000000, "unit_price": 99999999999}]})",
       {},
       "cart.lines[0].quantity"},  // the total overflows 10^14
      {R"({"lines": [{"line_id": "1", "quantity": 1, "unit_price": 10, "colour": "red"}]})",
       {},
       "cart.lines[0].colour"},
      {R"({"lines": [{"line_id": "1", "quantity": 1, "unit_price": 10}]})",
       {"--use", "gold=5"},
       "use.gold"},
      {R"({"lines": [{"line_id": "1", "quantity": 1, "unit_price": 10}]})",
       {"--use", "credit"},
       "--use"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.cart);
    std::string file = write_file("bad.json", c.cart);
    std::vector<std::string> args = {"checkout", "reserve", "--member", "M1",
                                     "--order",  "B-1",     "--cart",   file};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    Outcome r = tw(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  EXPECT_EQ(wallet("credit").at("held").as_int64(), 0);
  EXPECT_EQ(wallet("points").at("held").as_int64(), 0);
  Outcome unknown =
      tw({"checkout", "quote", "--member", "M1", "--cart", cart_, "--use", "credit=-1"});
  EXPECT_EQ(unknown.code, 2) << unknown.err;
}

TEST_F(Checkout, CouponsThroughQuoteAndReserve) {
  Outcome shared = tw({"--json", "coupon", "batch", "create", "welcome", "--amount", "100",
                       "--min-spend", "1000", "--code", "welcome100", "--limit-per-member", "1"});
  ASSERT_EQ(shared.code, 0) << shared.err;
  EXPECT_EQ(shared.json().at("shared_code").as_string(), "WELCOME100");
  Outcome unique =
      tw({"--json", "coupon", "batch", "create", "vip", "--kind", "percent", "--percent", "10%",
          "--max-discount", "150", "--count", "2", "--prefix", "vip-"});
  ASSERT_EQ(unique.code, 0) << unique.err;
  json::value made = unique.json();
  ASSERT_EQ(made.at("codes").as_array().size(), 2u);
  std::string vip(made.at("codes").at(0).as_string());
  EXPECT_EQ(vip.rfind("VIP-", 0), 0u) << vip;
  EXPECT_EQ(vip.size(), 12u);
  EXPECT_EQ(vip.find_first_of("01IO", 4), std::string::npos) << vip;

  // The shared code, in any case: NT$100 off; the caps see the lower order value.
  json::value q = tw({"--json", "checkout", "quote", "--member", "M1", "--cart", cart_, "--coupon",
                      "Welcome100", "--coupon", "NOPE"})
                      .json();
  EXPECT_TRUE(q.at("coupons").at(0).at("valid").as_bool());
  EXPECT_EQ(q.at("coupons").at(0).at("discount").as_int64(), 100);
  EXPECT_EQ(q.at("coupons").at(1).at("reason").as_string(), "unknown");
  EXPECT_EQ(q.at("order_value").as_int64(), 1180);
  ASSERT_EQ(tw({"checkout", "reserve", "--member", "M1", "--order", "A-1", "--cart", cart_,
                "--coupon", "welcome100", "--use", "credit=50"})
                .code,
            0);
  // Once per member: another order of M1 cannot use it; re-reserving A-1 can.
  json::value second = tw({"--json", "checkout", "quote", "--member", "M1", "--order", "A-2",
                           "--cart", cart_, "--coupon", "WELCOME100"})
                           .json();
  EXPECT_EQ(second.at("coupons").at(0).at("reason").as_string(), "member_limit");
  json::value again = tw({"--json", "checkout", "quote", "--member", "M1", "--order", "A-1",
                          "--cart", cart_, "--coupon", "WELCOME100"})
                          .json();
  EXPECT_TRUE(again.at("coupons").at(0).at("valid").as_bool());
  Outcome shown = tw({"--json", "coupon", "show", "welcome100", "--member", "M1"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_EQ(shown.json().at("uses").at("member").as_int64(), 1);

  // A unique code is single use: a second member's checkout is told so.
  ok({"--program", "tw", "member", "upsert", "M2"});
  ASSERT_EQ(tw({"checkout", "reserve", "--member", "M1", "--order", "U-1", "--cart", cart_,
                "--coupon", vip})
                .code,
            0);
  json::value taken =
      tw({"--json", "checkout", "quote", "--member", "M2", "--cart", cart_, "--coupon", vip})
          .json();
  EXPECT_EQ(taken.at("coupons").at(0).at("reason").as_string(), "used");

  struct Bad {
    std::vector<std::string> args;
    int code;
    std::string says;
  };
  std::vector<Bad> bad = {
      {{"coupon", "batch", "create", "Bad Id", "--amount", "5", "--code", "XYZ1"}, 2, "error: id:"},
      {{"coupon", "batch", "create", "welcome", "--amount", "5", "--code", "OTHER1"},
       5,
       "error: id:"},
      {{"coupon", "batch", "create", "w2", "--amount", "5", "--code", "WELCOME100"}, 5, "code"},
      {{"coupon", "batch", "create", "w3", "--kind", "percent", "--percent", "10%", "--amount", "5",
        "--count", "1"},
       2,
       "amount"},
      {{"coupon", "batch", "create", "w4", "--amount", "5", "--count", "10001"}, 2, "count"},
      {{"coupon", "batch", "create", "w5", "--amount", "5", "--code", "ab"}, 2, "code"},
      {{"coupon", "show", "NOPE"}, 3, "code"},
  };
  for (const Bad& b : bad) {
    Outcome r = tw(b.args);
    EXPECT_EQ(r.code, b.code) << b.args[3] << ": " << r.err;
    EXPECT_NE(r.err.find(b.says), std::string::npos) << r.err;
  }
  json::value batches = tw({"--json", "coupon", "batch", "list"}).json();
  EXPECT_EQ(batches.at("batches").as_array().size(), 2u);
  expect_verified();
}

// Eight processes each reserve 100 points for their own order against a
// balance of 500: exactly five fit, whatever the interleaving.
TEST_F(Checkout, ParallelProcessesNeverHoldMoreThanTheBalance) {
  std::string big = write_file(
      "big.json",
      R"({"lines": [{"line_id": "1", "category": "tops", "quantity": 1, "unit_price": 1000}]})");
  std::string script;
  for (int i = 0; i < 8; ++i) {
    script += std::string(PATRON_BINARY) + " --db " + shell_quote(db()) +
              " --program tw checkout reserve --member M1 --order P" + std::to_string(i) +
              " --cart " + shell_quote(big) + " --use points=100 >/dev/null 2>&1 & ";
  }
  script += "wait";
  ASSERT_EQ(std::system(("bash -c " + shell_quote(script)).c_str()), 0);
  json::object points = wallet("points");
  EXPECT_EQ(points.at("held").as_int64(), 500);
  EXPECT_EQ(points.at("available").as_int64(), 0);
  EXPECT_EQ(points.at("holds").as_array().size(), 5u);
  expect_verified();
}

// A lot that expires while a checkout holds it (issue 5): the hold keeps the
// value it reserved, capture still pays with it, and what is released after
// the lot expired goes to expired (breakage), never back to available.
TEST_F(Checkout, ALotExpiringDuringAnOpenHold) {
  auto at = [&](const std::string& when, std::vector<std::string> args) {
    args.insert(args.begin(), {"--program", "tw", "--now", when});
    return patron(args);
  };
  ASSERT_EQ(at("2026-12-01T10:00:00", {"member", "upsert", "M2"}).code, 0);  // 入會禮 100, 60 days
  ASSERT_EQ(at("2026-12-01T10:00:00", {"wallet", "grant", "M2", "--amount", "300", "--source",
                                       "adjustment", "--expires-at", "2026-12-01T12:00:00"})
                .code,
            0);
  // Soonest expiry first: both holds take the lot that expires at noon.
  for (const char* order : {"E-1", "E-2"}) {
    Outcome r =
        at("2026-12-01T10:00:00", {"checkout", "reserve", "--member", "M2", "--order", order,
                                   "--cart", cart_, "--use", "credit=100", "--ttl", "86400"});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  auto credit_at = [&](const std::string& when) {
    Outcome r = at(when, {"--json", "member", "show", "M2"});
    EXPECT_EQ(r.code, 0) << r.err;
    return r.json().at("wallets").at("credit").as_object();
  };
  json::object before = credit_at("2026-12-01T11:00:00");
  EXPECT_EQ(before.at("held").as_int64(), 200);
  EXPECT_EQ(before.at("available").as_int64(), 200);  // 100 unheld of the noon lot + 100 signup
  ASSERT_EQ(at("2026-12-01T13:00:00", {"jobs", "run", "expire"}).code, 0);
  json::object after = credit_at("2026-12-01T13:00:00");
  EXPECT_EQ(after.at("held").as_int64(), 200) << "held value survives its lot's expiry";
  EXPECT_EQ(after.at("available").as_int64(), 100) << "only the signup lot is left";

  Outcome holds = at("2026-12-01T13:00:00", {"--json", "member", "show", "M2"});
  ASSERT_EQ(holds.code, 0);
  std::map<std::string, int64_t> hold_of;
  const json::value shown = holds.json();
  for (const auto& h : shown.at("wallets").at("credit").at("holds").as_array()) {
    hold_of[std::string(h.at("order_id").as_string())] = h.at("id").as_int64();
  }
  ASSERT_EQ(hold_of.size(), 2u);
  // E-1 is paid: the capture pays with the expired lot's held value.
  Outcome captured = at("2026-12-01T13:00:00", {"hold", "capture", std::to_string(hold_of["E-1"])});
  ASSERT_EQ(captured.code, 0) << captured.err;
  // E-2 is abandoned: its value goes to expired, not back to the member.
  Outcome released = at("2026-12-01T13:00:00", {"hold", "release", std::to_string(hold_of["E-2"])});
  ASSERT_EQ(released.code, 0) << released.err;
  json::object end = credit_at("2026-12-01T13:00:00");
  EXPECT_EQ(end.at("held").as_int64(), 0);
  EXPECT_EQ(end.at("available").as_int64(), 100);
  expect_verified();
}

// The reward catalog from the CLI (examples/taiwan-fashion.toml [[catalog]]):
// list with a member's view, redeem each kind the member may, refusals with
// their exit codes, the redemption history, a refund, and verify.
TEST_F(Checkout, RewardCatalogRedeemAndRefund) {
  Outcome list = tw({"--json", "rewards", "list", "--member", "M1"});
  ASSERT_EQ(list.code, 0) << list.err;
  json::value items = list.json().at("items");
  ASSERT_EQ(items.as_array().size(), 3u);
  EXPECT_TRUE(items.at(0).at("available").as_bool());          // coupon_100, 300 points
  EXPECT_EQ(items.at(1).at("reason").as_string(), "balance");  // tote_bag, 800 > 500
  EXPECT_EQ(items.at(2).at("reason").as_string(), "tier");     // credit_500: gold, vip
  EXPECT_EQ(items.at(1).at("stock_left").as_int64(), 200);

  Outcome coupon = tw({"--json", "rewards", "redeem", "--member", "M1", "--item", "coupon_100"});
  ASSERT_EQ(coupon.code, 0) << coupon.err;
  std::string code(coupon.json().at("coupon_code").as_string());
  EXPECT_EQ(wallet("points").at("available").as_int64(), 200);
  // The coupon takes NT$100 off this NT$1,280 cart (min_spend 1000).
  Outcome q =
      tw({"--json", "checkout", "quote", "--member", "M1", "--cart", cart_, "--coupon", code});
  ASSERT_EQ(q.code, 0) << q.err;
  EXPECT_EQ(q.json().at("coupons").at(0).at("discount").as_int64(), 100) << q.out;

  Outcome short_of_points = tw({"rewards", "redeem", "--member", "M1", "--item", "tote_bag"});
  EXPECT_EQ(short_of_points.code, 6) << short_of_points.err;
  EXPECT_NE(short_of_points.err.find("wallet"), std::string::npos) << short_of_points.err;
  Outcome unknown = tw({"rewards", "redeem", "--member", "M1", "--item", "yacht"});
  EXPECT_EQ(unknown.code, 3) << unknown.err;
  EXPECT_NE(unknown.err.find("item_id"), std::string::npos) << unknown.err;
  EXPECT_EQ(wallet("points").at("available").as_int64(), 200);

  Outcome history = tw({"--json", "rewards", "redemptions", "--member", "M1"});
  ASSERT_EQ(history.code, 0) << history.err;
  ASSERT_EQ(history.json().at("redemptions").as_array().size(), 1u);
  int64_t id = history.json().at("redemptions").at(0).at("id").as_int64();
  Outcome refund = tw({"rewards", "refund", std::to_string(id), "--reason", "test"});
  ASSERT_EQ(refund.code, 0) << refund.err;
  EXPECT_EQ(wallet("points").at("available").as_int64(), 500);
  Outcome again = tw({"rewards", "refund", std::to_string(id)});
  EXPECT_EQ(again.code, 6) << again.err;
  Outcome off =
      tw({"--json", "checkout", "quote", "--member", "M1", "--cart", cart_, "--coupon", code});
  EXPECT_EQ(off.json().at("coupons").at(0).at("reason").as_string(), "disabled");
  expect_verified();
}

// A reward that gives a coupon (examples/points-store.toml: a free-shipping
// code on the 1st of the birth month): the birthdays job issues one code
// bound to the member, once a year; it takes the shipping fee off at
// checkout for that member only.
TEST_F(Checkout, BirthdayRewardIssuesACouponBoundToTheMember) {
  auto ps = [&](const std::string& when, std::vector<std::string> args) {
    args.insert(args.begin(), {"--program", "ps", "--now", when});
    return patron(args);
  };
  ASSERT_EQ(patron({"--program", "ps", "program", "apply",
                    std::string(PATRON_EXAMPLES) + "/points-store.toml"})
                .code,
            0);
  ASSERT_EQ(ps("2026-11-20T10:00:00", {"member", "upsert", "B1", "--birthday", "1990-12-17"}).code,
            0);
  ASSERT_EQ(ps("2026-11-20T10:00:00", {"member", "upsert", "B2", "--birthday", "1991-12-03"}).code,
            0);
  auto batches = [&]() {
    Outcome r = ps("2026-12-01T10:00:00", {"--json", "coupon", "batch", "list"});
    EXPECT_EQ(r.code, 0) << r.err;
    return r.json().at("batches").as_array();
  };
  EXPECT_TRUE(batches().empty()) << "nothing before the birth month";
  ASSERT_EQ(ps("2026-12-01T10:00:00", {"jobs", "run", "birthdays"}).code, 0);
  ASSERT_EQ(ps("2026-12-02T10:00:00", {"jobs", "run", "birthdays"}).code, 0);  // once a year
  json::array issued = batches();
  ASSERT_EQ(issued.size(), 2u);
  std::map<std::string, std::string> batch_of;
  for (const auto& b : issued) {
    EXPECT_EQ(b.at("kind").as_string(), "free_shipping");
    batch_of[std::string(b.at("member_id").as_string())] = std::string(b.at("id").as_string());
  }
  ASSERT_EQ(batch_of.size(), 2u);
  Outcome shown =
      ps("2026-12-02T10:00:00", {"--json", "coupon", "batch", "show", batch_of["B1"], "--codes"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  std::string code(shown.json().at("codes").at(0).as_string());
  auto quote = [&](const std::string& member, const std::string& when) {
    Outcome q = ps(when, {"--json", "checkout", "quote", "--member", member, "--cart", cart_,
                          "--coupon", code});
    EXPECT_EQ(q.code, 0) << q.err;
    return q.json().at("coupons").at(0).as_object();
  };
  json::object mine = quote("B1", "2026-12-05T10:00:00");
  EXPECT_TRUE(mine.at("valid").as_bool());
  EXPECT_EQ(mine.at("shipping_discount").as_int64(), 80);
  EXPECT_EQ(quote("B2", "2026-12-05T10:00:00").at("reason").as_string(), "not_yours");
  // Valid 30 days from the job's run on 1 December.
  EXPECT_EQ(quote("B1", "2026-12-31T10:00:01").at("reason").as_string(), "ended");
  expect_verified();
}

}  // namespace
}  // namespace patron
