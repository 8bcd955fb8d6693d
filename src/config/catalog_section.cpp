// The program file's reward catalog ([[catalog]], docs/config.md "[[catalog]]")
// and the coupon offers that catalog items and rewards issue.
#include <date/tz.h>
#include <toml++/toml.h>

#include <array>
#include <utility>

#include "app/programs.h"
#include "config/reader.h"
#include "core/limits.h"

namespace patron::config::detail {

namespace {

using rules::CatalogItem;
using rules::CouponTerms;

// Indexed by CouponTerms::Kind and CatalogItem::Kind.
constexpr std::array<std::string_view, 3> kCouponTypes = {"fixed", "percent", "free_shipping"};
constexpr std::array<std::string_view, 3> kItemKinds = {"coupon", "gift", "credit"};

Result<CatalogItem> parse_item(const Reader& r, const toml::table& t, std::size_t index,
                               const app::Program& p, const date::time_zone* zone) {
  const std::string at = "catalog[" + std::to_string(index) + "]";
  if (auto ok = r.only(t, at,
                       {"id", "name", "wallet", "price", "kind", "coupon", "sku", "credit", "stock",
                        "limit", "tiers", "starts", "ends", "enabled"});
      !ok) {
    return std::unexpected(ok.error());
  }
  CatalogItem item;
  auto id = r.text(t, at, "id");
  if (!id) return std::unexpected(id.error());
  if (!*id) return r.error(&t, at + ".id", "is required");
  if (!is_name(**id)) return r.error(t.get("id"), at + ".id", "must be 1 to 32 of a-z, 0-9 and _");
  item.id = **id;
  auto name = r.text(t, at, "name");
  if (!name) return std::unexpected(name.error());
  item.name = name->value_or(item.id);
  if (item.name.empty() || item.name.size() > limits::kIdBytesMax) {
    return r.error(t.get("name"), at + ".name", "must be 1 to 128 bytes");
  }
  auto wallet = wallet_of(r, t, at, p, "the wallet that pays for the item");
  if (!wallet) return std::unexpected(wallet.error());
  item.wallet = *wallet;
  const Units u = units_of(p, item.wallet);
  auto price = r.amount(t, at, "price", u.wallet_digits, u.wallet_unit);
  if (!price) return std::unexpected(price.error());
  if (!*price)
    return r.error(&t, at + ".price", "is required: what the item costs in " + item.wallet);
  if (**price == 0) return r.error(t.get("price"), at + ".price", "must be more than 0");
  item.price = **price;
  auto kind = one_of(r, t, at, "kind", kItemKinds);
  if (!kind) return std::unexpected(kind.error());
  if (!*kind) return r.error(&t, at + ".kind", "is required: \"coupon\", \"gift\" or \"credit\"");
  item.kind = static_cast<CatalogItem::Kind>(**kind);

  // What the item gives: exactly the table of its kind.
  const std::array<std::pair<std::string_view, CatalogItem::Kind>, 3> gives = {
      std::pair{"coupon", CatalogItem::Kind::kCoupon}, std::pair{"sku", CatalogItem::Kind::kGift},
      std::pair{"credit", CatalogItem::Kind::kCredit}};
  for (auto [key, kind_of_key] : gives) {
    const bool present = t.get(key) != nullptr;
    if (present && kind_of_key != item.kind) {
      return r.error(t.get(key), Reader::join(at, key),
                     "is only for kind = \"" + std::string(rules::to_string(kind_of_key)) + "\"");
    }
    if (!present && kind_of_key == item.kind) {
      return r.error(&t, Reader::join(at, key),
                     "is required for kind = \"" + std::string(rules::to_string(item.kind)) + "\"");
    }
  }
  switch (item.kind) {
    case CatalogItem::Kind::kCoupon: {
      auto offer = parse_coupon_offer(r, t, at, p);
      if (!offer) return std::unexpected(offer.error());
      item.coupon = std::move(**offer);
      break;
    }
    case CatalogItem::Kind::kGift: {
      auto sku = r.text(t, at, "sku");
      if (!sku) return std::unexpected(sku.error());
      if (sku->value_or("").empty() || (*sku)->size() > limits::kIdBytesMax) {
        return r.error(t.get("sku"), at + ".sku", "must be 1 to 128 bytes");
      }
      item.sku = **sku;
      break;
    }
    case CatalogItem::Kind::kCredit: {
      auto table = small_table(r, t, at, "credit", {"wallet", "amount", "expires"},
                               "{ wallet = \"credit\", amount = 50 }");
      if (!table) return std::unexpected(table.error());
      const std::string k = at + ".credit";
      auto into = wallet_of(r, **table, k, p, "the wallet the value goes into");
      if (!into) return std::unexpected(into.error());
      if (*into == item.wallet) {
        return r.error((*table)->get("wallet"), k + ".wallet",
                       "must be another wallet than the one that pays (" + item.wallet + ")");
      }
      item.credit_wallet = *into;
      const Units cu = units_of(p, item.credit_wallet);
      auto amount = r.amount(**table, k, "amount", cu.wallet_digits, cu.wallet_unit);
      if (!amount) return std::unexpected(amount.error());
      if (!*amount || **amount == 0) {
        return r.error(*table, k + ".amount", "is required and must be more than 0");
      }
      item.credit_amount = **amount;
      auto expires = r.expiry(**table, k, "expires");
      if (!expires) return std::unexpected(expires.error());
      item.credit_expires = *expires;
      break;
    }
  }
  auto stock = r.integer(t, at, "stock", 1, limits::kRewardCountMax);
  if (!stock) return std::unexpected(stock.error());
  item.stock = stock->value_or(0);
  auto limit = parse_limits(r, t, at);
  if (!limit) return std::unexpected(limit.error());
  if (*limit) item.limits = **limit;
  auto tiers = r.strings(t, at, "tiers", limits::kTiersMax, limits::kTierBytesMax);
  if (!tiers) return std::unexpected(tiers.error());
  for (std::size_t i = 0; i < tiers->size(); ++i) {
    if (!p.rules.tiers.enabled() || !is_tier(p.rules.tiers, (*tiers)[i])) {
      std::string key = at + ".tiers[" + std::to_string(i) + "]";
      if (!p.rules.tiers.enabled()) return r.error(t.get("tiers"), key, "needs a [tiers] table");
      return r.error(t.get("tiers"), key, not_a_tier(p.rules.tiers));
    }
  }
  item.tiers = std::move(*tiers);
  auto starts = parse_time(r, t, at, "starts", zone);
  if (!starts) return std::unexpected(starts.error());
  item.starts_at = *starts;
  auto ends = parse_time(r, t, at, "ends", zone);
  if (!ends) return std::unexpected(ends.error());
  item.ends_at = *ends;
  if (item.starts_at && item.ends_at && *item.ends_at <= *item.starts_at) {
    return r.error(t.get("ends"), at + ".ends", "must be after starts");
  }
  auto enabled = r.boolean(t, at, "enabled");
  if (!enabled) return std::unexpected(enabled.error());
  item.enabled = enabled->value_or(true);
  return item;
}

toml::table item_table(const CatalogItem& item, const app::Program& p,
                       const date::time_zone* zone) {
  const Units u = units_of(p, item.wallet);
  toml::table t{{"id", item.id}, {"name", item.name}, {"wallet", item.wallet}};
  insert_amount(t, "price", item.price, u.wallet_digits);
  t.insert("kind", std::string(rules::to_string(item.kind)));
  switch (item.kind) {
    case CatalogItem::Kind::kCoupon:
      t.insert("coupon", coupon_offer_table(item.coupon, p));
      break;
    case CatalogItem::Kind::kGift:
      t.insert("sku", item.sku);
      break;
    case CatalogItem::Kind::kCredit: {
      toml::table c{{"wallet", item.credit_wallet}};
      c.is_inline(true);
      insert_amount(c, "amount", item.credit_amount, units_of(p, item.credit_wallet).wallet_digits);
      if (item.credit_expires) c.insert("expires", ledger::to_string(*item.credit_expires));
      t.insert("credit", std::move(c));
      break;
    }
  }
  if (item.stock > 0) t.insert("stock", item.stock);
  insert_limits(t, item.limits);
  t.insert("tiers", string_array(item.tiers));
  if (item.starts_at) t.insert("starts", time_text(*item.starts_at, zone));
  if (item.ends_at) t.insert("ends", time_text(*item.ends_at, zone));
  t.insert("enabled", item.enabled);
  return t;
}

}  // namespace

Result<std::optional<rules::CouponOffer>> parse_coupon_offer(const Reader& r, const toml::table& t,
                                                             const std::string& at,
                                                             const app::Program& p) {
  auto table = small_table(r, t, at, "coupon",
                           {"type", "amount", "percent", "max_discount", "min_spend", "categories",
                            "brands", "skus", "stackable", "valid_days"},
                           "{ type = \"fixed\", amount = 100, valid_days = 30 }");
  if (!table) return std::unexpected(table.error());
  if (*table == nullptr) return std::nullopt;
  const toml::table& c = **table;
  const std::string k = at + ".coupon";
  rules::CouponOffer out;
  CouponTerms& terms = out.terms;
  auto type = one_of(r, c, k, "type", kCouponTypes);
  if (!type) return std::unexpected(type.error());
  if (!*type)
    return r.error(&c, k + ".type", "is required: \"fixed\", \"percent\" or \"free_shipping\"");
  terms.kind = static_cast<CouponTerms::Kind>(**type);
  auto amount = r.amount(c, k, "amount", p.minor_digits, p.currency);
  if (!amount) return std::unexpected(amount.error());
  auto max_discount = r.amount(c, k, "max_discount", p.minor_digits, p.currency);
  if (!max_discount) return std::unexpected(max_discount.error());
  const toml::node* percent = c.get("percent");
  switch (terms.kind) {
    case CouponTerms::Kind::kFixed:
      if (!*amount || **amount == 0) {
        return r.error(&c, k + ".amount",
                       "is required for type = \"fixed\" and must be more than 0");
      }
      if (percent != nullptr || *max_discount) {
        return r.error(percent != nullptr ? percent : c.get("max_discount"),
                       k + (percent != nullptr ? ".percent" : ".max_discount"),
                       "is only for type = \"percent\"");
      }
      terms.amount = **amount;
      break;
    case CouponTerms::Kind::kPercent: {
      if (percent == nullptr)
        return r.error(&c, k + ".percent", "is required for type = \"percent\"");
      auto bp = parse_percent(*percent);
      if (!bp) return r.error(percent, k + ".percent", bp.error());
      if (*bp <= 0 || *bp > 10000) {
        return r.error(percent, k + ".percent", "must be more than 0% and at most 100%");
      }
      if (*amount) return r.error(c.get("amount"), k + ".amount", "is only for type = \"fixed\"");
      terms.percent_bp = *bp;
      terms.max_discount = max_discount->value_or(0);
      break;
    }
    case CouponTerms::Kind::kFreeShipping:
      if (*amount || percent != nullptr || *max_discount) {
        return r.error(&c, k, "type = \"free_shipping\" takes no amount, percent or max_discount");
      }
      break;
  }
  auto min_spend = r.amount(c, k, "min_spend", p.minor_digits, p.currency);
  if (!min_spend) return std::unexpected(min_spend.error());
  terms.min_spend = min_spend->value_or(0);
  for (auto [key, slot] : {std::pair{"categories", &terms.categories},
                           std::pair{"brands", &terms.brands}, std::pair{"skus", &terms.skus}}) {
    auto list = r.strings(c, k, key, limits::kEarnRuleListMax, limits::kIdBytesMax);
    if (!list) return std::unexpected(list.error());
    *slot = std::move(*list);
  }
  auto stackable = r.boolean(c, k, "stackable");
  if (!stackable) return std::unexpected(stackable.error());
  terms.stackable = stackable->value_or(true);
  auto days = r.integer(c, k, "valid_days", 1, limits::kCouponValidDaysMax);
  if (!days) return std::unexpected(days.error());
  out.valid_days = days->value_or(30);
  return out;
}

toml::table coupon_offer_table(const rules::CouponOffer& offer, const app::Program& p) {
  const CouponTerms& terms = offer.terms;
  toml::table c{{"type", std::string(kCouponTypes[static_cast<std::size_t>(terms.kind)])}};
  c.is_inline(true);
  if (terms.kind == CouponTerms::Kind::kFixed)
    insert_amount(c, "amount", terms.amount, p.minor_digits);
  if (terms.kind == CouponTerms::Kind::kPercent) {
    c.insert("percent", format_percent(terms.percent_bp));
    if (terms.max_discount > 0)
      insert_amount(c, "max_discount", terms.max_discount, p.minor_digits);
  }
  if (terms.min_spend > 0) insert_amount(c, "min_spend", terms.min_spend, p.minor_digits);
  if (!terms.categories.empty()) c.insert("categories", string_array(terms.categories));
  if (!terms.brands.empty()) c.insert("brands", string_array(terms.brands));
  if (!terms.skus.empty()) c.insert("skus", string_array(terms.skus));
  c.insert("stackable", terms.stackable);
  c.insert("valid_days", offer.valid_days);
  return c;
}

Result<void> parse_catalog(const Reader& r, const toml::table& root, app::Program& p) {
  auto list = r.tables(root.get("catalog"), "catalog", limits::kCatalogMax);
  if (!list) return std::unexpected(list.error());
  if (list->empty()) return {};
  auto zone = app::resolve_zone(p.time_zone);
  if (!zone) {
    return r.error(root.get("program"), "program.time_zone",
                   "is not a time zone of the tz database (catalog times are local to it)");
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table& t = *(*list)[i];
    auto item = parse_item(r, t, i, p, *zone);
    if (!item) return std::unexpected(item.error());
    for (std::size_t j = 0; j < p.rules.catalog.size(); ++j) {
      if (p.rules.catalog[j].id == item->id) {
        return r.error(
            t.get("id"), "catalog[" + std::to_string(i) + "].id",
            "'" + item->id + "' is already the id of catalog[" + std::to_string(j) + "]");
      }
    }
    p.rules.catalog.push_back(std::move(*item));
  }
  return {};
}

toml::array catalog_array(const app::Program& p) {
  auto zone = app::resolve_zone(p.time_zone);
  const date::time_zone* z = zone ? *zone : nullptr;
  toml::array out;
  for (const CatalogItem& item : p.rules.catalog) out.push_back(item_table(item, p, z));
  return out;
}

}  // namespace patron::config::detail
