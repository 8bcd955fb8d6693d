#include "config/program_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <expected>
#include <sstream>
#include <utility>

#include "app/programs.h"
#include "config/reader.h"
#include "core/limits.h"
#include "core/money.h"
#include "ledger/policy.h"

namespace patron::config {

// The walker and the helpers the section files share (config/reader.h).
using namespace detail;

namespace {

Result<app::WalletConfig> parse_wallet(const Reader& r, const toml::table& t, const std::string& at,
                                       const std::string& name, const app::Program& program) {
  if (auto ok = r.only(t, at,
                       {"unit", "minor_digits", "default_expiry", "expiry_by_source", "hold_ttl_s",
                        "debt_policy", "restore_policy", "restored_lot_expiry", "redeem"});
      !ok) {
    return std::unexpected(ok.error());
  }
  // Start from the defaults a new program's wallet of that name has.
  app::WalletConfig w = name == "points" ? ledger::default_points_policy(nullptr)
                                         : ledger::default_credit_policy(nullptr);
  w.name = name;
  if (name != "points") {
    w.unit = program.currency;
    w.minor_digits = program.minor_digits;
  }
  auto unit = r.text(t, at, "unit");
  if (!unit) return std::unexpected(unit.error());
  if (*unit) {
    if ((*unit)->empty() || (*unit)->size() > 16) {
      return r.error(t.get("unit"), at + ".unit", "must be 1 to 16 characters");
    }
    w.unit = **unit;
  }
  auto digits = r.integer(t, at, "minor_digits", 0, 4);
  if (!digits) return std::unexpected(digits.error());
  if (*digits) w.minor_digits = static_cast<int>(**digits);
  auto def = r.expiry(t, at, "default_expiry");
  if (!def) return std::unexpected(def.error());
  if (*def) w.default_expiry = **def;
  auto restored = r.expiry(t, at, "restored_lot_expiry");
  if (!restored) return std::unexpected(restored.error());
  if (*restored) w.restored_lot_expiry = **restored;
  auto ttl = r.integer(t, at, "hold_ttl_s", 1, limits::kHoldTtlSecondsMax);
  if (!ttl) return std::unexpected(ttl.error());
  if (*ttl) w.hold_ttl_s = **ttl;
  auto debt = r.text(t, at, "debt_policy");
  if (!debt) return std::unexpected(debt.error());
  if (*debt) {
    if (**debt == "negative_balance") {
      w.debt = ledger::DebtPolicy::kNegativeBalance;
    } else if (**debt == "write_off") {
      w.debt = ledger::DebtPolicy::kWriteOff;
    } else {
      return r.error(t.get("debt_policy"), at + ".debt_policy",
                     "must be \"negative_balance\" or \"write_off\"");
    }
  }
  auto restore = r.text(t, at, "restore_policy");
  if (!restore) return std::unexpected(restore.error());
  if (*restore) {
    if (**restore == "new_lot_if_expired") {
      w.restore = ledger::RestorePolicy::kNewLotIfExpired;
    } else if (**restore == "original_lot") {
      w.restore = ledger::RestorePolicy::kOriginalLot;
    } else {
      return r.error(t.get("restore_policy"), at + ".restore_policy",
                     "must be \"new_lot_if_expired\" or \"original_lot\"");
    }
  }
  if (const toml::node* n = t.get("expiry_by_source")) {
    if (!n->is_table()) return r.error(n, at + ".expiry_by_source", "must be a table");
    if (n->as_table()->size() > limits::kExpirySourcesMax) {
      return r.error(n, at + ".expiry_by_source", "has more than 64 sources");
    }
    w.expiry_by_source.clear();  // the file lists every source rule it wants
    for (const auto& [source, rule_node] : *n->as_table()) {
      std::string key = at + ".expiry_by_source." + std::string(source.str());
      if (!is_name(source.str())) {
        return r.error(&rule_node, key, "a source is 1 to 32 of a-z, 0-9 and _");
      }
      if (!rule_node.is_string()) return r.error(&rule_node, key, "must be a string");
      auto rule = ledger::parse_expiry_rule(rule_node.as_string()->get(), key);
      if (!rule) return r.error(&rule_node, key, rule.error().message);
      w.expiry_by_source[std::string(source.str())] = *rule;
    }
  }
  return w;
}

// ---- Earn rules and member days ([earning], [[earning.rules]], [[member_days]]) ----

enum class DecimalProblem { kSyntax, kPrecision, kRange };

// A non-negative decimal ("12", "0.5", "1.25") as an integer scaled by
// 10^decimals, exactly: no sign, exponent, spaces or bare dot. Zeros past
// `decimals` are fine ("3.50"); any other digit there is kPrecision.
std::expected<int64_t, DecimalProblem> parse_scaled(std::string_view s, int decimals, int64_t max) {
  auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  auto digits = [](std::string_view d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || (dot != std::string_view::npos && frac.empty()) || !digits(whole) ||
      !digits(frac)) {
    return std::unexpected(DecimalProblem::kSyntax);
  }
  for (std::size_t i = static_cast<std::size_t>(decimals); i < frac.size(); ++i) {
    if (frac[i] != '0') return std::unexpected(DecimalProblem::kPrecision);
  }
  // 12 digits x 10^decimals (decimals <= 4) stays far inside int64.
  if (whole.size() > 12) return std::unexpected(DecimalProblem::kRange);
  int64_t v = 0;
  for (char c : whole) v = v * 10 + (c - '0');
  for (std::size_t i = 0; i < static_cast<std::size_t>(decimals); ++i) {
    v = v * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  }
  if (v > max) return std::unexpected(DecimalProblem::kRange);
  return v;
}

}  // namespace

// Shared with the section files (config/reader.h).
namespace detail {

std::expected<int64_t, std::string> parse_percent(const toml::node& node) {
  const std::string syntax = "must be a percent like \"3%\" or \"0.5%\"";
  if (!node.is_string()) return std::unexpected(syntax);
  std::string_view text = node.as_string()->get();
  if (text.empty() || text.back() != '%') return std::unexpected(syntax);
  auto bp = parse_scaled(text.substr(0, text.size() - 1), 2, limits::kEarnRateBpMax);
  if (bp) return *bp;
  switch (bp.error()) {
    case DecimalProblem::kSyntax:
      return std::unexpected(syntax);
    case DecimalProblem::kPrecision:
      return std::unexpected("is more precise than 0.01% (one basis point)");
    case DecimalProblem::kRange:
      break;
  }
  return std::unexpected("must be at most " + format_shortest(limits::kEarnRateBpMax, 2) + "%");
}
std::string format_percent(int64_t bp) {
  return format_shortest(bp, 2) + "%";
}

std::expected<int64_t, std::string> parse_multiplier(const toml::node& node, int64_t min_bp) {
  const std::string syntax = "must be a multiplier like \"2x\" or \"1.5x\"";
  if (!node.is_string()) return std::unexpected(syntax);
  std::string_view text = node.as_string()->get();
  if (text.empty() || text.back() != 'x') return std::unexpected(syntax);
  auto bp = parse_scaled(text.substr(0, text.size() - 1), 4, limits::kMultiplierBpMax);
  if (bp && *bp >= min_bp) return *bp;
  if (!bp && bp.error() == DecimalProblem::kSyntax) return std::unexpected(syntax);
  if (!bp && bp.error() == DecimalProblem::kPrecision) {
    return std::unexpected("is more precise than 0.0001x");
  }
  return std::unexpected("must be between " + format_shortest(min_bp, 4) + "x and " +
                         format_shortest(limits::kMultiplierBpMax, 4) + "x");
}
std::string format_multiplier(int64_t bp) {
  return format_shortest(bp, 4) + "x";
}

}  // namespace detail

namespace {

// x1: a member day below it would earn less than other days, a typo rather
// than a promotion.
constexpr int64_t kMemberDayMultiplierBpMin = 10000;

// ---- Tiers ([tiers], [[tiers.levels]]) ----

// The file's names of the tier settings, indexed by the enum values.
constexpr std::array<std::string_view, 2> kTierBases = {"paid_spend", "order_count"};
constexpr std::array<std::string_view, 2> kTierCountOn = {"paid", "completed"};
constexpr std::array<std::string_view, 4> kTierWindows = {"lifetime", "calendar_year",
                                                          "rolling_months", "since_tier_start"};
constexpr std::array<std::string_view, 2> kTierDowngrades = {"one_step", "to_qualifying"};

// A qualifying value of `tiers`' basis: an amount in the program currency for
// paid spend, a whole number of orders for an order count.
Result<std::optional<int64_t>> tier_value(const Reader& r, const toml::table& t,
                                          const std::string& at, std::string_view key,
                                          const rules::Tiers& tiers, const app::Program& p) {
  if (tiers.basis == rules::Tiers::Basis::kPaidSpend) {
    return r.amount(t, at, key, p.minor_digits, p.currency);
  }
  return r.integer(t, at, key, 0, limits::kTierOrdersMax);
}
std::string tier_value_text(int64_t value, const rules::Tiers& tiers, const app::Program& p) {
  return tiers.basis == rules::Tiers::Basis::kPaidSpend ? format_shortest(value, p.minor_digits)
                                                        : std::to_string(value);
}

// One [[tiers.levels]] entry; `previous` is the highest level below it that
// spend reaches (nullptr for the first): paid-only levels are left out of the
// ascending entries. Its retain defaults to its entry.
Result<rules::TierLevel> parse_tier_level(const Reader& r, const toml::table& t, std::size_t index,
                                          const rules::TierLevel* previous,
                                          const rules::Tiers& tiers, const app::Program& p) {
  std::string at = "tiers.levels[" + std::to_string(index) + "]";
  auto id = r.text(t, at, "id");
  if (!id) return std::unexpected(id.error());
  if (!*id) return r.error(&t, at + ".id", "is required: 1 to 32 of a-z, 0-9 and _");
  if (!is_name(**id)) {
    return r.error(t.get("id"), at + ".id", "a tier id is 1 to 32 of a-z, 0-9 and _");
  }
  at = "tiers.levels." + **id;
  if (auto ok =
          r.only(t, at, {"id", "name", "entry", "retain", "membership_sku", "membership_months"});
      !ok) {
    return std::unexpected(ok.error());
  }
  rules::TierLevel level;
  level.id = **id;
  auto name = r.text(t, at, "name");
  if (!name) return std::unexpected(name.error());
  if (!*name) return r.error(&t, at + ".name", "is required: the name members see (\"銀卡\")");
  if ((*name)->empty() || (*name)->size() > limits::kTierNameBytesMax) {
    return r.error(t.get("name"), at + ".name",
                   "must be 1 to " + std::to_string(limits::kTierNameBytesMax) + " bytes");
  }
  level.name = **name;
  // Paid membership (付費會員): an order line with this SKU buys the level.
  auto sku = r.text(t, at, "membership_sku");
  if (!sku) return std::unexpected(sku.error());
  if (*sku) {
    if ((*sku)->empty() || (*sku)->size() > limits::kIdBytesMax) {
      return r.error(t.get("membership_sku"), at + ".membership_sku",
                     "must be 1 to " + std::to_string(limits::kIdBytesMax) + " bytes");
    }
    if (previous == nullptr) {
      return r.error(t.get("membership_sku"), at + ".membership_sku",
                     "the first level cannot be bought: every member starts there");
    }
    level.membership_sku = **sku;
  }
  auto months = r.integer(t, at, "membership_months", 1, limits::kTierMonthsMax);
  if (!months) return std::unexpected(months.error());
  if (*months) {
    if (!*sku) {
      return r.error(t.get("membership_months"), at + ".membership_months",
                     "only applies with membership_sku (the SKU that buys the level)");
    }
    level.membership_months = **months;
  }
  const std::string what = tiers.basis == rules::Tiers::Basis::kPaidSpend
                               ? "the paid spend, in " + p.currency + ", to reach the level"
                               : "the number of orders to reach the level";
  auto entry = tier_value(r, t, at, "entry", tiers, p);
  if (!entry) return std::unexpected(entry.error());
  auto retain = tier_value(r, t, at, "retain", tiers, p);
  if (!retain) return std::unexpected(retain.error());
  if (!*entry) {
    if (!*sku) {
      return r.error(&t, at + ".entry",
                     "is required: " + what +
                         (previous == nullptr ? std::string(" (0 for the first level)")
                                              : std::string(" (or membership_sku without entry: "
                                                            "a level only a membership buys)")));
    }
    // Paid-only: no spend reaches it, and none keeps it unless retain says so.
    level.entry = rules::kPaidOnlyEntry;
    level.retain = *retain ? **retain : rules::kPaidOnlyEntry;
    return level;
  }
  level.entry = **entry;  // at most kAmountMax or kTierOrdersMax: never kPaidOnlyEntry
  if (previous == nullptr) {
    if (level.entry != 0) {
      return r.error(t.get("entry"), at + ".entry",
                     "must be 0: the first level is where every member starts");
    }
    if (*retain && **retain != 0) {
      return r.error(t.get("retain"), at + ".retain",
                     "must be 0 or left out: the first level cannot be lost");
    }
    return level;
  }
  if (level.entry <= previous->entry) {
    return r.error(t.get("entry"), at + ".entry",
                   "must be more than the entry of tiers.levels." + previous->id + " (" +
                       tier_value_text(previous->entry, tiers, p) +
                       "): levels are listed from the lowest up");
  }
  level.retain = *retain ? **retain : level.entry;
  if (level.retain > level.entry) {
    return r.error(
        t.get("retain"), at + ".retain",
        "must not be more than the level's entry (" + tier_value_text(level.entry, tiers, p) + ")");
  }
  return level;
}

// [tiers]: parsed before the earn rules and member days, which may only name
// its level ids once it exists.
Result<void> parse_tiers(const Reader& r, const toml::table& root, app::Program& p) {
  const toml::node* n = root.get("tiers");
  if (n == nullptr) return {};
  if (!n->is_table()) return r.error(n, "tiers", "must be a table");
  const toml::table& t = *n->as_table();
  if (auto ok = r.only(t, "tiers",
                       {"basis", "count_on", "window", "window_months", "period_months",
                        "downgrade", "warn_days", "levels"});
      !ok) {
    return std::unexpected(ok.error());
  }
  rules::Tiers tiers;
  auto basis = one_of(r, t, "tiers", "basis", kTierBases);
  if (!basis) return std::unexpected(basis.error());
  if (*basis) tiers.basis = static_cast<rules::Tiers::Basis>(**basis);
  auto count_on = one_of(r, t, "tiers", "count_on", kTierCountOn);
  if (!count_on) return std::unexpected(count_on.error());
  if (*count_on) tiers.count_on = static_cast<rules::Tiers::CountOn>(**count_on);
  auto window = one_of(r, t, "tiers", "window", kTierWindows);
  if (!window) return std::unexpected(window.error());
  if (*window) tiers.window = static_cast<rules::Tiers::Window>(**window);
  auto months = r.integer(t, "tiers", "window_months", 1, limits::kTierMonthsMax);
  if (!months) return std::unexpected(months.error());
  if (*months) {
    if (tiers.window != rules::Tiers::Window::kRollingMonths) {
      return r.error(t.get("window_months"), "tiers.window_months",
                     "only applies to window = \"rolling_months\" (window is \"" +
                         name_of(kTierWindows, tiers.window) + "\")");
    }
    tiers.window_months = **months;
  }
  auto period = r.integer(t, "tiers", "period_months", 1, limits::kTierMonthsMax);
  if (!period) return std::unexpected(period.error());
  if (*period) tiers.period_months = **period;
  auto downgrade = one_of(r, t, "tiers", "downgrade", kTierDowngrades);
  if (!downgrade) return std::unexpected(downgrade.error());
  if (*downgrade) tiers.downgrade = static_cast<rules::Tiers::Downgrade>(**downgrade);
  auto warn = r.integer(t, "tiers", "warn_days", 0, limits::kTierWarnDaysMax);
  if (!warn) return std::unexpected(warn.error());
  if (*warn) tiers.warn_days = **warn;

  const toml::node* levels_node = t.get("levels");
  const std::string need = "2 to " + std::to_string(limits::kTiersMax) +
                           " [[tiers.levels]], from the first (entry = 0) up";
  if (levels_node == nullptr) return r.error(n, "tiers.levels", "is required: " + need);
  auto list = r.tables(levels_node, "tiers.levels", limits::kTiersMax);
  if (!list) return std::unexpected(list.error());
  if (list->size() < 2) {
    return r.error(levels_node, "tiers.levels",
                   "needs " + need + " (a program without tiers leaves [tiers] out)");
  }
  // The highest level so far that spend reaches (the first level is never
  // paid-only): entries ascend over those, paid-only levels left out.
  std::size_t reached = 0;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table& lt = *(*list)[i];
    auto level = parse_tier_level(r, lt, i, i == 0 ? nullptr : &tiers.levels[reached], tiers, p);
    if (!level) return std::unexpected(level.error());
    for (std::size_t j = 0; j < tiers.levels.size(); ++j) {
      if (tiers.levels[j].id == level->id) {
        return r.error(
            lt.get("id"), "tiers.levels[" + std::to_string(i) + "].id",
            "'" + level->id + "' is already the id of tiers.levels[" + std::to_string(j) + "]");
      }
      if (!level->membership_sku.empty() &&
          tiers.levels[j].membership_sku == level->membership_sku) {
        return r.error(lt.get("membership_sku"), "tiers.levels." + level->id + ".membership_sku",
                       "'" + level->membership_sku + "' is already the membership_sku of " +
                           "tiers.levels." + tiers.levels[j].id + ": one SKU buys one level");
      }
    }
    tiers.levels.push_back(std::move(*level));
    if (tiers.levels.back().entry != rules::kPaidOnlyEntry) reached = tiers.levels.size() - 1;
  }
  p.rules.tiers = std::move(tiers);
  return {};
}

// A rate from `t`: `rate` ("3%"), or `every` and `get` (每滿額送). Exactly one form.
Result<rules::Rate> parse_rate(const Reader& r, const toml::table& t, const std::string& at,
                               const Units& u) {
  const toml::node* rate = t.get("rate");
  const toml::node* every = t.get("every");
  const toml::node* get = t.get("get");
  rules::Rate out;
  if (rate != nullptr) {
    if (every != nullptr || get != nullptr) {
      return r.error(rate, at + ".rate", "give either rate or every and get, not both");
    }
    auto bp = parse_percent(*rate);
    if (!bp) return r.error(rate, at + ".rate", bp.error());
    out.kind = rules::Rate::Kind::kPercent;
    out.bp = *bp;
    return out;
  }
  if (every == nullptr && get == nullptr) {
    return r.error(&t, at + ".rate",
                   "is required: a percent (rate = \"3%\") or every and get (every = 1000, get = "
                   "50)");
  }
  if (every == nullptr) return r.error(get, at + ".every", "is required with get: spend per step");
  if (get == nullptr) return r.error(every, at + ".get", "is required with every: earned per step");
  auto e = r.amount(t, at, "every", u.spend_digits, u.spend_unit);
  if (!e) return std::unexpected(e.error());
  if (**e == 0) return r.error(every, at + ".every", "must be more than 0");
  auto g = r.amount(t, at, "get", u.wallet_digits, u.wallet_unit);
  if (!g) return std::unexpected(g.error());
  out.kind = rules::Rate::Kind::kSteps;
  out.every = **e;
  out.get = **g;
  return out;
}

// tier_rates = { silver = "3%", gold = { every = 1000, get = 80 } }
Result<std::vector<rules::TierRate>> parse_tier_rates(const Reader& r, const toml::table& t,
                                                      const std::string& at, const Units& u,
                                                      const rules::Tiers& tiers) {
  std::vector<rules::TierRate> out;
  const toml::node* n = t.get("tier_rates");
  if (n == nullptr) return out;
  std::string k = at + ".tier_rates";
  if (!n->is_table()) return r.error(n, k, "must be a table of tier = rate ({ gold = \"5%\" })");
  if (n->as_table()->size() > limits::kTiersMax) {
    return r.error(n, k, "has more than " + std::to_string(limits::kTiersMax) + " tiers");
  }
  for (const auto& [tier, value] : *n->as_table()) {
    std::string tk = k + "." + std::string(tier.str());
    if (tier.str().empty() || tier.str().size() > limits::kTierBytesMax) {
      return r.error_at(tier.source().begin, tk, "a tier name is 1 to 32 bytes");
    }
    if (!is_tier(tiers, tier.str())) return r.error_at(tier.source().begin, tk, not_a_tier(tiers));
    rules::TierRate tr{std::string(tier.str()), {}};
    if (value.is_string()) {
      auto bp = parse_percent(value);
      if (!bp) return r.error(&value, tk, bp.error());
      tr.rate.kind = rules::Rate::Kind::kPercent;
      tr.rate.bp = *bp;
    } else if (value.is_table()) {
      if (auto ok = r.only(*value.as_table(), tk, {"every", "get"}); !ok) {
        return std::unexpected(ok.error());
      }
      auto rate = parse_rate(r, *value.as_table(), tk, u);
      if (!rate) return std::unexpected(rate.error());
      tr.rate = *rate;
    } else {
      return r.error(&value, tk, "must be a percent (\"5%\") or { every = 1000, get = 80 }");
    }
    out.push_back(std::move(tr));
  }
  return out;
}

// multipliers = [ { category = "new_arrivals", factor = "2x" }, { sku = "A1", factor = "0x" } ]
Result<std::vector<rules::Multiplier>> parse_multipliers(const Reader& r, const toml::table& t,
                                                         const std::string& at) {
  std::vector<rules::Multiplier> out;
  std::string k = at + ".multipliers";
  auto list = r.tables(t.get("multipliers"), k, limits::kEarnRuleListMax);
  if (!list) return std::unexpected(list.error());
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table& m = *(*list)[i];
    std::string mk = k + "[" + std::to_string(i) + "]";
    if (auto ok = r.only(m, mk, {"category", "brand", "sku", "factor"}); !ok) {
      return std::unexpected(ok.error());
    }
    rules::Multiplier out_m;
    int targets = 0;
    for (std::string_view target : {"category", "brand", "sku"}) {
      auto value = r.text(m, mk, target);
      if (!value) return std::unexpected(value.error());
      if (!*value) continue;
      ++targets;
      if ((*value)->empty() || (*value)->size() > limits::kIdBytesMax) {
        return r.error(m.get(target), Reader::join(mk, target),
                       "must be 1 to " + std::to_string(limits::kIdBytesMax) + " bytes");
      }
      std::string& slot = target == "category" ? out_m.category
                          : target == "brand"  ? out_m.brand
                                               : out_m.sku;
      slot = **value;
    }
    if (targets != 1) {
      return r.error(&m, mk, "needs exactly one of category, brand or sku");
    }
    const toml::node* factor = m.get("factor");
    if (factor == nullptr) return r.error(&m, mk + ".factor", "is required (\"2x\", \"0x\")");
    auto bp = parse_multiplier(*factor, 0);
    if (!bp) return r.error(factor, mk + ".factor", bp.error());
    out_m.factor_bp = *bp;
    for (const rules::Multiplier& seen : out) {
      if (seen.category == out_m.category && seen.brand == out_m.brand && seen.sku == out_m.sku) {
        return r.error(&m, mk, "the same category, brand or sku has another multiplier");
      }
    }
    out.push_back(std::move(out_m));
  }
  return out;
}

Result<rules::EarnRule> parse_earn_rule(const Reader& r, const toml::table& t, std::size_t index,
                                        const app::Program& p) {
  std::string at = "earning.rules[" + std::to_string(index) + "]";
  auto id = r.text(t, at, "id");
  if (!id) return std::unexpected(id.error());
  if (!*id) return r.error(&t, at + ".id", "is required: 1 to 32 of a-z, 0-9 and _");
  if (!is_name(**id)) {
    return r.error(t.get("id"), at + ".id", "a rule id is 1 to 32 of a-z, 0-9 and _");
  }
  at = "earning.rules." + **id;
  if (auto ok = r.only(
          t, at,
          {"id", "wallet", "source", "rate", "every", "get", "tier_rates", "include_shipping",
           "exclude_paid_with_value", "exclude_categories", "exclude_brands", "exclude_skus",
           "multipliers", "min_base", "per_order_max", "member_days", "member_caps", "budget"});
      !ok) {
    return std::unexpected(ok.error());
  }
  rules::EarnRule rule;
  rule.id = **id;
  auto wallet = wallet_of(r, t, at, p, "the wallet the rule earns into");
  if (!wallet) return std::unexpected(wallet.error());
  rule.wallet = std::move(*wallet);
  const Units u = units_of(p, rule.wallet);
  auto source = r.text(t, at, "source");
  if (!source) return std::unexpected(source.error());
  if (*source) {
    if (!is_name(**source)) {
      return r.error(t.get("source"), at + ".source", "a source is 1 to 32 of a-z, 0-9 and _");
    }
    rule.source = **source;
  }
  auto rate = parse_rate(r, t, at, u);
  if (!rate) return std::unexpected(rate.error());
  rule.rate = *rate;
  auto tiers = parse_tier_rates(r, t, at, u, p.rules.tiers);
  if (!tiers) return std::unexpected(tiers.error());
  rule.tier_rates = std::move(*tiers);
  for (auto [key, slot] : {std::pair{"include_shipping", &rule.base.include_shipping},
                           std::pair{"exclude_paid_with_value", &rule.base.exclude_paid_with_value},
                           std::pair{"member_days", &rule.member_days}}) {
    auto flag = r.boolean(t, at, key);
    if (!flag) return std::unexpected(flag.error());
    if (*flag) *slot = **flag;
  }
  for (auto [key, slot] : {std::pair{"exclude_categories", &rule.base.exclude_categories},
                           std::pair{"exclude_brands", &rule.base.exclude_brands},
                           std::pair{"exclude_skus", &rule.base.exclude_skus}}) {
    auto list = r.strings(t, at, key, limits::kEarnRuleListMax, limits::kIdBytesMax);
    if (!list) return std::unexpected(list.error());
    *slot = std::move(*list);
  }
  auto multipliers = parse_multipliers(r, t, at);
  if (!multipliers) return std::unexpected(multipliers.error());
  rule.multipliers = std::move(*multipliers);
  auto min_base = r.amount(t, at, "min_base", u.spend_digits, u.spend_unit);
  if (!min_base) return std::unexpected(min_base.error());
  if (*min_base) rule.min_base = **min_base;
  auto cap = r.amount(t, at, "per_order_max", u.wallet_digits, u.wallet_unit);
  if (!cap) return std::unexpected(cap.error());
  if (*cap) rule.per_order_max = **cap;
  auto caps = parse_member_caps(r, t, at, u);
  if (!caps) return std::unexpected(caps.error());
  rule.member_caps = *caps;
  auto budget = parse_budget(r, t, at, u);
  if (!budget) return std::unexpected(budget.error());
  rule.budget = *budget;
  return rule;
}

Result<void> parse_earning(const Reader& r, const toml::table& root, app::Program& p) {
  const toml::node* n = root.get("earning");
  if (n == nullptr) return {};
  if (!n->is_table()) return r.error(n, "earning", "must be a table");
  const toml::table& t = *n->as_table();
  if (auto ok = r.only(t, "earning", {"earn_on", "return_window_days", "rules"}); !ok) {
    return std::unexpected(ok.error());
  }
  auto on = r.text(t, "earning", "earn_on");
  if (!on) return std::unexpected(on.error());
  if (*on) {
    if (**on == "paid") {
      p.rules.earn_on = rules::EarnTrigger::kPaid;
    } else if (**on == "fulfilled") {
      p.rules.earn_on = rules::EarnTrigger::kFulfilled;
    } else if (**on == "completed") {
      p.rules.earn_on = rules::EarnTrigger::kCompleted;
    } else {
      return r.error(t.get("earn_on"), "earning.earn_on",
                     "must be \"paid\", \"fulfilled\" or \"completed\"");
    }
  }
  auto window = r.integer(t, "earning", "return_window_days", 0, limits::kReturnWindowDaysMax);
  if (!window) return std::unexpected(window.error());
  if (*window) p.rules.return_window_days = **window;
  auto list = r.tables(t.get("rules"), "earning.rules", limits::kEarnRulesMax);
  if (!list) return std::unexpected(list.error());
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table& rt = *(*list)[i];
    auto rule = parse_earn_rule(r, rt, i, p);
    if (!rule) return std::unexpected(rule.error());
    for (std::size_t j = 0; j < p.rules.earn.size(); ++j) {
      if (p.rules.earn[j].id == rule->id) {
        return r.error(
            rt.get("id"), "earning.rules[" + std::to_string(i) + "].id",
            "'" + rule->id + "' is already the id of earning.rules[" + std::to_string(j) + "]");
      }
    }
    p.rules.earn.push_back(std::move(*rule));
  }
  return {};
}

Result<rules::MemberDay> parse_member_day(const Reader& r, const toml::table& t, std::size_t index,
                                          const rules::Tiers& levels) {
  std::string at = "member_days[" + std::to_string(index) + "]";
  auto id = r.text(t, at, "id");
  if (!id) return std::unexpected(id.error());
  if (!*id) return r.error(&t, at + ".id", "is required: 1 to 32 of a-z, 0-9 and _");
  if (!is_name(**id)) {
    return r.error(t.get("id"), at + ".id", "a member day id is 1 to 32 of a-z, 0-9 and _");
  }
  at = "member_days." + **id;
  if (auto ok = r.only(t, at, {"id", "day_of_month", "weekday", "multiplier", "tiers"}); !ok) {
    return std::unexpected(ok.error());
  }
  rules::MemberDay day;
  day.id = **id;
  auto dom = r.integer(t, at, "day_of_month", 1, 31);
  if (!dom) return std::unexpected(dom.error());
  auto weekday = r.text(t, at, "weekday");
  if (!weekday) return std::unexpected(weekday.error());
  if (*dom && *weekday) {
    return r.error(t.get("weekday"), at + ".weekday",
                   "give either day_of_month or weekday, not both");
  }
  if (*dom) {
    day.day_of_month = static_cast<int>(**dom);
  } else if (*weekday) {
    auto it = std::find(kWeekdays.begin(), kWeekdays.end(), **weekday);
    if (it == kWeekdays.end()) {
      return r.error(t.get("weekday"), at + ".weekday",
                     "must be one of sun, mon, tue, wed, thu, fri, sat");
    }
    day.weekday = static_cast<int>(it - kWeekdays.begin());
  } else {
    return r.error(&t, at + ".day_of_month", "is required: day_of_month = 8 or weekday = \"sat\"");
  }
  const toml::node* m = t.get("multiplier");
  if (m == nullptr) return r.error(&t, at + ".multiplier", "is required (\"2x\")");
  auto bp = parse_multiplier(*m, kMemberDayMultiplierBpMin);
  if (!bp) return r.error(m, at + ".multiplier", bp.error());
  day.multiplier_bp = *bp;
  auto tiers = r.strings(t, at, "tiers", limits::kTiersMax, limits::kTierBytesMax);
  if (!tiers) return std::unexpected(tiers.error());
  for (std::size_t i = 0; i < tiers->size(); ++i) {
    if (!is_tier(levels, (*tiers)[i])) {
      return r.error(t.get("tiers")->as_array()->get(i), at + ".tiers[" + std::to_string(i) + "]",
                     not_a_tier(levels));
    }
  }
  day.tiers = std::move(*tiers);
  return day;
}

Result<void> parse_member_days(const Reader& r, const toml::table& root, app::Program& p) {
  auto list = r.tables(root.get("member_days"), "member_days", limits::kMemberDaysMax);
  if (!list) return std::unexpected(list.error());
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table& t = *(*list)[i];
    auto day = parse_member_day(r, t, i, p.rules.tiers);
    if (!day) return std::unexpected(day.error());
    for (std::size_t j = 0; j < p.rules.member_days.size(); ++j) {
      if (p.rules.member_days[j].id == day->id) {
        return r.error(
            t.get("id"), "member_days[" + std::to_string(i) + "].id",
            "'" + day->id + "' is already the id of member_days[" + std::to_string(j) + "]");
      }
    }
    p.rules.member_days.push_back(std::move(*day));
  }
  return {};
}

// ---- Printing ----

void insert_rate(toml::table& t, const rules::Rate& rate, const Units& u) {
  if (rate.kind == rules::Rate::Kind::kPercent) {
    t.insert("rate", format_percent(rate.bp));
  } else {
    insert_amount(t, "every", rate.every, u.spend_digits);
    insert_amount(t, "get", rate.get, u.wallet_digits);
  }
}

toml::table rule_table(const rules::EarnRule& rule, const app::Program& p) {
  const Units u = units_of(p, rule.wallet);
  toml::table t{{"id", rule.id}, {"wallet", rule.wallet}, {"source", rule.source}};
  insert_rate(t, rule.rate, u);
  toml::table tiers;
  tiers.is_inline(true);
  for (const rules::TierRate& tr : rule.tier_rates) {
    if (tr.rate.kind == rules::Rate::Kind::kPercent) {
      tiers.insert(tr.tier, format_percent(tr.rate.bp));
    } else {
      toml::table steps;
      steps.is_inline(true);
      insert_rate(steps, tr.rate, u);
      tiers.insert(tr.tier, std::move(steps));
    }
  }
  t.insert("tier_rates", std::move(tiers));
  t.insert("include_shipping", rule.base.include_shipping);
  t.insert("exclude_paid_with_value", rule.base.exclude_paid_with_value);
  t.insert("exclude_categories", string_array(rule.base.exclude_categories));
  t.insert("exclude_brands", string_array(rule.base.exclude_brands));
  t.insert("exclude_skus", string_array(rule.base.exclude_skus));
  toml::array multipliers;
  for (const rules::Multiplier& m : rule.multipliers) {
    toml::table mt;
    mt.is_inline(true);
    if (!m.category.empty()) mt.insert("category", m.category);
    if (!m.brand.empty()) mt.insert("brand", m.brand);
    if (!m.sku.empty()) mt.insert("sku", m.sku);
    mt.insert("factor", format_multiplier(m.factor_bp));
    multipliers.push_back(std::move(mt));
  }
  t.insert("multipliers", std::move(multipliers));
  insert_amount(t, "min_base", rule.min_base, u.spend_digits);
  insert_amount(t, "per_order_max", rule.per_order_max, u.wallet_digits);
  t.insert("member_days", rule.member_days);
  insert_member_caps(t, rule.member_caps, u);
  insert_budget(t, rule.budget, u);
  return t;
}

toml::table tiers_table(const rules::Tiers& tiers, const app::Program& p) {
  toml::table t{{"basis", name_of(kTierBases, tiers.basis)},
                {"count_on", name_of(kTierCountOn, tiers.count_on)},
                {"window", name_of(kTierWindows, tiers.window)}};
  if (tiers.window == rules::Tiers::Window::kRollingMonths) {
    t.insert("window_months", tiers.window_months);
  }
  t.insert("period_months", tiers.period_months);
  t.insert("downgrade", name_of(kTierDowngrades, tiers.downgrade));
  t.insert("warn_days", tiers.warn_days);
  auto value = [&](toml::table& lt, std::string_view key, int64_t v) {
    if (tiers.basis == rules::Tiers::Basis::kPaidSpend) {
      insert_amount(lt, key, v, p.minor_digits);
    } else {
      lt.insert(key, v);
    }
  };
  toml::array levels;
  for (std::size_t i = 0; i < tiers.levels.size(); ++i) {
    const rules::TierLevel& l = tiers.levels[i];
    toml::table lt{{"id", l.id}, {"name", l.name}};
    // A paid-only level leaves entry (and a retain no spend reaches) out.
    if (l.entry != rules::kPaidOnlyEntry) value(lt, "entry", l.entry);
    if (i > 0 && l.retain != rules::kPaidOnlyEntry) {
      value(lt, "retain", l.retain);  // the first level has none
    }
    if (!l.membership_sku.empty()) {
      lt.insert("membership_sku", l.membership_sku);
      lt.insert("membership_months", l.membership_months);
    }
    levels.push_back(std::move(lt));
  }
  t.insert("levels", std::move(levels));
  return t;
}

toml::table member_day_table(const rules::MemberDay& day) {
  toml::table t{{"id", day.id}};
  if (day.day_of_month > 0) t.insert("day_of_month", day.day_of_month);
  if (day.weekday >= 0 && day.weekday < 7) {
    t.insert("weekday", std::string(kWeekdays[static_cast<std::size_t>(day.weekday)]));
  }
  t.insert("multiplier", format_multiplier(day.multiplier_bp));
  t.insert("tiers", string_array(day.tiers));
  return t;
}

}  // namespace

Result<app::Program> parse_program(std::string_view text, std::string_view source,
                                   const std::string& program_id) {
  Reader r(source);
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::string where(source);
    where +=
        ":" + std::to_string(e.source().begin.line) + ":" + std::to_string(e.source().begin.column);
    return fail(ErrorCode::kInvalidArgument, where,
                "not valid TOML: " + std::string(e.description()));
  }
  if (auto ok = r.only(root, "",
                       {"program", "wallets", "tiers", "earning", "member_days", "rewards",
                        "referrals", "campaigns", "catalog", "reminders", "messages", "carts",
                        "new_products", "replenishment"});
      !ok) {
    return std::unexpected(ok.error());
  }
  app::Program p;
  p.id = program_id;
  p.wallets.clear();
  const toml::node* program_node = root.get("program");
  if (program_node == nullptr)
    return r.error(nullptr, "program", "the [program] table is required");
  if (!program_node->is_table()) return r.error(program_node, "program", "must be a table");
  const toml::table& pt = *program_node->as_table();
  if (auto ok = r.only(pt, "program", {"currency", "minor_digits", "time_zone"}); !ok) {
    return std::unexpected(ok.error());
  }
  auto currency = r.text(pt, "program", "currency");
  if (!currency) return std::unexpected(currency.error());
  if (!*currency) return r.error(program_node, "program.currency", "is required (e.g. \"TWD\")");
  if ((*currency)->size() != 3 || !std::all_of((*currency)->begin(), (*currency)->end(),
                                               [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return r.error(pt.get("currency"), "program.currency",
                   "must be an ISO 4217 code of three capital letters");
  }
  p.currency = **currency;
  auto digits = r.integer(pt, "program", "minor_digits", 0, 4);
  if (!digits) return std::unexpected(digits.error());
  if (!*digits) return r.error(program_node, "program.minor_digits", "is required (TWD 0, GBP 2)");
  p.minor_digits = static_cast<int>(**digits);
  auto zone = r.text(pt, "program", "time_zone");
  if (!zone) return std::unexpected(zone.error());
  if (*zone) {
    if (!app::resolve_zone(**zone)) {
      return r.error(pt.get("time_zone"), "program.time_zone",
                     "is not a time zone of the tz database (e.g. \"Asia/Taipei\")");
    }
    p.time_zone = **zone;
  }
  const toml::node* wallets = root.get("wallets");
  if (wallets == nullptr) return r.error(nullptr, "wallets", "at least one wallet is required");
  if (!wallets->is_table() || wallets->as_table()->empty()) {
    return r.error(wallets, "wallets", "must be a table with at least one wallet");
  }
  if (wallets->as_table()->size() > limits::kWalletsMax) {
    return r.error(wallets, "wallets", "has more than 16 wallets");
  }
  for (const auto& [name, node] : *wallets->as_table()) {
    std::string at = "wallets." + std::string(name.str());
    if (!is_name(name.str()))
      return r.error(&node, at, "a wallet name is 1 to 32 of a-z, 0-9 and _");
    if (!node.is_table()) return r.error(&node, at, "must be a table");
    auto w = parse_wallet(r, *node.as_table(), at, std::string(name.str()), p);
    if (!w) return std::unexpected(w.error());
    p.wallets.push_back(std::move(*w));
  }
  if (auto ok = parse_tiers(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_redemption(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_earning(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_member_days(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_rewards(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_referrals(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_campaigns(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_catalog(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_reminders(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_messages(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_carts(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_new_products(r, root, p); !ok) return std::unexpected(ok.error());
  if (auto ok = parse_replenishment(r, root, p); !ok) return std::unexpected(ok.error());
  return p;
}

std::string to_toml(const app::Program& p) {
  toml::table root;
  root.insert("program", toml::table{{"currency", p.currency},
                                     {"minor_digits", p.minor_digits},
                                     {"time_zone", p.time_zone}});
  toml::table wallets;
  for (const app::WalletConfig& w : p.wallets) {
    toml::table sources;
    for (const auto& [source, rule] : w.expiry_by_source) {
      sources.insert(source, ledger::to_string(rule));
    }
    toml::table wallet{{"unit", w.unit},
                       {"minor_digits", w.minor_digits},
                       {"default_expiry", ledger::to_string(w.default_expiry)},
                       {"hold_ttl_s", w.hold_ttl_s},
                       {"debt_policy", std::string(ledger::to_string(w.debt))},
                       {"restore_policy", std::string(ledger::to_string(w.restore))},
                       {"restored_lot_expiry", ledger::to_string(w.restored_lot_expiry)},
                       {"expiry_by_source", std::move(sources)}};
    if (const rules::RedeemRule* rule = p.rules.redeem_rule(w.name)) {
      wallet.insert("redeem", redeem_table(p, *rule));
    }
    wallets.insert(w.name, std::move(wallet));
  }
  root.insert("wallets", std::move(wallets));
  if (p.rules.tiers.enabled()) root.insert("tiers", tiers_table(p.rules.tiers, p));
  toml::array earn_rules;
  for (const rules::EarnRule& rule : p.rules.earn) earn_rules.push_back(rule_table(rule, p));
  root.insert("earning", toml::table{{"earn_on", rules::to_string(p.rules.earn_on)},
                                     {"return_window_days", p.rules.return_window_days},
                                     {"rules", std::move(earn_rules)}});
  toml::array days;
  for (const rules::MemberDay& day : p.rules.member_days) days.push_back(member_day_table(day));
  root.insert("member_days", std::move(days));
  root.insert("rewards", rewards_array(p));
  std::ostringstream out;
  out << "# patron program configuration (docs/config.md)\n" << root << "\n";
  // toml++ prints a table's subtables before its arrays of tables; printed
  // apart, [referrals] comes after the [[rewards]], as in docs/config.md.
  if (p.rules.referrals.enabled()) {
    out << "\n" << toml::table{{"referrals", referrals_table(p)}} << "\n";
  }
  // The [[campaigns]] last, after the rewards and referrals.
  if (!p.rules.campaigns.empty()) {
    out << "\n" << toml::table{{"campaigns", campaigns_array(p)}} << "\n";
  }
  if (!p.rules.catalog.empty()) {
    out << "\n" << toml::table{{"catalog", catalog_array(p)}} << "\n";
  }
  const std::vector<int64_t>& expiry_days = p.rules.reminders.expiry_days;
  if (!expiry_days.empty()) {
    toml::array list;  // longest lead first, as people write it
    for (auto it = expiry_days.rbegin(); it != expiry_days.rend(); ++it) list.push_back(*it);
    out << "\n"
        << toml::table{{"reminders", toml::table{{"expiry_days", std::move(list)}}}} << "\n";
  }
  if (p.rules.carts.enabled) {
    out << "\n" << toml::table{{"carts", carts_table(p)}} << "\n";
  }
  if (p.rules.new_products.enabled) {
    out << "\n" << toml::table{{"new_products", new_products_table(p.rules.new_products)}} << "\n";
  }
  if (p.rules.messages.enabled) {
    out << "\n" << toml::table{{"messages", messages_table(p.rules.messages)}} << "\n";
  }
  if (p.rules.replenishment) {
    out << "\n"
        << toml::table{{"replenishment", replenishment_table(*p.rules.replenishment)}} << "\n";
  }
  return out.str();
}

}  // namespace patron::config
