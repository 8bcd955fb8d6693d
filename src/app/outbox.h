// The outbox: events written in the same transaction as the change that
// caused them (docs/webhooks.md lists every type and its data). Commands add
// the events they know the meaning of (a tier change, a reward, a referral,
// an issued coupon); value earned, matured and expired is read off the ledger
// transfers of a write in one place (ledger_events), so every path that moves
// value (commands, imports, the expiry job) reports it the same way.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/model.h"
#include "app/store.h"
#include "core/error.h"
#include "rules/tiers.h"

namespace patron::app {

struct ResolvedProgram;

namespace event_type {
inline constexpr std::string_view kCreditEarned = "credit.earned";
inline constexpr std::string_view kCreditMatured = "credit.matured";
inline constexpr std::string_view kCreditExpired = "credit.expired";
inline constexpr std::string_view kCreditExpiring = "credit.expiring";  // the reminders job
inline constexpr std::string_view kTierUpgraded = "tier.upgraded";
inline constexpr std::string_view kTierDowngraded = "tier.downgraded";
inline constexpr std::string_view kTierWillDowngrade = "tier.will_downgrade";  // the reminders job
inline constexpr std::string_view kReferralRewarded = "referral.rewarded";
inline constexpr std::string_view kReferralReview = "referral.review";
inline constexpr std::string_view kCouponIssued = "coupon.issued";
inline constexpr std::string_view kCartAbandoned = "cart.abandoned";        // the carts job
inline constexpr std::string_view kReplenishmentDue = "replenishment.due";  // the replenishment job
inline constexpr std::string_view kProductNew = "product.new";              // the products job
// Engagement rewards: "reward." + the trigger (reward.birthday, reward.signup, ...).
inline constexpr std::string_view kRewardPrefix = "reward.";
}  // namespace event_type

// Every type an endpoint may subscribe to (reward.* spelled out per trigger).
const std::vector<std::string>& event_types();

OutboxEvent make_event(const std::string& program_id, std::string_view type,
                       const std::string& member_id, const boost::json::object& data, Instant at);

// The events a write's ledger transfers stand for: one credit.earned per
// granted lot (not lots a refund restored), and per wallet one
// credit.matured and one credit.expired summing what matured and expired.
std::vector<OutboxEvent> ledger_events(const CommandWrite& write);

// tier.upgraded or tier.downgraded when the level a member stands at moved
// (nothing when only the period moved: a retention).
std::optional<OutboxEvent> tier_event(const ResolvedProgram& program, const std::string& member_id,
                                      const rules::TierState& before, const rules::TierState& after,
                                      std::string_view reason, Instant at);

// The event as it goes over the wire (webhook body, GET /v1/events):
// {"id":"evt_<id>","type":...,"program_id":...,"member_id":...,"created_at":...,"data":{...}}
boost::json::object event_json(const OutboxEvent& event);
std::string event_wire_id(int64_t id);
// "evt_12" -> 12; nullopt when not an event id.
std::optional<int64_t> parse_event_id(std::string_view text);

// Whether an endpoint's filters take `type`: "*", "<prefix>.*", or the type.
bool event_matches(std::span<const std::string> filters, std::string_view type);
// Filters a caller gives: 1 to 32, each "*", a known type, or a known
// prefix followed by ".*". kInvalidArgument naming `field`.
Result<void> check_event_filters(std::span<const std::string> filters, const char* field);

}  // namespace patron::app
