#include "app/reminders.h"

#include <boost/json.hpp>
#include <map>

#include "app/outbox.h"
#include "app/tiering.h"

namespace patron::app {

namespace json = boost::json;

namespace {

constexpr const char* kReminderUse = "#reminder";  // not a rule id: ids are [a-z0-9_]

int64_t days_between(std::chrono::year_month_day from, std::chrono::year_month_day to) {
  return (std::chrono::sys_days(to) - std::chrono::sys_days(from)).count();
}

}  // namespace

int64_t reminder_lead(const std::vector<int64_t>& leads, int64_t days_left) {
  for (int64_t lead : leads) {
    if (lead >= days_left) return lead;
  }
  return 0;
}

Result<Executed> send_reminders(Store& store, const ResolvedProgram& program, const Command& c,
                                const Member& member, Instant now) {
  using namespace std::chrono;
  const rules::Reminders& reminders = program.program.rules.reminders;
  const year_month_day today = local_date(now, program.zone);
  Executed e;
  e.write.program_id = c.program_id;
  e.write.member_id = c.member_id;
  json::array sent;
  auto sent_before = [&](const std::string& key) {
    return store.rule_use_exists(c.program_id, c.member_id, kReminderUse, key);
  };
  auto send = [&](const std::string& key, const std::string& wallet, OutboxEvent event) {
    e.write.rule_uses.push_back(
        RuleUse{c.program_id, c.member_id, kReminderUse, key, wallet, 0, 0, now});
    sent.emplace_back(json::object{{"type", event.type}, {"key", key}});
    e.write.events.push_back(std::move(event));
  };

  if (!reminders.expiry_days.empty()) {
    const Instant horizon =
        local_midnight(sys_days(today) + days{reminders.expiry_days.back() + 1}, program.zone);
    for (const WalletConfig& wallet : program.program.wallets) {
      auto state = store.load_wallet(c.program_id, c.member_id, wallet.name, {});
      if (!state) return std::unexpected(state.error());
      struct Group {
        int64_t amount = 0;
        Instant first{};
        json::array lots;
      };
      std::map<std::string, Group> by_day;  // the last local day the value can be used
      for (const ledger::Lot& lot : state->lots) {
        if (lot.state != ledger::LotState::kAvailable || lot.remaining <= 0 || !lot.expires_at ||
            *lot.expires_at <= now || *lot.expires_at > horizon) {
          continue;
        }
        // expires_at is exclusive: the value is usable through the second before.
        Group& g = by_day[format_date(local_date(*lot.expires_at - seconds{1}, program.zone))];
        if (g.lots.empty() || *lot.expires_at < g.first) g.first = *lot.expires_at;
        g.amount += lot.remaining;
        g.lots.emplace_back(lot.id);
      }
      for (auto& [last_day, g] : by_day) {
        const int64_t days_left =
            days_between(today, local_date(g.first - seconds{1}, program.zone));
        const int64_t lead = reminder_lead(reminders.expiry_days, days_left);
        if (lead == 0) continue;
        json::object data{{"wallet", wallet.name},
                          {"amount", g.amount},
                          {"expires_at", format_instant(g.first)},
                          {"last_day", last_day},
                          {"days_left", days_left},
                          {"lead_days", lead},
                          {"lot_ids", std::move(g.lots)}};
        std::string key = "expiry:" + wallet.name + ":" + last_day + ":" + std::to_string(lead);
        auto seen = sent_before(key);
        if (!seen) return std::unexpected(seen.error());
        if (!*seen) {
          send(key, wallet.name,
               make_event(c.program_id, event_type::kCreditExpiring, c.member_id, data, now));
        }
      }
    }
  }

  const rules::Tiers& tiers = program.program.rules.tiers;
  const std::optional<Instant>& until = member.tier.until;
  if (tiers.warn_days > 0 && tiers.enabled() && until && *until > now) {
    const year_month_day anniversary = local_date(*until, program.zone);
    const int64_t days_left = days_between(today, anniversary);
    const int64_t lead = days_left <= tiers.warn_days ? tiers.warn_days : 0;
    const std::string key = "tier:" + format_date(anniversary) + ":" + std::to_string(lead);
    auto seen = lead > 0 ? sent_before(key) : Result<bool>(true);
    if (!seen) return std::unexpected(seen.error());
    if (!*seen) {
      auto orders = counted_orders(store, program, c.member_id, nullptr);
      if (!orders) return std::unexpected(orders.error());
      rules::TierProgress p = rules::progress(tiers, member.tier, *orders, now, program.zone);
      // What the anniversary would do if nothing more were bought.
      rules::TierChange then =
          rules::on_anniversary(tiers, member.tier, *orders, *until, program.zone);
      const std::string from = rules::effective_tier(tiers, member.tier);
      const std::string to = rules::effective_tier(tiers, then.state);
      if (p.to_keep > 0 && rules::level_index(tiers, to) < rules::level_index(tiers, from)) {
        json::object data{{"tier", from},
                          {"tier_name", tiers.levels[rules::level_index(tiers, from)].name},
                          {"to", to},
                          {"to_name", tiers.levels[rules::level_index(tiers, to)].name},
                          {"until", format_instant(*until)},
                          {"to_keep", p.to_keep},
                          {"days_left", days_left},
                          {"lead_days", lead}};
        send(key, "",
             make_event(c.program_id, event_type::kTierWillDowngrade, c.member_id, data, now));
      }
    }
  }
  e.response = json::serialize(json::object{{"member_id", c.member_id}, {"sent", std::move(sent)}});
  return e;
}

}  // namespace patron::app
