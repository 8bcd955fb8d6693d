// Engagement rewards in the app (rules/rewards.h): signup when a member is
// created, birthday by the birthdays job, first purchase when the first order
// earns, member events (app install, LINE bind, review, share, survey,
// custom); and the per-member limits, earn caps and budgets every rule grant
// is checked against. Runs inside the writer's transaction; writes nothing
// itself: grants go to the command's wallets and each grant's RuleUse to
// the command's write.
#pragma once

#include <boost/json/array.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/programs.h"
#include "app/service.h"
#include "app/store.h"
#include "app/wallets.h"
#include "rules/rewards.h"
#include "rules/rules.h"

namespace patron::app {

// What one member was already given by each rule, plus the grants of the
// running command: answers "may this rule grant this much now".
class RuleLimits {
 public:
  RuleLimits(Store& store, const ResolvedProgram& program, std::string member_id)
      : store_(store), program_(program), member_id_(std::move(member_id)) {}

  // An earn rule's `amount` cut to what the member's caps (the local day,
  // month and year of `at`) and the rule's budget leave.
  Result<int64_t> earn_room(const rules::EarnRule& rule, int64_t amount, Instant at);

  // Why reward `r` may not grant `amount` for `key` at `at`: "already"
  // (this key was rewarded), "limit_per_day" ... "limit_lifetime",
  // "budget"; empty when it may.
  Result<std::string> reward_blocked(const rules::Reward& r, const std::string& key, int64_t amount,
                                     Instant at);

  // Whether a budget leaves room for one more grant of `amount` (0: any
  // amount; the value must not be spent yet).
  Result<bool> budget_left(const std::string& rule_id, const rules::Budget& budget, int64_t amount);

  void record(const std::string& rule_id, std::string key, const std::string& wallet, int64_t value,
              int64_t lot_id, Instant at);
  std::vector<RuleUse> take() { return std::move(uses_); }
  const std::string& member_id() const { return member_id_; }
  // The member is created by this command: no use of theirs is stored yet
  // (rule uses reference the member), so their caps and limits are not read.
  // Budgets (every member's uses) still are.
  void member_is_new() { new_member_ = true; }
  bool new_member() const { return new_member_; }

 private:
  Result<UseTotals> since(const std::string& rule_id, Instant from);
  // Grants counted at [from, to).
  Result<UseTotals> between(const std::string& rule_id, Instant from, Instant to);
  Result<UseTotals> totals(const std::string& rule_id);

  Store& store_;
  const ResolvedProgram& program_;
  std::string member_id_;
  std::vector<RuleUse> uses_;  // this command's grants, not yet stored
  bool new_member_ = false;
};

// The tier rules see for `m` (empty when the program has no tiers).
std::string member_tier(const ResolvedProgram& program, const Member& m);

// How a reward's lot is granted beyond amount and source: first purchase
// rewards ride with their order (pending with it, clawed back with it).
struct RewardLot {
  std::string order_id;
  std::optional<Instant> available_at;
  bool pending_until_release = false;
  // Line ids and weights to attribute the value to (refund clawback); empty:
  // no attribution.
  std::vector<std::string> line_ids;
  std::vector<int64_t> line_weights;
};

// Grants `amount` into `wallet` as one lot of `source`, placed per `lot`
// (tied to an order, pending, attributed to lines); `reason` gets the
// program version appended. Counts as `rewarded` in the wallet's effect.
Result<ledger::GrantResult> grant_lot(const ResolvedProgram& program, Wallets& wallets,
                                      const std::string& wallet, int64_t amount,
                                      const std::string& source, const std::string& reason,
                                      const std::optional<ledger::ExpiryRule>& expires,
                                      const RewardLot& lot);

// What makes rewards fire: the trigger (`event`: the member event's type for
// kCustom), the key that makes a grant happen once (empty: every time), and
// the time limits count at. `only`: just the reward with this id.
struct RewardTrigger {
  rules::RewardOn on = rules::RewardOn::kSignup;
  std::string_view event;
  std::string key;
  Instant at{};
  std::string_view only;
};

// Grants every reward of the program that fires on `trigger` to the member
// of `wallets`. Appends {"reward", "wallet", "amount", "lot_id", "pending",
// "expires_at"} to `granted` and {"reward", "reason"} to `skipped`;
// `earned`, when given, also gets (reward id, amount) per grant.
Result<void> grant_rewards(const ResolvedProgram& program, Wallets& wallets, RuleLimits& limits,
                           std::string_view tier, const RewardTrigger& trigger,
                           const RewardLot& lot, boost::json::array& granted,
                           boost::json::array& skipped,
                           std::vector<std::pair<std::string, int64_t>>* earned = nullptr);

// Member tags as given (UpsertMember::tags) checked, sorted and made
// distinct; an error names the field (tags[i]).
Result<std::vector<std::string>> check_tags(std::vector<std::string> tags);

// PUT /v1/members/{id}: creates or updates a member; a new member gets the
// signup rewards.
Result<Executed> upsert_member(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                               const Command& c, const UpsertMember& upsert,
                               const std::optional<Member>& existing, Instant now);

// POST /v1/members/{id}/events: the rewards listening to the event.
Result<Executed> member_event(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                              const Command& c, const MemberEvent& event, const Member& member,
                              Instant now);

// The monthly job for one member: the reward's grant for `month`
// ("YYYY-MM") when due at `now` (the 1st of that month, local, up to
// grace_days later, the member existing then); members of other tiers than
// the reward's get nothing.
Result<Executed> monthly_reward(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                                const Command& c, const MonthlyReward& monthly,
                                const Member& member, Instant now);

// The winback job for one member: win-back reward `reward_id` when the
// member's last purchased order was placed at least inactive_days ago; once
// per lapse (keyed by that order: buying again and lapsing again earns a
// new offer). Members who never bought get nothing.
Result<Executed> winback_reward(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                                const Command& c, const WinbackReward& winback,
                                const Member& member, Instant now);

// The member's last purchased order (placed time), if any: what win-back
// offers measure inactivity from.
std::optional<OrderSummary> last_purchase(const ResolvedProgram& program,
                                          const std::vector<OrderSummary>& orders);

// The birthdays job for one member: the reward's grant for `year` when it is
// due at `now` (its date, up to grace_days later, the member existing then).
Result<Executed> birthday_reward(Store& store, const ResolvedProgram& program,
                                 ledger::IdSource& ids, const Command& c,
                                 const BirthdayReward& birthday, const Member& member, Instant now);

}  // namespace patron::app
