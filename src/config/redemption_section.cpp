// The program file's redemption rules ([wallets.<name>.redeem], docs/config.md
// "Redemption"): how a wallet pays at checkout.
#include <toml++/toml.h>

#include <numeric>
#include <utility>

#include "config/reader.h"
#include "core/limits.h"
#include "core/money.h"

namespace patron::config::detail {

namespace {

// unit_value is a decimal of at most this many places (NT$0.000001 a point
// is already far below anything a shop prices).
constexpr int kUnitValueDigits = 6;

int64_t pow10(int n) {
  int64_t out = 1;
  for (int i = 0; i < n; ++i) out *= 10;
  return out;
}

// unit_value = "0.1": one whole unit of the wallet pays NT$0.1. As a ratio of
// minor units: value x 10^currency_digits / 10^wallet_digits, reduced.
Result<std::pair<int64_t, int64_t>> parse_unit_value(const Reader& r, const toml::table& t,
                                                     const std::string& at, const app::Program& p,
                                                     int wallet_digits) {
  const toml::node* n = t.get("unit_value");
  if (n == nullptr) {
    // Default: one whole unit of the wallet pays one whole unit of the currency.
    int64_t num = pow10(p.minor_digits);
    int64_t den = pow10(wallet_digits);
    int64_t g = std::gcd(num, den);
    return std::pair{num / g, den / g};
  }
  const std::string k = at + ".unit_value";
  auto scaled = r.amount(t, at, "unit_value", kUnitValueDigits, "a unit value");
  if (!scaled) return std::unexpected(scaled.error());
  if (**scaled <= 0) return r.error(n, k, "must be more than 0");
  if (**scaled > pow10(kUnitValueDigits + 6)) return r.error(n, k, "must be at most 1000000");
  __extension__ using Wide = __int128;
  Wide num = Wide{**scaled} * pow10(p.minor_digits);
  Wide den = Wide{pow10(kUnitValueDigits)} * pow10(wallet_digits);
  Wide a = num, b = den;
  while (b != 0) a = std::exchange(b, a % b);
  return std::pair{static_cast<int64_t>(num / a), static_cast<int64_t>(den / a)};
}

std::string format_unit_value(const rules::RedeemRule& rule, const app::Program& p,
                              int wallet_digits) {
  // value of one whole unit = num / den x 10^wallet_digits / 10^currency_digits.
  __extension__ using Wide = __int128;
  Wide scaled = Wide{rule.value_num} * pow10(wallet_digits) * pow10(kUnitValueDigits) /
                (Wide{rule.value_den} * pow10(p.minor_digits));
  std::string text = format_major_units(static_cast<int64_t>(scaled), kUnitValueDigits);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

Result<rules::RedeemRule> parse_redeem(const Reader& r, const toml::table& t, const std::string& at,
                                       const app::Program& p, const std::string& wallet) {
  if (auto ok = r.only(t, at,
                       {"enabled", "unit_value", "min_order", "max_amount", "max_percent", "step",
                        "tiers", "exclude_categories", "exclude_brands", "exclude_skus",
                        "pays_shipping", "with_coupons"});
      !ok) {
    return std::unexpected(ok.error());
  }
  rules::RedeemRule out;
  out.wallet = wallet;
  const Units u = units_of(p, wallet);
  auto value = parse_unit_value(r, t, at, p, u.wallet_digits);
  if (!value) return std::unexpected(value.error());
  std::tie(out.value_num, out.value_den) = *value;
  for (auto [key, slot] :
       {std::pair{"min_order", &out.min_order}, std::pair{"max_amount", &out.max_amount}}) {
    auto amount = r.amount(t, at, key, p.minor_digits, p.currency);
    if (!amount) return std::unexpected(amount.error());
    if (*amount) *slot = **amount;
  }
  if (const toml::node* n = t.get("max_percent")) {
    auto bp = parse_percent(*n);
    if (!bp) return r.error(n, at + ".max_percent", bp.error());
    if (*bp <= 0 || *bp > 10000) {
      return r.error(n, at + ".max_percent", "must be more than 0% and at most 100%");
    }
    out.max_percent_bp = *bp;
  }
  auto step = r.amount(t, at, "step", u.wallet_digits, u.wallet_unit);
  if (!step) return std::unexpected(step.error());
  if (*step) {
    if (**step <= 0) return r.error(t.get("step"), at + ".step", "must be more than 0");
    out.step = **step;
  }
  auto tiers = r.strings(t, at, "tiers", limits::kTiersMax, limits::kTierBytesMax);
  if (!tiers) return std::unexpected(tiers.error());
  for (std::size_t i = 0; i < tiers->size(); ++i) {
    if (!p.rules.tiers.enabled() || !is_tier(p.rules.tiers, (*tiers)[i])) {
      const toml::node* node = t.get("tiers");
      std::string key = at + ".tiers[" + std::to_string(i) + "]";
      if (!p.rules.tiers.enabled()) return r.error(node, key, "needs a [tiers] table");
      return r.error(node, key, not_a_tier(p.rules.tiers));
    }
  }
  out.tiers = std::move(*tiers);
  for (auto [key, slot] : {std::pair{"exclude_categories", &out.exclude_categories},
                           std::pair{"exclude_brands", &out.exclude_brands},
                           std::pair{"exclude_skus", &out.exclude_skus}}) {
    auto list = r.strings(t, at, key, limits::kEarnRuleListMax, limits::kIdBytesMax);
    if (!list) return std::unexpected(list.error());
    *slot = std::move(*list);
  }
  for (auto [key, slot] :
       {std::pair{"enabled", &out.enabled}, std::pair{"pays_shipping", &out.pays_shipping},
        std::pair{"with_coupons", &out.with_coupons}}) {
    auto flag = r.boolean(t, at, key);
    if (!flag) return std::unexpected(flag.error());
    if (*flag) *slot = **flag;
  }
  return out;
}

}  // namespace

Result<void> parse_redemption(const Reader& r, const toml::table& root, app::Program& p) {
  const toml::table& wallets = *root.get("wallets")->as_table();
  for (const app::WalletConfig& w : p.wallets) {
    const toml::table& wt = *wallets.get(w.name)->as_table();
    const toml::node* n = wt.get("redeem");
    if (n == nullptr) continue;
    std::string at = "wallets." + w.name + ".redeem";
    if (!n->is_table()) return r.error(n, at, "must be a table");
    auto rule = parse_redeem(r, *n->as_table(), at, p, w.name);
    if (!rule) return std::unexpected(rule.error());
    p.rules.redeem.push_back(std::move(*rule));
  }
  return {};
}

toml::table redeem_table(const app::Program& p, const rules::RedeemRule& rule) {
  const Units u = units_of(p, rule.wallet);
  toml::table t{{"enabled", rule.enabled},
                {"unit_value", format_unit_value(rule, p, u.wallet_digits)}};
  insert_amount(t, "min_order", rule.min_order, p.minor_digits);
  if (rule.max_amount > 0) insert_amount(t, "max_amount", rule.max_amount, p.minor_digits);
  if (rule.max_percent_bp > 0) t.insert("max_percent", format_percent(rule.max_percent_bp));
  insert_amount(t, "step", rule.step, u.wallet_digits);
  t.insert("tiers", string_array(rule.tiers));
  t.insert("exclude_categories", string_array(rule.exclude_categories));
  t.insert("exclude_brands", string_array(rule.exclude_brands));
  t.insert("exclude_skus", string_array(rule.exclude_skus));
  t.insert("pays_shipping", rule.pays_shipping);
  t.insert("with_coupons", rule.with_coupons);
  return t;
}

}  // namespace patron::config::detail
