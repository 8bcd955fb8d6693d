// Internal to the program file parser (config/program_file.cpp and the
// section files beside it): the schema walker every read goes through, and
// the helpers more than one section needs. Not part of the config API.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <expected>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/model.h"
#include "core/error.h"
#include "core/money.h"
#include "ledger/policy.h"
#include "rules/rules.h"

namespace patron::config::detail {

// A schema walker: every read goes through it, so it knows which keys were
// used and where each node is in the file.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  std::unexpected<Error> error(const toml::node* node, const std::string& key,
                               std::string message) const {
    return error_at(node != nullptr ? node->source().begin : toml::source_position{}, key,
                    std::move(message));
  }
  std::unexpected<Error> error_at(toml::source_position at, const std::string& key,
                                  std::string message) const {
    std::string where(source_);
    if (at) where += ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    return fail(ErrorCode::kInvalidArgument, where + ": " + key, std::move(message));
  }

  // Fails on a key of `table` not in `known`.
  Result<void> only(const toml::table& table, const std::string& at,
                    std::initializer_list<std::string_view> known) const {
    for (const auto& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        // Point at the key itself, not at its value.
        return error_at(key.source().begin, join(at, key.str()),
                        "is not a known key (known: " + list + ")");
      }
    }
    return {};
  }

  static std::string join(const std::string& at, std::string_view key) {
    return at.empty() ? std::string(key) : at + "." + std::string(key);
  }

  Result<std::optional<std::string>> text(const toml::table& t, const std::string& at,
                                          std::string_view key) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string()) return error(n, join(at, key), "must be a string");
    return std::string(n->as_string()->get());
  }

  Result<std::optional<int64_t>> integer(const toml::table& t, const std::string& at,
                                         std::string_view key, int64_t min, int64_t max) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_integer()) return error(n, join(at, key), "must be a whole number");
    int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      return error(n, join(at, key),
                   "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return v;
  }

  Result<std::optional<ledger::ExpiryRule>> expiry(const toml::table& t, const std::string& at,
                                                   std::string_view key) const {
    auto s = text(t, at, key);
    if (!s) return std::unexpected(s.error());
    if (!*s) return std::nullopt;
    auto rule = ledger::parse_expiry_rule(**s, key);
    if (!rule) return error(t.get(key), join(at, key), rule.error().message);
    return *rule;
  }

  Result<std::optional<bool>> boolean(const toml::table& t, const std::string& at,
                                      std::string_view key) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_boolean()) return error(n, join(at, key), "must be true or false");
    return n->as_boolean()->get();
  }

  // An amount in major units of `unit` ("TWD", "wallet points"): a TOML
  // integer (1000) or a decimal string ("0.50"), never a float (0.1 has no
  // exact binary value). Returns minor units, >= 0.
  Result<std::optional<int64_t>> amount(const toml::table& t, const std::string& at,
                                        std::string_view key, int digits,
                                        const std::string& unit) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    std::string k = join(at, key);
    std::string text;
    if (n->is_integer()) {
      text = std::to_string(n->as_integer()->get());
    } else if (n->is_string()) {
      text = n->as_string()->get();
    } else {
      return error(n, k, "must be an amount: a whole number (1000) or a decimal string (\"0.50\")");
    }
    auto minor = parse_major_units(text, digits, k);
    if (!minor) {
      std::string message = minor.error().message;
      if (message.find("decimals") != std::string::npos) {
        message += " (" + unit + " has " + std::to_string(digits) + " decimal places)";
      }
      return error(n, k, message);
    }
    if (*minor < 0) return error(n, k, "must not be negative");
    return *minor;
  }

  // An array of distinct strings of 1 to `bytes_max` bytes; empty when absent.
  Result<std::vector<std::string>> strings(const toml::table& t, const std::string& at,
                                           std::string_view key, std::size_t count_max,
                                           std::size_t bytes_max) const {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (n == nullptr) return out;
    std::string k = join(at, key);
    if (!n->is_array()) return error(n, k, "must be an array of strings ([\"a\", \"b\"])");
    const toml::array& list = *n->as_array();
    if (list.size() > count_max) {
      return error(n, k, "has more than " + std::to_string(count_max) + " entries");
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      const toml::node& e = list[i];
      std::string ek = k + "[" + std::to_string(i) + "]";
      if (!e.is_string()) return error(&e, ek, "must be a string");
      std::string value(e.as_string()->get());
      if (value.empty() || value.size() > bytes_max) {
        return error(&e, ek, "must be 1 to " + std::to_string(bytes_max) + " bytes");
      }
      if (std::find(out.begin(), out.end(), value) != out.end()) {
        return error(&e, ek, "lists '" + value + "' twice");
      }
      out.push_back(std::move(value));
    }
    return out;
  }

  // An array of tables ([[key]] sections, or [{ ... }, { ... }]); empty when absent.
  Result<std::vector<const toml::table*>> tables(const toml::node* n, const std::string& k,
                                                 std::size_t count_max) const {
    std::vector<const toml::table*> out;
    if (n == nullptr) return out;
    if (!n->is_array()) return error(n, k, "must be an array of tables");
    const toml::array& list = *n->as_array();
    if (list.size() > count_max) {
      return error(n, k, "has more than " + std::to_string(count_max) + " entries");
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_table()) {
        return error(&list[i], k + "[" + std::to_string(i) + "]", "must be a table");
      }
      out.push_back(list[i].as_table());
    }
    return out;
  }

 private:
  std::string_view source_;
};

// Ids, sources and event types: 1 to 32 of a-z, 0-9 and _.
inline bool is_name(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

template <std::size_t N>
std::string name_of(const std::array<std::string_view, N>& names, auto value) {
  auto i = static_cast<std::size_t>(value);
  return std::string(i < N ? names[i] : names[0]);
}

// `key` of `t`, one of `names`: the index of the one given, nullopt when absent.
template <std::size_t N>
Result<std::optional<std::size_t>> one_of(const Reader& r, const toml::table& t,
                                          const std::string& at, std::string_view key,
                                          const std::array<std::string_view, N>& names) {
  auto value = r.text(t, at, key);
  if (!value) return std::unexpected(value.error());
  if (!*value) return std::nullopt;
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == **value) return i;
  }
  std::string list;
  for (std::size_t i = 0; i < N; ++i) {
    list += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + ("\"" + std::string(names[i]) + "\"");
  }
  return r.error(t.get(key), Reader::join(at, key), "must be " + list);
}

// "3%", "0.5%", "0.25%" -> basis points; at most two decimals (0.01% = 1 bp),
// at most limits::kEarnRateBpMax. Only strings: a TOML number (3, 0.03) is
// ambiguous. The error is the message for the key (program_file.cpp).
std::expected<int64_t, std::string> parse_percent(const toml::node& node);
std::string format_percent(int64_t bp);

// "2x", "1.5x", "0x" -> basis points of x1 (20000, 15000, 0), from min_bp to
// limits::kMultiplierBpMax; at most four decimals (0.0001x = 1 bp).
std::expected<int64_t, std::string> parse_multiplier(const toml::node& node, int64_t min_bp);
std::string format_multiplier(int64_t bp);

// Weekday names as in rules::MemberDay::weekday and rules::Campaign::weekdays:
// 0 is Sunday.
inline constexpr std::array<std::string_view, 7> kWeekdays = {"sun", "mon", "tue", "wed",
                                                              "thu", "fri", "sat"};

// Once [tiers] exists, a tier named elsewhere must be one of its level ids.
// Without it, names are accepted as written and apply to nobody.
inline bool is_tier(const rules::Tiers& tiers, std::string_view name) {
  return !tiers.enabled() || std::any_of(tiers.levels.begin(), tiers.levels.end(),
                                         [&](const rules::TierLevel& l) { return l.id == name; });
}
inline std::string not_a_tier(const rules::Tiers& tiers) {
  std::string ids;
  for (const rules::TierLevel& l : tiers.levels) ids += (ids.empty() ? "" : ", ") + l.id;
  return "is not a level id of [tiers] (levels: " + ids + ")";
}

// What a rule's amounts count in: spend in the program currency, earnings in
// the rule's wallet.
struct Units {
  int spend_digits = 0;
  std::string spend_unit;  // "TWD"
  int wallet_digits = 0;
  std::string wallet_unit;  // "wallet points"
};

inline Units units_of(const app::Program& p, const std::string& wallet) {
  Units u{p.minor_digits, p.currency, p.minor_digits, "wallet " + wallet};
  for (const app::WalletConfig& w : p.wallets) {
    if (w.name == wallet) u.wallet_digits = w.minor_digits;
  }
  return u;
}

// The required `wallet` key of a rule or reward: a wallet of the file.
// `required` says what the wallet is for.
inline Result<std::string> wallet_of(const Reader& r, const toml::table& t, const std::string& at,
                                     const app::Program& p, const std::string& required) {
  auto wallet = r.text(t, at, "wallet");
  if (!wallet) return std::unexpected(wallet.error());
  if (!*wallet) return r.error(&t, at + ".wallet", "is required: " + required);
  if (std::none_of(p.wallets.begin(), p.wallets.end(),
                   [&](const app::WalletConfig& w) { return w.name == **wallet; })) {
    std::string known;
    for (const app::WalletConfig& w : p.wallets) known += (known.empty() ? "" : ", ") + w.name;
    return r.error(t.get("wallet"), at + ".wallet",
                   "is not a wallet of this file (wallets: " + known + ")");
  }
  return **wallet;
}

// ---- Printing ----

// Whole major units print as an integer (1000), others as a decimal string ("0.50").
inline void insert_amount(toml::table& t, std::string_view key, int64_t minor, int digits) {
  int64_t unit = 1;
  for (int i = 0; i < digits; ++i) unit *= 10;
  if (minor % unit == 0) {
    t.insert(key, minor / unit);
  } else {
    t.insert(key, format_major_units(minor, digits));
  }
}

inline toml::array string_array(const std::vector<std::string>& values) {
  toml::array out;
  for (const std::string& v : values) out.push_back(v);
  return out;
}

// ---- Engagement rewards, member caps and budgets (rewards_section.cpp) ----

// An earn rule's `member_caps = { per_day = 500, ... }`: amounts of the
// rule's wallet, each more than 0; all 0 when absent.
Result<rules::MemberCaps> parse_member_caps(const Reader& r, const toml::table& t,
                                            const std::string& at, const Units& u);
// `budget = { value = 100000, count = 1000 }` of an earn rule or a reward.
Result<rules::Budget> parse_budget(const Reader& r, const toml::table& t, const std::string& at,
                                   const Units& u);
// Insert the keys only when something is set (an empty one is the default).
void insert_member_caps(toml::table& t, const rules::MemberCaps& caps, const Units& u);
void insert_budget(toml::table& t, const rules::Budget& budget, const Units& u);

// [[rewards]]: parsed after the wallets, [tiers] and [earning], since a
// reward names a wallet and tiers and must not reuse an earn rule's id.
Result<void> parse_rewards(const Reader& r, const toml::table& root, app::Program& p);
toml::array rewards_array(const app::Program& p);

// The inline table under `key` (`limit = { ... }`), checked for unknown keys;
// null when absent.
Result<const toml::table*> small_table(const Reader& r, const toml::table& t, const std::string& at,
                                       std::string_view key,
                                       std::initializer_list<std::string_view> known,
                                       const std::string& example);
// limit = { per_day = 1, per_month = 5, per_year = 12, lifetime = 1 }: counts
// of at least 1, any of them; nullopt when absent.
Result<std::optional<rules::RewardLimits>> parse_limits(const Reader& r, const toml::table& t,
                                                        const std::string& at);
void insert_limits(toml::table& t, const rules::RewardLimits& limits);

// ---- Referrals (referrals_section.cpp) ----

// [referrals]: parsed after the wallets (it names one). Absent: the program
// has no referral program (ReferralRules::enabled() is false).
Result<void> parse_referrals(const Reader& r, const toml::table& root, app::Program& p);
// The [referrals] table of an enabled referral program, every key written.
toml::table referrals_table(const app::Program& p);

// ---- Redemption (redemption_section.cpp) ----

// [wallets.<name>.redeem]: parsed after the wallets and [tiers] (it names
// tiers). A wallet without one redeems 1:1 with no limits.
Result<void> parse_redemption(const Reader& r, const toml::table& root, app::Program& p);
// The redeem table of one wallet, every key written.
toml::table redeem_table(const app::Program& p, const rules::RedeemRule& rule);

// ---- Campaigns (campaigns_section.cpp) ----

// `key`, an ISO 8601 time as a string: local to the program time zone without
// an offset ("2026-11-11T00:00:00", "2026-11-11"), else at that offset.
Result<std::optional<Instant>> parse_time(const Reader& r, const toml::table& t,
                                          const std::string& at, std::string_view key,
                                          const date::time_zone* zone);
// The local time in `zone` with its offset ("2026-11-11T00:00:00+08:00").
std::string time_text(Instant t, const date::time_zone* zone);

// [[campaigns]]: parsed after the wallets, [tiers], [earning] and
// [[rewards]], since a campaign names wallets, tiers and earn rules and must
// not reuse an earn rule's or a reward's id. Times without an offset are local
// to program.time_zone.
Result<void> parse_campaigns(const Reader& r, const toml::table& root, app::Program& p);
// The [[campaigns]] entries, every key written; times local to
// program.time_zone with their offset ("2026-11-11T00:00:00+08:00").
toml::array campaigns_array(const app::Program& p);

// ---- Reward catalog (catalog_section.cpp) ----

// `coupon = { type = "fixed", amount = 100, valid_days = 30, ... }` of a
// catalog item or a reward: amounts in the program currency; nullopt when
// absent.
Result<std::optional<rules::CouponOffer>> parse_coupon_offer(const Reader& r, const toml::table& t,
                                                             const std::string& at,
                                                             const app::Program& p);
toml::table coupon_offer_table(const rules::CouponOffer& offer, const app::Program& p);

// [[catalog]]: parsed after the wallets and [tiers] (items name both).
Result<void> parse_catalog(const Reader& r, const toml::table& root, app::Program& p);

// [reminders]: expiry reminder leads.
Result<void> parse_reminders(const Reader& r, const toml::table& root, app::Program& p);
Result<void> parse_messages(const Reader& r, const toml::table& root, app::Program& p);
Result<void> parse_carts(const Reader& r, const toml::table& root, app::Program& p);
Result<void> parse_new_products(const Reader& r, const toml::table& root, app::Program& p);
toml::table new_products_table(const rules::NewProducts& n);
toml::table carts_table(const app::Program& p);
toml::table messages_table(const rules::Messages& m);

// [replenishment]: replenishment reminders (rules/replenishment.h); the table
// to_toml prints back.
Result<void> parse_replenishment(const Reader& r, const toml::table& root, app::Program& p);
toml::table replenishment_table(const rules::Replenishment& replenishment);
toml::array catalog_array(const app::Program& p);

}  // namespace patron::config::detail
