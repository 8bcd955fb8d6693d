// The program file's engagement rewards ([[rewards]]) and the per-member caps
// and budgets that earn rules and rewards share (docs/config.md "[[rewards]]").
#include <toml++/toml.h>

#include <array>
#include <utility>

#include "config/reader.h"
#include "core/limits.h"

namespace patron::config::detail {

// The inline table under `key` (`limit = { ... }`), checked for unknown keys;
// null when absent.
Result<const toml::table*> small_table(const Reader& r, const toml::table& t, const std::string& at,
                                       std::string_view key,
                                       std::initializer_list<std::string_view> known,
                                       const std::string& example) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return nullptr;
  std::string k = Reader::join(at, key);
  if (!n->is_table()) return r.error(n, k, "must be a table (" + example + ")");
  if (auto ok = r.only(*n->as_table(), k, known); !ok) return std::unexpected(ok.error());
  return n->as_table();
}

// limit = { per_day = 1, per_month = 5, per_year = 12, lifetime = 1 }: counts
// of at least 1, any of them; nullopt when absent.
Result<std::optional<rules::RewardLimits>> parse_limits(const Reader& r, const toml::table& t,
                                                        const std::string& at) {
  auto table = small_table(r, t, at, "limit", {"per_day", "per_month", "per_year", "lifetime"},
                           "{ per_day = 1, lifetime = 1 }");
  if (!table) return std::unexpected(table.error());
  if (*table == nullptr) return std::nullopt;
  rules::RewardLimits out;
  const std::string k = at + ".limit";
  for (auto [key, slot] :
       {std::pair{"per_day", &out.per_day}, std::pair{"per_month", &out.per_month},
        std::pair{"per_year", &out.per_year}, std::pair{"lifetime", &out.lifetime}}) {
    auto v = r.integer(**table, k, key, 1, limits::kRewardCountMax);
    if (!v) return std::unexpected(v.error());
    if (*v) *slot = **v;
  }
  return out;
}

// Only the limits set (an empty table: no limit).
void insert_limits(toml::table& t, const rules::RewardLimits& limits) {
  toml::table limit;
  limit.is_inline(true);
  for (auto [key, value] :
       {std::pair{"per_day", limits.per_day}, std::pair{"per_month", limits.per_month},
        std::pair{"per_year", limits.per_year}, std::pair{"lifetime", limits.lifetime}}) {
    if (value > 0) limit.insert(key, value);
  }
  t.insert("limit", std::move(limit));
}

namespace {

using rules::RewardOn;

constexpr std::array<RewardOn, 11> kRewardOns = {
    RewardOn::kSignup,     RewardOn::kBirthday, RewardOn::kMonthly, RewardOn::kFirstPurchase,
    RewardOn::kAppInstall, RewardOn::kLineBind, RewardOn::kReview,  RewardOn::kShare,
    RewardOn::kSurvey,     RewardOn::kCustom,   RewardOn::kWinback};

// "signup, birthday, ... or custom": what `on` may be.
std::string reward_ons() {
  std::string out;
  for (std::size_t i = 0; i < kRewardOns.size(); ++i) {
    out += (i == 0                       ? ""
            : i + 1 == kRewardOns.size() ? " or "
                                         : ", ") +
           std::string(rules::to_string(kRewardOns[i]));
  }
  return out;
}

// Indexed by rules::BirthdayOn and rules::Feb29.
constexpr std::array<std::string_view, 2> kBirthdayOns = {"month_start", "day"};
constexpr std::array<std::string_view, 2> kFeb29s = {"feb28", "mar1"};

// An amount of `key` that must be more than 0 when given.
Result<std::optional<int64_t>> positive_amount(const Reader& r, const toml::table& t,
                                               const std::string& at, std::string_view key,
                                               const Units& u) {
  auto v = r.amount(t, at, key, u.wallet_digits, u.wallet_unit);
  if (!v) return std::unexpected(v.error());
  if (*v && **v == 0) return r.error(t.get(key), Reader::join(at, key), "must be more than 0");
  return *v;
}

// Without `limit`, a one-off trigger is granted once per member and a
// birthday once a year; the others have no limit.
rules::RewardLimits default_limits(RewardOn on) {
  rules::RewardLimits out;
  switch (on) {
    case RewardOn::kSignup:
    case RewardOn::kFirstPurchase:
    case RewardOn::kAppInstall:
    case RewardOn::kLineBind:
      out.lifetime = 1;
      break;
    case RewardOn::kBirthday:
      out.per_year = 1;
      break;
    case RewardOn::kMonthly:
      out.per_month = 1;
      break;
    case RewardOn::kReview:
    case RewardOn::kShare:
    case RewardOn::kSurvey:
    case RewardOn::kCustom:
    case RewardOn::kWinback:  // once per lapse by construction (keyed by the last order)
      break;
  }
  return out;
}

// tier_amounts = { gold = 300, vip = 500 }: amounts of the reward's wallet,
// more than 0, for level ids of [tiers] (when the file has it).
Result<std::vector<rules::TierAmount>> parse_tier_amounts(const Reader& r, const toml::table& t,
                                                          const std::string& at, const Units& u,
                                                          const rules::Tiers& tiers) {
  std::vector<rules::TierAmount> out;
  const toml::node* n = t.get("tier_amounts");
  if (n == nullptr) return out;
  std::string k = at + ".tier_amounts";
  if (!n->is_table()) return r.error(n, k, "must be a table of tier = amount ({ gold = 300 })");
  if (n->as_table()->size() > limits::kTiersMax) {
    return r.error(n, k, "has more than " + std::to_string(limits::kTiersMax) + " tiers");
  }
  for (const auto& [tier, value] : *n->as_table()) {
    std::string tk = k + "." + std::string(tier.str());
    if (tier.str().empty() || tier.str().size() > limits::kTierBytesMax) {
      return r.error_at(tier.source().begin, tk, "a tier name is 1 to 32 bytes");
    }
    if (!is_tier(tiers, tier.str())) return r.error_at(tier.source().begin, tk, not_a_tier(tiers));
    auto amount = positive_amount(r, *n->as_table(), k, tier.str(), u);
    if (!amount) return std::unexpected(amount.error());
    out.push_back(rules::TierAmount{std::string(tier.str()), **amount});
  }
  return out;
}

// birthday, feb29 and grace_days: only for on = "birthday" (grace_days also
// for "monthly").
Result<void> parse_birthday_keys(const Reader& r, const toml::table& t, const std::string& at,
                                 rules::Reward& reward) {
  if (reward.on == RewardOn::kMonthly) {
    for (std::string_view key : {"birthday", "feb29"}) {
      if (const toml::node* n = t.get(key)) {
        return r.error(n, Reader::join(at, key), "only applies to on = \"birthday\"");
      }
    }
    auto grace = r.integer(t, at, "grace_days", 0, limits::kBirthdayGraceDaysMax);
    if (!grace) return std::unexpected(grace.error());
    if (*grace) reward.grace_days = **grace;
    return {};
  }
  if (reward.on != RewardOn::kBirthday) {
    for (std::string_view key : {"birthday", "feb29", "grace_days"}) {
      if (const toml::node* n = t.get(key)) {
        return r.error(n, Reader::join(at, key),
                       "only applies to on = \"birthday\" (on is \"" +
                           std::string(rules::to_string(reward.on)) + "\")");
      }
    }
    return {};
  }
  auto on = one_of(r, t, at, "birthday", kBirthdayOns);
  if (!on) return std::unexpected(on.error());
  if (*on) reward.birthday_on = static_cast<rules::BirthdayOn>(**on);
  auto feb29 = one_of(r, t, at, "feb29", kFeb29s);
  if (!feb29) return std::unexpected(feb29.error());
  if (*feb29) {
    if (reward.birthday_on != rules::BirthdayOn::kDay) {
      return r.error(t.get("feb29"), at + ".feb29",
                     "only applies to birthday = \"day\" (a reward on the 1st of the birth "
                     "month has no 29 February)");
    }
    reward.feb29 = static_cast<rules::Feb29>(**feb29);
  }
  auto grace = r.integer(t, at, "grace_days", 0, limits::kBirthdayGraceDaysMax);
  if (!grace) return std::unexpected(grace.error());
  if (*grace) reward.grace_days = **grace;
  return {};
}

Result<rules::Reward> parse_reward(const Reader& r, const toml::table& t, std::size_t index,
                                   const app::Program& p) {
  std::string at = "rewards[" + std::to_string(index) + "]";
  auto id = r.text(t, at, "id");
  if (!id) return std::unexpected(id.error());
  if (!*id) return r.error(&t, at + ".id", "is required: 1 to 32 of a-z, 0-9 and _");
  if (!is_name(**id)) {
    return r.error(t.get("id"), at + ".id", "a reward id is 1 to 32 of a-z, 0-9 and _");
  }
  at = "rewards." + **id;
  if (auto ok = r.only(t, at,
                       {"id", "on", "event", "wallet", "amount", "source", "expires",
                        "tier_amounts", "tiers", "limit", "budget", "birthday", "feb29",
                        "grace_days", "coupon", "inactive_days", "churn_above"});
      !ok) {
    return std::unexpected(ok.error());
  }
  rules::Reward reward;
  reward.id = **id;

  auto on = r.text(t, at, "on");
  if (!on) return std::unexpected(on.error());
  if (!*on) return r.error(&t, at + ".on", "is required: " + reward_ons());
  auto trigger = rules::parse_reward_on(**on);
  if (!trigger) return r.error(t.get("on"), at + ".on", "must be " + reward_ons());
  reward.on = *trigger;

  auto inactive = r.integer(t, at, "inactive_days", 1, limits::kInactiveDaysMax);
  if (!inactive) return std::unexpected(inactive.error());
  if (reward.on == RewardOn::kWinback) {
    if (!*inactive) {
      return r.error(&t, at + ".inactive_days",
                     "is required with on = \"winback\": days since the last order (e.g. 90)");
    }
    reward.inactive_days = **inactive;
  } else if (*inactive) {
    return r.error(t.get("inactive_days"), at + ".inactive_days",
                   "only applies to on = \"winback\" (on is \"" + **on + "\")");
  }
  if (const toml::node* churn = t.get("churn_above")) {
    if (reward.on != RewardOn::kWinback) {
      return r.error(churn, at + ".churn_above",
                     "only applies to on = \"winback\" (on is \"" + **on + "\")");
    }
    auto bp = parse_percent(*churn);
    if (!bp || *bp < 1 || *bp > 9999) {
      return r.error(churn, at + ".churn_above",
                     "must be a percent above 0% and below 100% (\"70%\"): the churn "
                     "probability above which a member gets the offer");
    }
    reward.churn_above_bp = *bp;
  }

  auto event = r.text(t, at, "event");
  if (!event) return std::unexpected(event.error());
  if (reward.on == RewardOn::kCustom) {
    if (!*event) {
      return r.error(&t, at + ".event",
                     "is required with on = \"custom\": the type of the member event");
    }
    if (!is_name(**event)) {
      return r.error(t.get("event"), at + ".event", "an event type is 1 to 32 of a-z, 0-9 and _");
    }
    // A trigger's own name would make one event fire two kinds of reward.
    if (rules::parse_reward_on(**event)) {
      return r.error(t.get("event"), at + ".event",
                     "is the name of a trigger: use on = \"" + **event + "\"");
    }
    reward.event = **event;
  } else if (*event) {
    return r.error(t.get("event"), at + ".event",
                   "only applies to on = \"custom\" (on is \"" + **on + "\")");
  }

  // A reward gives value (wallet and amount) or a coupon, not both.
  auto coupon = parse_coupon_offer(r, t, at, p);
  if (!coupon) return std::unexpected(coupon.error());
  reward.coupon = std::move(*coupon);
  if (reward.coupon && reward.on == RewardOn::kFirstPurchase) {
    // A first-purchase reward rides with its order (pending with it, clawed
    // back with it); an issued code cannot follow a cancel or a refund.
    return r.error(t.get("coupon"), at + ".coupon",
                   "is not for on = \"first_purchase\" (the reward is taken back with its "
                   "order; give value instead)");
  }
  if (reward.coupon) {
    for (const char* key : {"wallet", "amount", "tier_amounts", "source", "expires"}) {
      if (t.get(key) != nullptr) {
        return r.error(t.get(key), Reader::join(at, key),
                       "is for rewards that give value; this reward gives a coupon");
      }
    }
  } else {
    auto wallet = wallet_of(r, t, at, p, "the wallet the reward grants into (or give a coupon)");
    if (!wallet) return std::unexpected(wallet.error());
    reward.wallet = std::move(*wallet);
  }
  const Units u = units_of(p, reward.wallet);

  if (!reward.coupon) {
    auto amount = positive_amount(r, t, at, "amount", u);
    if (!amount) return std::unexpected(amount.error());
    if (!*amount) return r.error(&t, at + ".amount", "is required: what the reward grants");
    reward.amount = **amount;
  }

  auto source = r.text(t, at, "source");
  if (!source) return std::unexpected(source.error());
  if (*source) {
    if (!is_name(**source)) {
      return r.error(t.get("source"), at + ".source", "a source is 1 to 32 of a-z, 0-9 and _");
    }
    reward.source = **source;
  }
  auto expires = r.expiry(t, at, "expires");
  if (!expires) return std::unexpected(expires.error());
  reward.expires = *expires;

  auto tier_amounts = parse_tier_amounts(r, t, at, u, p.rules.tiers);
  if (!tier_amounts) return std::unexpected(tier_amounts.error());
  reward.tier_amounts = std::move(*tier_amounts);
  auto tiers = r.strings(t, at, "tiers", limits::kTiersMax, limits::kTierBytesMax);
  if (!tiers) return std::unexpected(tiers.error());
  for (std::size_t i = 0; i < tiers->size(); ++i) {
    if (!is_tier(p.rules.tiers, (*tiers)[i])) {
      return r.error(t.get("tiers")->as_array()->get(i), at + ".tiers[" + std::to_string(i) + "]",
                     not_a_tier(p.rules.tiers));
    }
  }
  reward.tiers = std::move(*tiers);

  auto limit = parse_limits(r, t, at);
  if (!limit) return std::unexpected(limit.error());
  reward.limits = *limit ? **limit : default_limits(reward.on);
  auto budget = parse_budget(r, t, at, u);
  if (!budget) return std::unexpected(budget.error());
  reward.budget = *budget;
  if (reward.coupon && reward.budget.value > 0) {
    return r.error(t.get("budget"), at + ".budget.value",
                   "a coupon reward has no value to budget: use budget.count");
  }
  if (auto ok = parse_birthday_keys(r, t, at, reward); !ok) return std::unexpected(ok.error());
  return reward;
}

toml::table reward_table(const rules::Reward& reward, const app::Program& p) {
  const Units u = units_of(p, reward.wallet);
  toml::table t{{"id", reward.id}, {"on", std::string(rules::to_string(reward.on))}};
  if (reward.on == RewardOn::kCustom) t.insert("event", reward.event);
  if (reward.coupon) {
    t.insert("coupon", coupon_offer_table(*reward.coupon, p));
  } else {
    t.insert("wallet", reward.wallet);
    insert_amount(t, "amount", reward.amount, u.wallet_digits);
    // Left out, the source follows `on` (rules::reward_source).
    if (!reward.source.empty()) t.insert("source", reward.source);
    if (reward.expires) t.insert("expires", ledger::to_string(*reward.expires));
    toml::table amounts;
    amounts.is_inline(true);
    for (const rules::TierAmount& ta : reward.tier_amounts) {
      insert_amount(amounts, ta.tier, ta.amount, u.wallet_digits);
    }
    t.insert("tier_amounts", std::move(amounts));
  }
  t.insert("tiers", string_array(reward.tiers));
  // Always written: without it the trigger's default limit would apply.
  insert_limits(t, reward.limits);
  insert_budget(t, reward.budget, u);
  if (reward.on == RewardOn::kBirthday) {
    t.insert("birthday", name_of(kBirthdayOns, reward.birthday_on));
    if (reward.birthday_on == rules::BirthdayOn::kDay) {
      t.insert("feb29", name_of(kFeb29s, reward.feb29));
    }
    t.insert("grace_days", reward.grace_days);
  }
  if (reward.on == RewardOn::kMonthly) t.insert("grace_days", reward.grace_days);
  if (reward.on == RewardOn::kWinback) t.insert("inactive_days", reward.inactive_days);
  if (reward.churn_above_bp > 0) t.insert("churn_above", format_percent(reward.churn_above_bp));
  return t;
}

}  // namespace

Result<rules::MemberCaps> parse_member_caps(const Reader& r, const toml::table& t,
                                            const std::string& at, const Units& u) {
  rules::MemberCaps caps;
  auto table = small_table(r, t, at, "member_caps", {"per_day", "per_month", "per_year"},
                           "{ per_day = 500, per_month = 2000 }");
  if (!table) return std::unexpected(table.error());
  if (*table == nullptr) return caps;
  const std::string k = at + ".member_caps";
  for (auto [key, slot] :
       {std::pair{"per_day", &caps.per_day}, std::pair{"per_month", &caps.per_month},
        std::pair{"per_year", &caps.per_year}}) {
    auto v = positive_amount(r, **table, k, key, u);
    if (!v) return std::unexpected(v.error());
    if (*v) *slot = **v;
  }
  return caps;
}

Result<rules::Budget> parse_budget(const Reader& r, const toml::table& t, const std::string& at,
                                   const Units& u) {
  rules::Budget budget;
  auto table =
      small_table(r, t, at, "budget", {"value", "count"}, "{ value = 100000, count = 1000 }");
  if (!table) return std::unexpected(table.error());
  if (*table == nullptr) return budget;
  const std::string k = at + ".budget";
  auto value = positive_amount(r, **table, k, "value", u);
  if (!value) return std::unexpected(value.error());
  if (*value) budget.value = **value;
  auto count = r.integer(**table, k, "count", 1, limits::kRewardCountMax);
  if (!count) return std::unexpected(count.error());
  if (*count) budget.count = **count;
  return budget;
}

void insert_member_caps(toml::table& t, const rules::MemberCaps& caps, const Units& u) {
  if (!caps.any()) return;
  toml::table ct;
  ct.is_inline(true);
  for (auto [key, value] :
       {std::pair{"per_day", caps.per_day}, std::pair{"per_month", caps.per_month},
        std::pair{"per_year", caps.per_year}}) {
    if (value > 0) insert_amount(ct, key, value, u.wallet_digits);
  }
  t.insert("member_caps", std::move(ct));
}

void insert_budget(toml::table& t, const rules::Budget& budget, const Units& u) {
  if (!budget.any()) return;
  toml::table bt;
  bt.is_inline(true);
  if (budget.value > 0) insert_amount(bt, "value", budget.value, u.wallet_digits);
  if (budget.count > 0) bt.insert("count", budget.count);
  t.insert("budget", std::move(bt));
}

Result<void> parse_rewards(const Reader& r, const toml::table& root, app::Program& p) {
  auto list = r.tables(root.get("rewards"), "rewards", limits::kRewardsMax);
  if (!list) return std::unexpected(list.error());
  for (std::size_t i = 0; i < list->size(); ++i) {
    const toml::table& t = *(*list)[i];
    auto reward = parse_reward(r, t, i, p);
    if (!reward) return std::unexpected(reward.error());
    const std::string key = "rewards[" + std::to_string(i) + "].id";
    for (std::size_t j = 0; j < p.rules.rewards.size(); ++j) {
      if (p.rules.rewards[j].id == reward->id) {
        return r.error(
            t.get("id"), key,
            "'" + reward->id + "' is already the id of rewards[" + std::to_string(j) + "]");
      }
    }
    // Lots and rule uses record the id of the rule or reward that granted
    // them: one id must mean one thing.
    for (std::size_t j = 0; j < p.rules.earn.size(); ++j) {
      if (p.rules.earn[j].id == reward->id) {
        return r.error(t.get("id"), key,
                       "'" + reward->id + "' is already the id of earning.rules[" +
                           std::to_string(j) + "]: rewards and earn rules need different ids");
      }
    }
    p.rules.rewards.push_back(std::move(*reward));
  }
  return {};
}

toml::array rewards_array(const app::Program& p) {
  toml::array out;
  for (const rules::Reward& reward : p.rules.rewards) out.push_back(reward_table(reward, p));
  return out;
}

}  // namespace patron::config::detail
