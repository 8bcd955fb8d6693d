// The rules of a program beyond its wallets: when and how orders earn, member
// days. Plain data, configured by the program file (docs/config.md) and
// evaluated by rules/earn.h. Amounts are minor units (of the program's
// currency for spend, of the rule's wallet for what is earned); rates and
// multipliers are basis points (100 = 1%, 10000 = x1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/campaigns.h"
#include "rules/catalog.h"
#include "rules/messages.h"
#include "rules/redemption.h"
#include "rules/replenishment.h"
#include "rules/rewards.h"
#include "rules/tiers.h"

namespace patron::rules {

// How much an earn base earns: a percent, or "every X spent earns Y" (每滿額送,
// floor per whole step).
struct Rate {
  enum class Kind { kPercent, kSteps };
  Kind kind = Kind::kPercent;
  int64_t bp = 0;     // kPercent: 300 = 3%
  int64_t every = 0;  // kSteps: spend per step, minor units of the currency, > 0
  int64_t get = 0;    // kSteps: earned per step, minor units of the wallet
  friend bool operator==(const Rate&, const Rate&) = default;
};

// Used instead of the rule's rate for members of `tier`.
struct TierRate {
  std::string tier;
  Rate rate;
  friend bool operator==(const TierRate&, const TierRate&) = default;
};

// Weighs the lines that match: exactly one of category, brand, sku is set.
// factor_bp 20000 doubles what the line earns; 0 excludes it.
struct Multiplier {
  std::string category;
  std::string brand;
  std::string sku;
  int64_t factor_bp = 10000;
  friend bool operator==(const Multiplier&, const Multiplier&) = default;
};

// What counts towards the earn base. Reward lines and refunded units never
// count; the rest is per rule.
struct EarnBase {
  bool include_shipping = false;
  bool exclude_paid_with_value = true;  // value paid with credit/points does not earn
  std::vector<std::string> exclude_categories;
  std::vector<std::string> exclude_brands;
  std::vector<std::string> exclude_skus;
  friend bool operator==(const EarnBase&, const EarnBase&) = default;
};

// A purchase earn rule: turns an order's earn base into value in one wallet.
struct EarnRule {
  std::string id;      // [a-z0-9_]{1,32}, unique in the program; recorded on every lot it makes
  std::string wallet;  // a wallet of the program
  std::string source = "purchase";  // the lot source (expiry rule, issued:<source> account)
  Rate rate;
  std::vector<TierRate> tier_rates;
  EarnBase base;
  std::vector<Multiplier> multipliers;
  int64_t min_base = 0;       // orders whose earn base is below this earn nothing
  int64_t per_order_max = 0;  // 0: no cap
  bool member_days = true;    // member-day multipliers apply
  MemberCaps member_caps;     // value one member may earn per local day / month / year
  Budget budget;              // value and grants over the whole program
  friend bool operator==(const EarnRule&, const EarnRule&) = default;
};

// A recurring day that multiplies purchase earning (會員日): a day of the
// month or a weekday, in the program time zone, by the date the order was
// placed.
struct MemberDay {
  std::string id;        // [a-z0-9_]{1,32}
  int day_of_month = 0;  // 1..31; 0 when `weekday` is used
  int weekday = -1;      // 0 Sunday .. 6 Saturday; -1 when `day_of_month` is used
  int64_t multiplier_bp = 20000;
  std::vector<std::string> tiers;  // only for these tiers; empty = everyone
  friend bool operator==(const MemberDay&, const MemberDay&) = default;
};

// Which order event makes an order earn.
enum class EarnTrigger { kPaid, kFulfilled, kCompleted };
inline const char* to_string(EarnTrigger t) {
  switch (t) {
    case EarnTrigger::kPaid:
      return "paid";
    case EarnTrigger::kFulfilled:
      return "fulfilled";
    case EarnTrigger::kCompleted:
      return "completed";
  }
  return "paid";
}

// Referrals (推薦好友): both sides get a reward when the referee's first
// order settles (completed, or its return window passed). Fraud checks hold
// the rewards for review instead.
struct ReferralRules {
  std::string wallet;           // empty: the program has no referral program
  int64_t referrer_amount = 0;  // minor units of the wallet
  int64_t referee_amount = 0;
  std::string source = "referral";            // the lots' source
  std::optional<ledger::ExpiryRule> expires;  // default: the wallet's rule for `source`
  int64_t min_order = 0;  // the qualifying order's paid value at least (currency minor units)
  // A referrer's referrals beyond this many qualifying per local month /
  // year go to review; 0 = no check.
  int64_t review_over_per_month = 0;
  int64_t review_over_per_year = 0;
  // Referrer and referee with the same normalised e-mail or phone go to review.
  bool review_same_contact = true;
  bool enabled() const { return !wallet.empty(); }
  friend bool operator==(const ReferralRules&, const ReferralRules&) = default;
};

// When the reminders job tells members their value is about to expire (a
// credit.expiring outbox event, docs/webhooks.md): days before, ascending,
// distinct, 1 to 365; empty: no expiry reminders. (Tier "will downgrade"
// warnings use [tiers] warn_days.)
struct Reminders {
  std::vector<int64_t> expiry_days;
  friend bool operator==(const Reminders&, const Reminders&) = default;
};

// Abandoned cart reminders ([carts], docs/webhooks.md "Abandoned carts"):
// a cart idle for remind_after_hours with no order since gets one
// cart.abandoned event; carts idle longer than ignore_after_hours are left
// alone (stale, or the job was down), and so are carts under min_total.
struct Carts {
  bool enabled = false;
  int64_t remind_after_hours = 4;   // 1 to 720
  int64_t ignore_after_hours = 72;  // > remind_after_hours, at most 2160
  int64_t min_total = 0;            // minor units of the currency
  friend bool operator==(const Carts&, const Carts&) = default;
};

// New-product notices ([new_products]): the products job tells members who
// bought in the product's category (or, without one, its brand) within the
// last lookback_days.
struct NewProducts {
  bool enabled = false;
  int64_t lookback_days = 365;  // 1 to 3650
  friend bool operator==(const NewProducts&, const NewProducts&) = default;
};

struct Rules {
  EarnTrigger earn_on = EarnTrigger::kPaid;
  // Purchase value stays pending this many days after fulfilment (鑑賞期), or
  // until the order completes, whichever comes first.
  int64_t return_window_days = 7;
  std::vector<EarnRule> earn;
  std::vector<MemberDay> member_days;
  Tiers tiers;                  // no levels: the program has no tiers
  std::vector<Reward> rewards;  // engagement rewards (rules/rewards.h)
  ReferralRules referrals;
  std::vector<Campaign> campaigns;   // rules/campaigns.h
  std::vector<RedeemRule> redeem;    // per wallet with a redeem table (rules/redemption.h)
  std::vector<CatalogItem> catalog;  // the reward catalog (rules/catalog.h)
  Reminders reminders;
  Messages messages;  // rules/messages.h
  Carts carts;
  NewProducts new_products;
  // Replenishment reminders (rules/replenishment.h); nullopt: none.
  std::optional<Replenishment> replenishment;
  friend bool operator==(const Rules&, const Rules&) = default;

  // The wallet's redemption rule; nullptr when it has none (1:1, no limits).
  const RedeemRule* redeem_rule(std::string_view wallet) const {
    for (const RedeemRule& r : redeem) {
      if (r.wallet == wallet) return &r;
    }
    return nullptr;
  }
  const CatalogItem* catalog_item(std::string_view id) const {
    for (const CatalogItem& item : catalog) {
      if (item.id == id) return &item;
    }
    return nullptr;
  }
};

}  // namespace patron::rules
