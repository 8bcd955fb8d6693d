// Engagement rewards (入會禮, 生日禮, 首購禮, 開卡禮, review, share, survey,
// custom events), per-member limits, program budgets, and the calendar
// arithmetic they need. Plain data configured by the program file
// (docs/config.md "[[rewards]]"); pure functions, no I/O, no clock.
//
// A reward fires on its trigger (`on`) and grants a fixed amount (or the
// member's tier amount) into one wallet, as a lot with the reward's source and
// expiry. Whether it may fire is decided by the app from what the member was
// already given (rule uses, app/store.h): per-member limits count grants in
// the local day / month / year of the event and over the member's lifetime;
// a budget counts every grant of the rule in the program.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "ledger/policy.h"
#include "rules/coupon_terms.h"

namespace patron::rules {

enum class RewardOn {
  kSignup,         // the member is created (PUT, or a first order)
  kBirthday,       // the birthdays job, on the birthday or the 1st of the birth month
  kMonthly,        // the monthly job, on the 1st of every month (tier monthly coupons)
  kFirstPurchase,  // the member's first order earns (pending with it, clawed back with it)
  kAppInstall,     // member events (POST /v1/members/{id}/events, `patron member event`)
  kLineBind,
  kReview,
  kShare,
  kSurvey,
  kCustom,   // a member event named by the reward's `event`
  kWinback,  // the winback job: a member's last order is `inactive_days` old (once per lapse)
};
std::string_view to_string(RewardOn on);
std::optional<RewardOn> parse_reward_on(std::string_view text);
// Whether members earn it by sending an event (app_install ... custom).
bool is_member_event(RewardOn on);

// Grants per member; 0 = no limit. Periods are local to the program time zone
// and judged at the event's time.
struct RewardLimits {
  int64_t per_day = 0;
  int64_t per_month = 0;
  int64_t per_year = 0;
  int64_t lifetime = 0;
  bool any() const { return per_day > 0 || per_month > 0 || per_year > 0 || lifetime > 0; }
  friend bool operator==(const RewardLimits&, const RewardLimits&) = default;
};

// A program-wide budget of a rule: total value granted and number of grants;
// 0 = unlimited. Counted from the rule's first grant, whatever version.
struct Budget {
  int64_t value = 0;  // minor units of the rule's wallet
  int64_t count = 0;
  bool any() const { return value > 0 || count > 0; }
  friend bool operator==(const Budget&, const Budget&) = default;
};

// Value one member may earn from a rule per local day / month / year; 0 = none.
struct MemberCaps {
  int64_t per_day = 0;
  int64_t per_month = 0;
  int64_t per_year = 0;
  bool any() const { return per_day > 0 || per_month > 0 || per_year > 0; }
  friend bool operator==(const MemberCaps&, const MemberCaps&) = default;
};

enum class BirthdayOn { kMonthStart, kDay };
// Where a 29 February birthday falls in a year without one.
enum class Feb29 { kFeb28, kMar1 };

struct TierAmount {
  std::string tier;
  int64_t amount = 0;
  friend bool operator==(const TierAmount&, const TierAmount&) = default;
};

struct Reward {
  std::string id;  // [a-z0-9_]{1,32}, unique among rewards and earn rules
  RewardOn on = RewardOn::kSignup;
  std::string event;                          // kCustom: the member event's type ([a-z0-9_]{1,32})
  std::string wallet;                         // a wallet of the program
  std::string source;                         // the lot's source; default the trigger's name
  int64_t amount = 0;                         // minor units of the wallet
  std::vector<TierAmount> tier_amounts;       // instead of `amount` for these tiers (tier benefits)
  std::vector<std::string> tiers;             // only members of these tiers; empty = everyone
  std::optional<ledger::ExpiryRule> expires;  // default: the wallet's rule for `source`
  RewardLimits limits;
  Budget budget;
  BirthdayOn birthday_on = BirthdayOn::kMonthStart;  // kBirthday only
  Feb29 feb29 = Feb29::kFeb28;                       // kBirthday with kDay only
  // kBirthday, kMonthly: the job grants on the reward date or up to this many
  // days later (a server that was down on the day still gives it).
  int64_t grace_days = 7;
  // Set: the reward issues this coupon (one code bound to the member) instead
  // of value; `wallet`, `amount`, `tier_amounts`, `source` and `expires` are
  // then unused.
  std::optional<CouponOffer> coupon;
  // kWinback: days since the member's last order (placed, not cancelled)
  // after which the offer is made, once per lapse.
  int64_t inactive_days = 0;
  // kWinback: also made to a member whose probability of having churned,
  // 1 - P(alive) of a BG/NBD fit of the program's purchases (analytics),
  // is above this, in basis points (7000: 70%); 0: by inactive_days only.
  int64_t churn_above_bp = 0;
  friend bool operator==(const Reward&, const Reward&) = default;
};

// The lot source a reward grants with.
std::string reward_source(const Reward& r);

// What the reward gives a member of `tier` (the tier amount, else `amount`);
// nullopt when the reward is limited to other tiers.
std::optional<int64_t> reward_amount(const Reward& r, std::string_view tier);

// The date in `year` on which a member born on `birthday` gets reward `r`
// (kBirthday): the 1st of the birth month, or the birthday itself, with
// 29 February moved to 28 February or 1 March in common years.
std::chrono::year_month_day birthday_reward_date(const Reward& r, std::chrono::year year,
                                                 std::chrono::year_month_day birthday);

// The starts (local midnight) of the day, month and year containing `at`.
struct PeriodStarts {
  Instant day;
  Instant month;
  Instant year;
};
PeriodStarts period_starts(Instant at, const date::time_zone* zone);
// The ends (exclusive: the next local midnight, first of next month, of next year).
PeriodStarts period_ends(Instant at, const date::time_zone* zone);

// Splits `amount` over `weights` in proportion (largest remainder, ties to
// the earlier entry); weights are >= 0 with a positive sum. The result sums
// to `amount`.
std::vector<int64_t> split_by_weight(int64_t amount, const std::vector<int64_t>& weights);

}  // namespace patron::rules
