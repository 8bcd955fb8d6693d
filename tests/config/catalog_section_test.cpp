// The reward catalog ([[catalog]]) in program files: every key of each kind
// (coupon, gift, credit), the defaults, what is refused (file:line:column
// and key), printing back and the example.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "app/programs.h"
#include "config/parse_support.h"
#include "config/program_file.h"

namespace patron {
namespace {

using rules::CatalogItem;
using rules::CouponTerms;

// Lines 1-6; a test's first [[catalog]] header is on line 7, its keys from line 8.
constexpr const char* kHead =
    "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n[wallets.points]\n"
    "unit = \"points\"\n";

// Two tier levels, "regular" and "gold".
constexpr const char* kTiers =
    "[tiers]\n[[tiers.levels]]\nid = \"regular\"\nname = \"一般\"\nentry = 0\n"
    "[[tiers.levels]]\nid = \"gold\"\nname = \"金卡\"\nentry = 10000\n";

std::string item(const std::string& keys) {
  return std::string(kHead) + "[[catalog]]\n" + keys;
}

// Lines 8-12 of a coupon item; the keys after it start on line 13.
std::string coupon_item(const std::string& more) {
  return item(
      "id = \"c1\"\nwallet = \"points\"\nprice = 300\nkind = \"coupon\"\n"
      "coupon = { type = \"fixed\", amount = 100 }\n" +
      more);
}

Instant utc(int64_t unix_seconds) {
  return from_unix_seconds(unix_seconds);
}

// Every key of every kind; times local to Asia/Taipei (+08:00).
const std::string kEverything = std::string(kHead) + kTiers + R"(
[[catalog]]
id = "c_fixed"
name = "NT$100 折價券"
wallet = "points"
price = 300
kind = "coupon"
coupon = { type = "fixed", amount = 100, min_spend = 1000, categories = ["tops", "shoes"], brands = ["luxe"], skus = ["SKU-1", "SKU-2"], stackable = false, valid_days = 14 }
stock = 50
limit = { per_day = 1, per_month = 2, per_year = 5, lifetime = 10 }
tiers = ["gold"]
starts = "2026-11-11T00:00:00"
ends = "2026-12-01"
enabled = false

[[catalog]]
id = "c_percent"
wallet = "points"
price = 200
kind = "coupon"
coupon = { type = "percent", percent = "15%", max_discount = 300, valid_days = 7 }

[[catalog]]
id = "c_ship"
wallet = "points"
price = 50
kind = "coupon"
coupon = { type = "free_shipping", min_spend = 999 }

[[catalog]]
id = "tote_bag"
name = "帆布托特包"
wallet = "points"
price = 800
kind = "gift"
sku = "GIFT-TOTE"
stock = 200
limit = { lifetime = 1 }

[[catalog]]
id = "credit_500"
name = "500 點換 NT$500 購物金"
wallet = "points"
price = 500
kind = "credit"
credit = { wallet = "credit", amount = 500, expires = "90d" }
tiers = ["regular", "gold"]
starts = "2026-01-01T00:00:00+00:00"
)";

TEST(ProgramFileCatalog, ParsesEveryKeyOfACoupon) {
  const app::Program p = parse_ok(kEverything);
  ASSERT_EQ(p.rules.catalog.size(), 5u);
  const CatalogItem& c = p.rules.catalog[0];
  EXPECT_EQ(c.id, "c_fixed");
  EXPECT_EQ(c.name, "NT$100 折價券");
  EXPECT_EQ(c.wallet, "points");
  EXPECT_EQ(c.price, 300);
  EXPECT_EQ(c.kind, CatalogItem::Kind::kCoupon);
  EXPECT_EQ(c.coupon.terms.kind, CouponTerms::Kind::kFixed);
  EXPECT_EQ(c.coupon.terms.amount, 100);
  EXPECT_EQ(c.coupon.terms.percent_bp, 0);
  EXPECT_EQ(c.coupon.terms.min_spend, 1000);
  EXPECT_EQ(c.coupon.terms.categories, (std::vector<std::string>{"tops", "shoes"}));
  EXPECT_EQ(c.coupon.terms.brands, std::vector<std::string>{"luxe"});
  EXPECT_EQ(c.coupon.terms.skus, (std::vector<std::string>{"SKU-1", "SKU-2"}));
  EXPECT_FALSE(c.coupon.terms.stackable);
  EXPECT_EQ(c.coupon.valid_days, 14);
  EXPECT_EQ(c.stock, 50);
  EXPECT_EQ(c.limits, (rules::RewardLimits{1, 2, 5, 10}));
  EXPECT_EQ(c.tiers, std::vector<std::string>{"gold"});
  EXPECT_EQ(c.starts_at, utc(1'794'326'400));  // 2026-11-10T16:00:00Z
  EXPECT_EQ(c.ends_at, utc(1'796'054'400));    // 2026-11-30T16:00:00Z
  EXPECT_FALSE(c.enabled);
  EXPECT_TRUE(c.sku.empty());
  EXPECT_TRUE(c.credit_wallet.empty());

  const CatalogItem& percent = p.rules.catalog[1];
  EXPECT_EQ(percent.kind, CatalogItem::Kind::kCoupon);
  EXPECT_EQ(percent.coupon.terms.kind, CouponTerms::Kind::kPercent);
  EXPECT_EQ(percent.coupon.terms.percent_bp, 1500);
  EXPECT_EQ(percent.coupon.terms.max_discount, 300);
  EXPECT_EQ(percent.coupon.terms.amount, 0);
  EXPECT_EQ(percent.coupon.valid_days, 7);

  const CatalogItem& ship = p.rules.catalog[2];
  EXPECT_EQ(ship.coupon.terms.kind, CouponTerms::Kind::kFreeShipping);
  EXPECT_EQ(ship.coupon.terms.min_spend, 999);
  EXPECT_EQ(ship.coupon.terms.amount, 0);
  EXPECT_EQ(ship.coupon.terms.percent_bp, 0);
}

TEST(ProgramFileCatalog, ParsesEveryKeyOfAGiftAndACredit) {
  const app::Program p = parse_ok(kEverything);
  ASSERT_EQ(p.rules.catalog.size(), 5u);
  const CatalogItem& gift = p.rules.catalog[3];
  EXPECT_EQ(gift.id, "tote_bag");
  EXPECT_EQ(gift.name, "帆布托特包");
  EXPECT_EQ(gift.kind, CatalogItem::Kind::kGift);
  EXPECT_EQ(gift.price, 800);
  EXPECT_EQ(gift.sku, "GIFT-TOTE");
  EXPECT_EQ(gift.stock, 200);
  EXPECT_EQ(gift.limits, (rules::RewardLimits{0, 0, 0, 1}));
  EXPECT_EQ(gift.coupon, rules::CouponOffer{});

  const CatalogItem& credit = p.rules.catalog[4];
  EXPECT_EQ(credit.id, "credit_500");
  EXPECT_EQ(credit.kind, CatalogItem::Kind::kCredit);
  EXPECT_EQ(credit.wallet, "points");
  EXPECT_EQ(credit.price, 500);
  EXPECT_EQ(credit.credit_wallet, "credit");
  EXPECT_EQ(credit.credit_amount, 500);
  EXPECT_EQ(credit.credit_expires, ledger::ExpiryRule::days(90));
  EXPECT_EQ(credit.tiers, (std::vector<std::string>{"regular", "gold"}));
  EXPECT_EQ(credit.starts_at, utc(1'767'225'600));  // 2026-01-01T00:00:00Z
  EXPECT_FALSE(credit.ends_at);
  EXPECT_TRUE(credit.sku.empty());
}

TEST(ProgramFileCatalog, AmountsCountInTheirWalletsAndTheCurrency) {
  // GBP with 2 digits; points with none; a credit wallet in pence.
  const std::string text =
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\nminor_digits = 2\n"
      "[wallets.points]\nunit = \"points\"\n"
      "[[catalog]]\nid = \"c\"\nwallet = \"points\"\nprice = 250\nkind = \"coupon\"\n"
      "coupon = { type = \"fixed\", amount = \"2.50\", min_spend = 20 }\n"
      "[[catalog]]\nid = \"k\"\nwallet = \"points\"\nprice = 100\nkind = \"credit\"\n"
      "credit = { wallet = \"credit\", amount = \"0.75\" }\n"
      "[[catalog]]\nid = \"back\"\nwallet = \"credit\"\nprice = \"1.50\"\nkind = \"gift\"\n"
      "sku = \"MUG\"\n";
  const app::Program p = parse_ok(text);
  ASSERT_EQ(p.rules.catalog.size(), 3u);
  EXPECT_EQ(p.rules.catalog[0].price, 250);
  EXPECT_EQ(p.rules.catalog[0].coupon.terms.amount, 250);
  EXPECT_EQ(p.rules.catalog[0].coupon.terms.min_spend, 2000);
  EXPECT_EQ(p.rules.catalog[1].credit_amount, 75);
  EXPECT_EQ(p.rules.catalog[2].price, 150);
  // Points have no decimals.
  Error e = parse_error(
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.points]\nunit = \"points\"\n"
      "[[catalog]]\nid = \"c\"\nwallet = \"points\"\nprice = \"2.5\"\nkind = \"gift\"\n"
      "sku = \"MUG\"\n");
  EXPECT_NE(e.field.find("shop.toml:9:9: catalog[0].price"), std::string::npos) << e.field;
}

TEST(ProgramFileCatalog, Defaults) {
  const app::Program p = parse_ok(coupon_item(
      "[[catalog]]\nid = \"g\"\nwallet = \"points\"\nprice = 10\nkind = \"gift\"\nsku = \"S\"\n"
      "[[catalog]]\nid = \"k\"\nwallet = \"points\"\nprice = 10\nkind = \"credit\"\n"
      "credit = { wallet = \"credit\", amount = 5 }\n"));
  ASSERT_EQ(p.rules.catalog.size(), 3u);
  for (const CatalogItem& c : p.rules.catalog) {
    SCOPED_TRACE(c.id);
    EXPECT_EQ(c.name, c.id);
    EXPECT_TRUE(c.enabled);
    EXPECT_EQ(c.stock, 0);
    EXPECT_EQ(c.limits, rules::RewardLimits{});
    EXPECT_TRUE(c.tiers.empty());
    EXPECT_FALSE(c.starts_at);
    EXPECT_FALSE(c.ends_at);
  }
  const rules::CouponOffer& offer = p.rules.catalog[0].coupon;
  EXPECT_EQ(offer.valid_days, 30);
  EXPECT_TRUE(offer.terms.stackable);
  EXPECT_TRUE(offer.terms.enabled);
  EXPECT_EQ(offer.terms.min_spend, 0);
  EXPECT_TRUE(offer.terms.categories.empty());
  EXPECT_TRUE(offer.terms.brands.empty());
  EXPECT_TRUE(offer.terms.skus.empty());
  EXPECT_TRUE(offer.terms.batch_id.empty());
  EXPECT_FALSE(offer.terms.starts_at);
  EXPECT_EQ(offer.terms.limit_total, 0);
  EXPECT_EQ(offer.terms.limit_per_member, 0);
  EXPECT_EQ(p.rules.catalog[1].sku, "S");
  EXPECT_EQ(p.rules.catalog[2].credit_amount, 5);
  EXPECT_FALSE(p.rules.catalog[2].credit_expires);  // the wallet's rule for the source
  // No [[catalog]]: an empty catalog.
  EXPECT_TRUE(parse_ok(kHead).rules.catalog.empty());
}

struct BadCase {
  std::string text;
  std::string where;  // "shop.toml:LINE:COLUMN: KEY"
  std::string says;
};

void expect_refused(const std::vector<BadCase>& cases) {
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.text);
    Error e = parse_error(c.text);
    EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(e.field, c.where) << e.message;
    EXPECT_NE(e.message.find(c.says), std::string::npos) << e.message;
  }
}

TEST(ProgramFileCatalog, BadItemsAreRefusedWithTheirLineAndKey) {
  expect_refused({
      {coupon_item("colour = \"red\"\n"), "shop.toml:13:1: catalog[0].colour", "not a known key"},
      {item("id = \"c1\"\nwallet = \"points\"\nkind = \"gift\"\nsku = \"S\"\n"),
       "shop.toml:7:1: catalog[0].price", "is required"},
      {item("id = \"c1\"\nwallet = \"points\"\nprice = 10\nsku = \"S\"\n"),
       "shop.toml:7:1: catalog[0].kind", "is required"},
      {item("wallet = \"points\"\nprice = 10\nkind = \"gift\"\nsku = \"S\"\n"),
       "shop.toml:7:1: catalog[0].id", "is required"},
      {item("id = \"c1\"\nprice = 10\nkind = \"gift\"\nsku = \"S\"\n"),
       "shop.toml:7:1: catalog[0].wallet", "is required"},
      {item("id = \"c1\"\nwallet = \"points\"\nprice = 0\nkind = \"gift\"\nsku = \"S\"\n"),
       "shop.toml:10:9: catalog[0].price", "more than 0"},
      {item("id = \"c1\"\nwallet = \"points\"\nprice = -5\nkind = \"gift\"\nsku = \"S\"\n"),
       "shop.toml:10:9: catalog[0].price", "negative"},
      {item("id = \"c1\"\nwallet = \"gems\"\nprice = 10\nkind = \"gift\"\nsku = \"S\"\n"),
       "shop.toml:9:10: catalog[0].wallet", "credit, points"},
      {item("id = \"c1\"\nwallet = \"points\"\nprice = 10\nkind = \"voucher\"\nsku = \"S\"\n"),
       "shop.toml:11:8: catalog[0].kind", "\"coupon\", \"gift\" or \"credit\""},
      {item("id = \"Coupon-1\"\nwallet = \"points\"\nprice = 10\nkind = \"gift\"\nsku = \"S\"\n"),
       "shop.toml:8:6: catalog[0].id", "a-z, 0-9 and _"},
      {item("id = \"" + std::string(33, 'a') +
            "\"\nwallet = \"points\"\nprice = 10\nkind = \"gift\"\nsku = \"S\"\n"),
       "shop.toml:8:6: catalog[0].id", "1 to 32"},
      {item("id = \"c1\"\nname = \"\"\nwallet = \"points\"\nprice = 10\nkind = \"gift\"\nsku = "
            "\"S\"\n"),
       "shop.toml:9:8: catalog[0].name", "1 to 128 bytes"},
      {item("id = 1\nwallet = \"points\"\nprice = 10\nkind = \"gift\"\nsku = \"S\"\n"),
       "shop.toml:8:6: catalog[0].id", "must be a string"},
      {item("id = \"c1\"\nwallet = \"points\"\nprice = 1.5\nkind = \"gift\"\nsku = \"S\"\n"),
       "shop.toml:10:9: catalog[0].price", "must be an amount"},
      {coupon_item("stock = 0\n"), "shop.toml:13:9: catalog[0].stock", "between 1 and"},
      {coupon_item("limit = { per_week = 1 }\n"), "shop.toml:13:11: catalog[0].limit.per_week",
       "not a known key"},
      {coupon_item("enabled = \"yes\"\n"), "shop.toml:13:11: catalog[0].enabled", "true or false"},
      {coupon_item("starts = \"soon\"\n"), "shop.toml:13:10: catalog[0].starts", "ISO 8601"},
  });
}

TEST(ProgramFileCatalog, TheKindsTableIsRequiredAndOnlyForItsKind) {
  const std::string head = "id = \"c1\"\nwallet = \"points\"\nprice = 10\n";  // lines 8-10
  expect_refused({
      {item(head + "kind = \"coupon\"\n"), "shop.toml:7:1: catalog[0].coupon",
       "is required for kind = \"coupon\""},
      {item(head + "kind = \"gift\"\n"), "shop.toml:7:1: catalog[0].sku",
       "is required for kind = \"gift\""},
      {item(head + "kind = \"credit\"\n"), "shop.toml:7:1: catalog[0].credit",
       "is required for kind = \"credit\""},
      {item(head + "kind = \"gift\"\nsku = \"S\"\ncoupon = { type = \"fixed\", amount = 1 }\n"),
       "shop.toml:13:10: catalog[0].coupon", "is only for kind = \"coupon\""},
      {item(head + "kind = \"coupon\"\ncoupon = { type = \"fixed\", amount = 1 }\nsku = \"S\"\n"),
       "shop.toml:13:7: catalog[0].sku", "is only for kind = \"gift\""},
      {item(head + "kind = \"gift\"\nsku = \"S\"\ncredit = { wallet = \"credit\", amount = 1 }\n"),
       "shop.toml:13:10: catalog[0].credit", "is only for kind = \"credit\""},
      {item(head + "kind = \"gift\"\nsku = \"\"\n"), "shop.toml:12:7: catalog[0].sku",
       "1 to 128 bytes"},
      {item(head + "kind = \"coupon\"\ncoupon = 100\n"), "shop.toml:12:10: catalog[0].coupon",
       "must be a table"},
  });
}

TEST(ProgramFileCatalog, BadCreditIsRefused) {
  const std::string head = "id = \"k\"\nwallet = \"points\"\nprice = 10\nkind = \"credit\"\n";
  // The credit table is on line 12, from column 10.
  expect_refused({
      {item(head + "credit = { wallet = \"points\", amount = 5 }\n"),
       "shop.toml:12:21: catalog[0].credit.wallet", "another wallet than the one that pays"},
      {item(head + "credit = { wallet = \"gems\", amount = 5 }\n"),
       "shop.toml:12:21: catalog[0].credit.wallet", "not a wallet of this file"},
      {item(head + "credit = { amount = 5 }\n"), "shop.toml:12:10: catalog[0].credit.wallet",
       "is required"},
      {item(head + "credit = { wallet = \"credit\" }\n"),
       "shop.toml:12:10: catalog[0].credit.amount", "more than 0"},
      {item(head + "credit = { wallet = \"credit\", amount = 0 }\n"),
       "shop.toml:12:10: catalog[0].credit.amount", "more than 0"},
      {item(head + "credit = { wallet = \"credit\", amount = 5, expires = \"someday\" }\n"),
       "shop.toml:12:53: catalog[0].credit.expires", ""},
      {item(head + "credit = { wallet = \"credit\", amount = 5, days = 3 }\n"),
       "shop.toml:12:43: catalog[0].credit.days", "not a known key"},
  });
}

TEST(ProgramFileCatalog, BadCouponsAreRefused) {
  const std::string head = "id = \"c\"\nwallet = \"points\"\nprice = 10\nkind = \"coupon\"\n";
  // The coupon table is on line 12, from column 10.
  const auto coupon = [&](const std::string& keys) {
    return item(head + "coupon = { " + keys + " }\n");
  };
  expect_refused({
      {coupon("amount = 100"), "shop.toml:12:10: catalog[0].coupon.type", "is required"},
      {coupon("type = \"cash\""), "shop.toml:12:19: catalog[0].coupon.type", "\"free_shipping\""},
      {coupon("type = \"fixed\""), "shop.toml:12:10: catalog[0].coupon.amount",
       "is required for type = \"fixed\""},
      {coupon("type = \"fixed\", amount = 0"), "shop.toml:12:10: catalog[0].coupon.amount",
       "more than 0"},
      {coupon("type = \"fixed\", amount = 100, percent = \"10%\""),
       "shop.toml:12:52: catalog[0].coupon.percent", "only for type = \"percent\""},
      {coupon("type = \"fixed\", amount = 100, max_discount = 5"),
       "shop.toml:12:57: catalog[0].coupon.max_discount", "only for type = \"percent\""},
      {coupon("type = \"percent\""), "shop.toml:12:10: catalog[0].coupon.percent",
       "is required for type = \"percent\""},
      {coupon("type = \"percent\", percent = \"0%\""), "shop.toml:12:40: catalog[0].coupon.percent",
       "more than 0% and at most 100%"},
      {coupon("type = \"percent\", percent = \"100.01%\""),
       "shop.toml:12:40: catalog[0].coupon.percent", "more than 0% and at most 100%"},
      {coupon("type = \"percent\", percent = \"150%\""),
       "shop.toml:12:40: catalog[0].coupon.percent", "more than 0% and at most 100%"},
      {coupon("type = \"percent\", percent = 10"), "shop.toml:12:40: catalog[0].coupon.percent",
       "percent like"},
      {coupon("type = \"percent\", percent = \"10%\", amount = 5"),
       "shop.toml:12:56: catalog[0].coupon.amount", "only for type = \"fixed\""},
      {coupon("type = \"free_shipping\", amount = 5"), "shop.toml:12:10: catalog[0].coupon",
       "takes no amount"},
      {coupon("type = \"fixed\", amount = 1, valid_days = 0"),
       "shop.toml:12:53: catalog[0].coupon.valid_days", "between 1 and"},
      {coupon("type = \"fixed\", amount = 1, skus = [\"A\", \"A\"]"),
       "shop.toml:12:53: catalog[0].coupon.skus[1]", "twice"},
      {coupon("type = \"fixed\", amount = 1, stackable = 1"),
       "shop.toml:12:52: catalog[0].coupon.stackable", "true or false"},
      {coupon("type = \"fixed\", amount = 1, colour = 1"),
       "shop.toml:12:40: catalog[0].coupon.colour", "not a known key"},
  });
}

TEST(ProgramFileCatalog, TiersMustBeLevelsOfTheProgram) {
  // Without [tiers], no tier may be named.
  Error none = parse_error(coupon_item("tiers = [\"gold\"]\n"));
  EXPECT_EQ(none.field, "shop.toml:13:9: catalog[0].tiers[0]");
  EXPECT_NE(none.message.find("needs a [tiers] table"), std::string::npos) << none.message;
  // With [tiers], only its level ids.
  Error unknown = parse_error(coupon_item("tiers = [\"regular\", \"vip\"]\n") + kTiers);
  EXPECT_EQ(unknown.field, "shop.toml:13:9: catalog[0].tiers[1]");
  EXPECT_NE(unknown.message.find("regular, gold"), std::string::npos) << unknown.message;
  const app::Program p = parse_ok(coupon_item("tiers = [\"gold\"]\n") + kTiers);
  ASSERT_EQ(p.rules.catalog.size(), 1u);
  EXPECT_EQ(p.rules.catalog[0].tiers, std::vector<std::string>{"gold"});
}

TEST(ProgramFileCatalog, EndsMustBeAfterStarts) {
  Error same =
      parse_error(coupon_item("starts = \"2026-11-11\"\nends = \"2026-11-11T00:00:00\"\n"));
  EXPECT_EQ(same.field, "shop.toml:14:8: catalog[0].ends");
  EXPECT_NE(same.message.find("after starts"), std::string::npos) << same.message;
  // The same instant written in UTC is still not after it.
  Error before = parse_error(
      coupon_item("starts = \"2026-11-11T00:00:00\"\nends = \"2026-11-10T15:00:00Z\"\n"));
  EXPECT_EQ(before.field, "shop.toml:14:8: catalog[0].ends");
  const app::Program p =
      parse_ok(coupon_item("starts = \"2026-11-11T00:00:00\"\nends = \"2026-11-10T16:00:01Z\"\n"));
  ASSERT_EQ(p.rules.catalog.size(), 1u);
  EXPECT_EQ(p.rules.catalog[0].ends_at, utc(1'794'326'401));
}

TEST(ProgramFileCatalog, IdsAreUnique) {
  Error e =
      parse_error(coupon_item("[[catalog]]\nid = \"c1\"\nwallet = \"points\"\nprice = 5\n"
                              "kind = \"gift\"\nsku = \"S\"\n"));
  EXPECT_EQ(e.field, "shop.toml:14:6: catalog[1].id");
  EXPECT_NE(e.message.find("already the id of catalog[0]"), std::string::npos) << e.message;
  EXPECT_EQ(parse_ok(coupon_item("[[catalog]]\nid = \"c2\"\nwallet = \"points\"\nprice = 5\n"
                                 "kind = \"gift\"\nsku = \"S\"\n"))
                .rules.catalog.size(),
            2u);
  Error not_array = parse_error(std::string(kHead) + "catalog = 5\n");
  EXPECT_NE(not_array.field.find("catalog"), std::string::npos) << not_array.field;
}

TEST(ProgramFileCatalog, PrintedCatalogParsesBackToTheSameProgram) {
  const app::Program p = parse_ok(kEverything);
  ASSERT_EQ(p.rules.catalog.size(), 5u);
  std::string text = config::to_toml(p);
  EXPECT_NE(text.find("[[catalog]]"), std::string::npos) << text;
  auto again = config::parse_program(text, "printed.toml", "shop");
  ASSERT_TRUE(again) << again.error().field << ": " << again.error().message << "\n" << text;
  EXPECT_EQ(again->rules.catalog, p.rules.catalog) << text;
  EXPECT_EQ(again->rules, p.rules);
  // Printing is stable.
  EXPECT_EQ(config::to_toml(*again), text);
  // Defaults print back to the same items too (no stock, no limits, no expiry).
  const app::Program minimal = parse_ok(
      coupon_item("[[catalog]]\nid = \"k\"\nwallet = \"points\"\nprice = 10\nkind = \"credit\"\n"
                  "credit = { wallet = \"credit\", amount = 5 }\n"));
  auto minimal_again = config::parse_program(config::to_toml(minimal), "printed.toml", "shop");
  ASSERT_TRUE(minimal_again) << minimal_again.error().field << ": "
                             << minimal_again.error().message;
  EXPECT_EQ(minimal_again->rules.catalog, minimal.rules.catalog);
}

TEST(ProgramFileCatalog, PrintedDecimalAmountsParseBack) {
  const app::Program p = parse_ok(
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\nminor_digits = 2\n"
      "[wallets.points]\nunit = \"points\"\n"
      "[[catalog]]\nid = \"c\"\nwallet = \"credit\"\nprice = \"1.25\"\nkind = \"coupon\"\n"
      "coupon = { type = \"percent\", percent = \"12.5%\", max_discount = \"3.50\", min_spend = "
      "\"0.99\" }\n"
      "[[catalog]]\nid = \"k\"\nwallet = \"points\"\nprice = 100\nkind = \"credit\"\n"
      "credit = { wallet = \"credit\", amount = \"0.75\", expires = \"end_of_month\" }\n");
  ASSERT_EQ(p.rules.catalog.size(), 2u);
  EXPECT_EQ(p.rules.catalog[0].coupon.terms.percent_bp, 1250);
  EXPECT_EQ(p.rules.catalog[0].coupon.terms.max_discount, 350);
  std::string text = config::to_toml(p);
  auto again = config::parse_program(text, "printed.toml", "shop");
  ASSERT_TRUE(again) << again.error().field << ": " << again.error().message << "\n" << text;
  EXPECT_EQ(again->rules.catalog, p.rules.catalog) << text;
}

TEST(ProgramSettings, CatalogChangesAreListed) {
  // `program apply` stores a file only when a setting changes: a file that
  // only edits [[catalog]] must list that change.
  const app::Program a = parse_ok(coupon_item(""));
  const app::Program b =
      parse_ok(item("id = \"c1\"\nwallet = \"points\"\nprice = 400\nkind = \"coupon\"\n"
                    "coupon = { type = \"fixed\", amount = 100 }\n"));
  std::vector<std::string> keys;
  for (const auto& c : app::setting_changes(a, b)) keys.push_back(c.key);
  EXPECT_EQ(keys, std::vector<std::string>{"catalog.c1.price"});
  // A new item adds its keys.
  std::size_t added = 0;
  for (const auto& c : app::setting_changes(parse_ok(kHead), a)) {
    EXPECT_EQ(c.key.rfind("catalog.c1.", 0), 0u) << c.key;
    EXPECT_FALSE(c.before);
    ++added;
  }
  EXPECT_GT(added, 0u);
}

TEST(ProgramFileCatalog, TheExampleParses) {
  std::ifstream in(std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml");
  std::stringstream text;
  text << in.rdbuf();
  auto p = config::parse_program(text.str(), "taiwan-fashion.toml", "tw");
  ASSERT_TRUE(p) << p.error().field << ": " << p.error().message;
  const std::vector<CatalogItem>& items = p->rules.catalog;
  ASSERT_EQ(items.size(), 3u);

  CatalogItem coupon;
  coupon.id = "coupon_100";
  coupon.name = "NT$100 折價券";
  coupon.wallet = "points";
  coupon.price = 300;
  coupon.kind = CatalogItem::Kind::kCoupon;
  coupon.coupon.terms.kind = CouponTerms::Kind::kFixed;
  coupon.coupon.terms.amount = 100;
  coupon.coupon.terms.min_spend = 1000;
  coupon.coupon.valid_days = 30;
  coupon.limits.per_month = 2;
  EXPECT_EQ(items[0], coupon);

  CatalogItem tote;
  tote.id = "tote_bag";
  tote.name = "帆布托特包";
  tote.wallet = "points";
  tote.price = 800;
  tote.kind = CatalogItem::Kind::kGift;
  tote.sku = "GIFT-TOTE";
  tote.stock = 200;
  tote.limits.lifetime = 1;
  EXPECT_EQ(items[1], tote);

  CatalogItem credit;
  credit.id = "credit_500";
  credit.name = "500 點換 NT$500 購物金";
  credit.wallet = "points";
  credit.price = 500;
  credit.kind = CatalogItem::Kind::kCredit;
  credit.credit_wallet = "credit";
  credit.credit_amount = 500;
  credit.credit_expires = ledger::ExpiryRule::days(90);
  credit.tiers = {"gold", "vip"};
  EXPECT_EQ(items[2], credit);
  EXPECT_EQ(p->rules.catalog_item("tote_bag"), &items[1]);
  EXPECT_EQ(p->rules.catalog_item("nope"), nullptr);

  // And the example prints back to the same catalog.
  auto again = config::parse_program(config::to_toml(*p), "printed.toml", "tw");
  ASSERT_TRUE(again) << again.error().field << ": " << again.error().message;
  EXPECT_EQ(again->rules.catalog, items);
}

}  // namespace
}  // namespace patron
