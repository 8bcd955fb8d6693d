#include "app/rewards.h"

#include <algorithm>
#include <boost/json.hpp>

#include "app/coupons.h"
#include "app/json_codec.h"
#include "app/keys.h"
#include "app/orders.h"
#include "app/outbox.h"
#include "app/referrals.h"
#include "core/limits.h"
#include "core/text.h"
#include "rules/messages.h"

namespace patron::app {

namespace json = boost::json;

Result<UseTotals> RuleLimits::between(const std::string& rule_id, Instant from, Instant to) {
  auto all = since(rule_id, from);
  if (!all) return std::unexpected(all.error());
  auto later = since(rule_id, to);
  if (!later) return std::unexpected(later.error());
  return UseTotals{all->count - later->count, all->value - later->value};
}

Result<UseTotals> RuleLimits::since(const std::string& rule_id, Instant from) {
  Result<UseTotals> stored = UseTotals{};
  if (!new_member_)
    stored = store_.member_rule_uses(program_.program.id, member_id_, rule_id, from);
  if (!stored) return std::unexpected(stored.error());
  for (const RuleUse& u : uses_) {
    if (u.rule_id == rule_id && u.at >= from) {
      stored->count += 1;
      stored->value += u.value;
    }
  }
  return *stored;
}

Result<UseTotals> RuleLimits::totals(const std::string& rule_id) {
  auto stored = store_.rule_totals(program_.program.id, rule_id);
  if (!stored) return std::unexpected(stored.error());
  for (const RuleUse& u : uses_) {
    if (u.rule_id == rule_id) {
      stored->count += 1;
      stored->value += u.value;
    }
  }
  return *stored;
}

Result<int64_t> RuleLimits::earn_room(const rules::EarnRule& rule, int64_t amount, Instant at) {
  int64_t room = amount;
  if (rule.member_caps.any()) {
    rules::PeriodStarts starts = rules::period_starts(at, program_.zone);
    rules::PeriodStarts ends = rules::period_ends(at, program_.zone);
    for (auto [cap, from, to] : {std::tuple{rule.member_caps.per_day, starts.day, ends.day},
                                 std::tuple{rule.member_caps.per_month, starts.month, ends.month},
                                 std::tuple{rule.member_caps.per_year, starts.year, ends.year}}) {
      if (cap <= 0) continue;
      auto used = between(rule.id, from, to);
      if (!used) return std::unexpected(used.error());
      room = std::min(room, std::max<int64_t>(0, cap - used->value));
    }
  }
  if (rule.budget.any()) {
    auto used = totals(rule.id);
    if (!used) return std::unexpected(used.error());
    if (rule.budget.count > 0 && used->count >= rule.budget.count) room = 0;
    if (rule.budget.value > 0)
      room = std::min(room, std::max<int64_t>(0, rule.budget.value - used->value));
  }
  return room;
}

Result<std::string> RuleLimits::reward_blocked(const rules::Reward& r, const std::string& key,
                                               int64_t amount, Instant at) {
  bool seen = std::any_of(uses_.begin(), uses_.end(),
                          [&](const RuleUse& u) { return u.rule_id == r.id && u.key == key; });
  if (!seen && !new_member_) {
    auto stored = store_.rule_use_exists(program_.program.id, member_id_, r.id, key);
    if (!stored) return std::unexpected(stored.error());
    seen = *stored;
  }
  if (seen) return std::string("already");
  if (r.limits.any()) {
    rules::PeriodStarts starts = rules::period_starts(at, program_.zone);
    rules::PeriodStarts ends = rules::period_ends(at, program_.zone);
    for (auto [limit, from, to, name] :
         {std::tuple{r.limits.per_day, starts.day, ends.day, "limit_per_day"},
          std::tuple{r.limits.per_month, starts.month, ends.month, "limit_per_month"},
          std::tuple{r.limits.per_year, starts.year, ends.year, "limit_per_year"},
          std::tuple{r.limits.lifetime, Instant::min(), Instant::max(), "limit_lifetime"}}) {
      if (limit <= 0) continue;
      auto used = between(r.id, from, to);
      if (!used) return std::unexpected(used.error());
      if (used->count >= limit) return std::string(name);
    }
  }
  auto left = budget_left(r.id, r.budget, amount);
  if (!left) return std::unexpected(left.error());
  if (!*left) return std::string("budget");
  return std::string();
}

Result<bool> RuleLimits::budget_left(const std::string& rule_id, const rules::Budget& budget,
                                     int64_t amount) {
  if (!budget.any()) return true;
  auto used = totals(rule_id);
  if (!used) return std::unexpected(used.error());
  if (budget.count > 0 && used->count >= budget.count) return false;
  if (budget.value > 0) {
    return amount > 0 ? used->value + amount <= budget.value : used->value < budget.value;
  }
  return true;
}

void RuleLimits::record(const std::string& rule_id, std::string key, const std::string& wallet,
                        int64_t value, int64_t lot_id, Instant at) {
  uses_.push_back(
      RuleUse{program_.program.id, member_id_, rule_id, std::move(key), wallet, value, lot_id, at});
}

Result<ledger::GrantResult> grant_lot(const ResolvedProgram& program, Wallets& wallets,
                                      const std::string& wallet, int64_t amount,
                                      const std::string& source, const std::string& reason,
                                      const std::optional<ledger::ExpiryRule>& expires,
                                      const RewardLot& lot) {
  ledger::GrantResult result;
  auto done =
      wallets.with(wallet, [&](ledger::WalletLedger& w, WalletEffect& effect) -> Result<void> {
        ledger::Grant g;
        g.amount = amount;
        g.source = source;
        g.reason = reason + " (program v" + std::to_string(program.program.version) + ")";
        g.order_id = lot.order_id;
        g.available_at = lot.available_at;
        g.pending_until_release = lot.pending_until_release;
        if (expires) {
          // A rule of its own replaces the wallet's rule for the source, "never" too.
          g.expires_at = ledger::expires_at(*expires, wallets.now(), program.zone);
          g.never_expires = !g.expires_at;
        }
        if (!lot.line_ids.empty()) {
          std::vector<int64_t> shares = rules::split_by_weight(amount, lot.line_weights);
          for (std::size_t i = 0; i < shares.size(); ++i) {
            if (shares[i] > 0) g.line_shares.push_back({lot.line_ids[i], shares[i], 0});
          }
        }
        auto granted = w.grant(g);
        if (!granted) return std::unexpected(granted.error());
        effect.rewarded += amount;
        result = *granted;
        return {};
      });
  if (!done) return std::unexpected(done.error());
  return result;
}

namespace {

// The outbox event of a reward given: "reward.<trigger>" with what the
// response says of the grant.
OutboxEvent reward_event(const ResolvedProgram& program, const std::string& member_id,
                         const rules::Reward& r, const json::object& granted, Instant at) {
  json::object data = granted;
  data["trigger"] = rules::to_string(r.on);
  if (r.on == rules::RewardOn::kCustom) data["event"] = r.event;
  return make_event(program.program.id,
                    std::string(event_type::kRewardPrefix) + std::string(rules::to_string(r.on)),
                    member_id, data, at);
}

// A reward that gives a coupon: one single-use code bound to the member, in
// a batch of its own ("reward-<id>-<random>"), counted by the reward's limits
// and budget as a grant of value 0.
Result<void> issue_reward_coupon(const ResolvedProgram& program, Wallets& wallets,
                                 RuleLimits& limits, const rules::Reward& r,
                                 const RewardTrigger& trigger, json::array& granted,
                                 json::array& skipped) {
  const bool keyed = !trigger.key.empty();
  auto blocked = limits.reward_blocked(r, trigger.key, 0, trigger.at);
  if (!blocked) return std::unexpected(blocked.error());
  if (!keyed && *blocked == "already") blocked = std::string();
  if (!blocked->empty()) {
    skipped.emplace_back(json::object{{"reward", r.id}, {"reason", *blocked}});
    return {};
  }
  auto suffix = random_code(10);
  if (!suffix) return std::unexpected(suffix.error());
  std::string batch_id = "reward-" + r.id + "-" + *suffix;
  for (char& ch : batch_id) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  CommandWrite write;
  write.program_id = program.program.id;
  write.member_id = limits.member_id();
  auto code = issue_coupon(wallets.store(), program.program.id, batch_id, "reward " + r.id,
                           limits.member_id(), *r.coupon, wallets.now(), "reward:" + r.id, write);
  if (!code) return std::unexpected(code.error());
  limits.record(r.id, keyed ? trigger.key : "auto:" + batch_id, "", 0, 0, trigger.at);
  json::object out{{"reward", r.id}, {"coupon_code", *code}, {"coupon_batch", batch_id}};
  out["expires_at"] = format_instant(wallets.now() + std::chrono::days{r.coupon->valid_days});
  wallets.add_write(std::move(write));
  wallets.add_event(reward_event(program, limits.member_id(), r, out, wallets.now()));
  granted.emplace_back(std::move(out));
  return {};
}

}  // namespace

Result<void> grant_rewards(const ResolvedProgram& program, Wallets& wallets, RuleLimits& limits,
                           std::string_view tier, const RewardTrigger& trigger,
                           const RewardLot& lot, json::array& granted, json::array& skipped,
                           std::vector<std::pair<std::string, int64_t>>* earned) {
  const std::string& key = trigger.key;
  const Instant at = trigger.at;
  for (const rules::Reward& r : program.program.rules.rewards) {
    if (r.on != trigger.on) continue;
    if (r.on == rules::RewardOn::kCustom && r.event != trigger.event) continue;
    if (!trigger.only.empty() && r.id != trigger.only) continue;
    auto amount = rules::reward_amount(r, tier);
    if (!amount) {
      skipped.emplace_back(json::object{{"reward", r.id}, {"reason", "tier"}});
      continue;
    }
    if (r.coupon) {
      if (auto ok = issue_reward_coupon(program, wallets, limits, r, trigger, granted, skipped);
          !ok) {
        return ok;
      }
      continue;
    }
    if (*amount == 0) continue;
    // Events without an id count each time: key them by the lot they make.
    bool keyed = !key.empty();
    auto blocked = limits.reward_blocked(r, key, *amount, at);
    if (!keyed && blocked && *blocked == "already") blocked = std::string();
    if (!blocked) return std::unexpected(blocked.error());
    if (!blocked->empty()) {
      skipped.emplace_back(json::object{{"reward", r.id}, {"reason", *blocked}});
      continue;
    }
    auto done = grant_lot(program, wallets, r.wallet, *amount, rules::reward_source(r),
                          "reward " + r.id, r.expires, lot);
    if (!done) return std::unexpected(done.error());
    limits.record(r.id, keyed ? key : "auto:" + std::to_string(done->lot_id), r.wallet, *amount,
                  done->lot_id, at);
    json::object out{{"reward", r.id},
                     {"wallet", r.wallet},
                     {"amount", *amount},
                     {"lot_id", done->lot_id},
                     {"pending", done->pending}};
    out["expires_at"] =
        done->expires_at ? json::value(format_instant(*done->expires_at)) : json::value(nullptr);
    wallets.add_event(reward_event(program, limits.member_id(), r, out, wallets.now()));
    granted.emplace_back(std::move(out));
    if (earned) earned->emplace_back(r.id, *amount);
  }
  return {};
}

std::string member_tier(const ResolvedProgram& program, const Member& m) {
  const rules::Tiers& tiers = program.program.rules.tiers;
  return tiers.enabled() ? rules::effective_tier(tiers, m.tier) : std::string();
}

namespace {

// The response of a command that granted rewards to a member.
Executed finish_rewards(const Command& c, Wallets& wallets, RuleLimits& limits, json::object out,
                        json::array granted, json::array skipped, std::optional<Member> member) {
  Executed e;
  if (c.needs_response()) {
    out["granted"] = std::move(granted);
    out["skipped"] = std::move(skipped);
    out["wallets"] = wallets.effects_json();
    e.response = json::serialize(out);
  }
  CommandWrite first;
  first.program_id = c.program_id;
  first.member_id = c.member_id;
  first.member = std::move(member);
  first.rule_uses = limits.take();
  wallets.finish(e, std::move(first));
  return e;
}

}  // namespace

Result<std::vector<std::string>> check_tags(std::vector<std::string> tags) {
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const std::string field = "tags[" + std::to_string(i) + "]";
    if (auto ok = check_text(tags[i], field, true, limits::kTagBytesMax); !ok) {
      return std::unexpected(ok.error());
    }
    if (tags[i].find(',') != std::string::npos) {
      return fail(ErrorCode::kInvalidArgument, field, "contains a comma");
    }
    if (tags[i].front() == ' ' || tags[i].back() == ' ') {
      return fail(ErrorCode::kInvalidArgument, field, "starts or ends with a space");
    }
  }
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  if (tags.size() > limits::kMemberTagsMax) {
    return fail(ErrorCode::kInvalidArgument, "tags",
                "has more than " + std::to_string(limits::kMemberTagsMax) + " tags");
  }
  return tags;
}

Result<Executed> upsert_member(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                               const Command& c, const UpsertMember& upsert,
                               const std::optional<Member>& existing, Instant now) {
  auto fits = [](const std::optional<std::string>& s, const char* field) -> Result<void> {
    if (s && s->size() > 254) {
      return fail(ErrorCode::kInvalidArgument, field, "is longer than 254 bytes");
    }
    return {};
  };
  if (auto ok = fits(upsert.email, "email"); !ok) return std::unexpected(ok.error());
  if (auto ok = fits(upsert.phone, "phone"); !ok) return std::unexpected(ok.error());
  if (upsert.name) {
    if (auto ok = check_text(*upsert.name, "name", false, 200); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (upsert.locale && !upsert.locale->empty() && !rules::known_locale(*upsert.locale)) {
    return fail(ErrorCode::kInvalidArgument, "locale", "must be \"zh-TW\", \"en\" or empty");
  }
  for (const auto& [channel, given] : upsert.consent) {
    if (!rules::known_channel(channel)) {
      return fail(ErrorCode::kInvalidArgument, "consent." + channel,
                  "is not a channel (email, sms, line, push)");
    }
  }
  std::optional<std::vector<std::string>> tags;
  if (upsert.tags) {
    auto checked = check_tags(*upsert.tags);
    if (!checked) return std::unexpected(checked.error());
    tags = std::move(*checked);
  }
  Member m = existing.value_or(
      Member{c.program_id, c.member_id, {}, "", "", now, now, {}, "", "", "", "", {}, {}});
  bool created = !existing.has_value();
  if (upsert.birthday) m.birthday = upsert.birthday;
  if (upsert.email) m.email = *upsert.email;
  if (upsert.phone) m.phone = *upsert.phone;
  if (upsert.name) m.name = *upsert.name;
  if (upsert.locale) m.locale = *upsert.locale;
  if (tags) m.tags = std::move(*tags);
  if (!upsert.consent.empty()) {
    std::vector<std::string> consent;
    for (std::string_view channel : rules::kChannels) {
      auto given = upsert.consent.find(std::string(channel));
      bool had = std::find(m.consent.begin(), m.consent.end(), channel) != m.consent.end();
      if (given != upsert.consent.end() ? given->second : had) consent.emplace_back(channel);
    }
    m.consent = std::move(consent);
  }
  m.updated_at = now;
  if (created) {
    auto code = new_referral_code(store, c.program_id);
    if (!code) return std::unexpected(code.error());
    m.referral_code = *code;
  }
  std::optional<Referral> referral;
  if (upsert.referred_by) {
    auto r = refer(store, program, m, *upsert.referred_by, created, now);
    if (!r) return std::unexpected(r.error());
    referral = std::move(*r);
  }
  Wallets wallets(store, program, ids, now, c.member_id, "", true);
  RuleLimits limits(store, program, c.member_id);
  if (created) {
    wallets.member_is_new();
    limits.member_is_new();
  }
  json::array granted, skipped;
  if (created) {
    RewardTrigger trigger{rules::RewardOn::kSignup, "", "signup", now, ""};
    auto r = grant_rewards(program, wallets, limits, member_tier(program, m), trigger, {}, granted,
                           skipped);
    if (!r) return std::unexpected(r.error());
  }
  json::object out;
  if (c.needs_response()) {
    out = json::object{{"member", member_json(m)}, {"created", created}};
    if (referral) out["referral"] = referral_json(*referral);
  }
  Executed e = finish_rewards(c, wallets, limits, std::move(out), std::move(granted),
                              std::move(skipped), std::move(m));
  e.write.referral = std::move(referral);
  return e;
}

Result<Executed> member_event(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                              const Command& c, const MemberEvent& ev, const Member& member,
                              Instant now) {
  auto bad = [](const char* field, std::string message) -> Result<Executed> {
    return fail(ErrorCode::kInvalidArgument, field, std::move(message));
  };
  bool name_ok = !ev.type.empty() && ev.type.size() <= 32 &&
                 std::all_of(ev.type.begin(), ev.type.end(), [](char ch) {
                   return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
                 });
  if (!name_ok) return bad("type", "must be 1 to 32 of a-z, 0-9 and _");
  auto on = rules::parse_reward_on(ev.type);
  if (on && !rules::is_member_event(*on)) {
    return bad("type", "'" + ev.type +
                           "' rewards are granted by patron itself (signup when the member is "
                           "created, birthday by the birthdays job, first_purchase by the first "
                           "order)");
  }
  if (on == rules::RewardOn::kCustom) return bad("type", "name the custom event itself");
  if (auto ok = check_text(ev.event_id, "id", false, limits::kIdBytesMax); !ok) {
    return std::unexpected(ok.error());
  }
  if (ev.event_id.starts_with("auto:")) return bad("id", "must not start with 'auto:'");
  Instant at = ev.at.value_or(now);
  if (at > now + std::chrono::seconds(limits::kClockSkewSecondsMax)) {
    return bad("at", "is in the future");
  }
  Wallets wallets(store, program, ids, now, c.member_id, "", true);
  RuleLimits limits(store, program, c.member_id);
  json::array granted, skipped;
  RewardTrigger trigger{on.value_or(rules::RewardOn::kCustom), ev.type, ev.event_id, at, ""};
  auto r = grant_rewards(program, wallets, limits, member_tier(program, member), trigger, {},
                         granted, skipped);
  if (!r) return std::unexpected(r.error());
  json::object out{{"member_id", c.member_id}, {"type", ev.type}};
  out["id"] = ev.event_id.empty() ? json::value(nullptr) : json::value(ev.event_id);
  out["at"] = format_instant(at);
  bool listened = std::any_of(
      program.program.rules.rewards.begin(), program.program.rules.rewards.end(),
      [&](const rules::Reward& rw) {
        return on ? rw.on == *on : rw.on == rules::RewardOn::kCustom && rw.event == ev.type;
      });
  if (!listened) out["note"] = "no reward of this program listens to '" + ev.type + "'";
  return finish_rewards(c, wallets, limits, std::move(out), std::move(granted), std::move(skipped),
                        std::nullopt);
}

namespace {

const rules::Reward* find_reward(const ResolvedProgram& program, const std::string& id,
                                 rules::RewardOn on) {
  for (const rules::Reward& r : program.program.rules.rewards) {
    if (r.id == id && r.on == on) return &r;
  }
  return nullptr;
}

// A reward due on the local day `date` or up to its grace_days later, to a
// member who existed that day, once per `key`. Limits count the grant at the
// start of `date`, not of a late run (a 30 December birthday given on
// 2 January belongs to the old year). `date` nullopt: `why_not` says why
// there is none.
Result<Executed> dated_reward(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                              const Command& c, const rules::Reward& reward, const Member& member,
                              Instant now, std::optional<std::chrono::year_month_day> date,
                              const std::string& key, const char* joined_after, std::string why_not,
                              json::object out) {
  using namespace std::chrono;
  Wallets wallets(store, program, ids, now, c.member_id, "", true);
  RuleLimits limits(store, program, c.member_id);
  json::array granted, skipped;
  std::string why = std::move(why_not);
  if (date) {
    Instant starts = local_midnight(*date, program.zone);
    Instant ends = local_midnight(sys_days(*date) + days{reward.grace_days + 1}, program.zone);
    if (now < starts) {
      why = "not yet";
    } else if (now >= ends) {
      why = "past the grace period";
    } else if (member.created_at >= local_midnight(sys_days(*date) + days{1}, program.zone)) {
      why = joined_after;
    } else {
      RewardTrigger trigger{reward.on, "", key, starts, reward.id};
      auto r = grant_rewards(program, wallets, limits, member_tier(program, member), trigger, {},
                             granted, skipped);
      if (!r) return std::unexpected(r.error());
    }
  }
  if (!why.empty()) out["note"] = why;
  return finish_rewards(c, wallets, limits, std::move(out), std::move(granted), std::move(skipped),
                        std::nullopt);
}

}  // namespace

Result<Executed> birthday_reward(Store& store, const ResolvedProgram& program,
                                 ledger::IdSource& ids, const Command& c,
                                 const BirthdayReward& birthday, const Member& member,
                                 Instant now) {
  const rules::Reward* reward =
      find_reward(program, birthday.reward_id, rules::RewardOn::kBirthday);
  if (reward == nullptr) {
    return fail(ErrorCode::kNotFound, "reward", "no birthday reward '" + birthday.reward_id + "'");
  }
  json::object out{{"member_id", c.member_id}, {"reward", reward->id}, {"year", birthday.year}};
  std::optional<std::chrono::year_month_day> date;
  if (member.birthday) {
    date = rules::birthday_reward_date(*reward, std::chrono::year{birthday.year}, *member.birthday);
    out["date"] = format_date(*date);
  }
  return dated_reward(store, program, ids, c, *reward, member, now, date,
                      std::to_string(birthday.year), "joined after the date",
                      member.birthday ? "" : "no birthday", std::move(out));
}

Result<Executed> monthly_reward(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                                const Command& c, const MonthlyReward& monthly,
                                const Member& member, Instant now) {
  const rules::Reward* reward = find_reward(program, monthly.reward_id, rules::RewardOn::kMonthly);
  if (reward == nullptr) {
    return fail(ErrorCode::kNotFound, "reward", "no monthly reward '" + monthly.reward_id + "'");
  }
  auto first = parse_date(monthly.month + "-01", "month");
  if (!first || monthly.month.size() != 7) {
    return fail(ErrorCode::kInvalidArgument, "month", "must be YYYY-MM");
  }
  json::object out{{"member_id", c.member_id}, {"reward", reward->id}, {"month", monthly.month}};
  return dated_reward(store, program, ids, c, *reward, member, now, *first, monthly.month,
                      "joined after the 1st", "", std::move(out));
}

std::optional<OrderSummary> last_purchase(const ResolvedProgram& program,
                                          const std::vector<OrderSummary>& orders) {
  std::optional<OrderSummary> last;
  for (const OrderSummary& o : orders) {
    if (purchased(program, o) && (!last || o.placed_at >= last->placed_at)) last = o;
  }
  return last;
}

Result<Executed> winback_reward(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                                const Command& c, const WinbackReward& winback,
                                const Member& member, Instant now) {
  const rules::Reward* reward = find_reward(program, winback.reward_id, rules::RewardOn::kWinback);
  if (reward == nullptr) {
    return fail(ErrorCode::kNotFound, "reward", "no winback reward '" + winback.reward_id + "'");
  }
  auto orders = store.member_order_summaries(program.program.id, member.id);
  if (!orders) return std::unexpected(orders.error());
  std::optional<OrderSummary> last = last_purchase(program, *orders);
  json::object out{{"member_id", c.member_id}, {"reward", reward->id}};
  Wallets wallets(store, program, ids, now, c.member_id, "", true);
  RuleLimits limits(store, program, c.member_id);
  json::array granted, skipped;
  if (!last) {
    out["note"] = "no orders";
  } else {
    out["last_order_id"] = last->id;
    out["last_order_at"] = format_instant(last->placed_at);
    if (winback.p_alive) {
      out["reason"] = "churn";
      out["p_alive"] = *winback.p_alive;
    } else {
      out["reason"] = "inactive";
    }
    if (!winback.p_alive && now - last->placed_at < std::chrono::days{reward->inactive_days}) {
      out["note"] = "active";
    } else if (winback.p_alive && !winback.last_order_id.empty() &&
               last->id != winback.last_order_id) {
      out["note"] = "bought since";  // the churn estimate was about an earlier last order
    } else {
      RewardTrigger trigger{reward->on, "", "lapse:" + last->id, now, reward->id};
      auto r = grant_rewards(program, wallets, limits, member_tier(program, member), trigger, {},
                             granted, skipped);
      if (!r) return std::unexpected(r.error());
    }
  }
  return finish_rewards(c, wallets, limits, std::move(out), std::move(granted), std::move(skipped),
                        std::nullopt);
}

}  // namespace patron::app
