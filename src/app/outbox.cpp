#include "app/outbox.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <map>

#include "app/programs.h"
#include "rules/rewards.h"

namespace patron::app {

namespace json = boost::json;

const std::vector<std::string>& event_types() {
  static const std::vector<std::string> kTypes = [] {
    std::vector<std::string> out;
    for (std::string_view t :
         {event_type::kCreditEarned, event_type::kCreditMatured, event_type::kCreditExpired,
          event_type::kCreditExpiring, event_type::kTierUpgraded, event_type::kTierDowngraded,
          event_type::kTierWillDowngrade, event_type::kReferralRewarded,
          event_type::kReferralReview, event_type::kCouponIssued, event_type::kCartAbandoned,
          event_type::kReplenishmentDue, event_type::kProductNew}) {
      out.emplace_back(t);
    }
    for (auto on :
         {rules::RewardOn::kSignup, rules::RewardOn::kBirthday, rules::RewardOn::kMonthly,
          rules::RewardOn::kFirstPurchase, rules::RewardOn::kAppInstall, rules::RewardOn::kLineBind,
          rules::RewardOn::kReview, rules::RewardOn::kShare, rules::RewardOn::kSurvey,
          rules::RewardOn::kCustom, rules::RewardOn::kWinback}) {
      out.push_back(std::string(event_type::kRewardPrefix) + std::string(rules::to_string(on)));
    }
    return out;
  }();
  return kTypes;
}

OutboxEvent make_event(const std::string& program_id, std::string_view type,
                       const std::string& member_id, const json::object& data, Instant at) {
  return OutboxEvent{0, program_id, std::string(type), member_id, json::serialize(data), at};
}

namespace {

json::value time_or_null(const std::optional<Instant>& t) {
  return t ? json::value(format_instant(*t)) : json::value(nullptr);
}

}  // namespace

std::vector<OutboxEvent> ledger_events(const CommandWrite& write) {
  std::vector<OutboxEvent> out;
  if (write.changes.transfers.empty()) return out;
  struct Sum {
    int64_t amount = 0;
    json::array lots;
    Instant at{};
  };
  Sum matured, expired;
  for (const ledger::Transfer& t : write.changes.transfers) {
    if (t.kind == "grant") {
      auto lot = std::find_if(write.changes.lots.begin(), write.changes.lots.end(),
                              [&](const ledger::Lot& l) { return l.id == t.lot_id; });
      if (lot == write.changes.lots.end() || lot->source == "restore") continue;
      const bool pending = t.to == ledger::account::kPending;
      json::object data{{"wallet", t.wallet},
                        {"amount", t.amount},
                        {"source", lot->source},
                        {"lot_id", lot->id},
                        {"order_id", lot->order_id},
                        {"state", pending ? "pending" : "available"},
                        {"available_at", time_or_null(lot->available_at)},
                        {"expires_at", time_or_null(lot->expires_at)}};
      out.push_back(
          make_event(write.program_id, event_type::kCreditEarned, write.member_id, data, t.at));
    } else if (t.kind == "mature") {
      matured.amount += t.amount;
      matured.lots.emplace_back(t.lot_id);
      matured.at = t.at;
    } else if (t.kind == "expire") {
      expired.amount += t.amount;
      expired.lots.emplace_back(t.lot_id);
      expired.at = t.at;
    }
  }
  for (auto [type, sum] : {std::pair{event_type::kCreditMatured, &matured},
                           std::pair{event_type::kCreditExpired, &expired}}) {
    if (sum->amount <= 0) continue;
    json::object data{
        {"wallet", write.wallet}, {"amount", sum->amount}, {"lot_ids", std::move(sum->lots)}};
    out.push_back(make_event(write.program_id, type, write.member_id, data, sum->at));
  }
  return out;
}

std::optional<OutboxEvent> tier_event(const ResolvedProgram& program, const std::string& member_id,
                                      const rules::TierState& before, const rules::TierState& after,
                                      std::string_view reason, Instant at) {
  const rules::Tiers& tiers = program.program.rules.tiers;
  if (!tiers.enabled()) return std::nullopt;
  std::string from = rules::effective_tier(tiers, before);
  std::string to = rules::effective_tier(tiers, after);
  if (from == to) return std::nullopt;
  std::size_t from_level = rules::level_index(tiers, from);
  std::size_t to_level = rules::level_index(tiers, to);
  auto name = [&](std::size_t level) { return tiers.levels.at(level).name; };
  json::object data{{"from", from},
                    {"from_name", name(from_level)},
                    {"to", to},
                    {"to_name", name(to_level)},
                    {"reason", reason},
                    {"since", time_or_null(after.since)},
                    {"until", time_or_null(after.until)}};
  return make_event(program.program.id,
                    to_level > from_level ? event_type::kTierUpgraded : event_type::kTierDowngraded,
                    member_id, data, at);
}

std::string event_wire_id(int64_t id) {
  return "evt_" + std::to_string(id);
}

std::optional<int64_t> parse_event_id(std::string_view text) {
  if (!text.starts_with("evt_")) return std::nullopt;
  text.remove_prefix(4);
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || id <= 0) {
    return std::nullopt;
  }
  return id;
}

json::object event_json(const OutboxEvent& event) {
  json::value data = json::parse(event.data);
  json::object out{
      {"id", event_wire_id(event.id)},
      {"type", event.type},
      {"program_id", event.program_id},
      {"member_id", event.member_id.empty() ? json::value(nullptr) : json::value(event.member_id)},
      {"created_at", format_instant(event.created_at)},
      {"data", std::move(data)}};
  if (!event.message.empty()) out["message"] = json::parse(event.message);
  return out;
}

bool event_matches(std::span<const std::string> filters, std::string_view type) {
  return std::any_of(filters.begin(), filters.end(), [&](const std::string& f) {
    if (f == "*") return true;
    if (f.ends_with(".*")) {
      return type.starts_with(std::string_view(f).substr(0, f.size() - 1));  // keeps the dot
    }
    return f == type;
  });
}

Result<void> check_event_filters(std::span<const std::string> filters, const char* field) {
  if (filters.empty() || filters.size() > 32) {
    return fail(ErrorCode::kInvalidArgument, field, "must list 1 to 32 event types");
  }
  const auto& types = event_types();
  for (const std::string& f : filters) {
    bool known = f == "*" || std::find(types.begin(), types.end(), f) != types.end();
    if (!known && f.size() > 2 && f.ends_with(".*")) {
      std::string_view prefix = std::string_view(f).substr(0, f.size() - 1);
      known = std::any_of(types.begin(), types.end(),
                          [&](const std::string& t) { return t.starts_with(prefix); });
    }
    if (!known) {
      return fail(ErrorCode::kInvalidArgument, field,
                  "'" + f + "' is not an event type, a prefix such as 'credit.*', or '*'");
    }
  }
  return {};
}

}  // namespace patron::app
