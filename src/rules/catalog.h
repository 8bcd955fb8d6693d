// The reward catalog (docs/checkout.md "Reward catalog"): items a member buys
// with a wallet (usually points): a coupon, a gift the shop ships, or value
// in another wallet (credit conversion). Each item has a price, optional
// stock, per-member limits, a validity window and tiers. Plain data
// configured by the program file ([[catalog]] in docs/config.md); the app
// (app/catalog.h) checks the limits against stored redemptions and redeems.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "ledger/policy.h"
#include "rules/coupon_terms.h"
#include "rules/rewards.h"

namespace patron::rules {

struct CatalogItem {
  enum class Kind { kCoupon, kGift, kCredit };
  std::string id;  // [a-z0-9_]{1,32}, unique in the catalog
  std::string name;
  std::string wallet;  // pays for it
  int64_t price = 0;   // minor units of `wallet`, > 0
  Kind kind = Kind::kCoupon;
  CouponOffer coupon;  // kCoupon
  std::string sku;     // kGift: what the shop ships
  // kCredit: the value granted into `credit_wallet` (minor units of it), as
  // a lot of source "catalog" with `credit_expires` (default: that wallet's
  // rule for the source).
  std::string credit_wallet;
  int64_t credit_amount = 0;
  std::optional<ledger::ExpiryRule> credit_expires;
  int64_t stock = 0;               // redemptions not refunded, over all members; 0 = unlimited
  RewardLimits limits;             // per member (local day / month / year / lifetime)
  std::vector<std::string> tiers;  // only members of these tiers; empty = everyone
  std::optional<Instant> starts_at;
  std::optional<Instant> ends_at;  // exclusive
  bool enabled = true;
  friend bool operator==(const CatalogItem&, const CatalogItem&) = default;
};

std::string_view to_string(CatalogItem::Kind kind);

// Why `item` cannot be redeemed now by a member of `tier` (before counting
// stock and limits): "disabled", "not_started", "ended", "tier"; empty when
// it may.
std::string catalog_blocked(const CatalogItem& item, std::string_view tier, Instant now);

}  // namespace patron::rules
